package dev.kmm.core.pagealloc;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How transparent hugepages raise {@code min_free_kbytes}: {@code set_recommended_min_free_kbytes()}
 * of Linux 6.1 {@code mm/khugepaged.c} and the start of khugepaged in {@code hugepage_init()}
 * ({@code mm/huge_memory.c}).
 *
 * <p>The recommendation keeps, per lowmem zone, two free pageblocks plus
 * {@code MIGRATE_PCPTYPES^2} pageblocks for fallbacks, never more than 5% of lowmem, and only ever
 * raises the value. With 2 MiB pageblocks that is 22528, 45056 and 67584 kB for one, two and three
 * zones: the familiar {@code vm.min_free_kbytes = 67584} of x86_64 machines with DMA, DMA32 and Normal.
 */
public final class Khugepaged {
    /** {@code MIGRATE_PCPTYPES}: unmovable, movable, reclaimable. */
    public static final int MIGRATE_PCPTYPES = 3;

    private Khugepaged() {
    }

    /** The THP mode, {@code /sys/kernel/mm/transparent_hugepage/enabled}. */
    public enum Thp {
        /** No {@code CONFIG_TRANSPARENT_HUGEPAGE}, or {@code has_transparent_hugepage()} is false (32-bit ARM without LPAE). */
        NOT_AVAILABLE,
        /** "never". */
        NEVER,
        /** "madvise". */
        MADVISE,
        /** "always" (Debian's x86_64 6.1 default, {@code CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS}). */
        ALWAYS;

        /** {@code hugepage_flags_enabled()}: "always" or "madvise". */
        public boolean enabled() {
            return this == ALWAYS || this == MADVISE;
        }
    }

    /**
     * The value {@code set_recommended_min_free_kbytes()} proposes, in kB:
     * {@code pageblock_nr_pages * nr_zones * (2 + MIGRATE_PCPTYPES^2)} pages, at most
     * {@code nr_free_buffer_pages() / 20}.
     *
     * @param nrZones populated zones at or below ZONE_NORMAL ({@code gfp_zone(GFP_USER)})
     */
    public static long recommendedMinFreeKbytes(int nrZones, long pageblockNrPages, long nrFreeBufferPages) {
        // Two free pageblocks per zone to assist fragmentation avoidance...
        long recommendedMin = pageblockNrPages * nrZones * 2;
        // ...and on average two almost-free blocks per pair of migrate types for fallbacks.
        recommendedMin += pageblockNrPages * nrZones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
        // Never reserve more than 5% of lowmem.
        recommendedMin = Math.min(recommendedMin, nrFreeBufferPages / 20);
        return recommendedMin << (PageAllocConfig.PAGE_SHIFT - 10);
    }

    /**
     * {@code set_recommended_min_free_kbytes()}: with THP enabled, raises {@code min_free_kbytes} to the
     * recommendation (never lowers it); with THP disabled, recomputes it by
     * {@code calculate_min_free_kbytes()}. Either way ends with {@code setup_per_zone_wmarks()}.
     */
    public static ZoneTuning setRecommendedMinFreeKbytes(ZoneTuning t, Consumer<PrintkLine> log) {
        if (!t.thp().enabled()) {
            return t.calculateMinFreeKbytes(log).setupPerZoneWmarks();
        }
        int nrZones = 0;
        int gfpUser = t.config().zoneTypes().zoneNormal();
        for (ZoneSizes z : t.zones()) {
            // ZONE_MOVABLE only holds movable pages: no fragmentation to worry about there.
            if (z.populated() && z.zoneType() <= gfpUser) {
                nrZones++;
            }
        }
        long recommendedMin = recommendedMinFreeKbytes(nrZones, t.config().pageblockNrPages(), t.nrFreeBufferPages());
        ZoneTuning u = t;
        if (recommendedMin > t.minFreeKbytes()) {
            if (t.sysctls().userMinFreeKbytes() >= 0) {
                log.accept(PrintkLine.info("raising min_free_kbytes from " + t.minFreeKbytes() + " to " + recommendedMin
                        + " to help transparent hugepage allocations"));
            }
            u = t.withSysctls(t.sysctls().withMinFreeKbytes((int) recommendedMin));
        }
        return u.setupPerZoneWmarks();
    }

    /** {@code khugepaged_min_free_kbytes_update()}: re-applies the recommendation while khugepaged runs. */
    public static ZoneTuning khugepagedMinFreeKbytesUpdate(ZoneTuning t, Consumer<PrintkLine> log) {
        return t.thp().enabled() && t.khugepagedRunning() ? setRecommendedMinFreeKbytes(t, log) : t;
    }

    /**
     * {@code start_stop_khugepaged()} after the THP mode became {@code mode}: khugepaged starts when THP
     * is enabled and stops when it is not; then {@code set_recommended_min_free_kbytes()} runs either way.
     */
    public static ZoneTuning startStopKhugepaged(ZoneTuning t, Thp mode, Consumer<PrintkLine> log) {
        Objects.requireNonNull(mode, "mode");
        if (mode == Thp.NOT_AVAILABLE || t.thp() == Thp.NOT_AVAILABLE) {
            throw new IllegalArgumentException("transparent hugepages are not available on this machine");
        }
        return setRecommendedMinFreeKbytes(t.withKhugepaged(mode, mode.enabled()), log);
    }

    /**
     * The min_free_kbytes part of {@code hugepage_init()} (a {@code subsys_initcall}): nothing without THP
     * support; THP switched off on machines under 512 MiB; otherwise {@code start_stop_khugepaged()}.
     */
    public static ZoneTuning hugepageInit(ZoneTuning t, Consumer<PrintkLine> log) {
        if (t.thp() == Thp.NOT_AVAILABLE) {
            return t;
        }
        if (t.totalramPages() < (512L << (20 - PageAllocConfig.PAGE_SHIFT))) {
            // Small systems: the memory THP costs would hurt more than the TLB savings help.
            return t.withKhugepaged(Thp.NEVER, false);
        }
        return startStopKhugepaged(t, t.thp(), log);
    }
}
