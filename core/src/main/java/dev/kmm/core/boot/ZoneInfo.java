package dev.kmm.core.boot;

import dev.kmm.core.pagealloc.ZoneLimits;

/**
 * One zone of the booted kernel, as {@code /proc/zoneinfo} reports it.
 *
 * @param nid          the node
 * @param zoneIdx      {@code zone_idx()}
 * @param name         {@code zone->name}
 * @param zoneStartPfn {@code zone_start_pfn} (0 for an empty zone)
 * @param spanned      {@code spanned_pages}
 * @param present      {@code present_pages}
 * @param managed      {@code zone_managed_pages()} now
 * @param cmaPages     {@code zone_cma_pages()}: pages of the CMA areas activated in the zone, 0 without CONFIG_CMA
 * @param limits       the watermarks, protection, pcp high/batch, vmstat threshold and drift mark; its
 *                     {@code zone().managed()} is what they were last computed from
 * @param address      the kernel virtual address of the {@code struct zone}
 */
public record ZoneInfo(int nid, int zoneIdx, String name, long zoneStartPfn, long spanned, long present, long managed,
                       long cmaPages, ZoneLimits limits, long address) {
    /** {@code populated_zone()}. */
    public boolean populated() {
        return present != 0;
    }
}
