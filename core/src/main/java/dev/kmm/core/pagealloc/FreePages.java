package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.vmstat.Vmstat;

/**
 * The locked free paths of Linux 6.1 mm/page_alloc.c around {@link Buddy}'s merging: {@code free_pages_prepare}
 * as the allocator calls it (tracepoint, DEBUG_VM tail-page checks), {@code __free_pages_ok} and
 * {@code free_one_page}, which take the zone lock that {@link Buddy#freeOnePage} needs.
 *
 * <p>kmm checks freed pages as a CONFIG_DEBUG_VM kernel does, where it matters for finding bugs: every page is
 * checked when it is freed, pcp lists included ({@code free_pcp_prepare} with {@code check_free}), and compound
 * tails get {@code free_tail_pages_check}. A bad page raises {@link BadPageException} before anything changes,
 * where the kernel would report it and leak it.
 */
final class FreePages {
    private final Buddy buddy;
    private final KernelMemory mem;
    private final Vmstat vmstat;
    private final KmemTrace trace;
    private final long zoneLock;
    /** page_owner, or null when off. */
    private final PageOwner pageOwner;
    /** The debug bookkeeping of non-compound blocks, or null when off. */
    private final HighOrderBlocks blocks;
    /** {@code want_init_on_free()}: the frames to clear, or null when off. */
    private final PageFrames initOnFree;

    FreePages(Buddy buddy, Vmstat vmstat, KmemTrace trace, PageOwner pageOwner, HighOrderBlocks blocks,
            PageFrames initOnFree) {
        this.buddy = buddy;
        this.mem = buddy.mem();
        this.vmstat = vmstat;
        this.trace = trace;
        this.zoneLock = buddy.zoneLayout().lock;
        this.pageOwner = pageOwner;
        this.blocks = blocks;
        this.initOnFree = initOnFree;
    }

    /**
     * {@code free_pages_prepare(page, order, true, FPI_NONE)} for the allocator's frees: the checks and clearing of
     * {@link Buddy#freePagesPrepare}, then {@code reset_page_owner} (a hwpoisoned page's too), and the pages
     * zeroed when {@code want_init_on_free()} ({@code kernel_init_pages}).
     *
     * @return false when the page must not be freed (an order-0 hwpoisoned page)
     * @throws BadPageException for a page in a bad state; nothing was changed
     */
    boolean freePagesPrepare(long page, int order) {
        long pfn = buddy.model().pageToPfn(page);
        KmemTrace.mmPageFree(trace, pfn, order);
        if (order > 0 && PageFlags.pageHead(mem, page) && PageFlags.compoundOrder(mem, page) == order) {
            for (int i = 1; i < 1 << order; i++) {
                String reason = Compound.freeTailPagesCheck(mem, page, i);
                if (reason != null) {
                    long tail = page + (long) i * PageLayout.SIZE;
                    throw new BadPageException(buddy.model().pageToPfn(tail), reason, buddy.dumpPage(tail));
                }
            }
        }
        boolean free = buddy.freePagesPrepare(page, order, true, Buddy.FPI_NONE);
        if (pageOwner != null) {
            pageOwner.resetPageOwner(pfn, order);
        }
        if (blocks != null) {
            blocks.freed(pfn);
        }
        if (free && initOnFree != null) {
            for (long i = 0; i < 1L << order; i++) {
                initOnFree.clearPage(pfn + i);
            }
        }
        return free;
    }

    /**
     * {@code __free_pages_ok}: frees a block straight to the buddy lists under the zone lock, re-reading the
     * pageblock's type when the zone has isolated pageblocks, and counts PGFREE.
     */
    void freePagesOk(Cpu cpu, long page, int order, int fpiFlags) {
        long pfn = buddy.model().pageToPfn(page);
        long zone = buddy.pageZone(page);
        if (!freePagesPrepare(page, order)) {
            return;
        }
        int migratetype = buddy.pageblockFlags().getPfnblockMigratetype(page, pfn);
        freeOnePage(cpu, zone, page, pfn, order, migratetype, fpiFlags);
        vmstat.countPgfree(cpu, 1L << order);
    }

    /** {@code free_one_page}: {@link Buddy#freeOnePage} under the zone lock. */
    void freeOnePage(Cpu cpu, long zone, long page, long pfn, int order, int migratetype, int fpiFlags) {
        long lock = zone + zoneLock;
        Spinlock.spinLock(mem, lock, cpu);
        try {
            if (buddy.hasIsolatePageblock(zone) || buddy.isMigrateIsolate(migratetype)) {
                migratetype = buddy.pageblockFlags().getPfnblockMigratetype(page, pfn);
            }
            buddy.freeOnePage(page, pfn, zone, order, migratetype, fpiFlags);
        } finally {
            Spinlock.spinUnlock(mem, lock);
        }
    }
}
