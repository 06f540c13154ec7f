package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_HIGHATOMIC;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_PCPTYPES;
import static dev.kmm.arena.layout.KernelConstants.PAGE_ALLOC_COSTLY_ORDER;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_CMA;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_HIGHATOMIC;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_NON_BLOCK;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_OOM;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.core.page.Page;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.vmstat.Vmstat;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Taking pages off the buddy free lists, Linux 6.1 mm/page_alloc.c: {@code __rmqueue_smallest} with
 * {@code expand}, {@code __rmqueue} (CMA balancing, then the fallbacks of {@link Fallback}), {@code rmqueue_buddy}
 * and {@code check_new_pages}.
 *
 * <p>A taken block is split in halves down to the requested order; each upper half goes back on its order's list
 * ({@code expand}), so the returned page is always the lowest pfn of the block taken. The page remembers the list
 * it came from in {@code page->index} ({@code set_pcppage_migratetype}) for the pcp lists and the free path.
 */
public final class Rmqueue {
    /** The word at {@code _mapcount} of a free page: {@code _mapcount} -1 and {@code _refcount} 0 after it. */
    private static final long FREE_COUNTS = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0xffff_ffffL
            : 0xffff_ffff_0000_0000L;
    private final Buddy buddy;
    private final KernelMemory mem;
    private final FreeArea freeArea;
    private final Fallback fallback;
    private final Vmstat vmstat;
    private final KmemTrace trace;
    private final Consumer<PrintkLine> printk;
    private final long zoneLock;
    private final int maxOrder;
    private final int migrateCma;
    private final int nrFreeCmaPages;
    private final int pageblockOrder;
    private final boolean thp;
    private final long pageFlagsCheckAtPrepAndHwpoison;
    private final long hwpoison;

    Rmqueue(Buddy buddy, Fallback fallback, Vmstat vmstat, KmemTrace trace, Consumer<PrintkLine> printk,
            boolean thp) {
        this.buddy = buddy;
        this.mem = buddy.mem();
        this.freeArea = buddy.freeArea();
        this.fallback = fallback;
        this.vmstat = vmstat;
        this.trace = trace;
        this.printk = printk;
        this.zoneLock = buddy.zoneLayout().lock;
        this.maxOrder = buddy.maxOrder();
        this.migrateCma = buddy.migrateCma();
        this.nrFreeCmaPages = buddy.zoneLayout().nrVmZoneStatItems - 1;
        this.pageblockOrder = buddy.pageblockOrder();
        this.thp = thp;
        int pgHwpoison = buddy.flagsLayout().pgHwpoison;
        this.hwpoison = pgHwpoison < 0 ? 0 : 1L << pgHwpoison;
        this.pageFlagsCheckAtPrepAndHwpoison = buddy.flagsLayout().pageFlagsCheckAtPrep | hwpoison;
    }

    /** {@code pcp_allowed_order}: orders up to PAGE_ALLOC_COSTLY_ORDER, and the THP order with THP. */
    boolean pcpAllowedOrder(int order) {
        return order <= PAGE_ALLOC_COSTLY_ORDER || thp && order == pageblockOrder;
    }

    /**
     * {@code expand}: splits the block {@code page} of order {@code high} down to {@code low}, putting each upper
     * half at the head of its order's {@code migratetype} list. (The debug_pagealloc guard-page hook,
     * {@code set_page_guard}, is off in the reference config and does nothing.)
     */
    void expand(long zone, long page, int low, int high, int migratetype) {
        long size = 1L << high;
        while (high > low) {
            high--;
            size >>>= 1;
            long buddyPage = page + size * PageLayout.SIZE;
            freeArea.addToFreeList(buddyPage, zone, high, migratetype);
            Buddy.setBuddyOrder(mem, buddyPage, high);
        }
    }

    /**
     * {@code __rmqueue_smallest}: the smallest free block of at least {@code order} on the {@code migratetype}
     * lists, split down to {@code order}; 0 when there is none. Zone lock held.
     */
    long rmqueueSmallest(long zone, int order, int migratetype) {
        for (int currentOrder = order; currentOrder < maxOrder; ++currentOrder) {
            long page = freeArea.getPageFromFreeArea(zone, currentOrder, migratetype);
            if (page == 0) {
                continue;
            }
            freeArea.delPageFromFreeList(page, zone, currentOrder);
            expand(zone, page, order, currentOrder, migratetype);
            mem.putLong(page + PageLayout.INDEX, migratetype);
            KmemTrace.mmPageAllocZoneLocked(trace, buddy.model().pageToPfn(page), order, migratetype,
                    pcpAllowedOrder(order) && migratetype < MIGRATE_PCPTYPES ? 1 : 0);
            return page;
        }
        return 0;
    }

    private long rmqueueCmaFallback(long zone, int order) {
        return migrateCma < 0 ? 0 : rmqueueSmallest(zone, order, migrateCma);
    }

    /**
     * {@code __rmqueue}: a block of {@code order} for {@code migratetype}, falling back to CMA (movable requests)
     * and then to other types. Movable requests go to CMA first while it holds over half the zone's free pages,
     * which keeps the CMA area in use. Zone lock held.
     */
    long rmqueue(long zone, int order, int migratetype, int allocFlags) {
        long page;
        if (migrateCma >= 0 && (allocFlags & ALLOC_CMA) != 0
                && vmstat.zonePageState(zone, nrFreeCmaPages) > vmstat.zonePageState(zone, Vmstat.NR_FREE_PAGES) / 2) {
            page = rmqueueCmaFallback(zone, order);
            if (page != 0) {
                return page;
            }
        }
        for (;;) {
            page = rmqueueSmallest(zone, order, migratetype);
            if (page != 0) {
                return page;
            }
            if ((allocFlags & ALLOC_CMA) != 0) {
                page = rmqueueCmaFallback(zone, order);
            }
            if (page != 0 || !fallback.rmqueueFallback(zone, order, migratetype, allocFlags)) {
                return page;
            }
        }
    }

    /**
     * {@code __mod_zone_freepage_state}: NR_FREE_PAGES, and NR_FREE_CMA_PAGES for a CMA block, through this CPU's
     * pending deltas.
     */
    void modZoneFreepageState(Cpu cpu, long zone, long nrPages, int migratetype) {
        vmstat.modZonePageState(cpu, zone, Vmstat.NR_FREE_PAGES, nrPages);
        if (migratetype == migrateCma && migrateCma >= 0) {
            vmstat.modZonePageState(cpu, zone, nrFreeCmaPages, nrPages);
        }
    }

    /**
     * {@code rmqueue_buddy}: an allocation straight from the buddy lists, under the zone lock. High-order atomic
     * requests try the HIGHATOMIC reserve first; OOM-handling and non-blocking requests may use it when all else
     * fails. A page that fails {@code check_new_pages} is reported and left out, and another one taken.
     *
     * @return the page, or 0
     */
    long rmqueueBuddy(Cpu cpu, long preferredZone, long zone, int order, int allocFlags, int migratetype) {
        long lock = zone + zoneLock;
        long page;
        do {
            page = 0;
            Spinlock.spinLock(mem, lock, cpu);
            try {
                if ((allocFlags & ALLOC_HIGHATOMIC) != 0) {
                    page = rmqueueSmallest(zone, order, MIGRATE_HIGHATOMIC);
                }
                if (page == 0) {
                    page = rmqueue(zone, order, migratetype, allocFlags);
                    if (page == 0 && (allocFlags & (ALLOC_OOM | ALLOC_NON_BLOCK)) != 0) {
                        page = rmqueueSmallest(zone, order, MIGRATE_HIGHATOMIC);
                    }
                    if (page == 0) {
                        return 0;
                    }
                }
                modZoneFreepageState(cpu, zone, -(1L << order), (int) mem.getLong(page + PageLayout.INDEX));
            } finally {
                Spinlock.spinUnlock(mem, lock);
            }
        } while (checkNewPages(page, order));
        vmstat.countPgalloc(cpu, buddy.flagsLayout().pageZonenum(mem, page), 1L << order);
        vmstat.zoneStatistics(cpu, preferredZone, zone, 1);
        return page;
    }

    /**
     * {@code check_new_pages}: every page of a block leaving the allocator must look free: no mapcount, mapping,
     * references, memcg, nor flags of {@code PAGE_FLAGS_CHECK_AT_PREP} or hwpoison. A bad page is reported as the
     * kernel's {@code bad_page} does and stays out of circulation (leaked, its PageBuddy mark removed).
     *
     * @return whether a page of the block was bad
     */
    boolean checkNewPages(long page, int order) {
        for (int i = 0; i < 1 << order; i++) {
            long p = page + (long) i * PageLayout.SIZE;
            if (checkNewPage(p)) {
                return true;
            }
        }
        return false;
    }

    private boolean checkNewPage(long p) {
        long flags = mem.getLong(p + PageLayout.FLAGS);
        // _mapcount and _refcount share one aligned word: read both at once
        if (mem.getLong(p + PageLayout.MAPCOUNT) == FREE_COUNTS && (Page.pageMapping(mem, p)
                | mem.getLong(p + PageLayout.MEMCG_DATA) | (flags & pageFlagsCheckAtPrepAndHwpoison)) == 0) {
            return false;
        }
        if ((flags & hwpoison) == 0) {
            BadPageException e = buddy.badPage(p, buddy.flagsLayout().pageFlagsCheckAtPrep);
            for (String line : e.getMessage().split("\\R")) {
                printk.accept(new PrintkLine(PrintkLine.Level.ALERT, line));
            }
        }
        Page.pageMapcountReset(mem, p); // remove PageBuddy
        return true;
    }
}
