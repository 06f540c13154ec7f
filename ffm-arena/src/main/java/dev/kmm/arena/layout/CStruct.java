package dev.kmm.arena.layout;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds {@code java.lang.foreign} layouts the way a C compiler lays out a struct on LP64 Linux: each member
 * at the next multiple of its alignment, a union as large as its largest member, and the whole rounded up
 * to its alignment. Holes become explicit padding, so {@code byteSize()} equals the kernel's {@code sizeof}
 * and every member offset follows from the member list alone, whatever the array lengths.
 *
 * <p>Anonymous structs and unions stay unnamed, as in C. {@link #offsetOf} finds a member through them by
 * its C name, the way {@code page->buddy_list} reaches into page's anonymous unions.
 */
public final class CStruct {
    private final String name;
    private final List<MemoryLayout> members = new ArrayList<>();
    private long size;
    private long alignment = 1;
    private long forcedAlignment = 1;

    private CStruct(String name) {
        this.name = name;
    }

    /** Starts {@code struct name}. */
    public static CStruct struct(String name) {
        return new CStruct(Objects.requireNonNull(name, "name"));
    }

    /** Starts an anonymous struct, to be placed inside a struct or union with {@link #member}. */
    public static CStruct anonymous() {
        return new CStruct(null);
    }

    /** Adds member {@code name} of C type {@code type}, after any padding its alignment needs. */
    public CStruct field(String name, MemoryLayout type) {
        return member(type.withName(Objects.requireNonNull(name, "name")));
    }

    /** Adds an already named member, or an anonymous struct or union (whose members join this scope). */
    public CStruct member(MemoryLayout member) {
        long at = alignUp(size, member.byteAlignment());
        if (at > size) {
            members.add(MemoryLayout.paddingLayout(at - size));
        }
        members.add(member);
        size = at + member.byteSize();
        alignment = Math.max(alignment, member.byteAlignment());
        return this;
    }

    /**
     * {@code CACHELINE_PADDING(name)}: a zero-size member aligned to {@link KernelConstants#INTERNODE_CACHE_BYTES},
     * which starts the members after it on a new cache line (and makes the struct that aligned too).
     */
    public CStruct cachelinePadding(String name) {
        return field(name, MemoryLayout.sequenceLayout(0, ValueLayout.JAVA_BYTE)
                .withByteAlignment(KernelConstants.INTERNODE_CACHE_BYTES));
    }

    /** {@code __aligned(bytes)} on the whole struct, e.g. {@code ____cacheline_aligned_in_smp}. */
    public CStruct aligned(long bytes) {
        if (bytes <= 0 || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + bytes);
        }
        forcedAlignment = Math.max(forcedAlignment, bytes);
        return this;
    }

    /** The finished struct: tail padding up to its alignment, named unless anonymous. */
    public StructLayout build() {
        long align = Math.max(alignment, forcedAlignment);
        long total = alignUp(size, align);
        List<MemoryLayout> all = new ArrayList<>(members);
        if (total > size) {
            all.add(MemoryLayout.paddingLayout(total - size));
        }
        StructLayout layout = MemoryLayout.structLayout(all.toArray(MemoryLayout[]::new)).withByteAlignment(align);
        return name == null ? layout : layout.withName(name);
    }

    /** An anonymous C union of the given (named or anonymous) members, its size rounded to its alignment. */
    public static UnionLayout union(MemoryLayout... members) {
        long size = 0;
        long align = 1;
        for (MemoryLayout m : members) {
            size = Math.max(size, m.byteSize());
            align = Math.max(align, m.byteAlignment());
        }
        UnionLayout natural = MemoryLayout.unionLayout(members);
        if (alignUp(size, align) == size) {
            return natural;
        }
        List<MemoryLayout> all = new ArrayList<>(List.of(members));
        all.add(MemoryLayout.paddingLayout(alignUp(size, align)));
        return MemoryLayout.unionLayout(all.toArray(MemoryLayout[]::new));
    }

    /** C array {@code element[d0][d1]...}: nested sequences, outermost dimension first. */
    public static SequenceLayout array(MemoryLayout element, long... dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("an array needs at least one dimension");
        }
        MemoryLayout l = element;
        for (int i = dims.length - 1; i >= 0; i--) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("negative array dimension " + dims[i]);
            }
            l = MemoryLayout.sequenceLayout(dims[i], l);
        }
        return (SequenceLayout) l;
    }

    /**
     * Offset of the member called {@code member}, found as C finds it: directly, or inside anonymous
     * structs and unions. Computed with {@link GroupLayout#byteOffset(PathElement...)} on the found path.
     *
     * @throws IllegalArgumentException if the layout has no such member
     */
    public static long offsetOf(GroupLayout layout, String member) {
        return layout.byteOffset(path(layout, member));
    }

    /** The path elements that select {@code member} (see {@link #offsetOf}), e.g. to derive a VarHandle. */
    public static PathElement[] path(GroupLayout layout, String member) {
        List<PathElement> path = new ArrayList<>();
        if (!find(layout, member, path)) {
            throw new IllegalArgumentException(layout.name().map(n -> "struct " + n).orElse("anonymous struct")
                    + " has no member '" + member + "'");
        }
        return path.toArray(PathElement[]::new);
    }

    private static boolean find(GroupLayout group, String member, List<PathElement> path) {
        List<MemoryLayout> ms = group.memberLayouts();
        for (int i = 0; i < ms.size(); i++) {
            MemoryLayout m = ms.get(i);
            if (m.name().isPresent()) {
                if (m.name().get().equals(member)) {
                    path.add(PathElement.groupElement(member));
                    return true;
                }
            } else if (m instanceof GroupLayout anonymous) {
                path.add(PathElement.groupElement(i));
                if (find(anonymous, member, path)) {
                    return true;
                }
                path.removeLast();
            }
        }
        return false;
    }

    private static long alignUp(long value, long align) {
        return (value + align - 1) & -align;
    }
}
