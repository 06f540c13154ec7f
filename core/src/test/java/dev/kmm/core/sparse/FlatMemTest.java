package dev.kmm.core.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.core.pagealloc.Machine;
import dev.kmm.core.pagealloc.Machine.Range;
import dev.kmm.core.pagealloc.Machine.ZoneSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlatMemTest {
    static final long M = 1L << 20;
    static final long BASE = Machine.ARM_PHYS_OFFSET;

    private static Machine machine() {
        return Machine.arm(List.of(new Range(BASE, 30 * M), new Range(BASE + 40 * M, 24 * M)), List.of(),
                List.of(new ZoneSpec(0, BASE >>> 12, (BASE + 64 * M) >>> 12)));
    }

    /**
     * 16384 pages from a MAX_ORDER-aligned start: memblock reserves the arm kernel's 512 KiB memmap (32-byte struct
     * pages) in lowmem; kmm's 64-byte struct pages sit at MEM_MAP_VA; mem_map == node_mem_map.
     */
    @Test
    void memMapCoversTheNodeInWholeMaxOrderBlocks() {
        try (Machine m = machine()) {
            FlatMem flat = (FlatMem) m.model;
            assertEquals(BASE >>> 12, flat.memmapStartPfn());
            assertEquals((BASE + 64 * M) >>> 12, flat.memmapEndPfn());
            assertEquals(flat.nodeMemMap(), flat.memMap());
            assertEquals(FlatMem.MEM_MAP_VA, flat.memMap());
            long pa = flat.memMapPhys();
            assertTrue(m.memblock.memblockIsRegionReserved(pa, 16384 * 32));
            assertEquals(flat.memMap() + 64 * 100, flat.pfnToPage((BASE >>> 12) + 100));
            assertEquals((BASE >>> 12) + 100, flat.pageToPfn(flat.pfnToPage((BASE >>> 12) + 100)));
            assertEquals(flat.memMap(), m.space.withMemMap(flat.memMap()).pfnToPage(BASE >>> 12));
        }
    }

    /** usemap_size rounds the zone to pageblocks, 4 bits each, then to whole (32-bit) longs. */
    @Test
    void usemapSizeFollowsTheZone() {
        try (Machine m = machine()) {
            FlatMem flat = (FlatMem) m.model;
            assertEquals(8, flat.usemapSize(BASE >>> 12, 16384)); // 16 blocks * 4 bits = 64 bits
            assertEquals(4, flat.usemapSize((BASE >>> 12) + 1, 1024)); // straddles 2 blocks: 8 bits, one long
            assertEquals(12, flat.usemapSize(BASE >>> 12, 17 * 1024)); // 68 bits: three longs
            assertTrue(m.memblock.memblockIsRegionReserved(m.space.pa(flat.zonePageblockFlags(0)), 8));
            assertEquals(flat.zonePageblockFlags(0), flat.pageblockBitmap(flat.pfnToPage(BASE >>> 12), BASE >>> 12));
            assertEquals(4 * 3, flat.pfnToBitidx(flat.pfnToPage((BASE >>> 12) + 3 * 1024), (BASE >>> 12) + 3 * 1024));
        }
    }

    /** ARM's pfn_valid: a pageblock (4 MiB here) overlapping memory, and a 32-bit physical address. */
    @Test
    void pfnValidIsPageblockOverlapWithMemory() {
        try (Machine m = machine()) {
            FlatMem flat = (FlatMem) m.model;
            assertTrue(flat.pfnValid((BASE + 31 * M) >>> 12), "[28M, 32M) overlaps the first bank");
            assertFalse(flat.pfnValid((BASE + 33 * M) >>> 12));
            assertFalse(flat.pfnValid((BASE + 37 * M) >>> 12), "[36M, 40M) ends where the second bank starts");
            assertTrue(flat.pfnValid((BASE + 40 * M) >>> 12));
            assertFalse(flat.pfnValid(1L << 20), "above 4 GiB");
        }
    }

    /**
     * free_unused_memmap gives back the memmap of [32M, 40M): the 32-byte struct pages at 256 KiB..320 KiB into the
     * reserved memmap, in whole pages only (the memmap is only cache-line aligned).
     */
    @Test
    void unusedMemmapOfTheHoleIsFreed() {
        try (Machine m = machine()) {
            FlatMem flat = (FlatMem) m.model;
            long start = flat.memMapPhys() + 256 * 1024;
            long end = flat.memMapPhys() + 320 * 1024;
            long wholePages = (end & -4096L) - ((start + 4095) & -4096L);
            assertTrue(wholePages == 64 * 1024 || wholePages == 60 * 1024, "whole pages " + wholePages);
            long before = m.memblock.reserved().totalSize();
            flat.freeUnusedMemmap();
            assertEquals(wholePages, before - m.memblock.reserved().totalSize());
            assertFalse(m.memblock.memblockIsRegionReserved((start + 4095) & -4096L, 4096));
        }
    }
}
