package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.core.gfp.Gfp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The slow path: who may dip below the min watermark, kswapd wake-ups, and __GFP_NOFAIL's reserves and bound. */
class SlowPathTest {
    private record Wake(long zone, int gfp, int order, int highestZoneidx) {
    }

    /**
     * With free pages between 37.5% and 50% of the min watermark away: GFP_KERNEL and GFP_NOWAIT fail,
     * __GFP_HIGH (50% of min) and GFP_ATOMIC (37.5%) succeed; every slow path wakes kswapd for the zone.
     */
    @Test
    void onlyHighAndAtomicRequestsDipBelowMin() {
        List<Wake> wakes = new ArrayList<>();
        try (AllocMachine am = AllocMachine.x86Normal(64, 1, b -> b.kswapd(
                (zone, gfp, order, idx) -> wakes.add(new Wake(zone, gfp, order, idx))))) {
            am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
            long free = am.freePages(zone);
            long min = free * 3 / 2; // 50% of min = 0.75 free, 37.5% = 0.56 free
            am.setWatermarks(zone, min, min, min);
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 0));
            assertEquals(new Wake(zone, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 0, ZONE_NORMAL), wakes.getFirst());
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_NOWAIT | Gfp.__GFP_NOWARN, 0), "non-blocking alone: no reserve");
            long high = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_HIGH, 0);
            long atomic = am.alloc.allocPages(Gfp.GFP_ATOMIC, 0);
            assertNotEquals(0, high);
            assertNotEquals(0, atomic);
            assertTrue(wakes.stream().allMatch(w -> w.zone() == zone));
            int before = wakes.size();
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE & ~Gfp.__GFP_KSWAPD_RECLAIM
                    | Gfp.__GFP_NOWARN, 0));
            assertEquals(before, wakes.size(), "no __GFP_KSWAPD_RECLAIM, no wake-up");
            am.alloc.__freePages(high, 0);
            am.alloc.__freePages(atomic, 0);
            assertEquals(List.of(), am.printk);
        }
    }

    /** A fragmenting fallback that boosts the watermark flags the zone, and the next rmqueue wakes kswapd. */
    @Test
    void aBoostedWatermarkWakesKswapd() {
        List<Wake> wakes = new ArrayList<>();
        try (AllocMachine am = AllocMachine.x86Normal(64, 1, b -> b.kswapd(
                (zone, gfp, order, idx) -> wakes.add(new Wake(zone, gfp, order, idx))))) {
            am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
            am.setWatermarks(zone, 0, 0, 1000);
            List<Long> pages = new ArrayList<>();
            long p;
            while ((p = am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_NOWARN, 0)) != 0) {
                pages.add(p);
            }
            am.alloc.__freePages(pages.removeLast(), 0); // one free movable page: stealing it fragments
            assertEquals(2, wakes.size(), "the failed request's slow path woke kswapd twice (before and in the retry)");
            wakes.clear();
            long unmovable = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            assertNotEquals(0, unmovable);
            assertEquals(List.of(new Wake(zone, 0, 0, ZONE_NORMAL)), wakes);
            assertEquals(0, am.m.mem.getLong(zone + am.m.layouts.zone().flags) & 1, "ZONE_BOOSTED_WATERMARK cleared");
            pages.add(unmovable);
            for (long q : pages) {
                am.alloc.__freePages(q, 0);
            }
        }
    }

    /**
     * __GFP_NOFAIL: below the watermarks it takes the reserves (no watermarks, via the OOM step that kills nothing);
     * with nothing free at all it retries NOFAIL_RETRIES rounds, warns and throws.
     */
    @Test
    void nofailUsesTheReservesAndGivesUpAfterItsBound() {
        try (AllocMachine am = AllocMachine.x86Normal(64, 1, b -> { })) {
            am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
            long free = am.freePages(zone);
            am.setWatermarks(zone, 2 * free, 2 * free, 2 * free);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOFAIL, 0);
            assertNotEquals(0, page);
            assertTrue(am.alloc.pageIsPfmemalloc(page), "ALLOC_NO_WATERMARKS");
            am.setWatermarks(zone, 0, 0, 0);
            List<Long> pages = new ArrayList<>(List.of(page));
            long p;
            while ((p = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 0)) != 0) {
                pages.add(p);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOFAIL, 0));
            assertTrue(e.getMessage().contains("after " + PageAlloc.NOFAIL_RETRIES + " rounds"), e.getMessage());
            assertEquals(1, am.printk.size());
            assertTrue(am.printk.getFirst().text().endsWith(
                    ": page allocation failure: order:0, mode:0x8cc0(GFP_KERNEL|__GFP_NOFAIL), nodemask=(null)"),
                    am.printk.getFirst().text());
            for (long q : pages) {
                am.alloc.__freePages(q, 0);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }
}
