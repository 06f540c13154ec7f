package dev.kmm.core.pagealloc;

import dev.kmm.core.vmstat.StatThresholds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The kernel state the zone-limit formulas read and write (the globals {@code min_free_kbytes},
 * {@code totalreserve_pages}, the sysctls, and per zone the watermarks, lowmem reserves, pcp limits
 * and vmstat thresholds) as an immutable value. Each method named after a kernel function returns
 * the state that function leaves behind, so the boot sequence and later sysctl writes of 6.1 can be
 * replayed step by step, in the kernel's order.
 *
 * <p>Boot order in 6.1: {@link #beforeInitcalls} (pcp sets from {@code setup_per_cpu_pageset()},
 * vmstat thresholds from the secondary CPUs coming online in {@code smp_init()}), then
 * {@link #initPerZoneWmarkMin} ({@code postcore_initcall}), then {@link Khugepaged#hugepageInit}
 * ({@code subsys_initcall}). {@link #boot} runs all three.
 *
 * <p>The managed-page counts are inputs: the boot code passes the counts after memblock released its
 * free memory. The kernel frees a little more later (init sections, initrd) without recomputing the
 * watermarks, so a real {@code /proc/zoneinfo} shows slightly larger managed counts than the ones its
 * watermarks were computed from.
 */
public final class ZoneTuning {
    private final PageAllocConfig config;
    private final List<ZoneSizes> zones;
    private final Sysctls sysctls;
    private final Cpus cpus;
    private final Khugepaged.Thp thp;
    private final boolean khugepagedRunning;
    private final List<ZoneWatermarks> watermarks;
    private final long[][] lowmemReserve;
    private final Watermarks.Totalreserve totalreserve;
    private final List<Watermarks.PcpLimits> pcp;
    private final StatThresholds.Result thresholds;

    private ZoneTuning(PageAllocConfig config, List<ZoneSizes> zones, Sysctls sysctls, Cpus cpus, Khugepaged.Thp thp,
                       boolean khugepagedRunning, List<ZoneWatermarks> watermarks, long[][] lowmemReserve,
                       Watermarks.Totalreserve totalreserve, List<Watermarks.PcpLimits> pcp,
                       StatThresholds.Result thresholds) {
        this.config = config;
        this.zones = zones;
        this.sysctls = sysctls;
        this.cpus = cpus;
        this.thp = thp;
        this.khugepagedRunning = khugepagedRunning;
        this.watermarks = watermarks;
        this.lowmemReserve = lowmemReserve;
        this.totalreserve = totalreserve;
        this.pcp = pcp;
        this.thresholds = thresholds;
    }

    /**
     * The state when the initcalls start: watermarks and reserves still zero, every populated zone's
     * pcp sized by {@code zone_set_pageset_high_and_batch()} against zero watermarks (the others on the
     * boot pageset), and, when secondary CPUs came online, vmstat thresholds and drift marks as their
     * {@code vmstat_cpu_online()} calls left them.
     *
     * @param zones every zone in {@code for_each_zone()} order, with its managed pages
     */
    public static ZoneTuning beforeInitcalls(PageAllocConfig config, List<ZoneSizes> zones, Sysctls sysctls, Cpus cpus,
                                             Khugepaged.Thp thp) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sysctls, "sysctls");
        Objects.requireNonNull(cpus, "cpus");
        Objects.requireNonNull(thp, "thp");
        List<ZoneSizes> copy = List.copyOf(zones);
        int nrZones = Watermarks.checkZones(copy);
        if (nrZones != config.zoneTypes().maxNrZones()) {
            throw new IllegalArgumentException("each node has " + nrZones + " zones, the config has "
                    + config.zoneTypes().maxNrZones());
        }
        if (sysctls.lowmemReserveRatio().length != nrZones) {
            throw new IllegalArgumentException("lowmem_reserve_ratio has " + sysctls.lowmemReserveRatio().length
                    + " entries for " + nrZones + " zones");
        }
        List<ZoneWatermarks> unset = Collections.nCopies(copy.size(), ZoneWatermarks.UNSET);
        List<Watermarks.PcpLimits> pcp = new ArrayList<>(copy.size());
        for (ZoneSizes z : copy) {
            pcp.add(z.populated()
                    ? Watermarks.zoneSetPagesetHighAndBatch(z, ZoneWatermarks.UNSET, sysctls.percpuPagelistHighFraction(), cpus, 0)
                    : Watermarks.PcpLimits.BOOT_PAGESET);
        }
        long[][] reserve = new long[copy.size()][nrZones];
        ZoneTuning t = new ZoneTuning(config, copy, sysctls, cpus, thp, false, List.copyOf(unset), reserve,
                new Watermarks.Totalreserve(new long[copy.getLast().nid() + 1], 0), List.copyOf(pcp),
                new StatThresholds.Result(new int[copy.size()], new long[copy.size()], new int[copy.getLast().nid() + 1]));
        // smp_init(): vmstat_cpu_online() refreshes the thresholds as each secondary CPU comes up.
        return cpus.numOnlineCpus() > 1 ? t.refreshZoneStatThresholds() : t;
    }

    /**
     * Boots the zone limits as 6.1 does: {@link #beforeInitcalls}, {@link #initPerZoneWmarkMin} and
     * {@link Khugepaged#hugepageInit}.
     */
    public static ZoneTuning boot(PageAllocConfig config, List<ZoneSizes> zones, Sysctls sysctls, Cpus cpus,
                                  Khugepaged.Thp thp, Consumer<PrintkLine> log) {
        ZoneTuning t = beforeInitcalls(config, zones, sysctls, cpus, thp).initPerZoneWmarkMin(log);
        return Khugepaged.hugepageInit(t, log);
    }

    /**
     * {@code init_per_zone_wmark_min()}: {@code calculate_min_free_kbytes()},
     * {@code setup_per_zone_wmarks()}, {@code refresh_zone_stat_thresholds()},
     * {@code setup_per_zone_lowmem_reserve()} and, once khugepaged runs, its min_free_kbytes update.
     * (The NUMA-only {@code min_unmapped}/{@code min_slab} ratios are not modelled.)
     */
    public ZoneTuning initPerZoneWmarkMin(Consumer<PrintkLine> log) {
        ZoneTuning t = calculateMinFreeKbytes(log)
                .setupPerZoneWmarks()
                .refreshZoneStatThresholds()
                .setupPerZoneLowmemReserve();
        return Khugepaged.khugepagedMinFreeKbytesUpdate(t, log);
    }

    /** {@code calculate_min_free_kbytes()} against the current high watermarks. */
    public ZoneTuning calculateMinFreeKbytes(Consumer<PrintkLine> log) {
        int value = Watermarks.calculateMinFreeKbytes(nrFreeBufferPages(), sysctls.minFreeKbytes(),
                sysctls.userMinFreeKbytes(), log);
        return withSysctls(sysctls.withMinFreeKbytes(value));
    }

    /**
     * {@code setup_per_zone_wmarks()}: {@code __setup_per_zone_wmarks()} (which also recomputes the
     * total reserve), then {@code zone_pcp_update(zone, 0)} for every zone.
     */
    public ZoneTuning setupPerZoneWmarks() {
        List<ZoneWatermarks> wm = Watermarks.setupPerZoneWmarks(zones, sysctls.minFreeKbytes(), sysctls.watermarkScaleFactor());
        List<Watermarks.PcpLimits> newPcp = new ArrayList<>(zones.size());
        for (int k = 0; k < zones.size(); k++) {
            newPcp.add(Watermarks.zoneSetPagesetHighAndBatch(zones.get(k), wm.get(k),
                    sysctls.percpuPagelistHighFraction(), cpus, 0));
        }
        return new ZoneTuning(config, zones, sysctls, cpus, thp, khugepagedRunning, wm, lowmemReserve,
                Watermarks.calculateTotalreservePages(zones, wm, lowmemReserve), List.copyOf(newPcp), thresholds);
    }

    /** {@code refresh_zone_stat_thresholds()} with the current watermarks and CPUs. */
    public ZoneTuning refreshZoneStatThresholds() {
        long[] drift = thresholds.percpuDriftMark();
        StatThresholds.Zone[] in = new StatThresholds.Zone[zones.size()];
        for (int k = 0; k < zones.size(); k++) {
            ZoneSizes z = zones.get(k);
            ZoneWatermarks w = watermarks.get(k);
            in[k] = new StatThresholds.Zone(z.nid(), z.populated(), z.managed(), w.minWmarkPages(), w.lowWmarkPages(),
                    w.highWmarkPages(), drift[k]);
        }
        StatThresholds.Result r = StatThresholds.refreshZoneStatThresholds(in, cpus.numOnlineCpus());
        return new ZoneTuning(config, zones, sysctls, cpus, thp, khugepagedRunning, watermarks, lowmemReserve,
                totalreserve, pcp, r);
    }

    /** {@code setup_per_zone_lowmem_reserve()}, then {@code calculate_totalreserve_pages()}. */
    public ZoneTuning setupPerZoneLowmemReserve() {
        long[][] reserve = Watermarks.setupPerZoneLowmemReserve(zones, sysctls.lowmemReserveRatio());
        return new ZoneTuning(config, zones, sysctls, cpus, thp, khugepagedRunning, watermarks, reserve,
                Watermarks.calculateTotalreservePages(zones, watermarks, reserve), pcp, thresholds);
    }

    /** Writing {@code vm.min_free_kbytes}: the value becomes the user's, then {@code setup_per_zone_wmarks()}. */
    public ZoneTuning minFreeKbytesSysctlHandler(int value) {
        return withSysctls(sysctls.withMinFreeKbytes(value).withUserMinFreeKbytes(value)).setupPerZoneWmarks();
    }

    /** Writing {@code vm.watermark_scale_factor} (1..3000), then {@code setup_per_zone_wmarks()}. */
    public ZoneTuning watermarkScaleFactorSysctlHandler(int value) {
        return withSysctls(sysctls.withWatermarkScaleFactor(value)).setupPerZoneWmarks();
    }

    /** Writing {@code vm.lowmem_reserve_ratio}: values below 1 become 0, then the reserves are recomputed. */
    public ZoneTuning lowmemReserveRatioSysctlHandler(int[] ratio) {
        int[] r = ratio.clone();
        for (int i = 0; i < r.length; i++) {
            if (r[i] < 1) {
                r[i] = 0;
            }
        }
        return withSysctls(sysctls.withLowmemReserveRatio(r)).setupPerZoneLowmemReserve();
    }

    /**
     * Writing {@code vm.percpu_pagelist_high_fraction} (0, or at least 8 — else EINVAL, here an
     * exception): on a change every populated zone's pcp limits are recomputed.
     */
    public ZoneTuning percpuPagelistHighFractionSysctlHandler(int value) {
        if (value == sysctls.percpuPagelistHighFraction()) {
            return this;
        }
        Sysctls s = sysctls.withPercpuPagelistHighFraction(value);
        List<Watermarks.PcpLimits> newPcp = new ArrayList<>(pcp);
        for (int k = 0; k < zones.size(); k++) {
            if (zones.get(k).populated()) {
                newPcp.set(k, Watermarks.zoneSetPagesetHighAndBatch(zones.get(k), watermarks.get(k), value, cpus, 0));
            }
        }
        return new ZoneTuning(config, zones, s, cpus, thp, khugepagedRunning, watermarks, lowmemReserve, totalreserve,
                List.copyOf(newPcp), thresholds);
    }

    /**
     * This state with the zones' sizes replaced, as they are after boot: the pages freed after the
     * watermarks were set (init sections, initrd) raise {@code managed} without recomputing anything;
     * the next sysctl write recomputes from the new sizes, as the kernel's handlers read
     * {@code zone_managed_pages()} afresh.
     *
     * @throws IllegalArgumentException when the zones are not the same zones in the same order
     */
    public ZoneTuning withZones(List<ZoneSizes> newZones) {
        List<ZoneSizes> copy = List.copyOf(newZones);
        if (copy.size() != zones.size()) {
            throw new IllegalArgumentException(copy.size() + " zones given for " + zones.size());
        }
        for (int k = 0; k < copy.size(); k++) {
            if (copy.get(k).nid() != zones.get(k).nid() || copy.get(k).zoneType() != zones.get(k).zoneType()) {
                throw new IllegalArgumentException("zone " + k + " is " + copy.get(k).name() + " on node "
                        + copy.get(k).nid() + ", expected " + zones.get(k).name() + " on node " + zones.get(k).nid());
            }
        }
        return new ZoneTuning(config, copy, sysctls, cpus, thp, khugepagedRunning, watermarks, lowmemReserve,
                totalreserve, pcp, thresholds);
    }

    ZoneTuning withSysctls(Sysctls s) {
        return new ZoneTuning(config, zones, s, cpus, thp, khugepagedRunning, watermarks, lowmemReserve, totalreserve,
                pcp, thresholds);
    }

    ZoneTuning withKhugepaged(Khugepaged.Thp mode, boolean running) {
        return new ZoneTuning(config, zones, sysctls, cpus, mode, running, watermarks, lowmemReserve, totalreserve,
                pcp, thresholds);
    }

    /** {@code nr_free_buffer_pages()} now. */
    public long nrFreeBufferPages() {
        return Watermarks.nrFreeBufferPages(config.zoneTypes(), zones, watermarks);
    }

    /** {@code totalram_pages()}: all managed pages. */
    public long totalramPages() {
        long sum = 0;
        for (ZoneSizes z : zones) {
            sum += z.managed();
        }
        return sum;
    }

    public PageAllocConfig config() {
        return config;
    }

    public List<ZoneSizes> zones() {
        return zones;
    }

    public Sysctls sysctls() {
        return sysctls;
    }

    /** {@code min_free_kbytes}. */
    public int minFreeKbytes() {
        return sysctls.minFreeKbytes();
    }

    public Cpus cpus() {
        return cpus;
    }

    /** The transparent hugepage mode ({@code /sys/kernel/mm/transparent_hugepage/enabled}). */
    public Khugepaged.Thp thp() {
        return thp;
    }

    /** Whether the khugepaged thread runs (it starts in {@code hugepage_init()}). */
    public boolean khugepagedRunning() {
        return khugepagedRunning;
    }

    /** {@code totalreserve_pages}. */
    public long totalreservePages() {
        return totalreserve.totalreservePages();
    }

    /** {@code NODE_DATA(nid)->totalreserve_pages}. */
    public long nodeTotalreservePages(int nid) {
        return totalreserve.nodeTotalreservePages()[nid];
    }

    /** The per-cpu nodestat {@code stat_threshold} of node {@code nid}. */
    public int nodeStatThreshold(int nid) {
        return thresholds.nodeStatThreshold()[nid];
    }

    /** The watermarks of every zone, in zone order. */
    public List<ZoneWatermarks> watermarks() {
        return watermarks;
    }

    /** Everything decided for every zone, in {@code for_each_zone()} order. */
    public List<ZoneLimits> limits() {
        int[] threshold = thresholds.statThreshold();
        long[] drift = thresholds.percpuDriftMark();
        List<ZoneLimits> out = new ArrayList<>(zones.size());
        for (int k = 0; k < zones.size(); k++) {
            out.add(new ZoneLimits(zones.get(k), watermarks.get(k), lowmemReserve[k], pcp.get(k), threshold[k], drift[k]));
        }
        return out;
    }

    /** The limits of zone {@code zoneType} on node {@code nid}. */
    public ZoneLimits limits(int nid, int zoneType) {
        for (ZoneLimits l : limits()) {
            if (l.zone().nid() == nid && l.zone().zoneType() == zoneType) {
                return l;
            }
        }
        throw new IllegalArgumentException("no zone " + zoneType + " on node " + nid);
    }

    @Override
    public String toString() {
        return "ZoneTuning[" + sysctls + ", totalreserve=" + totalreserve.totalreservePages() + ", thp=" + thp
                + (khugepagedRunning ? " (khugepaged)" : "") + ", zones=" + limits() + ", nodeThreshold="
                + Arrays.toString(thresholds.nodeStatThreshold()) + "]";
    }
}
