package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_UNMOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_DMA32;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.list.ListHead;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.trace.KmemEvent;
import dev.kmm.core.trace.KmemListener;
import dev.kmm.core.trace.KmemTrace;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Falling back to other migrate types and stealing pageblocks (__rmqueue_fallback, steal_suitable_fallback) on a
 * zone whose free memory the test shapes: the pageblock types change as 6.1's rules say.
 */
class FallbackTest {
    private static final int MOVABLE = Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_NOWARN;
    private static final int UNMOVABLE = Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN;
    private static final long PAGEBLOCK = 512;

    private final List<long[]> extfrag = new ArrayList<>();
    private final KmemTrace trace = new KmemTrace();

    private AllocMachine single() {
        AllocMachine am = AllocMachine.x86Normal(32, 1, b -> b.trace(trace));
        trace.attach(new KmemListener() {
            @Override
            public void mmPageAllocExtfrag(long pfn, int allocOrder, int fallbackOrder, int allocMt, int fallbackMt,
                    int changeOwnership) {
                extfrag.add(new long[] {pfn, allocOrder, fallbackOrder, allocMt, fallbackMt, changeOwnership});
            }
        }, KmemEvent.MM_PAGE_ALLOC_EXTFRAG);
        am.enter(0);
        for (long zone : am.populatedZones) {
            am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
        }
        return am;
    }

    private static int blockType(AllocMachine am, long pfn) {
        return am.buddy.pageblockFlags().getPageblockMigratetype(am.page(pfn));
    }

    /** Every free page of {@code zone} allocated as a movable order-0 page, by pfn. */
    private static TreeMap<Long, Long> takeAll(AllocMachine am, long zone) {
        TreeMap<Long, Long> pages = new TreeMap<>();
        while (am.freePages(zone) > 0) {
            long page = am.alloc.allocPages(MOVABLE, 0);
            assertNotEquals(0, page);
            assertEquals(zone, am.buddy.pageZone(page), "the zone runs dry before the next one is used");
            pages.put(am.pfn(page), page);
        }
        return pages;
    }

    private static long freeOnList(AllocMachine am, long zone, int mt) {
        long pages = 0;
        for (int o = 0; o < am.buddy.maxOrder(); o++) {
            long head = am.buddy.freeArea().freeList(zone, o, mt);
            pages += ListHead.countNodes(am.m.mem, head) << o;
        }
        return pages;
    }

    /** An unmovable request takes the largest movable block; at or above pageblock order it changes owner whole. */
    @Test
    void aLargeFallbackBlockChangesTypeWhole() {
        try (AllocMachine am = single()) {
            long zone = am.zone(ZONE_NORMAL);
            long top = am.buddy.maxOrder() - 1;
            long head = am.pfn(am.buddy.freeArea().getPageFromFreeArea(zone, (int) top, MIGRATE_MOVABLE));
            long[] before = BuddyVerify.pageblockMigratetypeCounts(am.buddy, zone);
            long page = am.alloc.allocPages(UNMOVABLE, 0);
            assertEquals(head, am.pfn(page), "the head of the largest movable list");
            assertEquals(MIGRATE_UNMOVABLE, blockType(am, head));
            assertEquals(MIGRATE_UNMOVABLE, blockType(am, head + PAGEBLOCK));
            long[] after = BuddyVerify.pageblockMigratetypeCounts(am.buddy, zone);
            assertEquals(before[MIGRATE_UNMOVABLE] + 2, after[MIGRATE_UNMOVABLE]);
            assertEquals(before[MIGRATE_MOVABLE] - 2, after[MIGRATE_MOVABLE]);
            assertEquals(1, extfrag.size());
            assertArrayEquals(new long[] {head, 0, top, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 1}, extfrag.getFirst());
            assertEquals(2 * PAGEBLOCK - 1, freeOnList(am, zone, MIGRATE_UNMOVABLE), "the rest of the block");
            am.alloc.__freePages(page, 0);
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /**
     * A pageblock half free (in order-3 blocks) and the rest unmovable-alike: the unmovable request steals all its
     * free pages and claims the block; a movable request then may not steal it back (order 3 is below half a
     * pageblock) and takes the smallest fitting block alone.
     */
    @Test
    void aHalfFreePageblockIsClaimedAndAMovableRequestTakesOnlyASmallBlock() {
        try (AllocMachine am = single()) {
            long zone = am.zone(ZONE_NORMAL);
            TreeMap<Long, Long> pages = takeAll(am, zone);
            long block = pages.ceilingKey(4096L) & -PAGEBLOCK;
            for (long i = 0; i < PAGEBLOCK; i++) {
                if (i % 16 < 8) {
                    am.alloc.__freePages(pages.remove(block + i), 0);
                }
            }
            assertEquals(32, am.nrFree(zone, 3));
            long stolen = am.pfn(am.buddy.freeArea().getPageFromFreeArea(zone, 3, MIGRATE_MOVABLE));
            long page = am.alloc.allocPages(UNMOVABLE, 0);
            assertEquals(block, am.pfn(page) & -PAGEBLOCK);
            assertEquals(MIGRATE_UNMOVABLE, blockType(am, block), "256 free + 256 alike >= half");
            assertEquals(255, freeOnList(am, zone, MIGRATE_UNMOVABLE));
            assertEquals(0, freeOnList(am, zone, MIGRATE_MOVABLE));
            assertArrayEquals(new long[] {stolen, 0, 3, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 1}, extfrag.getLast());

            long smallest = am.pfn(am.buddy.freeArea().getPageFromFreeArea(zone, 0, MIGRATE_UNMOVABLE));
            long movable = am.alloc.allocPages(MOVABLE, 0);
            assertEquals(smallest, am.pfn(movable), "find_smallest: the order-0 leftover, not an order-3 block");
            assertEquals(MIGRATE_UNMOVABLE, blockType(am, block), "not stolen back");
            assertEquals(31, am.nrFree(zone, 3));
            assertArrayEquals(new long[] {smallest, 0, 0, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, 0}, extfrag.getLast());

            am.alloc.__freePages(page, 0);
            am.alloc.__freePages(movable, 0);
            for (long p : pages.values()) {
                am.alloc.__freePages(p, 0);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /**
     * When most of the pageblock's other pages are on the LRU (movable), an unmovable request still moves the free
     * pages to its lists but does not claim the block.
     */
    @Test
    void aPageblockFullOfMovablePagesIsNotClaimed() {
        try (AllocMachine am = single()) {
            long zone = am.zone(ZONE_NORMAL);
            TreeMap<Long, Long> pages = takeAll(am, zone);
            long block = pages.ceilingKey(4096L) & -PAGEBLOCK;
            List<Long> lru = new ArrayList<>();
            for (long i = 0; i < PAGEBLOCK; i++) {
                if (i < 100) {
                    am.alloc.__freePages(pages.remove(block + i), 0);
                } else if (i < 500) {
                    long p = pages.get(block + i);
                    PageFlags.setFlagNonAtomic(am.m.mem, p, PageFlags.PG_lru);
                    lru.add(p);
                }
            }
            long page = am.alloc.allocPages(UNMOVABLE, 0);
            assertEquals(block, am.pfn(page) & -PAGEBLOCK);
            assertEquals(MIGRATE_MOVABLE, blockType(am, block), "100 free + 12 alike < 256");
            assertEquals(99, freeOnList(am, zone, MIGRATE_UNMOVABLE), "the free pages moved nevertheless");
            assertEquals(0, extfrag.getLast()[5], "change_ownership");
            for (long p : lru) {
                PageFlags.clearFlagNonAtomic(am.m.mem, p, PageFlags.PG_lru);
            }
            am.alloc.__freePages(page, 0);
            for (long p : pages.values()) {
                am.alloc.__freePages(p, 0);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** watermark_boost grows by a pageblock per fragmenting fallback, up to 150% of the high watermark. */
    @Test
    void aFragmentingFallbackBoostsTheWatermark() {
        try (AllocMachine am = single()) {
            long zone = am.zone(ZONE_NORMAL);
            TreeMap<Long, Long> pages = takeAll(am, zone);
            long boost = zone + am.m.layouts.zone().watermarkBoost;
            am.setWatermarks(zone, 0, 0, 1000);
            long block = pages.ceilingKey(4096L) & -PAGEBLOCK;
            for (long i = 0; i < 64; i++) {
                am.alloc.__freePages(pages.remove(block + i), 0);
            }
            long first = am.alloc.allocPages(UNMOVABLE, 0);
            assertEquals(PAGEBLOCK, am.m.mem.getLong(boost), "min(0 + 512, max(512, 1000 * 15000 / 10000))");
            am.m.mem.putLong(boost, 0); // as kswapd does once it has balanced the zone
            am.alloc.fallback().setWatermarkBoostFactor(0);
            long next = block + PAGEBLOCK;
            for (long i = 0; i < 64; i++) {
                am.alloc.__freePages(pages.remove(next + i), 0);
            }
            long second = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE, 0);
            assertEquals(next, am.pfn(second) & -PAGEBLOCK, "a reclaimable request steals the movable block");
            assertEquals(2, extfrag.size());
            assertEquals(0, am.m.mem.getLong(boost), "factor 0 boosts nothing");
            am.alloc.__freePages(first, 0);
            am.alloc.__freePages(second, 0);
            for (long p : pages.values()) {
                am.alloc.__freePages(p, 0);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /**
     * ALLOC_NOFRAGMENT: with ZONE_NORMAL fragmented and whole pageblocks free in ZONE_DMA32, an unmovable request
     * goes to DMA32 rather than fragment another Normal pageblock.
     */
    @Test
    void noFragmentPrefersALowerZoneToStealingASmallBlock() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            for (long zone : am.populatedZones) {
                am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
            }
            long normal = am.zone(ZONE_NORMAL);
            long dma32 = am.zone(ZONE_DMA32);
            TreeMap<Long, Long> pages = takeAll(am, normal);
            long block = pages.ceilingKey(20000L) & -PAGEBLOCK;
            for (long i = 0; i < 64; i++) {
                am.alloc.__freePages(pages.remove(block + i), 0);
            }
            long[] normalTypes = BuddyVerify.pageblockMigratetypeCounts(am.buddy, normal);
            long page = am.alloc.allocPages(UNMOVABLE, 0);
            assertEquals(dma32, am.buddy.pageZone(page));
            assertArrayEquals(normalTypes, BuddyVerify.pageblockMigratetypeCounts(am.buddy, normal));
            assertTrue((am.alloc.allocFlagsNofragment(normal, UNMOVABLE) & AllocFlags.ALLOC_NOFRAGMENT) != 0);
            assertEquals(0, am.alloc.allocFlagsNofragment(dma32, UNMOVABLE) & AllocFlags.ALLOC_NOFRAGMENT);
            am.alloc.__freePages(page, 0);
            for (long p : pages.values()) {
                am.alloc.__freePages(p, 0);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }
}
