package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_HIGHATOMIC;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_PCPTYPES;
import static dev.kmm.arena.layout.KernelConstants.WMARK_MIN;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_CMA;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_HIGHATOMIC;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_MIN_RESERVE;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_NON_BLOCK;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_OOM;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_RESERVES;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_WMARK_MASK;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.vmstat.Vmstat;

/**
 * The watermark checks of Linux 6.1 mm/page_alloc.c: whether a zone may serve an allocation of some order
 * without dropping below a watermark plus the zone's {@code lowmem_reserve} for the allocation's highest zone
 * ({@code __zone_watermark_ok}, {@code zone_watermark_ok}, {@code zone_watermark_fast}).
 *
 * <p>Free pages are {@code zone_page_state(NR_FREE_PAGES)}, which lags the per-cpu deltas, as in the kernel; the
 * free lists are read without the zone lock (racy, as the kernel's {@code nr_free} and {@code free_area_empty}
 * reads are).
 */
public final class ZoneWatermarkCheck {
    private final KernelMemory mem;
    private final ZoneLayout zl;
    private final FreeArea freeArea;
    private final Vmstat vmstat;
    private final int maxOrder;
    private final int migrateCma;
    private final int nrFreeCmaPages;

    ZoneWatermarkCheck(Buddy buddy, Vmstat vmstat) {
        this.mem = buddy.mem();
        this.zl = buddy.zoneLayout();
        this.freeArea = buddy.freeArea();
        this.vmstat = vmstat;
        this.maxOrder = buddy.maxOrder();
        this.migrateCma = buddy.migrateCma();
        this.nrFreeCmaPages = zl.nrVmZoneStatItems - 1;
    }

    /** {@code zone->_watermark[i]} without the boost. */
    public long watermark(long zone, int i) {
        return mem.getLongOpaque(zone + zl.watermarkOffset(i));
    }

    /** {@code wmark_pages(zone, i)}: the watermark plus {@code watermark_boost}. */
    public long wmarkPages(long zone, int i) {
        return watermark(zone, i) + mem.getLongOpaque(zone + zl.watermarkBoost);
    }

    /** {@code zone->lowmem_reserve[highestZoneidx]}. */
    public long lowmemReserve(long zone, int highestZoneidx) {
        return mem.getLongOpaque(zone + zl.lowmemReserveOffset(highestZoneidx));
    }

    /**
     * {@code __zone_watermark_unusable_free}: pages the request cannot use whatever happens: the part of an
     * order-{@code order} block beyond its first page, the high-atomic reserve unless the caller may use reserves,
     * and free CMA pages unless the caller may use CMA.
     */
    public long zoneWatermarkUnusableFree(long zone, int order, int allocFlags) {
        long unusableFree = (1L << order) - 1;
        if ((allocFlags & ALLOC_RESERVES) == 0) {
            unusableFree += mem.getLongOpaque(zone + zl.nrReservedHighatomic);
        }
        if (migrateCma >= 0 && (allocFlags & ALLOC_CMA) == 0) {
            unusableFree += vmstat.zonePageState(zone, nrFreeCmaPages);
        }
        return unusableFree;
    }

    /**
     * {@code __zone_watermark_ok}: {@code freePages} (which may be negative) minus the unusable pages must exceed
     * {@code mark} (lowered for reserve users: half for __GFP_HIGH, a further quarter when also non-blocking, a
     * further half for OOM victims) plus the lowmem reserve; and for order above 0 a free block of at least that
     * order must sit on a list the caller may use.
     */
    public boolean zoneWatermarkOk(long zone, int order, long mark, int highestZoneidx, int allocFlags,
            long freePages) {
        long min = mark;
        freePages -= zoneWatermarkUnusableFree(zone, order, allocFlags);
        if ((allocFlags & ALLOC_RESERVES) != 0) {
            if ((allocFlags & ALLOC_MIN_RESERVE) != 0) {
                min -= min / 2;
                if ((allocFlags & ALLOC_NON_BLOCK) != 0) {
                    min -= min / 4;
                }
            }
            if ((allocFlags & ALLOC_OOM) != 0) {
                min -= min / 2;
            }
        }
        if (freePages <= min + lowmemReserve(zone, highestZoneidx)) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        for (int o = order; o < maxOrder; o++) {
            if (freeArea.nrFree(zone, o) == 0) {
                continue;
            }
            for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
                if (!freeArea.freeAreaEmpty(zone, o, mt)) {
                    return true;
                }
            }
            if (migrateCma >= 0 && (allocFlags & ALLOC_CMA) != 0 && !freeArea.freeAreaEmpty(zone, o, migrateCma)) {
                return true;
            }
            if ((allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) != 0
                    && !freeArea.freeAreaEmpty(zone, o, MIGRATE_HIGHATOMIC)) {
                return true;
            }
        }
        return false;
    }

    /** {@code zone_watermark_ok}: {@link #zoneWatermarkOk(long, int, long, int, int, long)} with NR_FREE_PAGES. */
    public boolean zoneWatermarkOk(long zone, int order, long mark, int highestZoneidx, int allocFlags) {
        return zoneWatermarkOk(zone, order, mark, highestZoneidx, allocFlags,
                vmstat.zonePageState(zone, Vmstat.NR_FREE_PAGES));
    }

    /**
     * {@code zone_watermark_fast}: an order-0 shortcut that only subtracts the unusable pages, then the full check;
     * an order-0 {@code __GFP_ATOMIC} request checked against the min watermark ignores the watermark boost.
     */
    public boolean zoneWatermarkFast(long zone, int order, long mark, int highestZoneidx, int allocFlags,
            int gfpMask) {
        long freePages = vmstat.zonePageState(zone, Vmstat.NR_FREE_PAGES);
        if (order == 0) {
            long usableFree = freePages;
            long reserved = zoneWatermarkUnusableFree(zone, 0, allocFlags);
            usableFree -= Math.min(usableFree, reserved);
            if (usableFree > mark + lowmemReserve(zone, highestZoneidx)) {
                return true;
            }
        }
        if (zoneWatermarkOk(zone, order, mark, highestZoneidx, allocFlags, freePages)) {
            return true;
        }
        if (order == 0 && (gfpMask & Gfp.__GFP_ATOMIC) != 0 && mem.getLongOpaque(zone + zl.watermarkBoost) != 0
                && (allocFlags & ALLOC_WMARK_MASK) == WMARK_MIN) {
            return zoneWatermarkOk(zone, order, watermark(zone, WMARK_MIN), highestZoneidx, allocFlags, freePages);
        }
        return false;
    }
}
