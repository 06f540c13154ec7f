package dev.kmm.core.pagealloc;

import java.util.ArrayList;
import java.util.List;

/**
 * The configured {@code enum zone_type} of a kernel build: which zones exist and at which index.
 *
 * <p>In {@code include/linux/mmzone.h} (6.1) the zone list is fixed by config: ZONE_DMA
 * ({@code CONFIG_ZONE_DMA}), ZONE_DMA32 ({@code CONFIG_ZONE_DMA32}), ZONE_NORMAL, ZONE_HIGHMEM
 * ({@code CONFIG_HIGHMEM}), ZONE_MOVABLE, ZONE_DEVICE ({@code CONFIG_ZONE_DEVICE}), numbered in
 * that order from 0. An index of {@code -1} means the zone is not configured.
 */
public final class ZoneTypes {
    /** Debian's x86_64 6.1 config: DMA, DMA32, Normal, Movable, Device. */
    public static final ZoneTypes X86_64 = of(true, true, false, true);
    /** arm64 defconfig (6.1): DMA, DMA32, Normal, Movable. */
    public static final ZoneTypes ARM64 = of(true, true, false, false);
    /** 32-bit ARM with {@code CONFIG_HIGHMEM} and no DMA zone (Versatile Express): Normal, HighMem, Movable. */
    public static final ZoneTypes ARM_HIGHMEM = of(false, false, true, false);

    private final int zoneDma;
    private final int zoneDma32;
    private final int zoneNormal;
    private final int zoneHighmem;
    private final int zoneMovable;
    private final int zoneDevice;
    private final List<String> names;

    private ZoneTypes(boolean dma, boolean dma32, boolean highmem, boolean device) {
        List<String> n = new ArrayList<>();
        zoneDma = dma ? add(n, "DMA") : -1;
        zoneDma32 = dma32 ? add(n, "DMA32") : -1;
        zoneNormal = add(n, "Normal");
        zoneHighmem = highmem ? add(n, "HighMem") : -1;
        zoneMovable = add(n, "Movable");
        zoneDevice = device ? add(n, "Device") : -1;
        names = List.copyOf(n);
    }

    /** The zone list of a config with the given optional zones (the names are 6.1's {@code zone_names[]}). */
    public static ZoneTypes of(boolean dma, boolean dma32, boolean highmem, boolean device) {
        return new ZoneTypes(dma, dma32, highmem, device);
    }

    private static int add(List<String> names, String name) {
        names.add(name);
        return names.size() - 1;
    }

    /** {@code MAX_NR_ZONES}. */
    public int maxNrZones() {
        return names.size();
    }

    /** {@code zone_names[idx]}. */
    public String name(int idx) {
        return names.get(idx);
    }

    /** The index of ZONE_DMA, or -1 when not configured. */
    public int zoneDma() {
        return zoneDma;
    }

    /** The index of ZONE_DMA32, or -1 when not configured. */
    public int zoneDma32() {
        return zoneDma32;
    }

    /** ZONE_NORMAL, which is also {@code gfp_zone(GFP_USER)} and {@code gfp_zone(GFP_KERNEL)}. */
    public int zoneNormal() {
        return zoneNormal;
    }

    /** The index of ZONE_HIGHMEM, or -1 when not configured. */
    public int zoneHighmem() {
        return zoneHighmem;
    }

    /** The index of ZONE_MOVABLE (always configured). */
    public int zoneMovable() {
        return zoneMovable;
    }

    /** The index of ZONE_DEVICE, or -1 when not configured. */
    public int zoneDevice() {
        return zoneDevice;
    }

    /**
     * {@code is_highmem_idx()}: ZONE_HIGHMEM, and ZONE_MOVABLE when it takes its pages from
     * highmem ({@code movable_zone == ZONE_HIGHMEM}); always false without {@code CONFIG_HIGHMEM}.
     */
    public boolean isHighmemIdx(int idx, int movableZone) {
        return zoneHighmem >= 0 && (idx == zoneHighmem || (idx == zoneMovable && movableZone == zoneHighmem));
    }

    /**
     * The boot value of {@code sysctl_lowmem_reserve_ratio[]} (6.1): DMA 256, DMA32 256, Normal 32,
     * HighMem 0, Movable 0, and Device 0 because the initializer leaves it out.
     */
    public int[] defaultLowmemReserveRatio() {
        int[] ratio = new int[maxNrZones()];
        if (zoneDma >= 0) {
            ratio[zoneDma] = 256;
        }
        if (zoneDma32 >= 0) {
            ratio[zoneDma32] = 256;
        }
        ratio[zoneNormal] = 32;
        return ratio;
    }

    /** Two zone lists are equal when they name the same zones (the names fix every index). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ZoneTypes t && names.equals(t.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return "ZoneTypes" + names;
    }
}
