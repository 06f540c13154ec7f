package dev.kmm.core.vmstat;

import java.util.Arrays;

/**
 * The per-cpu vmstat thresholds of Linux 6.1 {@code mm/vmstat.c} (CONFIG_SMP): how far a CPU's
 * counter diff may drift before it is folded into the zone, and the {@code percpu_drift_mark} below
 * which the allocator stops trusting the approximate NR_FREE_PAGES.
 *
 * <p>Followed: the 6.1 LTS source (Debian linux-source-6.1, 6.1.192), unchanged from v6.1 here.
 */
public final class StatThresholds {
    /** The threshold cap of both formulas. */
    public static final int MAX_THRESHOLD = 125;

    private StatThresholds() {
    }

    /**
     * One zone as {@code refresh_zone_stat_thresholds()} reads it.
     *
     * @param nid             the zone's node
     * @param populated       {@code populated_zone()}
     * @param managed         {@code zone_managed_pages()}
     * @param minWmarkPages   {@code min_wmark_pages()}
     * @param lowWmarkPages   {@code low_wmark_pages()}
     * @param highWmarkPages  {@code high_wmark_pages()}
     * @param percpuDriftMark the zone's {@code percpu_drift_mark} before the call (kept when not needed)
     */
    public record Zone(int nid, boolean populated, long managed, long minWmarkPages, long lowWmarkPages,
                       long highWmarkPages, long percpuDriftMark) {
        public Zone {
            if (nid < 0 || managed < 0 || minWmarkPages < 0 || lowWmarkPages < minWmarkPages
                    || highWmarkPages < lowWmarkPages || percpuDriftMark < 0) {
                throw new IllegalArgumentException("bad zone for vmstat thresholds: nid " + nid + ", managed " + managed
                        + ", marks " + minWmarkPages + "/" + lowWmarkPages + "/" + highWmarkPages + ", drift mark " + percpuDriftMark);
            }
        }
    }

    /**
     * The outcome of {@code refresh_zone_stat_thresholds()}.
     *
     * @param statThreshold      each zone's per-cpu {@code stat_threshold} (what zoneinfo prints as
     *                           "vm stats threshold"); 0 for an unpopulated zone, which keeps the boot pageset
     * @param percpuDriftMark    each zone's {@code percpu_drift_mark}
     * @param nodeStatThreshold  each node's per-cpu nodestat threshold: the largest of its populated zones
     */
    public record Result(int[] statThreshold, long[] percpuDriftMark, int[] nodeStatThreshold) {
        public Result {
            statThreshold = statThreshold.clone();
            percpuDriftMark = percpuDriftMark.clone();
            nodeStatThreshold = nodeStatThreshold.clone();
        }

        @Override
        public int[] statThreshold() {
            return statThreshold.clone();
        }

        @Override
        public long[] percpuDriftMark() {
            return percpuDriftMark.clone();
        }

        @Override
        public int[] nodeStatThreshold() {
            return nodeStatThreshold.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && Arrays.equals(statThreshold, r.statThreshold)
                    && Arrays.equals(percpuDriftMark, r.percpuDriftMark) && Arrays.equals(nodeStatThreshold, r.nodeStatThreshold);
        }

        @Override
        public int hashCode() {
            return (Arrays.hashCode(statThreshold) * 31 + Arrays.hashCode(percpuDriftMark)) * 31 + Arrays.hashCode(nodeStatThreshold);
        }

        @Override
        public String toString() {
            return "Result[statThreshold=" + Arrays.toString(statThreshold) + ", percpuDriftMark="
                    + Arrays.toString(percpuDriftMark) + ", nodeStatThreshold=" + Arrays.toString(nodeStatThreshold) + "]";
        }
    }

    /**
     * {@code calculate_normal_threshold()}: {@code 2 * fls(cpus) * (1 + fls(managed in 128 MiB units))},
     * at most 125. More memory defers folding longer; more CPUs mean more contention.
     */
    public static int calculateNormalThreshold(long managed, int numOnlineCpus) {
        checkCpus(numOnlineCpus);
        int mem = (int) (managed >>> (27 - 12)); // memory in 128 MB units (PAGE_SHIFT 12)
        int threshold = 2 * fls(numOnlineCpus) * (1 + fls(mem));
        return Math.min(MAX_THRESHOLD, threshold);
    }

    /**
     * {@code calculate_pressure_threshold()}: the reduced threshold kswapd installs so that even the
     * worst drift of every CPU cannot breach the min watermark: {@code (low - min) / cpus}, 1..125.
     */
    public static int calculatePressureThreshold(long minWmarkPages, long lowWmarkPages, int numOnlineCpus) {
        checkCpus(numOnlineCpus);
        int watermarkDistance = (int) (lowWmarkPages - minWmarkPages);
        int threshold = Math.max(1, Integer.divideUnsigned(watermarkDistance, numOnlineCpus));
        return Math.min(MAX_THRESHOLD, threshold);
    }

    /**
     * {@code refresh_zone_stat_thresholds()}: the normal threshold of every populated zone, the node
     * thresholds as the largest of their zones, and {@code percpu_drift_mark = high + cpus * threshold}
     * where that drift could hide a breach of the min watermark ({@code cpus * threshold > low - min});
     * elsewhere the old drift mark stays, as in the kernel.
     *
     * @param zones         every zone, in {@code for_each_zone()} order
     * @param numOnlineCpus {@code num_online_cpus()}
     */
    public static Result refreshZoneStatThresholds(Zone[] zones, int numOnlineCpus) {
        checkCpus(numOnlineCpus);
        int maxNid = 0;
        for (Zone z : zones) {
            maxNid = Math.max(maxNid, z.nid());
        }
        int[] threshold = new int[zones.length];
        long[] driftMark = new long[zones.length];
        int[] nodeThreshold = new int[maxNid + 1];
        for (int k = 0; k < zones.length; k++) {
            Zone z = zones[k];
            driftMark[k] = z.percpuDriftMark();
            if (!z.populated()) {
                continue;
            }
            threshold[k] = calculateNormalThreshold(z.managed(), numOnlineCpus);
            nodeThreshold[z.nid()] = Math.max(threshold[k], nodeThreshold[z.nid()]);
            long tolerateDrift = z.lowWmarkPages() - z.minWmarkPages();
            long maxDrift = (long) numOnlineCpus * threshold[k];
            if (maxDrift > tolerateDrift) {
                driftMark[k] = z.highWmarkPages() + maxDrift;
            }
        }
        return new Result(threshold, driftMark, nodeThreshold);
    }

    private static int fls(int x) {
        return 32 - Integer.numberOfLeadingZeros(x);
    }

    private static void checkCpus(int numOnlineCpus) {
        if (numOnlineCpus < 1) {
            throw new IllegalArgumentException("num_online_cpus() must be at least 1: " + numOnlineCpus);
        }
    }
}
