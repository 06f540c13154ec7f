package dev.kmm.core.of;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FdtParserTest {

    private static InvalidDeviceTreeException invalid(byte[] blob) {
        return assertThrows(InvalidDeviceTreeException.class, () -> Fdt.parse(blob));
    }

    private static void assertInvalid(byte[] blob, long offset, String reason) {
        InvalidDeviceTreeException e = invalid(blob);
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.reason().contains(reason), () -> "'" + e.reason() + "' lacks '" + reason + "'");
        assertTrue(e.getMessage().startsWith(String.format("invalid device tree at offset 0x%x: ", offset)),
                e.getMessage());
    }

    @Test
    void parsesMinimalTreeWithPathsAndProperties() {
        RawFdt raw = RawFdt.minimal();
        raw.bootCpuid = 3;
        raw.reserve(0x1000, 0x2000);
        Fdt fdt = Fdt.parse(raw.blob());
        assertEquals(17, fdt.version());
        assertEquals(16, fdt.lastCompVersion());
        assertEquals(3, fdt.bootCpuidPhys());
        assertEquals(List.of(new FdtReserveEntry(0x1000, 0x2000)), fdt.memReserve());
        FdtNode node = fdt.node("/node@0").orElseThrow();
        assertEquals("/node@0", node.path());
        assertEquals("node", node.nodeName());
        assertEquals("0", node.unitAddress().orElseThrow());
        assertArrayEquals(new byte[] {1}, node.property("x").orElseThrow().value());
        assertEquals(fdt.root(), node.parent().orElseThrow());
        assertEquals(node, fdt.node("/node").orElseThrow(), "libfdt matches a name given without unit address");
        assertTrue(fdt.node("/nod").isEmpty());
        assertEquals(List.of(fdt.root(), node), fdt.allNodes());
    }

    @Test
    void readsFilesAndRefusesOversizedOnesBeforeReading(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path dtb = dir.resolve("m.dtb");
        java.nio.file.Files.write(dtb, RawFdt.minimal().blob());
        assertEquals(Fdt.parse(RawFdt.minimal().blob()), Fdt.read(dtb));
        java.nio.file.Path big = dir.resolve("big.dtb");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(Fdt.MAX_BLOB_SIZE + 1L);
        }
        InvalidDeviceTreeException e = assertThrows(InvalidDeviceTreeException.class, () -> Fdt.read(big));
        assertEquals(-1, e.offset());
        assertTrue(e.getMessage().startsWith("invalid device tree: " + big + " is 67108865 bytes, above the 64 MiB"),
                e.getMessage());
    }

    @Test
    void ignoresBytesAfterTotalsize() {
        byte[] blob = RawFdt.minimal().blob();
        byte[] longer = Arrays.copyOf(blob, blob.length + 13);
        Arrays.fill(longer, blob.length, longer.length, (byte) 0x5a);
        assertEquals(Fdt.parse(blob), Fdt.parse(longer));
    }

    @Test
    void acceptsVersion16WithoutStructSize() {
        RawFdt raw = RawFdt.minimal();
        raw.version = 16;
        Fdt fdt = Fdt.parse(raw.blob());
        assertEquals(16, fdt.version());
        assertTrue(fdt.node("/node@0").isPresent());
    }

    @Test
    void nopTokensAreSkipped() {
        RawFdt raw = new RawFdt().nop().begin("").nop().propU32("a", 7).nop().end().nop().fdtEnd();
        assertEquals(7, Fdt.parse(raw.blob()).root().u32("a").orElseThrow());
    }

    @Test
    void rejectsShortBlobAndBadMagic() {
        assertInvalid(new byte[10], 0, "shorter than the 40-byte header");
        byte[] blob = RawFdt.minimal().blob();
        blob[0] = 0x12;
        assertInvalid(blob, 0, "bad magic 0x120dfeed (expected 0xd00dfeed)");
    }

    @Test
    void capsTotalsizeBeforeAllocating() {
        byte[] blob = RawFdt.minimal().blob();
        RawFdt.setU32(blob, 4, 0x7fffffff);
        assertInvalid(blob, 4, "exceeds the 64 MiB limit");
        RawFdt.setU32(blob, 4, 0xffffffff);
        assertInvalid(blob, 4, "exceeds the 64 MiB limit");
    }

    @Test
    void rejectsTruncatedBlob() {
        byte[] blob = RawFdt.minimal().blob();
        assertInvalid(Arrays.copyOf(blob, blob.length - 1), 4, "runs past the end of the blob");
        assertInvalid(Arrays.copyOf(blob, 41), 4, "truncated");
    }

    @Test
    void checksVersions() {
        RawFdt raw = RawFdt.minimal();
        raw.version = 15;
        raw.lastComp = 15;
        assertInvalid(raw.blob(), 0x14, "unsupported version 15");
        raw.version = 17;
        raw.lastComp = 18;
        assertInvalid(raw.blob(), 0x18, "last_comp_version 18 is newer than the supported version 17");
        raw.version = 16;
        raw.lastComp = 17;
        assertInvalid(raw.blob(), 0x14, "version 16 is older than its last_comp_version 17");
        raw.version = 18;
        raw.lastComp = 16;
        assertEquals(18, Fdt.parse(raw.blob()).version(), "a later version compatible with 16 is read as 17");
    }

    @Test
    void checksHeaderOffsetsAndSizes() {
        byte[] good = RawFdt.minimal().blob();
        int total = good.length;

        byte[] b = good.clone();
        RawFdt.setU32(b, 12, total + 4);
        assertInvalid(b, 12, "off_dt_strings");
        b = good.clone();
        RawFdt.setU32(b, 8, 8);
        assertInvalid(b, 8, "off_dt_struct 0x8 outside [0x28, totalsize");
        b = good.clone();
        RawFdt.setU32(b, 36, total);
        assertInvalid(b, 36, "size_dt_struct");
        b = good.clone();
        RawFdt.setU32(b, 32, 0xfffffff0);
        assertInvalid(b, 32, "size_dt_strings 0xfffffff0");
        b = good.clone();
        RawFdt.setU32(b, 16, 0x2c);
        assertInvalid(b, 16, "off_mem_rsvmap 0x2c is not 8-byte aligned");
        b = good.clone();
        RawFdt.setU32(b, 8, RawFdt.getU32(b, 8) + 2);
        assertInvalid(b, 8, "is not 4-byte aligned");
        b = good.clone();
        RawFdt.setU32(b, 4, 20);
        assertInvalid(b, 4, "smaller than the 0x28-byte header");
    }

    @Test
    void rejectsOverlappingBlocks() {
        byte[] b = RawFdt.minimal().blob();
        int offStruct = RawFdt.getU32(b, 8);
        RawFdt.setU32(b, 12, offStruct + 4);
        RawFdt.setU32(b, 32, 8);
        assertInvalid(b, offStruct + 4, "structure block");
        assertTrue(invalid(b).reason().contains("overlaps strings block"));
    }

    @Test
    void rejectsReservationMapWithoutTerminator() {
        byte[] b = RawFdt.minimal().blob();
        int total = b.length;
        // Point the map at the last 8 bytes: no room for a whole entry, let alone the terminator.
        RawFdt.setU32(b, 16, (total - 8) & ~7);
        InvalidDeviceTreeException e = invalid(b);
        assertTrue(e.reason().contains("memory reservation block runs past totalsize without a terminating entry"),
                e.getMessage());
    }

    @Test
    void reservationMapOverlappingStructIsRejected() {
        RawFdt raw = RawFdt.minimal().reserve(1, 2);
        byte[] b = raw.blob();
        int offStruct = RawFdt.getU32(b, 8);
        RawFdt.setU32(b, 8, offStruct - 16);
        RawFdt.setU32(b, 36, RawFdt.getU32(b, 36) + 16);
        assertTrue(invalid(b).reason().contains("memory reservation block"));
    }

    @Test
    void propertyNameOffsetBeyondStrings() {
        RawFdt raw = new RawFdt();
        int real = raw.string("name");
        raw.begin("").prop(real + 0x1234, new byte[0]).end().fdtEnd();
        byte[] b = raw.blob();
        int offStruct = RawFdt.getU32(b, 8);
        // FDT_BEGIN_NODE + empty name padded (8 bytes), then FDT_PROP: nameoff sits 8 bytes in.
        assertInvalid(b, offStruct + 16, "property name offset 0x1234 beyond strings block (size 0x5)");
        assertEquals(String.format("invalid device tree at offset 0x%x: property name offset 0x1234 beyond strings "
                + "block (size 0x5)", offStruct + 16), invalid(b).getMessage());
    }

    @Test
    void propertyNameNotTerminatedInStrings() {
        RawFdt raw = new RawFdt();
        raw.begin("").prop(0, new byte[0]).end().fdtEnd();
        raw.strings.writeBytes(new byte[] {'a', 'b'});
        byte[] b = raw.blob();
        assertTrue(invalid(b).reason().contains("not NUL-terminated inside the strings block"));
    }

    @Test
    void propertyLengthPastStructBlock() {
        RawFdt raw = new RawFdt();
        raw.begin("").prop(raw.string("p"), 0x10000, new byte[4]).end().fdtEnd();
        byte[] b = raw.blob();
        int offStruct = RawFdt.getU32(b, 8);
        assertInvalid(b, offStruct + 12, "property length 0x10000 runs past the structure block end");
        RawFdt huge = new RawFdt();
        huge.begin("").prop(huge.string("p"), 0xfffffffc, new byte[4]).end().fdtEnd();
        assertTrue(invalid(huge.blob()).reason().contains("property length 0xfffffffc"));
    }

    @Test
    void unterminatedNodeName() {
        RawFdt raw = new RawFdt().begin("");
        raw.struct.writeBytes(new byte[] {0, 0, 0, 1, 'a', 'b', 'c', 'd'});
        byte[] b = raw.blob();
        InvalidDeviceTreeException e = invalid(b);
        assertTrue(e.reason().contains("node name not NUL-terminated"), e.getMessage());
    }

    @Test
    void structureEndsWithoutFdtEnd() {
        byte[] b = new RawFdt().begin("").end().blob();
        assertTrue(invalid(b).reason().contains("without FDT_END"));
    }

    @Test
    void unbalancedNodes() {
        assertTrue(invalid(new RawFdt().begin("").begin("a").end().fdtEnd().blob()).reason()
                .contains("FDT_END with 1 node(s) still open"));
        assertTrue(invalid(new RawFdt().begin("").end().end().fdtEnd().blob()).reason()
                .contains("FDT_END_NODE without a matching FDT_BEGIN_NODE"));
        assertTrue(invalid(new RawFdt().begin("").end().begin("").end().fdtEnd().blob()).reason()
                .contains("second root node"));
        assertTrue(invalid(new RawFdt().fdtEnd().blob()).reason().contains("FDT_END before any node"));
        RawFdt after = new RawFdt().begin("").end();
        after.prop("x", new byte[0]).fdtEnd();
        assertTrue(invalid(after.blob()).reason().contains("property after the root node closed"));
        RawFdt before = new RawFdt();
        before.prop("x", new byte[0]).begin("").end().fdtEnd();
        assertTrue(invalid(before.blob()).reason().contains("property outside any node"));
    }

    @Test
    void unknownToken() {
        byte[] b = new RawFdt().begin("").token(0x5).end().fdtEnd().blob();
        assertTrue(invalid(b).reason().contains("unknown structure block token 0x00000005"));
    }

    @Test
    void misalignedStructBlockIsRejected() {
        // The struct block offset must be 4-aligned, so every token is: shift it by one byte.
        byte[] good = RawFdt.minimal().blob();
        byte[] b = new byte[good.length + 1];
        int offStruct = RawFdt.getU32(good, 8);
        System.arraycopy(good, 0, b, 0, offStruct);
        System.arraycopy(good, offStruct, b, offStruct + 1, good.length - offStruct);
        RawFdt.setU32(b, 4, good.length + 1);
        RawFdt.setU32(b, 8, offStruct + 1);
        RawFdt.setU32(b, 12, RawFdt.getU32(good, 12) + 1);
        assertInvalid(b, 8, "is not 4-byte aligned");
    }

    @Test
    void nestingDepthIsLimited() {
        RawFdt ok = new RawFdt().begin("");
        for (int i = 1; i < Fdt.FDT_MAX_DEPTH; i++) {
            ok.begin("n" + i);
        }
        for (int i = 0; i < Fdt.FDT_MAX_DEPTH; i++) {
            ok.end();
        }
        Fdt deep = Fdt.parse(ok.fdtEnd().blob());
        assertEquals(Fdt.FDT_MAX_DEPTH, deep.allNodes().size());

        RawFdt tooDeep = new RawFdt().begin("");
        for (int i = 1; i <= Fdt.FDT_MAX_DEPTH; i++) {
            tooDeep.begin("n" + i);
        }
        assertTrue(invalid(tooDeep.blob()).reason().contains("deeper than FDT_MAX_DEPTH 64"));
    }

    @Test
    void nodeNameRules() {
        assertTrue(invalid(new RawFdt().begin("x").end().fdtEnd().blob()).reason().contains("root node name is 'x'"));
        assertTrue(invalid(new RawFdt().begin("").begin("").end().end().fdtEnd().blob()).reason()
                .contains("empty node name under /"));
        assertTrue(invalid(new RawFdt().begin("").begin("a/b").end().end().fdtEnd().blob()).reason()
                .contains("contains '/'"));
        assertTrue(invalid(new RawFdt().begin("").begin("a").end().begin("a").end().end().fdtEnd().blob()).reason()
                .contains("duplicate node name 'a' under /"));
    }

    @Test
    void propertyNameRules() {
        RawFdt dup = new RawFdt().begin("");
        dup.propU32("a", 1).propU32("a", 2).end().fdtEnd();
        assertTrue(invalid(dup.blob()).reason().contains("duplicate property 'a' in /"));
        RawFdt empty = new RawFdt();
        empty.begin("").prop(empty.string(""), new byte[0]).end().fdtEnd();
        assertTrue(invalid(empty.blob()).reason().contains("empty property name"));
    }

    @Test
    void cellCountsAreLimited() {
        byte[] five = new RawFdt().begin("").propU32("#address-cells", 5).end().fdtEnd().blob();
        InvalidDeviceTreeException e = invalid(five);
        assertTrue(e.reason().contains("property '#address-cells' of / is 5, above OF_MAX_ADDR_CELLS 4"),
                e.getMessage());
        byte[] shortCells = new RawFdt().begin("").prop("#size-cells", new byte[] {0, 1}).end().fdtEnd().blob();
        assertTrue(invalid(shortCells).reason().contains("has length 2, a u32 needs 4"));
    }

    @Test
    void phandleRules() {
        byte[] zero = new RawFdt().begin("").propU32("phandle", 0).end().fdtEnd().blob();
        assertTrue(invalid(zero).reason().contains("reserved value 0x0"));
        byte[] dup = new RawFdt().begin("").begin("a").propU32("phandle", 1).end().begin("b").propU32("phandle", 1)
                .end().end().fdtEnd().blob();
        assertTrue(invalid(dup).reason().contains("duplicates phandle 0x1 of /a"));
        byte[] mismatch = new RawFdt().begin("").propU32("phandle", 1).propU32("linux,phandle", 2).end().fdtEnd()
                .blob();
        assertTrue(invalid(mismatch).reason().contains("is 0x2 but phandle is 0x1"));
        byte[] legacy = new RawFdt().begin("").begin("a").propU32("linux,phandle", 9).end().end().fdtEnd().blob();
        Fdt fdt = Fdt.parse(legacy);
        assertEquals("/a", fdt.nodeByPhandle(9).orElseThrow().path());
    }

    @Test
    void phandleReferencesResolveOrFailClearly() {
        RawFdt raw = new RawFdt().begin("").begin("a").propU32("phandle", 5).end().begin("b");
        raw.prop("memory-region", new byte[] {0, 0, 0, 5, 0, 0, 0, 6}).end().end().fdtEnd();
        Fdt fdt = Fdt.parse(raw.blob());
        FdtNode b = fdt.node("/b").orElseThrow();
        InvalidDeviceTreeException e = assertThrows(InvalidDeviceTreeException.class,
                () -> fdt.phandles(b, "memory-region"));
        assertTrue(e.reason().contains("property 'memory-region' of /b entry 1 is the dangling phandle 0x6"),
                e.getMessage());
        assertEquals(b.property("memory-region").orElseThrow().offset(), e.offset());
    }

    @Test
    void typedReadersCheckLengths() {
        RawFdt raw = new RawFdt().begin("");
        raw.prop("s", "abc".getBytes()).prop("l", "a\0bc\0".getBytes()).prop("r", new byte[12]).end().fdtEnd();
        FdtNode root = Fdt.parse(raw.blob()).root();
        FdtProperty s = root.property("s").orElseThrow();
        assertTrue(assertThrows(InvalidDeviceTreeException.class, s::asString).reason()
                .contains("property 's' of / is not a NUL-terminated string"));
        assertEquals(List.of("a", "bc"), root.strings("l"));
        assertThrows(InvalidDeviceTreeException.class, s::asU32);
        assertThrows(InvalidDeviceTreeException.class, s::asCells);
        InvalidDeviceTreeException reg = assertThrows(InvalidDeviceTreeException.class,
                () -> root.decodeReg("r"));
        assertTrue(reg.reason().contains("has length 12, not a multiple of (#address-cells 1 + #size-cells 1) * 4"),
                reg.getMessage());
    }

    @Test
    void regUsesParentCellsWithInheritanceAndDefaults() {
        RawFdt raw = new RawFdt().begin("").propU32("#address-cells", 2).propU32("#size-cells", 1)
                .begin("bus").begin("dev@1").prop("reg", new byte[] {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}).end().end()
                .begin("plain").prop("reg", new byte[] {0, 0, 0, 7, 0, 0, 0, 8}).end().end().fdtEnd();
        Fdt fdt = Fdt.parse(raw.blob());
        // "bus" has no #address-cells of its own: 6.1's of_bus_n_addr_cells inherits the root's 2.
        assertEquals(List.of(new FdtReg(0x100000002L, 3)), fdt.node("/bus/dev@1").orElseThrow().reg());
        InvalidDeviceTreeException e = assertThrows(InvalidDeviceTreeException.class,
                () -> fdt.node("/plain").orElseThrow().reg());
        assertTrue(e.reason().contains("not a multiple of (#address-cells 2 + #size-cells 1) * 4"));

        Fdt defaults = Fdt.parse(new RawFdt().begin("").begin("m").prop("reg", new byte[] {0, 0, 0, 7, 0, 0, 0, 8})
                .end().end().fdtEnd().blob());
        assertEquals(List.of(new FdtReg(7, 8)), defaults.node("/m").orElseThrow().reg());
        assertEquals(1, defaults.root().addressCells());
        assertEquals(1, defaults.root().sizeCells());
    }

    @Test
    void statusFollowsOfFdtDeviceIsAvailable() {
        RawFdt raw = new RawFdt().begin("");
        raw.begin("a").end().begin("b").prop("status", "okay\0".getBytes()).end()
                .begin("c").prop("status", "ok\0".getBytes()).end().begin("d").prop("status", "disabled\0".getBytes())
                .end().begin("e").prop("status", "fail\0".getBytes()).end().end().fdtEnd();
        Fdt fdt = Fdt.parse(raw.blob());
        assertTrue(fdt.node("/a").orElseThrow().isAvailable());
        assertTrue(fdt.node("/b").orElseThrow().isAvailable());
        assertTrue(fdt.node("/c").orElseThrow().isAvailable());
        assertFalse(fdt.node("/d").orElseThrow().isAvailable());
        assertFalse(fdt.node("/e").orElseThrow().isAvailable());
    }
}
