package dev.kmm.core.pagealloc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import static dev.kmm.core.pagealloc.KernelMath.clamp;
import static dev.kmm.core.pagealloc.KernelMath.intSqrt;
import static dev.kmm.core.pagealloc.KernelMath.multFrac;
import static dev.kmm.core.pagealloc.KernelMath.rounddownPowOfTwo;
import static dev.kmm.core.pagealloc.PageAllocConfig.PAGE_SHIFT;
import static dev.kmm.core.pagealloc.PageAllocConfig.PAGE_SIZE;

/**
 * The zone-limit formulas of Linux 6.1 {@code mm/page_alloc.c}: {@code min_free_kbytes}, the
 * min/low/high watermarks, the lowmem reserves ({@code /proc/zoneinfo}'s "protection"), the total
 * reserve and the per-cpu pageset {@code high}/{@code batch}.
 *
 * <p>Followed: the 6.1 LTS source (Debian linux-source-6.1, 6.1.192). Later kernels differ: 6.7
 * split pcp {@code high} into auto-tuned {@code high_min}/{@code high_max} and changed
 * {@code zone_highsize()}; none of that is modelled.
 *
 * <p>Zones are passed as lists in {@code for_each_zone()} order: node by node (ascending node ids),
 * each node with all its {@code MAX_NR_ZONES} zones in zone-type order. Per-zone results come back
 * in the same order. All arithmetic is the kernel's unsigned-long arithmetic on 64-bit values.
 */
public final class Watermarks {
    /** {@code SWAP_CLUSTER_MAX}. */
    public static final long SWAP_CLUSTER_MAX = 32;

    private Watermarks() {
    }

    /** The pcp limits {@code zone_set_pageset_high_and_batch()} writes into every CPU's pageset. */
    public record PcpLimits(int high, int batch) {
        /** {@code BOOT_PAGESET_HIGH}/{@code BOOT_PAGESET_BATCH}: the shared boot pageset. */
        public static final PcpLimits BOOT_PAGESET = new PcpLimits(0, 1);
    }

    /** {@code totalreserve_pages} and each node's {@code pgdat->totalreserve_pages} (indexed by node id). */
    public record Totalreserve(long[] nodeTotalreservePages, long totalreservePages) {
        public Totalreserve {
            nodeTotalreservePages = nodeTotalreservePages.clone();
        }

        @Override
        public long[] nodeTotalreservePages() {
            return nodeTotalreservePages.clone();
        }
    }

    /**
     * {@code nr_free_zone_pages(offset)}: over every zone of index at most {@code offset} on every node
     * (the fallback zonelist spans all nodes), the pages above the high watermark.
     */
    public static long nrFreeZonePages(List<ZoneSizes> zones, List<ZoneWatermarks> wmarks, int offset) {
        checkZones(zones);
        checkAligned(zones, wmarks, "watermarks");
        long sum = 0;
        for (int k = 0; k < zones.size(); k++) {
            ZoneSizes z = zones.get(k);
            if (z.zoneType() > offset) {
                continue;
            }
            long size = z.managed();
            long high = wmarks.get(k).highWmarkPages();
            if (size > high) {
                sum += size - high;
            }
        }
        return sum;
    }

    /** {@code nr_free_buffer_pages()}: {@link #nrFreeZonePages} up to {@code gfp_zone(GFP_USER)}, ZONE_NORMAL. */
    public static long nrFreeBufferPages(ZoneTypes types, List<ZoneSizes> zones, List<ZoneWatermarks> wmarks) {
        return nrFreeZonePages(zones, wmarks, types.zoneNormal());
    }

    /**
     * {@code calculate_min_free_kbytes()}: {@code sqrt(lowmem_kbytes * 16)} clamped to [128, 262144],
     * unless a value the administrator wrote ({@code user_min_free_kbytes}) is at least as large.
     *
     * @return the new {@code min_free_kbytes} ({@code minFreeKbytes} unchanged when the user's value wins)
     */
    public static int calculateMinFreeKbytes(long nrFreeBufferPages, int minFreeKbytes, int userMinFreeKbytes,
                                             Consumer<PrintkLine> log) {
        long lowmemKbytes = nrFreeBufferPages * (PAGE_SIZE >> 10);
        int newMinFreeKbytes = (int) intSqrt(lowmemKbytes * 16);
        if (newMinFreeKbytes > userMinFreeKbytes) {
            return (int) clamp(newMinFreeKbytes, 128, 262144);
        }
        log.accept(PrintkLine.warn("min_free_kbytes is not updated to " + newMinFreeKbytes
                + " because user defined value " + userMinFreeKbytes + " is preferred"));
        return minFreeKbytes;
    }

    /**
     * {@code __setup_per_zone_wmarks()}: {@code min_free_kbytes} split over the lowmem zones by managed
     * pages (highmem gets {@code managed/1024} clamped to [32, 128]); low and high then step up by
     * {@code max(min/4, managed * watermark_scale_factor / 10000)} each, and the boost is cleared.
     */
    public static List<ZoneWatermarks> setupPerZoneWmarks(List<ZoneSizes> zones, int minFreeKbytes, int watermarkScaleFactor) {
        checkZones(zones);
        if (minFreeKbytes < 0 || watermarkScaleFactor < 1 || watermarkScaleFactor > 3000) {
            throw new IllegalArgumentException("min_free_kbytes " + minFreeKbytes + " / watermark_scale_factor "
                    + watermarkScaleFactor + " out of range");
        }
        long pagesMin = minFreeKbytes >> (PAGE_SHIFT - 10);
        long lowmemPages = 0;
        for (ZoneSizes z : zones) {
            if (!z.highmem()) {
                lowmemPages += z.managed();
            }
        }
        if (lowmemPages == 0) {
            throw new IllegalArgumentException("no lowmem zone has managed pages: the kernel would divide by zero");
        }
        List<ZoneWatermarks> result = new ArrayList<>(zones.size());
        for (ZoneSizes z : zones) {
            long tmp = Long.divideUnsigned(pagesMin * z.managed(), lowmemPages);
            long min;
            if (z.highmem()) {
                // __GFP_HIGH and PF_MEMALLOC rarely need highmem: cap its min; the deltas stay proportional.
                min = clamp(z.managed() / 1024, SWAP_CLUSTER_MAX, 128);
            } else {
                min = tmp;
            }
            tmp = Math.max(tmp >>> 2, multFrac(z.managed(), watermarkScaleFactor, 10000));
            long low = min + tmp;
            long high = low + tmp;
            result.add(new ZoneWatermarks(min, low, high, high + tmp, 0));
        }
        return List.copyOf(result);
    }

    /**
     * {@code setup_per_zone_lowmem_reserve()}: for each zone i and each higher zone j of the same node,
     * {@code lowmem_reserve[j]} = managed pages of zones i+1..j divided by
     * {@code lowmem_reserve_ratio[i]}, or 0 when that ratio is 0 or zone i manages nothing.
     *
     * @return each zone's {@code lowmem_reserve[MAX_NR_ZONES]}, in the order of {@code zones}
     */
    public static long[][] setupPerZoneLowmemReserve(List<ZoneSizes> zones, int[] lowmemReserveRatio) {
        int nrZones = checkZones(zones);
        if (lowmemReserveRatio.length != nrZones) {
            throw new IllegalArgumentException("lowmem_reserve_ratio has " + lowmemReserveRatio.length
                    + " entries, MAX_NR_ZONES is " + nrZones);
        }
        long[][] reserve = new long[zones.size()][nrZones];
        for (int node = 0; node < zones.size(); node += nrZones) {
            for (int i = 0; i < nrZones - 1; i++) {
                int ratio = lowmemReserveRatio[i];
                if (ratio < 0) {
                    throw new IllegalArgumentException("negative lowmem_reserve_ratio " + ratio);
                }
                boolean clear = ratio == 0 || zones.get(node + i).managed() == 0;
                long managedPages = 0;
                for (int j = i + 1; j < nrZones; j++) {
                    managedPages += zones.get(node + j).managed();
                    reserve[node + i][j] = clear ? 0 : managedPages / ratio;
                }
            }
        }
        return reserve;
    }

    /**
     * {@code calculate_totalreserve_pages()}: per zone, its largest lowmem reserve plus its high
     * watermark, capped at its managed pages; summed per node and overall.
     */
    public static Totalreserve calculateTotalreservePages(List<ZoneSizes> zones, List<ZoneWatermarks> wmarks,
                                                          long[][] lowmemReserve) {
        int nrZones = checkZones(zones);
        checkAligned(zones, wmarks, "watermarks");
        if (lowmemReserve.length != zones.size()) {
            throw new IllegalArgumentException("lowmem_reserve given for " + lowmemReserve.length + " zones, not " + zones.size());
        }
        long[] perNode = new long[zones.getLast().nid() + 1];
        long reservePages = 0;
        for (int k = 0; k < zones.size(); k++) {
            ZoneSizes z = zones.get(k);
            long[] reserve = lowmemReserve[k];
            if (reserve.length != nrZones) {
                throw new IllegalArgumentException("lowmem_reserve of " + z.name() + " has " + reserve.length + " entries");
            }
            long max = 0;
            for (int j = z.zoneType(); j < nrZones; j++) {
                max = Math.max(max, reserve[j]);
            }
            // The high watermark counts as reserved too.
            max += wmarks.get(k).highWmarkPages();
            if (Long.compareUnsigned(max, z.managed()) > 0) {
                max = z.managed();
            }
            perNode[z.nid()] += max;
            reservePages += max;
        }
        return new Totalreserve(perNode, reservePages);
    }

    /**
     * {@code zone_batchsize()} (CONFIG_MMU): about 0.1% of the zone or 1 MiB, whichever is smaller,
     * divided by 4 and rounded to {@code 2^n - 1} for better cache colouring; 0 for tiny zones.
     */
    public static int zoneBatchsize(long managed) {
        if (managed < 0) {
            throw new IllegalArgumentException("negative managed pages " + managed);
        }
        int batch = (int) Math.min(managed >>> 10, (1L << 20) / PAGE_SIZE);
        batch /= 4; // effectively *= 4 below
        if (batch < 1) {
            batch = 1;
        }
        return (int) rounddownPowOfTwo(batch + batch / 2) - 1;
    }

    /**
     * {@code zone_highsize()} (6.1, CONFIG_MMU): the low watermark (or managed pages divided by
     * {@code percpu_pagelist_high_fraction}) split across the CPUs local to the zone's node, at least
     * {@code batch * 4}.
     *
     * @param cpusOnNode {@code cpumask_weight(cpumask_of_node(zone_to_nid(zone)))}
     * @param cpuOnline  1 while a CPU is being onlined (not yet in the mask), else 0
     */
    public static int zoneHighsize(long managed, long lowWmarkPages, int batch, int percpuPagelistHighFraction,
                                   int cpusOnNode, int cpuOnline, int numOnlineCpus) {
        long totalPages = percpuPagelistHighFraction == 0 ? lowWmarkPages : managed / percpuPagelistHighFraction;
        int nrSplitCpus = cpusOnNode + cpuOnline;
        if (nrSplitCpus == 0) {
            // A node without CPUs: split across all online CPUs so reclaim is not triggered early.
            nrSplitCpus = numOnlineCpus;
        }
        int high = (int) (totalPages / nrSplitCpus);
        return Math.max(high, batch << 2);
    }

    /** {@code zone_set_pageset_high_and_batch()}: the batch (at least 1) and the high it implies. */
    public static PcpLimits zoneSetPagesetHighAndBatch(ZoneSizes zone, ZoneWatermarks wmarks,
                                                       int percpuPagelistHighFraction, Cpus cpus, int cpuOnline) {
        int batch = Math.max(1, zoneBatchsize(zone.managed()));
        int high = zoneHighsize(zone.managed(), wmarks.lowWmarkPages(), batch, percpuPagelistHighFraction,
                cpus.onlineOnNode(zone.nid()), cpuOnline, cpus.numOnlineCpus());
        return new PcpLimits(high, batch);
    }

    /** The {@code /proc/zoneinfo} line for a zone's lowmem reserves: {@code "        protection: (0, 2949, ...)"}. */
    public static String formatProtection(long[] lowmemReserve) {
        StringBuilder sb = new StringBuilder("        protection: (");
        for (int i = 0; i < lowmemReserve.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(lowmemReserve[i]);
        }
        return sb.append(')').toString();
    }

    /**
     * Checks {@code for_each_zone()} order: nodes ascending, each with zone types {@code 0..n-1} in order
     * and the same {@code n} for every node.
     *
     * @return {@code MAX_NR_ZONES}
     */
    static int checkZones(List<ZoneSizes> zones) {
        Objects.requireNonNull(zones, "zones");
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("no zones");
        }
        int nrZones = 0;
        while (nrZones < zones.size() && zones.get(nrZones).nid() == zones.getFirst().nid()) {
            nrZones++;
        }
        if (zones.size() % nrZones != 0) {
            throw new IllegalArgumentException(zones.size() + " zones do not split into nodes of " + nrZones + " zones");
        }
        for (int k = 0; k < zones.size(); k++) {
            ZoneSizes z = zones.get(k);
            ZoneSizes first = zones.get(k - k % nrZones);
            if (z.zoneType() != k % nrZones || z.nid() != first.nid()
                    || (k >= nrZones && k % nrZones == 0 && z.nid() <= zones.get(k - 1).nid())) {
                throw new IllegalArgumentException("zones must be in for_each_zone() order (nodes ascending, each with zone "
                        + "types 0.." + (nrZones - 1) + "): entry " + k + " is " + z.name() + " type " + z.zoneType()
                        + " on node " + z.nid());
            }
        }
        return nrZones;
    }

    private static void checkAligned(List<ZoneSizes> zones, List<?> perZone, String what) {
        if (perZone.size() != zones.size()) {
            throw new IllegalArgumentException(what + " given for " + perZone.size() + " zones, not " + zones.size());
        }
    }
}
