package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.of.Fdt;
import dev.kmm.core.of.FdtNode;
import dev.kmm.core.of.FdtProperty;
import dev.kmm.core.of.InvalidDeviceTreeException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code unflatten_device_tree()} takes from memblock for a blob, computed as Linux 6.1 computes it:
 * drivers/of/fdt.c's dry run of {@code unflatten_dt_nodes} ({@code populate_node} and
 * {@code populate_properties} sizing every node and property with {@code unflatten_dt_alloc}), and
 * drivers/of/base.c's {@code of_alias_scan}, one {@code struct alias_prop} plus the stem per usable alias.
 *
 * <p>The sizes depend on the simulated kernel's {@code struct device_node}, {@code struct property} and
 * {@code struct alias_prop}, given by {@link Structs}.
 */
public final class UnflattenedTree {
    /** {@code FDT_MAX_DEPTH} of {@code unflatten_dt_nodes}: nodes at depth 63 and below are skipped. */
    private static final int FDT_MAX_DEPTH = 64;
    /** Bound on alias-to-alias hops; the kernel would recurse without end on a cycle. */
    private static final int MAX_ALIAS_HOPS = 64;

    private UnflattenedTree() {
    }

    /**
     * The sizes of the structures unflattening allocates, for one kernel build.
     *
     * @param deviceNode {@code sizeof(struct device_node)}
     * @param property   {@code sizeof(struct property)}
     * @param align      {@code __alignof__} of both (a pointer's alignment)
     * @param aliasProp  {@code sizeof(struct alias_prop)}, its {@code stem[]} flexible array excluded
     */
    public record Structs(int deviceNode, int property, int align, int aliasProp) {
        /**
         * 32-bit arm, {@code vexpress_defconfig} of 6.1 ({@code CONFIG_OF_KOBJ=y} through SYSFS, no OF_DYNAMIC,
         * no DEBUG_LOCK_ALLOC, no DEBUG_KOBJECT_RELEASE): {@code device_node} is name, phandle, full_name (12),
         * {@code fwnode_handle} (secondary, ops, dev, suppliers, consumers, flags: 32), five pointers (20),
         * {@code kobject} (36), _flags and data (8) = 108; {@code property} is name, length, value, next (16)
         * and a {@code bin_attribute} (attribute 8, size, private, f_mapping, read, write, mmap: 32) = 48;
         * {@code alias_prop} is link (8), alias, np, id = 20.
         */
        public static final Structs ARM = new Structs(108, 48, 4, 20);
        /**
         * arm64 {@code defconfig} of 6.1, the same members with 8-byte pointers: {@code device_node} 8 + 4 (+4
         * padding) + 8 + {@code fwnode_handle} 64 + 40 + {@code kobject} 64 + 16 = 208; {@code property}
         * 32 + {@code bin_attribute} 64 = 96; {@code alias_prop} 16 + 8 + 8 + 4, padded to 40.
         */
        public static final Structs ARM64 = new Structs(208, 96, 8, 40);

        public Structs {
            if (deviceNode <= 0 || property <= 0 || aliasProp <= 0 || Integer.bitCount(align) != 1) {
                throw new IllegalArgumentException("struct sizes must be positive and the alignment a power of two");
            }
        }

        /** The structures of {@code arch}'s kernel. */
        public static Structs of(Arch arch) {
            return switch (arch) {
                case ARM -> ARM;
                case ARM64 -> ARM64;
                case X86_64 -> throw new IllegalArgumentException("x86_64 kernels do not unflatten a boot device tree");
            };
        }
    }

    /** The {@link DeviceTreeBlob} of {@code fdt} lying in {@code blob}, for a kernel with {@code structs}. */
    public static DeviceTreeBlob deviceTreeBlob(Fdt fdt, PhysRange blob, Structs structs) {
        return new DeviceTreeBlob(blob, unflattenSize(fdt, structs), structs.align(), aliasSizes(fdt, structs));
    }

    /**
     * The size {@code __unflatten_device_tree} passes to {@code dt_alloc}: the dry run's size aligned to 4, plus
     * the 4-byte end-of-tree marker.
     */
    public static long unflattenSize(Fdt fdt, Structs structs) {
        long size = unflattenDtNodes(fdt.root(), 0, 0, structs);
        return ((size + 3) & ~3L) + 4;
    }

    /**
     * {@code unflatten_dt_nodes} with no memory (the dry run), every node counted: with {@code CONFIG_OF_KOBJ}
     * (on through SYSFS) unavailable nodes are unflattened too.
     */
    private static long unflattenDtNodes(FdtNode node, int depth, long mem, Structs s) {
        if (depth >= FDT_MAX_DEPTH - 1) {
            return mem;
        }
        mem = populateNode(node, mem, s);
        for (FdtNode child : node.children()) {
            mem = unflattenDtNodes(child, depth + 1, mem, s);
        }
        return mem;
    }

    /** {@code populate_node}: the node with its full name (the unit name and its NUL), then its properties. */
    private static long populateNode(FdtNode node, long mem, Structs s) {
        int len = utf8Length(node.name()) + 1;
        mem = unflattenDtAlloc(mem, s.deviceNode() + len, s.align());
        return populateProperties(node, mem, s);
    }

    /**
     * {@code populate_properties}: one {@code struct property} per property, and when the node has no
     * {@code name} property one more carrying the name recreated from the unit name (up to the last '@').
     */
    private static long populateProperties(FdtNode node, long mem, Structs s) {
        boolean hasName = false;
        for (FdtProperty p : node.properties()) {
            hasName |= p.name().equals("name");
            mem = unflattenDtAlloc(mem, s.property(), s.align());
        }
        if (!hasName) {
            byte[] unit = node.name().getBytes(StandardCharsets.UTF_8);
            int ps = 0;
            int pa = -1;
            for (int i = 0; i < unit.length; i++) {
                if (unit[i] == '@') {
                    pa = i;
                } else if (unit[i] == '/') {
                    ps = i + 1;
                }
            }
            if (pa < ps) {
                pa = unit.length;
            }
            mem = unflattenDtAlloc(mem, s.property() + (pa - ps) + 1, s.align());
        }
        return mem;
    }

    /** {@code unflatten_dt_alloc}: align the cursor, then take {@code size}. */
    private static long unflattenDtAlloc(long mem, long size, long align) {
        return ((mem + align - 1) & -align) + size;
    }

    /**
     * {@code of_alias_scan}: for every {@code /aliases} property but {@code name}, {@code phandle} and
     * {@code linux,phandle} whose value {@code of_find_node_by_path} resolves and whose name ends in a
     * decimal id that fits an int, {@code sizeof(struct alias_prop) + strlen(stem) + 1}, in property order.
     *
     * @throws InvalidDeviceTreeException when aliases refer to each other in a cycle, on which the kernel's
     *                                    lookup would recurse until its stack overflows
     */
    public static List<Long> aliasSizes(Fdt fdt, Structs structs) {
        Optional<FdtNode> aliases = fdt.root().children().stream().filter(n -> n.name().equals("aliases"))
                .findFirst();
        if (aliases.isEmpty()) {
            return List.of();
        }
        List<Long> sizes = new ArrayList<>();
        for (FdtProperty pp : aliases.get().properties()) {
            String name = pp.name();
            if (name.equals("name") || name.equals("phandle") || name.equals("linux,phandle")) {
                continue;
            }
            if (ofFindNodeByPath(fdt, aliases.get(), cString(pp), 0, pp).isEmpty()) {
                continue;
            }
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            int end = n.length;
            while (end > 0 && n[end - 1] >= '0' && n[end - 1] <= '9') {
                end--;
            }
            if (!kstrtointOk(n, end)) {
                continue;
            }
            sizes.add((long) structs.aliasProp() + end + 1);
        }
        return List.copyOf(sizes);
    }

    /** Whether {@code kstrtoint} accepts the digits {@code n[from..]}: at least one, and the value fits an int. */
    private static boolean kstrtointOk(byte[] n, int from) {
        if (from == n.length) {
            return false;
        }
        long v = 0;
        for (int i = from; i < n.length; i++) {
            v = v * 10 + (n[i] - '0');
            if (v > Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code of_find_node_opts_by_path}: "/" is the root; a path not starting with '/' begins with an alias
     * name (up to the first ':' if any, else the first '/'), looked up among {@code /aliases}' properties;
     * then {@code __of_find_node_by_full_path} steps down, each component (up to '/' or ':') matching a
     * child's full unit name exactly, stopping at the options separator ':'.
     */
    private static Optional<FdtNode> ofFindNodeByPath(Fdt fdt, FdtNode aliases, String path, int hops,
                                                      FdtProperty origin) {
        if (path.equals("/")) {
            return Optional.of(fdt.root());
        }
        int separator = path.indexOf(':');
        FdtNode np = null;
        int at = 0;
        if (!path.startsWith("/")) {
            if (hops >= MAX_ALIAS_HOPS) {
                throw new InvalidDeviceTreeException(origin.offset(), "alias '" + origin.name()
                        + "' leads to a cycle of aliases: of_find_node_by_path would recurse without end");
            }
            int p = separator >= 0 ? separator : slashOrEnd(path, 0);
            String alias = path.substring(0, p);
            for (FdtProperty pp : aliases.properties()) {
                if (pp.name().equals(alias)) {
                    np = ofFindNodeByPath(fdt, aliases, cString(pp), hops + 1, origin).orElse(null);
                    break;
                }
            }
            if (np == null) {
                return Optional.empty();
            }
            at = p;
        }
        if (np == null) {
            np = fdt.root();
        }
        while (np != null && at < path.length() && path.charAt(at) == '/') {
            at++;
            np = ofFindChild(np, path, at);
            at = slashOrEnd(path, at);
            if (separator >= 0 && separator < at) {
                break;
            }
        }
        return Optional.ofNullable(np);
    }

    /** {@code __of_find_node_by_path}: the child named exactly {@code path[at..strcspn(path, "/:"))}. */
    private static FdtNode ofFindChild(FdtNode parent, String path, int at) {
        int end = at;
        while (end < path.length() && path.charAt(end) != '/' && path.charAt(end) != ':') {
            end++;
        }
        if (end == at) {
            return null;
        }
        String component = path.substring(at, end);
        for (FdtNode child : parent.children()) {
            if (child.name().equals(component)) {
                return child;
            }
        }
        return null;
    }

    private static int slashOrEnd(String s, int from) {
        int i = s.indexOf('/', from);
        return i < 0 ? s.length() : i;
    }

    /** A property's value read as a C string: up to the first NUL, or all of it. */
    private static String cString(FdtProperty p) {
        byte[] v = p.value();
        int n = 0;
        while (n < v.length && v[n] != 0) {
            n++;
        }
        return new String(v, 0, n, StandardCharsets.UTF_8);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
