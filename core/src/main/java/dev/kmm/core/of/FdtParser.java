package dev.kmm.core.of;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Reads a flattened device tree blob with the checks of libfdt's {@code fdt_check_header} and
 * {@code fdt_next_tag}, plus the structural rules dtc guarantees (one root, balanced nodes, unique names).
 * Every read is bounds-checked against the block it belongs to, every loop advances, and nothing is allocated
 * in proportion to a length field that was not first checked against the blob.
 */
final class FdtParser {
    static final int FDT_BEGIN_NODE = 0x1;
    static final int FDT_END_NODE = 0x2;
    static final int FDT_PROP = 0x3;
    static final int FDT_NOP = 0x4;
    static final int FDT_END = 0x9;
    static final int FDT_V16_SIZE = 36;
    static final int FDT_V17_SIZE = 40;
    static final int FDT_FIRST_ACCEPTED_VERSION = 16;
    static final int FDT_LAST_SUPPORTED_VERSION = 17;

    // Header field offsets (struct fdt_header).
    private static final int OFF_TOTALSIZE = 4;
    private static final int OFF_OFF_DT_STRUCT = 8;
    private static final int OFF_OFF_DT_STRINGS = 12;
    private static final int OFF_OFF_MEM_RSVMAP = 16;
    private static final int OFF_VERSION = 20;
    private static final int OFF_LAST_COMP_VERSION = 24;
    private static final int OFF_BOOT_CPUID_PHYS = 28;
    private static final int OFF_SIZE_DT_STRINGS = 32;
    private static final int OFF_SIZE_DT_STRUCT = 36;

    private final byte[] b;

    FdtParser(byte[] blob) {
        this.b = blob;
    }

    Fdt parse() {
        if (b.length < FDT_V17_SIZE) {
            throw new InvalidDeviceTreeException(0, "blob is " + b.length + " bytes, shorter than the "
                    + FDT_V17_SIZE + "-byte header");
        }
        int magic = u32(0);
        if (magic != Fdt.FDT_MAGIC) {
            throw new InvalidDeviceTreeException(0, String.format("bad magic 0x%08x (expected 0x%08x)", magic,
                    Fdt.FDT_MAGIC));
        }
        long totalSize = u32u(OFF_TOTALSIZE);
        if (totalSize > Fdt.MAX_BLOB_SIZE) {
            throw new InvalidDeviceTreeException(OFF_TOTALSIZE, String.format("totalsize 0x%x exceeds the %d MiB limit",
                    totalSize, Fdt.MAX_BLOB_SIZE >> 20));
        }
        long version = u32u(OFF_VERSION);
        long lastComp = u32u(OFF_LAST_COMP_VERSION);
        if (version < FDT_FIRST_ACCEPTED_VERSION) {
            throw new InvalidDeviceTreeException(OFF_VERSION, "unsupported version " + version
                    + " (versions 16 and 17 are accepted)");
        }
        if (lastComp > FDT_LAST_SUPPORTED_VERSION) {
            throw new InvalidDeviceTreeException(OFF_LAST_COMP_VERSION, "last_comp_version " + lastComp
                    + " is newer than the supported version " + FDT_LAST_SUPPORTED_VERSION);
        }
        if (version < lastComp) {
            throw new InvalidDeviceTreeException(OFF_VERSION, "version " + version
                    + " is older than its last_comp_version " + lastComp);
        }
        int hdrSize = version >= 17 ? FDT_V17_SIZE : FDT_V16_SIZE;
        if (totalSize < hdrSize) {
            throw new InvalidDeviceTreeException(OFF_TOTALSIZE, String.format(
                    "totalsize 0x%x is smaller than the 0x%x-byte header", totalSize, hdrSize));
        }
        if (totalSize > b.length) {
            throw new InvalidDeviceTreeException(OFF_TOTALSIZE, String.format(
                    "totalsize 0x%x runs past the end of the blob (0x%x bytes): truncated", totalSize, b.length));
        }
        int total = (int) totalSize;
        int offRsv = checkOffset(OFF_OFF_MEM_RSVMAP, "off_mem_rsvmap", hdrSize, total, 8);
        int offStruct = checkOffset(OFF_OFF_DT_STRUCT, "off_dt_struct", hdrSize, total, 4);
        int offStrings = checkOffset(OFF_OFF_DT_STRINGS, "off_dt_strings", hdrSize, total, 1);
        int sizeStrings = checkSize(OFF_SIZE_DT_STRINGS, "size_dt_strings", offStrings, total);
        int structLimit = version >= 17 ? offStruct + checkSize(OFF_SIZE_DT_STRUCT, "size_dt_struct", offStruct, total)
                : total;

        List<FdtReserveEntry> rsv = new ArrayList<>();
        int rsvEnd = readMemReserve(offRsv, total, rsv);
        if (version >= 17) {
            checkDisjoint(offStruct, structLimit, offStrings, offStrings + sizeStrings, offRsv, rsvEnd);
        }
        Walk walk = new Walk(offStruct, structLimit, offStrings, sizeStrings);
        NodeDraft root = walk.run();
        if (version < 17) {
            checkDisjoint(offStruct, walk.end, offStrings, offStrings + sizeStrings, offRsv, rsvEnd);
        }
        return new Fdt((int) version, (int) lastComp, u32(OFF_BOOT_CPUID_PHYS), rsv, root);
    }

    private int checkOffset(int field, String what, int hdrSize, int total, int align) {
        long off = u32u(field);
        if (off < hdrSize || off > total) {
            throw new InvalidDeviceTreeException(field, String.format("%s 0x%x outside [0x%x, totalsize 0x%x]",
                    what, off, hdrSize, total));
        }
        if (off % align != 0) {
            throw new InvalidDeviceTreeException(field, String.format("%s 0x%x is not %d-byte aligned",
                    what, off, align));
        }
        return (int) off;
    }

    private int checkSize(int field, String what, int base, int total) {
        long size = u32u(field);
        if (base + size > total) {
            throw new InvalidDeviceTreeException(field, String.format(
                    "%s 0x%x from offset 0x%x runs past totalsize 0x%x", what, size, base, total));
        }
        return (int) size;
    }

    /** Reads reservation entries up to the one whose size is 0 (libfdt's terminator rule). */
    private int readMemReserve(int off, int total, List<FdtReserveEntry> out) {
        int p = off;
        while (true) {
            if (p + 16 > total) {
                throw new InvalidDeviceTreeException(p,
                        "memory reservation block runs past totalsize without a terminating entry");
            }
            long address = u64(p);
            long size = u64(p + 8);
            p += 16;
            if (size == 0) {
                return p;
            }
            out.add(new FdtReserveEntry(address, size));
        }
    }

    private static void checkDisjoint(int structStart, int structEnd, int stringsStart, int stringsEnd,
                                      int rsvStart, int rsvEnd) {
        overlap("structure block", structStart, structEnd, "strings block", stringsStart, stringsEnd);
        overlap("memory reservation block", rsvStart, rsvEnd, "structure block", structStart, structEnd);
        overlap("memory reservation block", rsvStart, rsvEnd, "strings block", stringsStart, stringsEnd);
    }

    private static void overlap(String a, int aStart, int aEnd, String c, int cStart, int cEnd) {
        if (aStart < aEnd && cStart < cEnd && aStart < cEnd && cStart < aEnd) {
            throw new InvalidDeviceTreeException(Math.max(aStart, cStart), String.format(
                    "%s [0x%x, 0x%x) overlaps %s [0x%x, 0x%x)", a, aStart, aEnd, c, cStart, cEnd));
        }
    }

    /** One pass over the structure block. */
    private final class Walk {
        private final int start;
        private final int limit;
        private final int strings;
        private final int stringsSize;
        int end;

        Walk(int start, int limit, int strings, int stringsSize) {
            this.start = start;
            this.limit = limit;
            this.strings = strings;
            this.stringsSize = stringsSize;
        }

        NodeDraft run() {
            Deque<NodeDraft> open = new ArrayDeque<>();
            NodeDraft root = null;
            int p = start;
            while (true) {
                if (p + 4 > limit) {
                    throw new InvalidDeviceTreeException(p, String.format(
                            "structure block ends at 0x%x without FDT_END", limit));
                }
                int tag = u32(p);
                switch (tag) {
                    case FDT_BEGIN_NODE -> {
                        if (root != null && open.isEmpty()) {
                            throw new InvalidDeviceTreeException(p, "second root node after the root node closed");
                        }
                        int nameAt = p + 4;
                        int nul = indexOfNul(nameAt, limit);
                        if (nul < 0) {
                            throw new InvalidDeviceTreeException(nameAt,
                                    "node name not NUL-terminated inside the structure block");
                        }
                        String name = new String(b, nameAt, nul - nameAt, StandardCharsets.ISO_8859_1);
                        NodeDraft node = beginNode(open, name, p, nameAt);
                        if (root == null) {
                            root = node;
                        }
                        open.push(node);
                        p = align4(nul + 1);
                    }
                    case FDT_END_NODE -> {
                        if (open.isEmpty()) {
                            throw new InvalidDeviceTreeException(p, "FDT_END_NODE without a matching FDT_BEGIN_NODE");
                        }
                        open.pop();
                        p += 4;
                    }
                    case FDT_PROP -> p = property(open, root != null, p);
                    case FDT_NOP -> p += 4;
                    case FDT_END -> {
                        if (root == null) {
                            throw new InvalidDeviceTreeException(p, "FDT_END before any node");
                        }
                        if (!open.isEmpty()) {
                            throw new InvalidDeviceTreeException(p, "FDT_END with " + open.size()
                                    + " node(s) still open (unbalanced FDT_BEGIN_NODE/FDT_END_NODE)");
                        }
                        end = p + 4;
                        return root;
                    }
                    default -> throw new InvalidDeviceTreeException(p, String.format(
                            "unknown structure block token 0x%08x", tag));
                }
            }
        }

        private NodeDraft beginNode(Deque<NodeDraft> open, String name, int p, int nameAt) {
            if (open.isEmpty()) {
                if (!name.isEmpty()) {
                    throw new InvalidDeviceTreeException(nameAt, "root node name is '" + name + "', not empty");
                }
                return new NodeDraft("", "/", p);
            }
            if (open.size() >= Fdt.FDT_MAX_DEPTH) {
                throw new InvalidDeviceTreeException(p, "nodes nested deeper than FDT_MAX_DEPTH "
                        + Fdt.FDT_MAX_DEPTH);
            }
            NodeDraft parent = open.peek();
            if (name.isEmpty()) {
                throw new InvalidDeviceTreeException(nameAt, "empty node name under " + parent.path);
            }
            if (name.indexOf('/') >= 0) {
                throw new InvalidDeviceTreeException(nameAt, "node name '" + name + "' contains '/'");
            }
            if (parent.hasChild(name)) {
                throw new InvalidDeviceTreeException(p, "duplicate node name '" + name + "' under " + parent.path);
            }
            NodeDraft node = new NodeDraft(name, NodeDraft.childPath(parent.path, name), p);
            parent.children.add(node);
            return node;
        }

        private int property(Deque<NodeDraft> open, boolean seenRoot, int p) {
            if (open.isEmpty()) {
                throw new InvalidDeviceTreeException(p, seenRoot ? "property after the root node closed"
                        : "property outside any node");
            }
            if (p + 12 > limit) {
                throw new InvalidDeviceTreeException(p, String.format(
                        "property header runs past the structure block end 0x%x", limit));
            }
            long len = u32u(p + 4);
            long nameOff = u32u(p + 8);
            if (len > limit - (p + 12)) {
                throw new InvalidDeviceTreeException(p + 4, String.format(
                        "property length 0x%x runs past the structure block end 0x%x", len, limit));
            }
            if (nameOff >= stringsSize) {
                throw new InvalidDeviceTreeException(p + 8, String.format(
                        "property name offset 0x%x beyond strings block (size 0x%x)", nameOff, stringsSize));
            }
            int nameAt = strings + (int) nameOff;
            int nul = indexOfNul(nameAt, strings + stringsSize);
            if (nul < 0) {
                throw new InvalidDeviceTreeException(p + 8, String.format(
                        "property name at strings offset 0x%x not NUL-terminated inside the strings block", nameOff));
            }
            if (nul == nameAt) {
                throw new InvalidDeviceTreeException(p + 8, "empty property name");
            }
            NodeDraft node = open.peek();
            String name = new String(b, nameAt, nul - nameAt, StandardCharsets.ISO_8859_1);
            if (node.hasProperty(name)) {
                throw new InvalidDeviceTreeException(p, "duplicate property '" + name + "' in " + node.path);
            }
            int valueAt = p + 12;
            byte[] value = Arrays.copyOfRange(b, valueAt, valueAt + (int) len);
            node.properties.add(new FdtProperty(name, value, p, node.path));
            return align4(valueAt + (int) len);
        }
    }

    private int indexOfNul(int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int align4(int x) {
        return (x + 3) & ~3;
    }

    private int u32(int o) {
        return (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | b[o + 3] & 0xff;
    }

    private long u32u(int o) {
        return Integer.toUnsignedLong(u32(o));
    }

    private long u64(int o) {
        return (long) u32(o) << 32 | u32u(o + 4);
    }
}
