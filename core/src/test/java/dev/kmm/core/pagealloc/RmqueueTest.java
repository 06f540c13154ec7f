package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.core.gfp.Gfp;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Buddy allocation (__rmqueue_smallest and expand) held against two independent models: the fully merged
 * decomposition of the free pfns ({@link BuddyModel}), and the counting rule "take the smallest order that has a
 * block, leave one block of each order below it". The pcp lists are made transparent (boot pageset: high 0,
 * batch 1), so every page goes through the buddy.
 */
class RmqueueTest {
    private static final int MOVABLE = Gfp.GFP_HIGHUSER_MOVABLE;

    private static AllocMachine machine() {
        AllocMachine am = AllocMachine.x86Normal(64, 1, b -> { });
        am.enter(0);
        am.alloc.pcp().zoneSetPagesetHighAndBatch(am.zone(KernelConstants.ZONE_NORMAL), 0, 1);
        return am;
    }

    private static List<Long> listPfns(AllocMachine am, long zone, int order, int mt) {
        List<Long> out = new ArrayList<>();
        long head = am.buddy.freeArea().freeList(zone, order, mt);
        for (long p = ListHead.next(am.m.mem, head); p != head; p = ListHead.next(am.m.mem, p)) {
            out.add(am.pfn(p - PageLayout.BUDDY_LIST));
        }
        return out;
    }

    /**
     * An order-0 request takes the head of the lowest non-empty list, here an order-9 block once the smaller
     * leftovers are gone, and leaves its upper halves at the heads of the lists of orders 0..8.
     */
    @Test
    void anOrderZeroAllocationSplitsTheSmallestBlockAsExpandDoes() {
        try (AllocMachine am = machine()) {
            long zone = am.zone(KernelConstants.ZONE_NORMAL);
            List<long[]> held = new ArrayList<>();
            for (int order = 0; order < 9; order++) {
                while (am.nrFree(zone, order) > 0) { // the leftovers around the per-cpu chunk
                    held.add(new long[] {am.alloc.allocPages(MOVABLE, order), order});
                }
            }
            List<Long> order9 = listPfns(am, zone, 9, MIGRATE_MOVABLE);
            assertEquals(List.of(512L), order9, "the block below the first order-10 block");
            long page = am.alloc.allocPages(MOVABLE, 0);
            assertEquals(512, am.pfn(page));
            for (int k = 0; k < 9; k++) {
                assertEquals(List.of(512L + (1L << k)), listPfns(am, zone, k, MIGRATE_MOVABLE), "order " + k);
            }
            assertEquals(List.of(), listPfns(am, zone, 9, MIGRATE_MOVABLE));
            assertEquals(MIGRATE_MOVABLE, am.m.mem.getLong(page + PageLayout.INDEX), "set_pcppage_migratetype");
            am.alloc.__freePages(page, 0);
            assertEquals(List.of(512L), listPfns(am, zone, 9, MIGRATE_MOVABLE));
            for (long[] h : held) {
                am.alloc.__freePages(h[0], (int) h[1]);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** Orders 0..MAX_ORDER-1, several rounds, then everything freed in a random order. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void everyOrderSplitsLikeTheModels(long seed) {
        try (AllocMachine am = machine()) {
            long zone = am.zone(KernelConstants.ZONE_NORMAL);
            long start = am.buddy.zoneStartPfn(zone);
            long end = am.buddy.zoneEndPfn(zone);
            int maxOrder = am.buddy.maxOrder();
            BitSet free = am.m.expectedFreePfns();
            long[] counts = BuddyModel.expectedNrFree(free, start, end, maxOrder);
            assertArrayEquals(counts, am.nrFree(zone));
            long initialFree = free.cardinality();
            Random random = new Random(seed);
            List<long[]> allocated = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int order = 0; order < maxOrder; order++) {
                    long page = am.alloc.allocPages(MOVABLE, order);
                    assertNotEquals(0, page, "order " + order);
                    long pfn = am.pfn(page);
                    assertEquals(0, pfn & ((1L << order) - 1), "aligned");
                    assertTrue(free.get((int) pfn, (int) (pfn + (1L << order))).cardinality() == 1 << order,
                            "every page of the block was free");
                    free.clear((int) pfn, (int) (pfn + (1L << order)));
                    splitLikeTheCountingModel(counts, order);
                    assertArrayEquals(BuddyModel.expectedNrFree(free, start, end, maxOrder), am.nrFree(zone));
                    assertArrayEquals(counts, am.nrFree(zone));
                    assertEquals(free.cardinality(), am.freePages(zone));
                    allocated.add(new long[] {page, order});
                }
            }
            Collections.shuffle(allocated, random);
            for (long[] a : allocated) {
                am.alloc.__freePages(a[0], (int) a[1]);
                long pfn = am.pfn(a[0]);
                free.set((int) pfn, (int) (pfn + (1L << a[1])));
                assertArrayEquals(BuddyModel.expectedNrFree(free, start, end, maxOrder), am.nrFree(zone));
            }
            assertEquals(initialFree, am.freePages(zone));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    private static void splitLikeTheCountingModel(long[] counts, int order) {
        int k = order;
        while (counts[k] == 0) {
            k++;
        }
        counts[k]--;
        for (int j = order; j < k; j++) {
            counts[j]++;
        }
    }

    /** When no block of the order is left the allocation fails with 0, and nothing changes. */
    @Test
    void anExhaustedOrderFails() {
        try (AllocMachine am = machine()) {
            long zone = am.zone(KernelConstants.ZONE_NORMAL);
            int top = am.buddy.maxOrder() - 1;
            long n = am.nrFree(zone, top);
            List<Long> pages = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                pages.add(am.alloc.allocPages(MOVABLE | Gfp.__GFP_NOWARN, top));
            }
            assertEquals(0, am.nrFree(zone, top));
            long[] before = am.nrFree(zone);
            assertEquals(0, am.alloc.allocPages(MOVABLE | Gfp.__GFP_NOWARN, top));
            assertArrayEquals(before, am.nrFree(zone));
            for (long p : pages) {
                am.alloc.__freePages(p, top);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }
}
