package dev.kmm.core.pagealloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemmapInitTest {
    static final long M = 1L << 20;
    static final long NORMAL_FLAGS = 0x17ffffc0000000L; // node 0, ZONE_NORMAL, lastcpupid all ones
    static final long RESERVED = 1L << PageFlags.PG_reserved;

    /**
     * Memory [0, 32M) and [48M, 80M) in the one 128 MiB section: the 16 MiB hole (4096 pages) and, since SPARSEMEM
     * initialises the rest of the last section, [80M, 128M) (12288 pages) are unavailable.
     */
    @Test
    void holesAreReservedAndCountedAsTheKernelPrints() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            assertEquals(4096 + 12288, m.unavailable);
            assertTrue(m.log.contains("On node 0, zone Normal: 4096 pages in unavailable ranges"), m.log.toString());
            assertTrue(m.log.contains("On node 0, zone Normal: 12288 pages in unavailable ranges"), m.log.toString());
            long hole = m.model.pfnToPage(40 * M >>> 12);
            assertEquals(NORMAL_FLAGS | RESERVED, m.mem.getLong(hole));
            long tail = m.model.pfnToPage((128 * M >>> 12) - 1);
            assertEquals(NORMAL_FLAGS | RESERVED, m.mem.getLong(tail));
            assertEquals((80 * M >>> 12) - 1, m.memmapInit.highestMemmapPfn());
        }
    }

    /** x86 DMA/DMA32: the first MiB joins DMA, the 64 MiB hole and the section tail join DMA32. */
    @Test
    void holesJoinTheNeighbouringZone() {
        try (Machine m = BootFreeTest.x86TwoZones()) {
            assertEquals(List.of("On node 0, zone DMA: 256 pages in unavailable ranges",
                    "On node 0, zone DMA32: 16384 pages in unavailable ranges",
                    "On node 0, zone DMA32: 16384 pages in unavailable ranges"),
                    m.log.stream().filter(l -> l.startsWith("On node")).toList());
            long firstPage = m.model.pfnToPage(0);
            assertEquals(m.flagsLayout.initSinglePageFlags(KernelConstants.ZONE_DMA, 0) | RESERVED,
                    m.mem.getLong(firstPage));
            long inHole = m.model.pfnToPage(100 * M >>> 12);
            assertEquals(KernelConstants.ZONE_DMA32, m.flagsLayout.pageZonenum(m.mem, inHole));
        }
    }

    @Test
    void everyPageIsInitialisedAsAllocatedWithAnEmptyLru() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            for (long pfn : new long[] {0, 1, 511, 512, 8191, 20479}) {
                long page = m.model.pfnToPage(pfn);
                long flags = m.mem.getLong(page);
                assertEquals(NORMAL_FLAGS, flags & ~RESERVED, "pfn " + pfn);
                assertEquals(1, PageRef.pageRefCount(m.mem, page));
                assertEquals(-1, m.mem.getInt(page + PageLayout.MAPCOUNT));
                assertEquals(page + PageLayout.LRU, m.mem.getLong(page + PageLayout.LRU));
                assertEquals(page + PageLayout.LRU, m.mem.getLong(page + PageLayout.LRU + 8));
                assertEquals(0, m.mem.getLong(page + PageLayout.MAPPING) | m.mem.getLong(page + PageLayout.INDEX)
                        | m.mem.getLong(page + PageLayout.PRIVATE) | m.mem.getLong(page + PageLayout.MEMCG_DATA));
            }
        }
    }

    /**
     * memmap_init_range marks each pageblock that starts in memory MOVABLE; init_unavailable_range marks nothing, so
     * the 8 pageblocks of the 16 MiB hole keep the zeroed usemap's 0, MIGRATE_UNMOVABLE, as in the kernel.
     */
    @Test
    void everyPageblockWithMemoryStartsMovable() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            long[] counts = BuddyVerify.pageblockMigratetypeCounts(m.buddy, m.zone(KernelConstants.ZONE_NORMAL));
            assertEquals(32, counts[KernelConstants.MIGRATE_MOVABLE]);
            assertEquals(8, counts[KernelConstants.MIGRATE_UNMOVABLE]);
            assertEquals(40, java.util.Arrays.stream(counts).sum());
            long holeBlock = m.model.pfnToPage(40 * M >>> 12);
            assertEquals(KernelConstants.MIGRATE_UNMOVABLE, m.buddy.pageblockFlags().getPageblockMigratetype(holeBlock));
        }
        try (Machine m = BootFreeTest.armOneZone()) {
            long[] counts = BuddyVerify.pageblockMigratetypeCounts(m.buddy, m.zone(0));
            // 64 MiB / 4 MiB pageblocks, the two entirely in the hole have no valid memmap
            assertEquals(14, counts[KernelConstants.MIGRATE_MOVABLE]);
            assertEquals(14, java.util.Arrays.stream(counts).sum());
        }
    }

    /** ARM: only the hole's first 2 MiB share a pageblock with memory; the hole's other blocks are not valid. */
    @Test
    void flatmemSkipsPageblocksWithoutMemory() {
        try (Machine m = BootFreeTest.armOneZone()) {
            assertEquals(512, m.unavailable);
            assertEquals(List.of("On node 0, zone Normal: 512 pages in unavailable ranges"),
                    m.log.stream().filter(l -> l.startsWith("On node")).toList());
            long hole = m.model.pfnToPage((Machine.ARM_PHYS_OFFSET + 31 * M) >>> 12);
            assertEquals(RESERVED, m.mem.getLong(hole) & RESERVED);
            assertEquals(0, m.flagsLayout.pageZonenum(m.mem, hole));
        }
    }

    @Test
    void reservationsBecomeReservedPagesAtFreeAll() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            m.freeAll();
            long image = m.model.pfnToPage(18 * M >>> 12);
            assertTrue(PageFlags.pageReserved(m.mem, image));
            assertEquals(1, PageRef.pageRefCount(m.mem, image));
            // the reservation ends 123 bytes into a page: that page is reserved too
            long partial = m.model.pfnToPage((21 * M + 123) >>> 12);
            assertTrue(PageFlags.pageReserved(m.mem, partial));
            long after = m.model.pfnToPage(((21 * M + 123) >>> 12) + 1);
            assertEquals(0, PageRef.pageRefCount(m.mem, after));
        }
    }

    @Test
    void singlePagesAndHotplugRangesInitialiseAsTheBootPath() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            long page = m.model.pfnToPage(5000);
            m.mem.putLong(page + PageLayout.INDEX, 77);
            m.memmapInit.initSinglePage(page, 5000, KernelConstants.ZONE_DMA, 0);
            assertEquals(m.flagsLayout.initSinglePageFlags(KernelConstants.ZONE_DMA, 0), m.mem.getLong(page));
            assertEquals(0, m.mem.getLong(page + PageLayout.INDEX));
            assertEquals(1, PageRef.pageRefCount(m.mem, page));

            m.memmapInit.memmapInitRange(1024, 0, KernelConstants.ZONE_NORMAL, 6144, 20480,
                    MemmapInit.MEMINIT_HOTPLUG, KernelConstants.MIGRATE_UNMOVABLE);
            assertEquals(NORMAL_FLAGS | RESERVED, m.mem.getLong(m.model.pfnToPage(7000)));
            assertEquals(KernelConstants.MIGRATE_UNMOVABLE,
                    m.buddy.pageblockFlags().getPageblockMigratetype(m.model.pfnToPage(6656)));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> m.memmapInit.memmapInitRange(1, 0, 2, 1L << 40, 1L << 41, MemmapInit.MEMINIT_EARLY, 1));
        }
    }
}
