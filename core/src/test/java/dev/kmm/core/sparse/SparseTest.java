package dev.kmm.core.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockConfig;
import dev.kmm.core.memblock.MemblockType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SparseTest {
    static final long M = 1L << 20;

    /** A memblock over RAM at [ramBase, ramBase + ram size) with the given banks on node 0. */
    private record Boot(Memblock mb, KernelAddressSpace space, KernelMemory ram, List<String> log) {
    }

    private static Boot boot(MemorySegment seg, long ramBase, KernelAddressSpace space, long[][] banks) {
        List<String> log = new ArrayList<>();
        Memblock mb = new Memblock(MemblockConfig.X86_64, (l, line) -> log.add(line),
                (b, s) -> seg.asSlice(b - ramBase, s).fill((byte) 0));
        for (long[] bank : banks) {
            mb.memblockAddNode(bank[0], bank[1], 0, 0);
        }
        return new Boot(mb, space, KernelMemory.of(space.linearRegion(seg, ramBase)), log);
    }

    /**
     * x86_64 with memory in sections 0 and 1: MAX_PHYSMEM_BITS 46 and 128 MiB sections give 2^19 sections,
     * 128 per 4 KiB root page (32-byte mem_section), so 4096 root pointers (32 KiB); one root page; two usemaps of
     * 24 + 32 bytes; a 4 MiB memmap buffer; a PUD table and a PMD table for the vmemmap.
     */
    @Test
    void x86ReservesWhatTheKernelReserves() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(192 * M, 4096);
            Boot b = boot(seg, 0, KernelAddressSpace.x86_64(), new long[][] {{M, 63 * M}, {128 * M, 64 * M}});
            long pgdat = b.mb.memblockPhysAllocTryNid(4096, 64, 0);
            long before = b.mb.reserved().totalSize();
            Sparse s = Sparse.sparseInit(SparseConfig.X86_64, b.mb, b.space, b.ram, 9, new long[] {pgdat}, b.log::add);
            long expected = 4096 * 8 + 4096 + 2 * (24 + 32) + 4 * M + 2 * 4096;
            assertEquals(expected, b.mb.reserved().totalSize() - before);
            assertEquals(2, s.vmemmapTablePages());
            assertEquals(56, s.memSectionUsageSize());
            assertEquals(128, s.sectionsPerRoot());
            assertEquals(1L << 19, s.nrMemSections());

            long vmemmap = b.space.vmemmap();
            for (long nr = 0; nr < 2; nr++) {
                long ms = s.nrToSection(b.ram, nr);
                // encoded memmap (vmemmap itself) | PRESENT | HAS_MEM_MAP | ONLINE | EARLY; the early nid is gone
                assertEquals(vmemmap | 0xf, b.ram.getLong(ms));
                long usage = b.ram.getLong(ms + Sparse.MEM_SECTION_USAGE);
                // the usemaps sit in the section of the pglist_data
                assertEquals(pgdat >>> 27, b.space.pa(usage) >>> 27);
                assertEquals(usage + 24, s.pageblockBitmap(0, nr << 15));
            }
            assertEquals(0, b.ram.getLong(s.nrToSection(b.ram, 2)));
            assertEquals(b.ram.getLong(s.memSection()), s.nrToSection(b.ram, 0));
            assertEquals(0, s.memmapStartPfn());
            assertEquals(2L << 15, s.memmapEndPfn());
            assertEquals(4 * M, s.memmapBytes());
            assertTrue(b.log.isEmpty(), b.log.toString());
        }
    }

    @Test
    void memmapBufferIsSectionAlignedAboveMaxDma() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(192 * M, 4096);
            Boot b = boot(seg, 0, KernelAddressSpace.x86_64(), new long[][] {{M, 63 * M}, {128 * M, 64 * M}});
            long pgdat = b.mb.memblockPhysAllocTryNid(4096, 64, 0);
            Sparse.sparseInit(SparseConfig.X86_64, b.mb, b.space, b.ram, 9, new long[] {pgdat}, b.log::add);
            MemblockType r = b.mb.reserved();
            boolean found = false;
            for (int i = 0; i < r.cnt(); i++) {
                long base = r.base(i);
                long end = base + r.size(i);
                // some reserved region holds a 2 MiB-aligned 4 MiB span: the buffer (top-down, so in the top bank)
                long aligned = (base + 2 * M - 1) & -(2 * M);
                found |= aligned + 4 * M <= end && aligned >= 16 * M;
            }
            assertTrue(found, "no 2 MiB aligned 4 MiB reservation above 16 MiB");
        }
    }

    @Test
    void pfnValidFollowsSections() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(192 * M, 4096);
            Boot b = boot(seg, 0, KernelAddressSpace.x86_64(), new long[][] {{M, 63 * M}, {128 * M, 64 * M}});
            long pgdat = b.mb.memblockPhysAllocTryNid(4096, 64, 0);
            Sparse s = Sparse.sparseInit(SparseConfig.X86_64, b.mb, b.space, b.ram, 9, new long[] {pgdat}, b.log::add);
            assertTrue(s.pfnValid(0), "early sections are valid over their whole span");
            assertTrue(s.pfnValid(100 * M >>> 12), "the hole inside section 0 is valid");
            assertTrue(s.pfnValid((256 * M >>> 12) - 1));
            assertFalse(s.pfnValid(256 * M >>> 12));
            assertFalse(s.pfnValid(1L << 40));
            assertFalse(s.pfnValid(-1L));
            assertEquals(4, s.pfnToBitidx(0, 512));
            assertEquals(4, s.pfnToBitidx(0, (1L << 15) + 1023));
            assertEquals(s.pfnToPage(12345), b.space.vmemmap() + 12345 * 64);
            assertEquals(12345, s.pageToPfn(s.pfnToPage(12345)));
            assertThrows(IllegalArgumentException.class, () -> s.pageblockBitmap(0, 256 * M >>> 12));
        }
    }

    /** arm64 with memory in sections 16 and 18 only: section 17 gets no memmap and is not valid. */
    @Test
    void arm64SectionsWithoutMemoryAreAbsent() {
        try (Arena arena = Arena.ofConfined()) {
            long base = 2048 * M;
            MemorySegment seg = arena.allocate(272 * M, 4096);
            KernelAddressSpace space = KernelAddressSpace.arm64(base);
            Boot b = boot(seg, base, space, new long[][] {{base, 16 * M}, {base + 256 * M, 16 * M}});
            long pgdat = b.mb.memblockPhysAllocTryNid(4096, 64, 0);
            long before = b.mb.reserved().totalSize();
            Sparse s = Sparse.sparseInit(SparseConfig.ARM64, b.mb, space, b.ram, 9, new long[] {pgdat}, b.log::add);
            // 48-bit PA: 2^21 sections, 16384 roots (128 KiB); one root page; two usemaps; 4 MiB buffer; 2 tables
            assertEquals(16384 * 8 + 4096 + 2 * 56 + 4 * M + 2 * 4096, b.mb.reserved().totalSize() - before);
            assertEquals(16L << 15, s.memmapStartPfn());
            assertEquals(19L << 15, s.memmapEndPfn());
            assertEquals(List.of(16L, 18L), s.validSections());
            assertTrue(s.pfnValid(16L << 15));
            assertFalse(s.pfnValid(17L << 15));
            assertTrue(s.pfnValid(18L << 15));
            assertEquals(0, b.ram.getLong(s.nrToSection(b.ram, 17)));
            assertEquals(space.vmemmap() | 0xf, b.ram.getLong(s.nrToSection(b.ram, 18)));
        }
    }

    @Test
    void subsectionMapMarksTwoMebibyteSteps() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(192 * M, 4096);
            Boot b = boot(seg, 0, KernelAddressSpace.x86_64(), new long[][] {{M, 63 * M}, {128 * M, 64 * M}});
            long pgdat = b.mb.memblockPhysAllocTryNid(4096, 64, 0);
            Sparse s = Sparse.sparseInit(SparseConfig.X86_64, b.mb, b.space, b.ram, 9, new long[] {pgdat}, b.log::add);
            s.subsectionMapInit(b.ram, M >>> 12, 63 * M >>> 12);
            s.subsectionMapInit(b.ram, 128 * M >>> 12, 64 * M >>> 12);
            long map0 = b.ram.getLong(s.nrToSection(b.ram, 0) + Sparse.MEM_SECTION_USAGE) + Sparse.USAGE_SUBSECTION_MAP;
            long map1 = b.ram.getLong(s.nrToSection(b.ram, 1) + Sparse.MEM_SECTION_USAGE) + Sparse.USAGE_SUBSECTION_MAP;
            assertEquals(0xffff_ffffL, b.ram.getLong(map0)); // subsections 0..31: [0, 64 MiB)
            assertEquals(0xffff_ffffL, b.ram.getLong(map1)); // [128 MiB, 192 MiB)
        }
    }

    @Test
    void badArgumentsAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64 * M, 4096);
            Boot b = boot(seg, 0, KernelAddressSpace.x86_64(), new long[][] {{0, 64 * M}});
            assertThrows(IllegalArgumentException.class, () -> new SparseConfig(20, 46, 32, 0, 39, 30, 21));
            assertThrows(IllegalArgumentException.class, () -> new SparseConfig(27, 46, 24, 0, 39, 30, 21));
            IllegalArgumentException noPgdat = assertThrows(IllegalArgumentException.class,
                    () -> Sparse.sparseInit(SparseConfig.X86_64, b.mb, b.space, b.ram, 9, new long[0], b.log::add));
            assertTrue(noPgdat.getMessage().contains("no pglist_data"), noPgdat.getMessage());
        }
    }
}
