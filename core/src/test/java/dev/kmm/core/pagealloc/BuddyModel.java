package dev.kmm.core.pagealloc;

import java.util.BitSet;

/**
 * An independent model of a fully merged buddy allocator: given which pfns of a zone are free, the free blocks
 * are the largest naturally aligned blocks (at most {@code MAX_ORDER - 1}) that lie inside the zone and are free
 * throughout. It decomposes top-down and never simulates merging, so it shares no logic with __free_one_page.
 */
final class BuddyModel {
    private BuddyModel() {
    }

    /** Expected {@code nr_free} per order for the zone {@code [zoneStart, zoneEnd)}. */
    static long[] expectedNrFree(BitSet free, long zoneStart, long zoneEnd, int maxOrder) {
        long[] nrFree = new long[maxOrder];
        long top = 1L << (maxOrder - 1);
        for (long b = zoneStart & -top; b < zoneEnd; b += top) {
            decompose(free, zoneStart, zoneEnd, b, maxOrder - 1, nrFree);
        }
        return nrFree;
    }

    private static void decompose(BitSet free, long zoneStart, long zoneEnd, long start, int order, long[] nrFree) {
        long end = start + (1L << order);
        if (start >= zoneEnd || end <= zoneStart) {
            return;
        }
        if (start >= zoneStart && end <= zoneEnd && free.nextClearBit((int) start) >= end) {
            nrFree[order]++;
            return;
        }
        if (order > 0 && free.nextSetBit((int) start) >= 0 && free.nextSetBit((int) start) < end) {
            decompose(free, zoneStart, zoneEnd, start, order - 1, nrFree);
            decompose(free, zoneStart, zoneEnd, start + (1L << (order - 1)), order - 1, nrFree);
        }
    }

    /** Free pages of the zone in the model. */
    static long freePages(BitSet free, long zoneStart, long zoneEnd) {
        return free.get((int) zoneStart, (int) zoneEnd).cardinality();
    }
}
