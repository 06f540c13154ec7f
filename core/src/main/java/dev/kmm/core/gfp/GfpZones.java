package dev.kmm.core.gfp;

/**
 * {@code gfp_zone()} of Linux 6.1 for one zone configuration: the highest zone an allocation may use,
 * looked up from the four zone-modifier bits in {@code GFP_ZONE_TABLE}.
 *
 * <p>The zone numbering depends on the config ({@code enum zone_type}): x86_64 has DMA 0, DMA32 1,
 * Normal 2, Movable 3, Device 4, while 32-bit ARM with HIGHMEM has Normal 0, HighMem 1, Movable 2. A
 * configuration without ZONE_DMA, ZONE_DMA32 or ZONE_HIGHMEM maps that modifier to ZONE_NORMAL, as the
 * {@code OPT_ZONE_*} macros do. The table is packed exactly as the kernel packs it, in
 * {@code GFP_ZONES_SHIFT} bits per entry.
 *
 * <p>{@code GFP_ZONE_BAD} marks the invalid modifier combinations (more than one of DMA, DMA32 and
 * HIGHMEM; and MOVABLE with two of them). A production kernel does not check them: the table entry for
 * a bad combination is 0, so {@link #gfpZone} returns zone 0 for it, as the kernel does;
 * {@link #gfpZoneChecked} adds the {@code CONFIG_DEBUG_VM} check ({@code VM_BUG_ON}).
 */
public final class GfpZones {
    /** Debian's x86_64 6.1 config: DMA 0, DMA32 1, Normal 2, Movable 3, Device 4. */
    public static final GfpZones X86_64 = of(0, 1, 2, -1, 3, 5, true);
    /** arm64 defconfig (6.1) without ZONE_DEVICE: DMA 0, DMA32 1, Normal 2, Movable 3. */
    public static final GfpZones ARM64 = of(0, 1, 2, -1, 3, 4, false);
    /** 32-bit ARM with {@code CONFIG_HIGHMEM} and no DMA zones: Normal 0, HighMem 1, Movable 2. */
    public static final GfpZones ARM_HIGHMEM = of(-1, -1, 0, 1, 2, 3, false);

    /**
     * {@code GFP_ZONE_BAD}: one bit per invalid combination of the four zone modifiers.
     */
    public static final int GFP_ZONE_BAD =
            1 << (Gfp.___GFP_DMA | Gfp.___GFP_HIGHMEM)
            | 1 << (Gfp.___GFP_DMA | Gfp.___GFP_DMA32)
            | 1 << (Gfp.___GFP_DMA32 | Gfp.___GFP_HIGHMEM)
            | 1 << (Gfp.___GFP_DMA | Gfp.___GFP_DMA32 | Gfp.___GFP_HIGHMEM)
            | 1 << (Gfp.___GFP_MOVABLE | Gfp.___GFP_HIGHMEM | Gfp.___GFP_DMA)
            | 1 << (Gfp.___GFP_MOVABLE | Gfp.___GFP_DMA32 | Gfp.___GFP_DMA)
            | 1 << (Gfp.___GFP_MOVABLE | Gfp.___GFP_DMA32 | Gfp.___GFP_HIGHMEM)
            | 1 << (Gfp.___GFP_MOVABLE | Gfp.___GFP_DMA32 | Gfp.___GFP_DMA | Gfp.___GFP_HIGHMEM);

    private final long gfpZoneTable;
    private final int gfpZonesShift;
    private final int entryMask;

    private GfpZones(long gfpZoneTable, int gfpZonesShift) {
        this.gfpZoneTable = gfpZoneTable;
        this.gfpZonesShift = gfpZonesShift;
        this.entryMask = (1 << gfpZonesShift) - 1;
    }

    /**
     * The table of a config. Pass each optional zone's {@code enum zone_type} index, or -1 when the
     * config lacks it.
     *
     * @param zoneDma     ZONE_DMA ({@code CONFIG_ZONE_DMA}) or -1
     * @param zoneDma32   ZONE_DMA32 ({@code CONFIG_ZONE_DMA32}) or -1
     * @param zoneNormal  ZONE_NORMAL
     * @param zoneHighmem ZONE_HIGHMEM ({@code CONFIG_HIGHMEM}) or -1
     * @param zoneMovable ZONE_MOVABLE
     * @param maxNrZones  {@code MAX_NR_ZONES}, counting ZONE_DEVICE when configured
     * @param zoneDevice  whether {@code CONFIG_ZONE_DEVICE} is set
     * @throws IllegalArgumentException if the indices are not distinct zones below {@code maxNrZones}
     */
    public static GfpZones of(int zoneDma, int zoneDma32, int zoneNormal, int zoneHighmem, int zoneMovable,
                              int maxNrZones, boolean zoneDevice) {
        if (maxNrZones < 1 || maxNrZones > 8) {
            throw new IllegalArgumentException("MAX_NR_ZONES must be 1..8, got " + maxNrZones);
        }
        int seen = 0;
        int[] zones = {zoneDma, zoneDma32, zoneNormal, zoneHighmem, zoneMovable};
        String[] names = {"ZONE_DMA", "ZONE_DMA32", "ZONE_NORMAL", "ZONE_HIGHMEM", "ZONE_MOVABLE"};
        for (int i = 0; i < zones.length; i++) {
            int z = zones[i];
            boolean optional = i == 0 || i == 1 || i == 3;
            if (z == -1 && optional) {
                continue;
            }
            if (z < 0 || z >= maxNrZones) {
                throw new IllegalArgumentException(names[i] + " = " + z + " is outside 0.." + (maxNrZones - 1)
                        + (optional ? " (use -1 for an absent zone)" : ""));
            }
            if ((seen & (1 << z)) != 0) {
                throw new IllegalArgumentException(names[i] + " = " + z + " repeats another zone's index");
            }
            seen |= 1 << z;
        }
        // include/linux/gfp.h: ZONE_DEVICE is no GFP zone specifier, so with it and at most five zones the
        // entries fit in 2 bits; otherwise ZONES_SHIFT of page-flags-layout.h.
        int shift = zoneDevice && maxNrZones - 1 <= 4 ? 2 : zonesShift(maxNrZones);
        for (int z : zones) {
            if (z > (1 << shift) - 1) {
                throw new IllegalArgumentException("zone index " + z + " does not fit GFP_ZONES_SHIFT " + shift);
            }
        }
        int optDma = zoneDma >= 0 ? zoneDma : zoneNormal;
        int optDma32 = zoneDma32 >= 0 ? zoneDma32 : zoneNormal;
        int optHighmem = zoneHighmem >= 0 ? zoneHighmem : zoneNormal;
        long table = zoneNormal
                | (long) optDma << (Gfp.___GFP_DMA * shift)
                | (long) optHighmem << (Gfp.___GFP_HIGHMEM * shift)
                | (long) optDma32 << (Gfp.___GFP_DMA32 * shift)
                | (long) zoneNormal << (Gfp.___GFP_MOVABLE * shift)
                | (long) optDma << ((Gfp.___GFP_MOVABLE | Gfp.___GFP_DMA) * shift)
                | (long) zoneMovable << ((Gfp.___GFP_MOVABLE | Gfp.___GFP_HIGHMEM) * shift)
                | (long) optDma32 << ((Gfp.___GFP_MOVABLE | Gfp.___GFP_DMA32) * shift);
        return new GfpZones(table, shift);
    }

    /** {@code ZONES_SHIFT} of {@code include/linux/page-flags-layout.h}. */
    private static int zonesShift(int maxNrZones) {
        if (maxNrZones < 2) {
            return 0;
        }
        if (maxNrZones <= 2) {
            return 1;
        }
        return maxNrZones <= 4 ? 2 : 3;
    }

    /** {@code GFP_ZONE_TABLE}, 16 entries of {@link #gfpZonesShift()} bits. */
    public long gfpZoneTable() {
        return gfpZoneTable;
    }

    /** {@code GFP_ZONES_SHIFT}: the bits per table entry. */
    public int gfpZonesShift() {
        return gfpZonesShift;
    }

    /**
     * {@code gfp_zone()} without {@code CONFIG_DEBUG_VM}: the highest {@code zone_type} the allocation may
     * use. A bad modifier combination yields its table entry, 0.
     */
    public int gfpZone(int gfpFlags) {
        int bit = gfpFlags & Gfp.GFP_ZONEMASK;
        return (int) (gfpZoneTable >>> (bit * gfpZonesShift)) & entryMask;
    }

    /**
     * {@code gfp_zone()} with {@code CONFIG_DEBUG_VM}: as {@link #gfpZone}, but a bad modifier combination
     * is refused, where the kernel would hit {@code VM_BUG_ON}.
     *
     * @throws IllegalArgumentException for a combination in {@link #GFP_ZONE_BAD}
     */
    public int gfpZoneChecked(int gfpFlags) {
        if (isBadZoneCombination(gfpFlags)) {
            int bit = gfpFlags & Gfp.GFP_ZONEMASK;
            throw new IllegalArgumentException("gfp_zone: invalid zone modifiers 0x" + Integer.toHexString(bit)
                    + " (" + GfpFlagNames.formatFlags(bit) + ") in gfp 0x" + Integer.toHexString(gfpFlags));
        }
        return gfpZone(gfpFlags);
    }

    /** Whether the zone modifiers of {@code gfpFlags} are a combination that {@code GFP_ZONE_BAD} forbids. */
    public static boolean isBadZoneCombination(int gfpFlags) {
        return ((GFP_ZONE_BAD >>> (gfpFlags & Gfp.GFP_ZONEMASK)) & 1) != 0;
    }
}
