package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.ZONE_DMA32;
import static dev.kmm.arena.layout.KernelConstants.ZONE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_HIGHATOMIC;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_MIN_RESERVE;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_NON_BLOCK;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_OOM;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_WMARK_MIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.core.gfp.Gfp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** __zone_watermark_ok and zone_watermark_fast with their reserve rules, and lowmem_reserve end to end. */
class ZoneWatermarkCheckTest {
    /**
     * The order-0 boundary: free pages must exceed min + lowmem_reserve; __GFP_HIGH lowers a mark of 1000 to 500,
     * non-blocking to 375, OOM to 500 (both: 250); the high-atomic reserve counts against callers without reserves.
     */
    @Test
    void theOrderZeroBoundaryFollowsTheReserveRules() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            ZoneWatermarkCheck w = am.alloc.watermarks();
            long zone = am.zone(ZONE_NORMAL);
            am.setLowmemReserve(zone, ZONE_NORMAL, 40);
            int[][] cases = { // flags, effective min
                {ALLOC_WMARK_MIN, 1000},
                {ALLOC_MIN_RESERVE, 500},
                {ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 375},
                {ALLOC_NON_BLOCK, 1000},
                {ALLOC_OOM, 500},
                {ALLOC_MIN_RESERVE | ALLOC_OOM, 250},
            };
            for (int[] c : cases) {
                long edge = c[1] + 40;
                assertFalse(w.zoneWatermarkOk(zone, 0, 1000, ZONE_NORMAL, c[0], edge), "flags " + c[0]);
                assertTrue(w.zoneWatermarkOk(zone, 0, 1000, ZONE_NORMAL, c[0], edge + 1), "flags " + c[0]);
            }
            assertTrue(w.zoneWatermarkOk(zone, 0, 1000, ZONE_DMA32, 0, 1001), "lowmem_reserve[DMA32] is 0");
            am.m.mem.putLong(zone + am.m.layouts.zone().nrReservedHighatomic, 100);
            assertFalse(w.zoneWatermarkOk(zone, 0, 1000, ZONE_NORMAL, 0, 1140));
            assertTrue(w.zoneWatermarkOk(zone, 0, 1000, ZONE_NORMAL, 0, 1141));
            assertTrue(w.zoneWatermarkOk(zone, 0, 1000, ZONE_NORMAL, ALLOC_HIGHATOMIC, 1041), "reserve users see it");
            assertEquals(100 + 7, w.zoneWatermarkUnusableFree(zone, 3, 0), "the rest of an order-3 block too");
        }
    }

    /** Above order 0 a block of the order must be free on a list the caller may use. */
    @Test
    void highOrderChecksNeedAFreeBlock() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            ZoneWatermarkCheck w = am.alloc.watermarks();
            long zone = am.zone(ZONE_NORMAL);
            int top = am.buddy.maxOrder() - 1;
            assertTrue(w.zoneWatermarkOk(zone, top, 0, ZONE_NORMAL, 0));
            List<Long> taken = new ArrayList<>();
            while (am.nrFree(zone, top) > 0) {
                taken.add(am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, top));
            }
            assertFalse(w.zoneWatermarkOk(zone, top, 0, ZONE_NORMAL, 0), "plenty of free pages, no order-10 block");
            assertEquals(freeBlocksAtOrAbove(am, zone, top - 1), w.zoneWatermarkOk(zone, top - 1, 0, ZONE_NORMAL, 0));
            for (long p : taken) {
                am.alloc.__freePages(p, top);
            }
        }
    }

    private static boolean freeBlocksAtOrAbove(AllocMachine am, long zone, int order) {
        for (int o = order; o < am.buddy.maxOrder(); o++) {
            if (am.nrFree(zone, o) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * lowmem_reserve: with ZONE_NORMAL used up, a GFP_KERNEL request may not take ZONE_DMA32's reserve for Normal
     * requests and fails with warn_alloc's line; a GFP_DMA32 request, whose highest zone is DMA32, may.
     */
    @Test
    void lowmemReserveKeepsNormalRequestsOutOfTheLowerZone() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long normal = am.zone(ZONE_NORMAL);
            long dma32 = am.zone(ZONE_DMA32);
            for (long zone : am.populatedZones) {
                am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
            }
            List<Long> taken = new ArrayList<>();
            while (am.freePages(normal) > 0) {
                taken.add(am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0));
            }
            am.setLowmemReserve(dma32, ZONE_NORMAL, am.freePages(dma32));
            am.setLowmemReserve(dma32, ZONE_MOVABLE, am.freePages(dma32));
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_KERNEL, 0));
            assertEquals(List.of(new PrintkLine(PrintkLine.Level.WARNING, Thread.currentThread().getName()
                    + ": page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null)")), am.printk);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA32, 0);
            assertNotEquals(0, page);
            assertEquals(dma32, am.buddy.pageZone(page));
            taken.add(page);
            for (long p : taken) {
                am.alloc.__freePages(p, 0);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }
}
