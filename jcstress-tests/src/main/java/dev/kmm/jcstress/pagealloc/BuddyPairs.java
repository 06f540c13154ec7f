package dev.kmm.jcstress.pagealloc;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.BuddyVerify;
import java.util.Arrays;

/**
 * The machine of the buddy-pair tests and how they judge it. The image's pagesets keep nothing (high 0,
 * batch 1, as a boot pageset), so an order-0 free goes straight on to {@code __free_one_page} under
 * {@code zone->lock}; every free page of the zone is allocated, so the buddy lists start empty. {@value #PAIRS}
 * buddy pairs are picked, pfns {@code 4j} and {@code 4j + 1}: CPU 0 frees the first halves, CPU 1 the second
 * halves, in the same order, so the two CPUs free the two halves of a pair at about the same time, pair after
 * pair. Pfns {@code 4j + 2} and {@code 4j + 3} stay allocated, so each pair merges into one order-1 block and no
 * further.
 */
final class BuddyPairs {
    /** Pairs freed per sample: enough that the two CPUs overlap in most samples (sanity mode takes few). */
    static final int PAIRS = 64;

    /** Verdict bits of {@link #verdict}; 0 means every pair merged exactly once and the zone is consistent. */
    static final int VERIFY = 1, NR_FREE_PAGES = 2, PAIR_NOT_MERGED = 4, HIGHER_ORDER = 8, OOPS = 16;

    static final long[] EVEN = new long[PAIRS];
    static final long[] ODD = new long[PAIRS];
    static final ZoneImage IMAGE = ZoneImage.boot(0, 1, BuddyPairs::allocateEverything);

    private BuddyPairs() {
    }

    /** Takes every free page of the zone, then picks the pairs among them. */
    private static void allocateEverything(SmallMachine m) {
        long[] pfns;
        try (Cpu cpu = m.enter(0)) {
            long free = m.freePages();
            pfns = new long[Math.toIntExact(free)];
            for (int i = 0; i < pfns.length; i++) {
                long page = m.alloc.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE, 0);
                if (page == 0) {
                    throw new IllegalStateException("the image's zone ran out after " + i + " of " + free + " pages");
                }
                pfns[i] = m.pfn(page);
            }
        }
        Arrays.sort(pfns);
        int pairs = 0;
        for (int i = 0; i + 3 < pfns.length && pairs < PAIRS; i++) {
            long p = pfns[i];
            if ((p & 3) == 0 && pfns[i + 3] == p + 3) { // four allocated pages in a row: 4j .. 4j + 3
                EVEN[pairs] = m.page(p);
                ODD[pairs] = m.page(p + 1);
                pairs++;
            }
        }
        if (pairs < PAIRS || m.freePages() != 0 || m.nrFree(0) != 0) {
            throw new IllegalStateException("the image's zone has room for " + pairs + " of " + PAIRS + " pairs");
        }
    }

    /**
     * Checks the zone after both CPUs freed their halves: BuddyVerify finds nothing wrong (lists, nr_free,
     * NR_FREE_PAGES, no free buddies left unmerged), NR_FREE_PAGES is the pairs' pages, each pair is one free
     * order-1 block, and no block of order 2 or more appeared. An actor that oopsed fails the sample alone.
     */
    static int verdict(SmallMachine m, TwoActors actors) {
        if (actors.oopsed()) {
            return OOPS;
        }
        int verdict = 0;
        if (!BuddyVerify.verifyZone(m.buddy, m.zone).isEmpty()) {
            verdict |= VERIFY;
        }
        if (m.freePages() != 2L * PAIRS) {
            verdict |= NR_FREE_PAGES;
        }
        for (int j = 0; j < PAIRS; j++) {
            if (!m.isFreeBlock(EVEN[j], 1)) {
                verdict |= PAIR_NOT_MERGED;
            }
        }
        for (int order = 2; order < m.buddy.maxOrder(); order++) {
            if (m.nrFree(order) != 0) {
                verdict |= HIGHER_ORDER;
            }
        }
        return verdict;
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
