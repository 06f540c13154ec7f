package dev.kmm.core.of;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a device tree in memory and writes it as a version 17 blob laid out like dtc's output (header,
 * memory reservation block, structure block, strings block), so tests and simulators need no dtc.
 *
 * <pre>{@code
 * FdtWriter w = new FdtWriter();
 * FdtWriter.Node root = w.root().u32("#address-cells", 1).u32("#size-cells", 1).string("model", "V2P-CA9");
 * root.node("memory@60000000").string("device_type", "memory").cells("reg", 0x60000000, 0x40000000);
 * byte[] dtb = w.toBlob();
 * }</pre>
 *
 * Misuse (a duplicate name, a name with {@code /} or NUL, nesting deeper than {@link Fdt#FDT_MAX_DEPTH})
 * throws {@link IllegalArgumentException} at the call that causes it.
 */
public final class FdtWriter {
    private static final int VERSION = 17;
    private static final int LAST_COMP_VERSION = 16;

    private final Node root = new Node(new NodeDraft("", "/", -1), 0);
    private final List<FdtReserveEntry> memReserve = new ArrayList<>();
    private int bootCpuidPhys;

    /** The root node, to which properties and children are added. */
    public Node root() {
        return root;
    }

    /** Sets the header's {@code boot_cpuid_phys}. */
    public FdtWriter bootCpuidPhys(int cpuid) {
        this.bootCpuidPhys = cpuid;
        return this;
    }

    /** Adds a {@code /memreserve/} entry; {@code size} must not be 0 (a zero size ends the block). */
    public FdtWriter memReserve(long address, long size) {
        if (size == 0) {
            throw new IllegalArgumentException("a memreserve entry of size 0 would end the reservation block");
        }
        memReserve.add(new FdtReserveEntry(address, size));
        return this;
    }

    /** Copies a parsed tree (header fields other than the version, reservations, nodes) into a new writer. */
    public static FdtWriter of(Fdt fdt) {
        FdtWriter w = new FdtWriter().bootCpuidPhys(fdt.bootCpuidPhys());
        for (FdtReserveEntry e : fdt.memReserve()) {
            w.memReserve(e.address(), e.size());
        }
        copy(fdt.root(), w.root());
        return w;
    }

    private static void copy(FdtNode from, Node to) {
        for (FdtProperty p : from.properties()) {
            to.bytes(p.name(), p.value());
        }
        for (FdtNode c : from.children()) {
            copy(c, to.node(c.name()));
        }
    }

    /** The tree as an immutable {@link Fdt}, built directly from the nodes without going through bytes. */
    public Fdt toFdt() {
        return new Fdt(VERSION, LAST_COMP_VERSION, bootCpuidPhys, memReserve, root.draft);
    }

    /** The tree as a version 17 blob. */
    public byte[] toBlob() {
        Map<String, Integer> strings = new LinkedHashMap<>();
        ByteArrayOutputStream stringBlock = new ByteArrayOutputStream();
        ByteArrayOutputStream struct = new ByteArrayOutputStream();
        writeNode(root.draft, struct, strings, stringBlock);
        putU32(struct, FdtParser.FDT_END);

        int offRsv = FdtParser.FDT_V17_SIZE;
        int offStruct = offRsv + (memReserve.size() + 1) * 16;
        int offStrings = offStruct + struct.size();
        int total = offStrings + stringBlock.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream(total);
        putU32(out, Fdt.FDT_MAGIC);
        putU32(out, total);
        putU32(out, offStruct);
        putU32(out, offStrings);
        putU32(out, offRsv);
        putU32(out, VERSION);
        putU32(out, LAST_COMP_VERSION);
        putU32(out, bootCpuidPhys);
        putU32(out, stringBlock.size());
        putU32(out, struct.size());
        for (FdtReserveEntry e : memReserve) {
            putU64(out, e.address());
            putU64(out, e.size());
        }
        putU64(out, 0);
        putU64(out, 0);
        out.writeBytes(struct.toByteArray());
        out.writeBytes(stringBlock.toByteArray());
        return out.toByteArray();
    }

    private static void writeNode(NodeDraft n, ByteArrayOutputStream s, Map<String, Integer> strings,
                                  ByteArrayOutputStream stringBlock) {
        putU32(s, FdtParser.FDT_BEGIN_NODE);
        byte[] name = n.name.getBytes(StandardCharsets.ISO_8859_1);
        s.writeBytes(name);
        s.write(0);
        pad4(s);
        for (FdtProperty p : n.properties) {
            Integer nameOff = strings.get(p.name());
            if (nameOff == null) {
                nameOff = stringBlock.size();
                strings.put(p.name(), nameOff);
                stringBlock.writeBytes(p.name().getBytes(StandardCharsets.ISO_8859_1));
                stringBlock.write(0);
            }
            putU32(s, FdtParser.FDT_PROP);
            putU32(s, p.length());
            putU32(s, nameOff);
            s.writeBytes(p.value());
            pad4(s);
        }
        for (NodeDraft c : n.children) {
            writeNode(c, s, strings, stringBlock);
        }
        putU32(s, FdtParser.FDT_END_NODE);
    }

    private static void pad4(ByteArrayOutputStream s) {
        while (s.size() % 4 != 0) {
            s.write(0);
        }
    }

    private static void putU32(ByteArrayOutputStream s, int v) {
        s.write(v >>> 24);
        s.write(v >>> 16);
        s.write(v >>> 8);
        s.write(v);
    }

    private static void putU64(ByteArrayOutputStream s, long v) {
        putU32(s, (int) (v >>> 32));
        putU32(s, (int) v);
    }

    /** A node being built; every method returns this node so properties chain. */
    public static final class Node {
        private final NodeDraft draft;
        private final int depth;

        private Node(NodeDraft draft, int depth) {
            this.draft = draft;
            this.depth = depth;
        }

        /** Adds a child node and returns it. */
        public Node node(String name) {
            checkName(name, "node");
            if (name.indexOf('/') >= 0) {
                throw new IllegalArgumentException("node name '" + name + "' contains '/'");
            }
            if (draft.hasChild(name)) {
                throw new IllegalArgumentException("duplicate node name '" + name + "' under " + draft.path);
            }
            if (depth + 1 >= Fdt.FDT_MAX_DEPTH) {
                throw new IllegalArgumentException("nodes nested deeper than FDT_MAX_DEPTH " + Fdt.FDT_MAX_DEPTH);
            }
            NodeDraft child = new NodeDraft(name, NodeDraft.childPath(draft.path, name), -1);
            draft.children.add(child);
            return new Node(child, depth + 1);
        }

        /** Adds a property holding raw bytes (copied). */
        public Node bytes(String name, byte[] value) {
            checkName(name, "property");
            if (draft.hasProperty(name)) {
                throw new IllegalArgumentException("duplicate property '" + name + "' in " + draft.path);
            }
            draft.properties.add(new FdtProperty(name, value.clone(), -1, draft.path));
            return this;
        }

        /** Adds an empty (boolean) property such as {@code no-map}. */
        public Node empty(String name) {
            return bytes(name, new byte[0]);
        }

        /** Adds a NUL-terminated UTF-8 string. */
        public Node string(String name, String value) {
            return strings(name, value);
        }

        /** Adds a list of NUL-terminated UTF-8 strings (e.g. {@code compatible}). */
        public Node strings(String name, String... values) {
            ByteArrayOutputStream v = new ByteArrayOutputStream();
            for (String s : values) {
                if (s.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("string value of '" + name + "' contains NUL");
                }
                v.writeBytes(s.getBytes(StandardCharsets.UTF_8));
                v.write(0);
            }
            return bytes(name, v.toByteArray());
        }

        /** Adds a single cell. */
        public Node u32(String name, int value) {
            return cells(name, value);
        }

        /** Adds a 64-bit value as two cells, high first. */
        public Node u64(String name, long value) {
            return cells(name, (int) (value >>> 32), (int) value);
        }

        /** Adds big-endian cells. */
        public Node cells(String name, int... cells) {
            byte[] v = new byte[cells.length * 4];
            for (int i = 0; i < cells.length; i++) {
                v[4 * i] = (byte) (cells[i] >>> 24);
                v[4 * i + 1] = (byte) (cells[i] >>> 16);
                v[4 * i + 2] = (byte) (cells[i] >>> 8);
                v[4 * i + 3] = (byte) cells[i];
            }
            return bytes(name, v);
        }

        private static void checkName(String name, String what) {
            Objects.requireNonNull(name, what + " name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty " + what + " name");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c == 0 || c > 0xff) {
                    throw new IllegalArgumentException(what + " name '" + name
                            + "' has a character a blob name cannot hold");
                }
            }
        }
    }
}
