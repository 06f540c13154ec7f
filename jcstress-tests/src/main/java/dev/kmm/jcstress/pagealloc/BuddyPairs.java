package dev.kmm.jcstress.pagealloc;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.BuddyVerify;
import java.util.BitSet;

/**
 * The machine of the buddy-pair tests and how they judge it. The image's pagesets keep nothing (high 0,
 * batch 1, as a boot pageset), so an order-0 free goes straight on to {@code __free_one_page} under
 * {@code zone->lock}. The image allocates pages until it holds {@value #PAIRS} aligned runs of four,
 * {@code 4j .. 4j + 3}; pfns {@code 4j} and {@code 4j + 1} are a buddy pair. CPU 0 frees the first halves, CPU 1
 * the second halves, in step (see {@link TwoActors}), so the two halves of a pair are freed at the same moment,
 * pair after pair. Pfns {@code 4j + 2} and {@code 4j + 3} stay allocated, so each pair merges into one order-1
 * block and no further, whatever else is free in the zone.
 */
final class BuddyPairs {
    /** Pairs freed per sample. */
    static final int PAIRS = 64;

    /** Verdict bits of {@link #verdict}; 0 means every pair merged exactly once and the zone is consistent. */
    static final int VERIFY = 1, NR_FREE_PAGES = 2, PAIR_NOT_MERGED = 4, HIGHER_ORDER = 8, OOPS = 16;

    static final long[] EVEN = new long[PAIRS];
    static final long[] ODD = new long[PAIRS];
    /** {@code free_area[order].nr_free} of the image, by order. */
    static final long[] NR_FREE = new long[16];
    /** NR_FREE_PAGES of the image. */
    static final long FREE_PAGES;
    static final ZoneImage IMAGE;

    static {
        long[] freePages = new long[1];
        IMAGE = ZoneImage.boot(0, 1, m -> {
            allocatePairs(m);
            freePages[0] = m.freePages();
            for (int order = 0; order < m.buddy.maxOrder(); order++) {
                NR_FREE[order] = m.nrFree(order);
            }
        });
        FREE_PAGES = freePages[0];
    }

    private BuddyPairs() {
    }

    /** Allocates order-0 pages until {@link #PAIRS} aligned runs of four are taken, and picks the pairs. */
    private static void allocatePairs(SmallMachine m) {
        BitSet taken = new BitSet();
        int pairs = 0;
        try (Cpu cpu = m.enter(0)) {
            while (pairs < PAIRS) {
                long page = m.alloc.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE, 0);
                if (page == 0) {
                    throw new IllegalStateException("the image's zone ran out with " + pairs + " of " + PAIRS
                            + " pairs");
                }
                int pfn = Math.toIntExact(m.pfn(page));
                taken.set(pfn);
                int run = pfn & ~3;
                if (taken.nextClearBit(run) >= run + 4) {
                    EVEN[pairs] = m.page(run);
                    ODD[pairs] = m.page(run + 1);
                    pairs++;
                }
            }
        }
    }

    /**
     * Checks the zone after both CPUs freed their halves: BuddyVerify finds nothing wrong (lists, nr_free,
     * NR_FREE_PAGES, no free buddies left unmerged), NR_FREE_PAGES grew by the pairs' pages, each pair is one free
     * order-1 block, and nr_free changed at order 1 only. An actor that oopsed fails the sample alone.
     */
    static int verdict(SmallMachine m, TwoActors actors) {
        if (actors.oopsed()) {
            return OOPS;
        }
        int verdict = 0;
        if (!BuddyVerify.verifyZone(m.buddy, m.zone).isEmpty()) {
            verdict |= VERIFY;
        }
        if (m.freePages() != FREE_PAGES + 2L * PAIRS) {
            verdict |= NR_FREE_PAGES;
        }
        for (int j = 0; j < PAIRS; j++) {
            if (!m.isFreeBlock(EVEN[j], 1)) {
                verdict |= PAIR_NOT_MERGED;
            }
        }
        for (int order = 2; order < m.buddy.maxOrder(); order++) {
            if (m.nrFree(order) != NR_FREE[order]) {
                verdict |= HIGHER_ORDER;
            }
        }
        return verdict;
    }

    /** Order-{@code order} blocks the frees added to the zone's free lists (negative when fewer are left). */
    static int addedBlocks(SmallMachine m, int order) {
        return (int) (m.nrFree(order) - NR_FREE[order]);
    }

    /**
     * {@code __free_pages} of an order-0 page straight into the buddy as {@code __free_pages_ok} does it, but
     * with no {@code zone->lock} around {@code __free_one_page}: for the broken control. Two CPUs then both find
     * the other half not yet free and add both halves at order 0, or race on the free list and its nr_free.
     */
    static void freeWithoutZoneLock(SmallMachine m, long page) {
        m.mem.getAndAddInt(page + PageLayout.REFCOUNT, -1); // put_page_testzero
        long pfn = m.pfn(page);
        m.buddy.freePagesPrepare(page, 0, true, Buddy.FPI_NONE);
        int migratetype = m.buddy.pageblockFlags().getPfnblockMigratetype(page, pfn);
        // spin_lock(&zone->lock) left out
        m.buddy.freeOnePage(page, pfn, m.zone, 0, migratetype, Buddy.FPI_NONE);
    }
}
