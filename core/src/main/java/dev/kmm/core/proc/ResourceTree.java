package dev.kmm.core.proc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A resource tree as kernel/resource.c (6.1) builds it: {@code request_resource()},
 * {@code insert_resource()}, {@code insert_resource_expand_to_fit()} and {@code reserve_region_with_split()},
 * the calls the architectures use at boot to describe physical memory. Nodes link as the kernel's do
 * (parent, first child, next sibling, children in address order); addresses are unsigned and ranges
 * inclusive. {@link #snapshot()} gives the immutable {@link Resource} that {@code /proc/iomem} prints.
 *
 * <p>Resource flags and descriptors are left out: they steer drivers, not the text of {@code /proc/iomem}.
 * Boot code only; not thread-safe.
 */
public final class ResourceTree {
    /** A {@code struct resource}: the fields the tree operations and {@code /proc/iomem} use. */
    public static final class Node {
        private final String name;
        private long start;
        private long end;
        private Node parent;
        private Node sibling;
        private Node child;

        private Node(String name, long start, long end) {
            this.name = name;
            this.start = start;
            this.end = end;
        }

        /** {@code res->name}. */
        public String name() {
            return name;
        }

        /** {@code res->start}. */
        public long start() {
            return start;
        }

        /** {@code res->end}, inclusive. */
        public long end() {
            return end;
        }

        /** Whether the node is in a tree ({@code res->parent != NULL}); a root counts as not. */
        public boolean attached() {
            return parent != null;
        }

        @Override
        public String toString() {
            return String.format("%s [%#x-%#x]", name, start, end);
        }
    }

    private final Node root;

    private ResourceTree(Node root) {
        this.root = root;
    }

    /** A tree whose root covers {@code [start, end]}, e.g. {@code ioport_resource} {@code [0, 0xffff]}. */
    public static ResourceTree of(String name, long start, long end) {
        if (Long.compareUnsigned(start, end) > 0) {
            throw new IllegalArgumentException(String.format("root %s: start %#x is after end %#x", name, start, end));
        }
        return new ResourceTree(new Node(name, start, end));
    }

    /**
     * {@code iomem_resource}: "PCI mem" from 0 to the largest {@code resource_size_t}, which is
     * {@code phys_addr_t}: 32 or 64 bits.
     */
    public static ResourceTree iomem(int physAddrBits) {
        if (physAddrBits != 32 && physAddrBits != 64) {
            throw new IllegalArgumentException("phys_addr_t must be 32 or 64 bits, not " + physAddrBits);
        }
        return of("PCI mem", 0, physAddrBits == 32 ? 0xffff_ffffL : -1L);
    }

    /** The root resource. */
    public Node root() {
        return root;
    }

    /** A new resource not yet in the tree ({@code alloc_resource()} and filling in the fields). */
    public static Node resource(String name, long start, long end) {
        return new Node(Objects.requireNonNull(name, "name"), start, end);
    }

    /**
     * {@code request_resource_conflict()}: puts {@code res} among {@code parent}'s children if it overlaps none
     * of them.
     *
     * @return null on success; else the child it overlaps, or {@code parent} when {@code res} is not inside it
     */
    public Node requestResourceConflict(Node parent, Node res) {
        checkDetached(res);
        return requestResource0(parent, res);
    }

    /** {@code request_resource()}: true on success, false where the kernel returns {@code -EBUSY}. */
    public boolean requestResource(Node parent, Node res) {
        return requestResourceConflict(parent, res) == null;
    }

    /**
     * {@code insert_resource_conflict()}: like a request, but when the overlapping resources all fit inside
     * {@code res}, {@code res} goes in their place and they become its children, at whatever depth that fits.
     *
     * @return null on success; else the resource that overlaps {@code res} only partly
     */
    public Node insertResourceConflict(Node parent, Node res) {
        checkDetached(res);
        return insertResource0(parent, res);
    }

    /** {@code insert_resource()}: true on success, false where the kernel returns {@code -EBUSY}. */
    public boolean insertResource(Node parent, Node res) {
        return insertResourceConflict(parent, res) == null;
    }

    /**
     * {@code insert_resource_expand_to_fit()}: inserts {@code res}, growing it over any resource it partly
     * overlaps until it fits. Does nothing when {@code res} is already in a tree.
     */
    public void insertResourceExpandToFit(Node root, Node res) {
        if (res.parent != null) {
            return;
        }
        for (;;) {
            Node conflict = insertResource0(root, res);
            if (conflict == null || conflict == root) {
                break;
            }
            if (Long.compareUnsigned(conflict.start, res.start) < 0) {
                res.start = conflict.start;
            }
            if (Long.compareUnsigned(conflict.end, res.end) > 0) {
                res.end = conflict.end;
            }
        }
    }

    /**
     * {@code reserve_region_with_split()}: claims {@code [start, end]} under {@code root} as {@code name}, in
     * pieces around the children already there; a request reaching outside {@code root} is cut to it, and
     * dropped when it misses it entirely.
     */
    public void reserveRegionWithSplit(Node root, long start, long end, String name) {
        if (gtU(root.start, start) || gtU(end, root.end)) {
            if (gtU(start, root.end) || gtU(root.start, end)) {
                return;
            }
            if (gtU(end, root.end)) {
                end = root.end;
            }
            if (gtU(root.start, start)) {
                start = root.start;
            }
        }
        Node res = resource(name, start, end);
        Node next = null;
        for (;;) {
            Node conflict = requestResource0(root, res);
            if (conflict == null) {
                if (next == null) {
                    break;
                }
                res = next;
                next = null;
                continue;
            }
            if (!gtU(conflict.start, res.start) && !gtU(res.end, conflict.end)) {
                break; // the conflict covers what is left
            }
            if (gtU(conflict.start, res.start)) {
                long oldEnd = res.end;
                res.end = conflict.start - 1;
                if (gtU(oldEnd, conflict.end)) {
                    next = resource(name, conflict.end + 1, oldEnd);
                }
            } else {
                res.start = conflict.end + 1;
            }
        }
    }

    /** The tree as immutable records, from the root. */
    public Resource snapshot() {
        return snapshot(root);
    }

    private static Resource snapshot(Node n) {
        List<Resource> children = new ArrayList<>();
        for (Node c = n.child; c != null; c = c.sibling) {
            children.add(snapshot(c));
        }
        return new Resource(n.name, n.start, n.end, children);
    }

    /** {@code __request_resource()}. */
    private static Node requestResource0(Node root, Node res) {
        if (gtU(res.start, res.end) || gtU(root.start, res.start) || gtU(res.end, root.end)) {
            return root;
        }
        Node prev = null;
        for (;;) {
            Node tmp = prev == null ? root.child : prev.sibling;
            if (tmp == null || gtU(tmp.start, res.end)) {
                res.sibling = tmp;
                if (prev == null) {
                    root.child = res;
                } else {
                    prev.sibling = res;
                }
                res.parent = root;
                return null;
            }
            prev = tmp;
            if (gtU(res.start, tmp.end)) {
                continue;
            }
            return tmp;
        }
    }

    /** {@code __insert_resource()}. */
    private static Node insertResource0(Node parent, Node res) {
        Node first;
        for (;; parent = first) {
            first = requestResource0(parent, res);
            if (first == null || first == parent) {
                return first;
            }
            if (first == res) {
                return first; // inserted twice
            }
            if (gtU(first.start, res.start) || gtU(res.end, first.end)) {
                break;
            }
            if (first.start == res.start && first.end == res.end) {
                break;
            }
        }
        Node next;
        for (next = first; ; next = next.sibling) {
            if (gtU(res.start, next.start) || gtU(next.end, res.end)) {
                return next; // a partial overlap cannot be fixed
            }
            if (next.sibling == null || gtU(next.sibling.start, res.end)) {
                break;
            }
        }
        res.parent = parent;
        res.sibling = next.sibling;
        res.child = first;
        next.sibling = null;
        for (Node n = first; n != null; n = n.sibling) {
            n.parent = res;
        }
        if (parent.child == first) {
            parent.child = res;
        } else {
            Node n = parent.child;
            while (n.sibling != first) {
                n = n.sibling;
            }
            n.sibling = res;
        }
        return null;
    }

    private static void checkDetached(Node res) {
        if (res.parent != null) {
            throw new IllegalArgumentException("resource " + res + " is already in a tree");
        }
    }

    private static boolean gtU(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }
}
