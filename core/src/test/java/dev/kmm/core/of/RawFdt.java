package dev.kmm.core.of;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Assembles blobs token by token, independently of {@link FdtWriter}, so tests can write any structure,
 * including broken ones, and override any header field.
 */
final class RawFdt {
    final ByteArrayOutputStream struct = new ByteArrayOutputStream();
    final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    final ByteArrayOutputStream rsv = new ByteArrayOutputStream();
    int version = 17;
    int lastComp = 16;
    int bootCpuid;

    RawFdt begin(String name) {
        u32(struct, FdtParser.FDT_BEGIN_NODE);
        struct.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        struct.write(0);
        pad(struct);
        return this;
    }

    RawFdt end() {
        u32(struct, FdtParser.FDT_END_NODE);
        return this;
    }

    /** Adds {@code name} to the strings block and returns its offset. */
    int string(String name) {
        int off = strings.size();
        strings.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        strings.write(0);
        return off;
    }

    RawFdt prop(int nameOff, byte[] value) {
        return prop(nameOff, value.length, value);
    }

    RawFdt prop(int nameOff, int len, byte[] value) {
        u32(struct, FdtParser.FDT_PROP);
        u32(struct, len);
        u32(struct, nameOff);
        struct.writeBytes(value);
        pad(struct);
        return this;
    }

    RawFdt prop(String name, byte[] value) {
        return prop(string(name), value);
    }

    RawFdt propU32(String name, int v) {
        return prop(name, ByteBuffer.allocate(4).putInt(v).array());
    }

    RawFdt nop() {
        u32(struct, FdtParser.FDT_NOP);
        return this;
    }

    RawFdt token(int t) {
        u32(struct, t);
        return this;
    }

    RawFdt fdtEnd() {
        u32(struct, FdtParser.FDT_END);
        return this;
    }

    RawFdt reserve(long address, long size) {
        u64(rsv, address);
        u64(rsv, size);
        return this;
    }

    /** Header, reservations (+ terminator), structure, strings, in dtc's order. */
    byte[] blob() {
        int hdr = version >= 17 ? 40 : 36;
        int offRsv = (hdr + 7) & ~7;
        int offStruct = offRsv + rsv.size() + 16;
        int offStrings = offStruct + struct.size();
        int total = offStrings + strings.size();
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(Fdt.FDT_MAGIC).putInt(total).putInt(offStruct).putInt(offStrings).putInt(offRsv).putInt(version)
                .putInt(lastComp).putInt(bootCpuid).putInt(strings.size());
        if (version >= 17) {
            b.putInt(struct.size());
        }
        b.position(offRsv);
        b.put(rsv.toByteArray()).putLong(0).putLong(0).put(struct.toByteArray()).put(strings.toByteArray());
        return b.array();
    }

    /** A minimal valid tree: root with one child and one property. */
    static RawFdt minimal() {
        return new RawFdt().begin("").propU32("#address-cells", 1).begin("node@0").prop("x", new byte[] {1})
                .end().end().fdtEnd();
    }

    static void setU32(byte[] blob, int offset, int value) {
        ByteBuffer.wrap(blob).putInt(offset, value);
    }

    static int getU32(byte[] blob, int offset) {
        return ByteBuffer.wrap(blob).getInt(offset);
    }

    private static void pad(ByteArrayOutputStream s) {
        while (s.size() % 4 != 0) {
            s.write(0);
        }
    }

    private static void u32(ByteArrayOutputStream s, int v) {
        s.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
    }

    private static void u64(ByteArrayOutputStream s, long v) {
        s.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
    }
}
