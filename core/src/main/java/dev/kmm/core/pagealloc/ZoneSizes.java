package dev.kmm.core.pagealloc;

import java.util.Objects;

/**
 * The sizes of one zone that the watermark, reserve and pcp formulas read.
 *
 * @param nid      the zone's node
 * @param zoneType its {@code zone_idx()}
 * @param name     {@code zone->name}
 * @param highmem  {@code is_highmem(zone)} (ZONE_HIGHMEM, or ZONE_MOVABLE carved from highmem)
 * @param managed  {@code zone_managed_pages()}: pages the buddy allocator manages
 * @param present  {@code present_pages}: pages that exist in the zone
 * @param spanned  {@code spanned_pages}: pfns the zone spans, holes included
 */
public record ZoneSizes(int nid, int zoneType, String name, boolean highmem, long managed, long present, long spanned) {
    public ZoneSizes {
        Objects.requireNonNull(name, "name");
        if (nid < 0 || zoneType < 0) {
            throw new IllegalArgumentException("zone " + name + ": negative node " + nid + " or zone type " + zoneType);
        }
        if (managed < 0 || present < managed || spanned < present) {
            throw new IllegalArgumentException("zone " + name + " on node " + nid + ": need 0 <= managed (" + managed
                    + ") <= present (" + present + ") <= spanned (" + spanned + ")");
        }
    }

    /** {@code populated_zone()}. */
    public boolean populated() {
        return present != 0;
    }

    /** The same zone with another managed-page count. */
    public ZoneSizes withManaged(long newManaged) {
        return new ZoneSizes(nid, zoneType, name, highmem, newManaged, present, spanned);
    }
}
