package dev.kmm.arena.layout;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.UnionLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Flattens a layout the way the reference table does: members of anonymous structs and unions join their
 * parent with absolute offsets; a named member is one entry whatever its type; padding is skipped.
 */
final class LayoutFields {
    private LayoutFields() {
    }

    /** One named member of a flattened layout. */
    record Field(String name, long offset, MemoryLayout layout) {
        long size() {
            return layout.byteSize();
        }
    }

    static List<Field> flatten(GroupLayout layout) {
        List<Field> out = new ArrayList<>();
        flatten(layout, 0, out);
        return out;
    }

    private static void flatten(GroupLayout group, long base, List<Field> out) {
        long offset = 0;
        boolean union = group instanceof UnionLayout;
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (union ? 0 : offset);
            if (m.name().isPresent()) {
                out.add(new Field(m.name().get(), at, m));
            } else if (m instanceof GroupLayout anonymous) {
                flatten(anonymous, at, out);
            } else if (!(m instanceof PaddingLayout)) {
                throw new AssertionError("unnamed member that is neither padding nor a struct/union: " + m);
            }
            offset += m.byteSize();
        }
    }
}
