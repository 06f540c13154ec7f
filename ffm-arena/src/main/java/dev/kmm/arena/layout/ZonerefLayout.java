package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;

/**
 * {@code struct zoneref} (include/linux/mmzone.h): one zonelist entry, the zone's address and its index
 * cached so that zonelist walks need not touch the zone. 16 bytes.
 */
public final class ZonerefLayout {
    private ZonerefLayout() {
    }

    /** The layout. */
    public static final StructLayout LAYOUT = CStruct.struct("zoneref")
            .field("zone", KernelTypes.POINTER)
            .field("zone_idx", KernelTypes.INT)
            .build();

    /** {@code sizeof(struct zoneref)}: the stride of {@code zonelist._zonerefs[]}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code zone}: address of the zone, 0 in the terminating entry. */
    public static final long ZONE = CStruct.offsetOf(LAYOUT, "zone");
    /** Offset of {@code zone_idx}: {@code zone_idx(zone)}. */
    public static final long ZONE_IDX = CStruct.offsetOf(LAYOUT, "zone_idx");
}
