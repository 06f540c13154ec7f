package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_HIGHATOMIC;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_RECLAIMABLE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_UNMOVABLE;
import static dev.kmm.arena.layout.KernelConstants.WMARK_HIGH;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_KSWAPD;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_NOFRAGMENT;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageType;
import dev.kmm.core.trace.KmemTrace;

/**
 * Falling back to other migrate types when a free list runs dry, as Linux 6.1 mm/page_alloc.c does it: the
 * {@code fallbacks} table, {@code find_suitable_fallback}, {@code can_steal_fallback},
 * {@code steal_suitable_fallback} with {@code move_freepages_block} and {@code boost_watermark},
 * {@code __rmqueue_fallback}, and the high-order atomic reserve ({@code reserve_highatomic_pageblock},
 * {@code unreserve_highatomic_pageblock}).
 *
 * <p>Stealing is how anti-fragmentation works: an allocation that must take a block of another type takes the
 * largest one, and when enough of its pageblock is free or compatible it claims the whole pageblock, so pages
 * freed there later return to the right lists. Callers hold the zone lock unless a method says otherwise.
 */
public final class Fallback {
    /** {@code MIGRATE_TYPES} as the table's terminator ({@code fallbacks[][2]}). */
    private final int migrateTypes;
    /** {@code fallbacks[MIGRATE_TYPES][3]}: the other lists of each pcp type, in the order they are tried. */
    private final int[][] fallbacks;

    private final Buddy buddy;
    private final KernelMemory mem;
    private final ZoneLayout zl;
    private final FreeArea freeArea;
    private final PageblockFlags pageblockFlags;
    private final KmemTrace trace;
    private final int maxOrder;
    private final int pageblockOrder;
    private final long pageblockNrPages;
    private volatile int watermarkBoostFactor = 15000;

    Fallback(Buddy buddy, KmemTrace trace) {
        this.buddy = buddy;
        this.mem = buddy.mem();
        this.zl = buddy.zoneLayout();
        this.freeArea = buddy.freeArea();
        this.pageblockFlags = buddy.pageblockFlags();
        this.trace = trace;
        this.maxOrder = buddy.maxOrder();
        this.pageblockOrder = buddy.pageblockOrder();
        this.pageblockNrPages = 1L << pageblockOrder;
        this.migrateTypes = freeArea.migrateTypes();
        int t = migrateTypes;
        this.fallbacks = new int[][] {
            {MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, t},   // MIGRATE_UNMOVABLE
            {MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, t}, // MIGRATE_MOVABLE
            {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, t},     // MIGRATE_RECLAIMABLE
        };
    }

    /** {@code vm.watermark_boost_factor}: 15000 (150% of the high watermark) by default, 0 disables boosting. */
    public int watermarkBoostFactor() {
        return watermarkBoostFactor;
    }

    /** Sets {@code vm.watermark_boost_factor} (the sysctl accepts any value from 0). */
    public void setWatermarkBoostFactor(int factor) {
        if (factor < 0) {
            throw new IllegalArgumentException("watermark_boost_factor must be at least 0: " + factor);
        }
        this.watermarkBoostFactor = factor;
    }

    /** {@code fallbacks[migratetype][i]}; {@code MIGRATE_TYPES} ends a row. */
    public int fallback(int migratetype, int i) {
        return fallbacks[migratetype][i];
    }

    /**
     * {@code can_steal_fallback}: whether an allocation of {@code order} for {@code startMt} may take over the
     * rest of the pageblock it falls back into: always from half a pageblock up, always for unmovable and
     * reclaimable allocations (their pollution of movable blocks is the worse fragmentation), and when grouping
     * by mobility is off.
     */
    public boolean canStealFallback(int order, int startMt) {
        if (order >= pageblockOrder) {
            return true;
        }
        return order >= pageblockOrder / 2 || startMt == MIGRATE_RECLAIMABLE || startMt == MIGRATE_UNMOVABLE
                || pageblockFlags.pageGroupByMobilityDisabled();
    }

    /** The bit {@link #findSuitableFallback} sets in its result when the whole pageblock may be stolen. */
    public static final int CAN_STEAL = 1 << 16;

    /**
     * {@code find_suitable_fallback}: the first fallback type with a free block of {@code order} in {@code zone}.
     * With {@code onlyStealable}, only a type whose pageblock may be stolen whole.
     *
     * @return -1 when none; else the type, with {@link #CAN_STEAL} set if {@code can_steal} would be true
     */
    public int findSuitableFallback(long zone, int order, int migratetype, boolean onlyStealable) {
        if (freeArea.nrFree(zone, order) == 0) {
            return -1;
        }
        boolean canSteal = false;
        for (int i = 0;; i++) {
            int fallbackMt = fallbacks[migratetype][i];
            if (fallbackMt == migrateTypes) {
                break;
            }
            if (freeArea.freeAreaEmpty(zone, order, fallbackMt)) {
                continue;
            }
            if (canStealFallback(order, migratetype)) {
                canSteal = true;
            }
            if (!onlyStealable || canSteal) {
                return fallbackMt | (canSteal ? CAN_STEAL : 0);
            }
        }
        return -1;
    }

    /**
     * {@code move_freepages}: moves every free block in pfns {@code [startPfn, endPfn]} (inclusive) to the tail of
     * the {@code migratetype} lists of its order.
     *
     * @return the pages moved in the low 32 bits; in the high 32 bits the pages that are not free but on an LRU or
     *         movable ({@code num_movable}), which the kernel assumes could be migrated
     */
    public long moveFreepages(long zone, long startPfn, long endPfn, int migratetype) {
        int pagesMoved = 0;
        int numMovable = 0;
        for (long pfn = startPfn; pfn <= endPfn;) {
            long page = buddy.model().pfnToPage(pfn);
            if (!PageType.pageBuddy(mem, page)) {
                if (PageFlags.testBit(mem.getLong(page + PageLayout.FLAGS), PageFlags.PG_lru)
                        || (Page.pageMapping(mem, page) & Page.PAGE_MAPPING_FLAGS) == PAGE_MAPPING_MOVABLE) {
                    numMovable++;
                }
                pfn++;
                continue;
            }
            int order = Buddy.buddyOrder(mem, page);
            freeArea.moveToFreeList(page, zone, order, migratetype);
            pfn += 1L << order;
            pagesMoved += 1 << order;
        }
        return (long) numMovable << 32 | pagesMoved;
    }

    /** {@code PAGE_MAPPING_MOVABLE}: the mapping bit of non-LRU movable pages ({@code __PageMovable}). */
    private static final long PAGE_MAPPING_MOVABLE = 0x2;

    /**
     * {@code move_freepages_block}: {@link #moveFreepages} over the pageblock of {@code page}, clipped at the zone
     * start; nothing when the block runs past the zone end.
     */
    public long moveFreepagesBlock(long zone, long page, int migratetype) {
        long pfn = buddy.model().pageToPfn(page);
        long startPfn = pfn & -pageblockNrPages;
        long endPfn = startPfn + pageblockNrPages - 1;
        if (!zoneSpansPfn(zone, startPfn)) {
            startPfn = pfn;
        }
        if (!zoneSpansPfn(zone, endPfn)) {
            return 0;
        }
        return moveFreepages(zone, startPfn, endPfn, migratetype);
    }

    private boolean zoneSpansPfn(long zone, long pfn) {
        return buddy.zoneStartPfn(zone) <= pfn && pfn < buddy.zoneEndPfn(zone);
    }

    /** {@code change_pageblock_range}: every pageblock of a free block of {@code startOrder} becomes {@code mt}. */
    private void changePageblockRange(long pageblockPage, int startOrder, int migratetype) {
        int nrPageblocks = 1 << (startOrder - pageblockOrder);
        while (nrPageblocks-- > 0) {
            pageblockFlags.setPageblockMigratetype(pageblockPage, migratetype);
            pageblockPage += pageblockNrPages * PageLayout.SIZE;
        }
    }

    /**
     * {@code boost_watermark}: after a fragmenting fallback, raise {@code watermark_boost} by a pageblock (at most
     * {@code watermark_boost_factor} per ten thousand of the high watermark) so that kswapd reclaims harder.
     * Nothing on zones too small to profit, or before the watermarks are set.
     */
    boolean boostWatermark(long zone) {
        int factor = watermarkBoostFactor;
        if (factor == 0) {
            return false;
        }
        if (pageblockNrPages * 4 > buddy.zoneManagedPages(zone)) {
            return false;
        }
        long maxBoost = KernelMath.multFrac(mem.getLong(zone + zl.watermarkOffset(WMARK_HIGH)), factor, 10000);
        if (maxBoost == 0) {
            return false;
        }
        maxBoost = Math.max(pageblockNrPages, maxBoost);
        long va = zone + zl.watermarkBoost;
        mem.putLongOpaque(va, Math.min(mem.getLong(va) + pageblockNrPages, maxBoost));
        return true;
    }

    /** {@code ZONE_BOOSTED_WATERMARK}: bit 0 of {@code zone->flags}. */
    static final int ZONE_BOOSTED_WATERMARK = 0;
    /** {@code ZONE_RECLAIM_ACTIVE}: bit 1 of {@code zone->flags}, set by kswapd while it reclaims. */
    static final int ZONE_RECLAIM_ACTIVE = 1;

    /**
     * {@code steal_suitable_fallback}: the free block {@code page} of another type goes to the {@code startType}
     * list. Whole pageblocks of a large block change type at once; otherwise, when allowed, every free page of
     * the pageblock moves along, and the pageblock itself changes type once at least half of it is free or
     * compatible. Watermarks are boosted, and kswapd flagged, for the fragmentation event.
     */
    void stealSuitableFallback(long zone, long page, int allocFlags, int startType, boolean wholeBlock) {
        int currentOrder = Buddy.buddyOrder(mem, page);
        int oldBlockType = pageblockFlags.getPageblockMigratetype(page);
        if (oldBlockType == MIGRATE_HIGHATOMIC) {
            freeArea.moveToFreeList(page, zone, currentOrder, startType); // racy highatomic accounting
            return;
        }
        if (currentOrder >= pageblockOrder) {
            changePageblockRange(page, currentOrder, startType);
            freeArea.moveToFreeList(page, zone, currentOrder, startType);
            return;
        }
        if (boostWatermark(zone) && (allocFlags & ALLOC_KSWAPD) != 0) {
            mem.getAndBitwiseOrLong(zone + zl.flags, 1L << ZONE_BOOSTED_WATERMARK);
        }
        if (!wholeBlock) {
            freeArea.moveToFreeList(page, zone, currentOrder, startType);
            return;
        }
        long moved = moveFreepagesBlock(zone, page, startType);
        int freePages = (int) moved;
        int movablePages = (int) (moved >>> 32);
        int alikePages;
        if (startType == MIGRATE_MOVABLE) {
            alikePages = movablePages;
        } else if (oldBlockType == MIGRATE_MOVABLE) {
            // an unmovable or reclaimable allocation counts every non-movable page of a movable block as alike
            alikePages = (int) pageblockNrPages - (freePages + movablePages);
        } else {
            alikePages = 0; // unmovable and reclaimable pages cannot be told apart
        }
        if (freePages == 0) {
            freeArea.moveToFreeList(page, zone, currentOrder, startType);
            return;
        }
        if (freePages + alikePages >= 1 << (pageblockOrder - 1) || pageblockFlags.pageGroupByMobilityDisabled()) {
            pageblockFlags.setPageblockMigratetype(page, startType);
        }
    }

    /**
     * {@code __rmqueue_fallback}: finds the largest free block on a fallback list (not below pageblock order under
     * {@code ALLOC_NOFRAGMENT}) and steals it into the {@code startMt} lists, from where
     * {@code __rmqueue_smallest} then takes it. A movable allocation that may not steal the whole pageblock takes
     * the smallest fitting block instead, since a movable page in a foreign block is easy to move later.
     *
     * @return whether a block was stolen
     */
    boolean rmqueueFallback(long zone, int order, int startMt, int allocFlags) {
        int minOrder = order;
        if (order < pageblockOrder && (allocFlags & ALLOC_NOFRAGMENT) != 0) {
            minOrder = pageblockOrder;
        }
        int found = -1;
        int currentOrder;
        for (currentOrder = maxOrder - 1; currentOrder >= minOrder; --currentOrder) {
            found = findSuitableFallback(zone, currentOrder, startMt, false);
            if (found != -1) {
                break;
            }
        }
        if (found == -1) {
            return false;
        }
        if ((found & CAN_STEAL) == 0 && startMt == MIGRATE_MOVABLE && currentOrder > order) {
            for (currentOrder = order; currentOrder < maxOrder; currentOrder++) {
                found = findSuitableFallback(zone, currentOrder, startMt, false);
                if (found != -1) {
                    break;
                }
            }
        }
        int fallbackMt = found & ~CAN_STEAL;
        long page = freeArea.getPageFromFreeArea(zone, currentOrder, fallbackMt);
        stealSuitableFallback(zone, page, allocFlags, startMt, (found & CAN_STEAL) != 0);
        KmemTrace.mmPageAllocExtfrag(trace, buddy.model().pageToPfn(page), order, currentOrder, startMt, fallbackMt,
                startMt == pageblockFlags.getPageblockMigratetype(page) ? 1 : 0);
        return true;
    }

    /**
     * {@code reserve_highatomic_pageblock}: after a high-order atomic allocation, the pageblock it came from
     * becomes MIGRATE_HIGHATOMIC, unless the zone already reserves about 1% of its pages (plus a pageblock). Takes
     * the zone lock.
     */
    void reserveHighatomicPageblock(Cpu cpu, long page, long zone) {
        long maxManaged = buddy.zoneManagedPages(zone) / 100 + pageblockNrPages;
        long reserved = zone + zl.nrReservedHighatomic;
        if (mem.getLongOpaque(reserved) >= maxManaged) {
            return;
        }
        long lock = zone + zl.lock;
        Spinlock.spinLock(mem, lock, cpu);
        try {
            if (mem.getLong(reserved) >= maxManaged) {
                return;
            }
            int mt = pageblockFlags.getPageblockMigratetype(page);
            if (Buddy.migratetypeIsMergeable(mt)) {
                mem.putLongOpaque(reserved, mem.getLong(reserved) + pageblockNrPages);
                pageblockFlags.setPageblockMigratetype(page, MIGRATE_HIGHATOMIC);
                moveFreepagesBlock(zone, page, MIGRATE_HIGHATOMIC);
            }
        } finally {
            Spinlock.spinUnlock(mem, lock);
        }
    }

    /**
     * {@code unreserve_highatomic_pageblock}'s work on one zone, under its lock: the first free HIGHATOMIC block
     * (lowest order first) gives its pageblock back to {@code migratetype}. Without {@code force}, a zone keeps
     * its last reserved pageblock.
     *
     * @return whether free pages moved
     */
    boolean unreserveHighatomicPageblock(Cpu cpu, long zone, int migratetype, boolean force) {
        long reserved = zone + zl.nrReservedHighatomic;
        if (!force && mem.getLongOpaque(reserved) <= pageblockNrPages) {
            return false;
        }
        long lock = zone + zl.lock;
        Spinlock.spinLock(mem, lock, cpu);
        try {
            for (int order = 0; order < maxOrder; order++) {
                long page = freeArea.getPageFromFreeArea(zone, order, MIGRATE_HIGHATOMIC);
                if (page == 0) {
                    continue;
                }
                if (pageblockFlags.getPageblockMigratetype(page) == MIGRATE_HIGHATOMIC) {
                    long r = mem.getLong(reserved);
                    mem.putLongOpaque(reserved, r - Math.min(pageblockNrPages, r));
                }
                pageblockFlags.setPageblockMigratetype(page, migratetype);
                if ((int) moveFreepagesBlock(zone, page, migratetype) != 0) {
                    return true;
                }
            }
            return false;
        } finally {
            Spinlock.spinUnlock(mem, lock);
        }
    }
}
