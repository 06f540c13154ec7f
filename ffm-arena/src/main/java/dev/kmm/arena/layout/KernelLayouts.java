package dev.kmm.arena.layout;

import java.util.Objects;

/**
 * All config-dependent MM layouts of one kernel config, built once and shared. The fixed layouts
 * ({@link PageLayout}, {@link ListHeadLayout}, {@link LlistNodeLayout}, {@link ZonerefLayout}, the memblock
 * ones) are static and need no config.
 *
 * @param config         the config the layouts were built from
 * @param freeArea       {@code struct free_area}
 * @param perCpuPages    {@code struct per_cpu_pages}
 * @param perCpuZonestat {@code struct per_cpu_zonestat}
 * @param perCpuNodestat {@code struct per_cpu_nodestat}
 * @param zone           {@code struct zone}
 * @param zonelist       {@code struct zonelist}
 * @param lruvec         {@code struct lruvec}
 * @param pglistData     {@code struct pglist_data}
 */
public record KernelLayouts(LayoutConfig config, FreeAreaLayout freeArea, PerCpuPagesLayout perCpuPages,
                            PerCpuZonestatLayout perCpuZonestat, PerCpuNodestatLayout perCpuNodestat,
                            ZoneLayout zone, ZonelistLayout zonelist, LruvecLayout lruvec,
                            PglistDataLayout pglistData) {

    /** The layouts of {@link LayoutConfig#LINUX_6_1_X86_64}. */
    public static final KernelLayouts LINUX_6_1_X86_64 = of(LayoutConfig.LINUX_6_1_X86_64);

    /** Checks that the parts belong together: the nested layouts of pglistData are the shared ones. */
    public KernelLayouts {
        Objects.requireNonNull(config, "config");
        if (pglistData.zoneLayout != zone || zone.freeAreaLayout != freeArea
                || pglistData.zonelistLayout != zonelist || pglistData.lruvecLayout != lruvec) {
            throw new IllegalArgumentException("zone, free_area, zonelist and lruvec must be those inside pglistData");
        }
    }

    /** Builds every config-dependent layout of {@code config}. */
    public static KernelLayouts of(LayoutConfig config) {
        PglistDataLayout pgdat = PglistDataLayout.of(config);
        ZoneLayout zone = pgdat.zoneLayout;
        return new KernelLayouts(config, zone.freeAreaLayout, PerCpuPagesLayout.of(config),
                PerCpuZonestatLayout.of(config), PerCpuNodestatLayout.of(config), zone, pgdat.zonelistLayout,
                pgdat.lruvecLayout, pgdat);
    }
}
