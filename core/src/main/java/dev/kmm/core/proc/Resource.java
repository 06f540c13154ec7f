package dev.kmm.core.proc;

import java.util.List;
import java.util.Objects;

/**
 * A node of a {@code struct resource} tree (kernel/resource.c) as {@code /proc/iomem} shows it: a name, an
 * inclusive range {@code [start, end]} and the children, sorted and disjoint, each inside this range.
 * Addresses are unsigned 64-bit values.
 *
 * @param name     {@code res->name}; {@code null} prints as {@code <BAD>}, as in the kernel
 * @param start    first byte
 * @param end      last byte
 * @param children the child resources in address order
 */
public record Resource(String name, long start, long end, List<Resource> children) {
    public Resource {
        children = List.copyOf(Objects.requireNonNull(children, "children"));
        if (Long.compareUnsigned(start, end) > 0) {
            throw new IllegalArgumentException(String.format("resource %s: start %#x is after end %#x", name, start, end));
        }
        Resource prev = null;
        for (Resource c : children) {
            if (Long.compareUnsigned(c.start, start) < 0 || Long.compareUnsigned(c.end, end) > 0) {
                throw new IllegalArgumentException(String.format("resource %s [%#x-%#x] is not inside its parent %s [%#x-%#x]",
                        c.name, c.start, c.end, name, start, end));
            }
            if (prev != null && Long.compareUnsigned(c.start, prev.end) <= 0) {
                throw new IllegalArgumentException(String.format("resources %s [%#x-%#x] and %s [%#x-%#x] overlap or are out of order",
                        prev.name, prev.start, prev.end, c.name, c.start, c.end));
            }
            prev = c;
        }
    }

    /** A resource without children. */
    public static Resource leaf(String name, long start, long end) {
        return new Resource(name, start, end, List.of());
    }
}
