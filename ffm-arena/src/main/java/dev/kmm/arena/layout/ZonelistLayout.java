package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct zonelist} (include/linux/mmzone.h): the zones an allocation may fall back to, in
 * preference order, ended by a zoneref with a null zone. It has room for every zone of every node plus the
 * terminator: {@code MAX_ZONES_PER_ZONELIST + 1} zonerefs (5121, i.e. 81936 bytes, in the reference).
 */
public final class ZonelistLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct zonelist)}. */
    public final long size;
    /** Number of zonerefs, {@code MAX_ZONES_PER_ZONELIST + 1}. */
    public final int nrZonerefs;
    /** Offset of {@code _zonerefs[]}. */
    public final long zonerefs;

    private ZonelistLayout(LayoutConfig config) {
        nrZonerefs = config.maxZonesPerZonelist() + 1;
        layout = CStruct.struct("zonelist")
                .field("_zonerefs", CStruct.array(ZonerefLayout.LAYOUT, nrZonerefs))
                .build();
        size = layout.byteSize();
        zonerefs = CStruct.offsetOf(layout, "_zonerefs");
    }

    /** The zonelist layout of {@code config}. */
    public static ZonelistLayout of(LayoutConfig config) {
        return new ZonelistLayout(Objects.requireNonNull(config, "config"));
    }

    /** Offset of {@code _zonerefs[i]}. */
    public long zonerefOffset(int i) {
        return zonerefs + Objects.checkIndex(i, nrZonerefs) * ZonerefLayout.SIZE;
    }
}
