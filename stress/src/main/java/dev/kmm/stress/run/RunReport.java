package dev.kmm.stress.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The result of a run: everything the text report and the JSON document hold, the same numbers in both. Only
 * {@link #timing()} differs from one run to the next; in deterministic mode the rest is a function of the machine,
 * workload, steps and seed. {@code workloadCounters} holds what only one workload counts (fragment's phases,
 * numa's filled node, pressure's preload), in the workload's order; {@code bulk}, {@code numa} and
 * {@code watermarks} belong to the bulk, numa and pressure workloads and are null or empty for the others.
 */
public record RunReport(Setup setup, Totals totals, List<OrderRow> orders, List<GfpFailures> failures, Pcp pcp,
        Fallbacks fallbacks, Bulk bulk, Numa numa, List<Watermarks> watermarks, Map<String, Long> workloadCounters,
        WarnAlloc warnAlloc, Views views, Verify verify, Timing timing) {

    /**
     * @param machine       the machine's name
     * @param cpus          CPUs driven
     * @param nodes         NUMA nodes
     * @param managedPages  {@code totalram_pages()} after boot
     * @param workload      the workload's name
     * @param seed          the seed
     * @param steps         steps asked for; 0 for a timed run
     * @param durationNanos the duration asked for; 0 for a run of steps
     * @param threads       worker threads
     * @param deterministic whether one thread drove every CPU
     */
    public record Setup(String machine, int cpus, int nodes, long managedPages, String workload, long seed, long steps,
            long durationNanos, int threads, boolean deterministic) {
    }

    /**
     * @param steps       steps taken (the unit of --ops)
     * @param ops         allocator calls: allocations, frees, bulk calls
     * @param allocations pages or blocks asked for (a bulk call asks for several pages)
     * @param failed      of those, not given
     * @param pages       base pages given
     * @param frees       blocks freed during the workload
     * @param pagesFreed  their base pages
     * @param remoteFrees blocks freed on another CPU than the one that allocated them
     */
    public record Totals(long steps, long ops, long allocations, long failed, long pages, long frees, long pagesFreed,
            long remoteFrees) {
    }

    public record OrderRow(int order, long attempts, long failures) {
    }

    /** Failures of one GFP mask and order; {@code mode} as warn_alloc prints the mask. */
    public record GfpFailures(int order, String mode, int gfp, long attempts, long failures) {
    }

    /**
     * @param eligible      successful single allocations of order 0 to 3, which the per-CPU lists serve
     * @param hits          of those, the ones that took no {@code zone->lock}: no {@code mm_page_alloc_zone_locked}
     *                      event fired during the call (a pcp refill or a buddy allocation fires it)
     * @param refillBlocks  blocks taken under {@code zone->lock} to refill pcp lists ({@code percpu_refill=1})
     * @param directBlocks  blocks taken under {@code zone->lock} for the caller directly
     */
    public record Pcp(long eligible, long hits, long refillBlocks, long directBlocks) {
        /** {@code hits / eligible} in percent, to two decimals. */
        @JsonProperty
        public double hitRatePercent() {
            return eligible == 0 ? 0 : Math.round(hits * 10000.0 / eligible) / 100.0;
        }
    }

    /** {@code mm_page_alloc_extfrag} events: fallbacks, and steals ({@code change_ownership}). */
    public record Fallbacks(long fallbacks, long steals, List<FallbackRow> byType) {
    }

    public record FallbackRow(String allocType, String fallbackType, long fallbacks, long steals) {
    }

    public record Bulk(long bursts, long pagesAsked, long pagesGot, long shortBursts, long emptyBursts,
            long burstsUnderZoneLock) {
    }

    /**
     * @param byPreferredNode single allocations by the node they preferred: pages found on each node, and failures
     * @param local           blocks on the allocating CPU's node
     * @param remote          blocks on another node
     * @param vmstat          the change of /proc/vmstat's numa_* counters over the workload
     */
    public record Numa(List<NodeRow> byPreferredNode, long local, long remote, Map<String, Long> vmstat) {
    }

    public record NodeRow(int node, List<Long> onNode, long failed) {
    }

    /**
     * A zone's watermarks ({@code _watermark[]}), the largest {@code watermark_boost} seen, and what the pressure
     * workload saw of its free pages: the fewest, and the steps below low and below min, boost included as the
     * allocator compares.
     */
    public record Watermarks(int node, String zone, long min, long low, long high, long maxBoost, long lowestFree,
            long stepsBelowLow, long stepsBelowMin) {
    }

    /** warn_alloc's lines in dmesg since the run began: how many failures it printed, and the first lines. */
    public record WarnAlloc(long failuresPrinted, long lines, List<String> first) {
    }

    /**
     * The kernel's views: /proc/buddyinfo after boot, and at the end of the workload (blocks still held, pcp lists
     * as they were) /proc/buddyinfo, debugfs extfrag/unusable_index and extfrag/extfrag_index, and each --show view.
     */
    public record Views(String buddyinfoBefore, String buddyinfoAfter, String unusableIndexAfter,
            String extfragIndexAfter, Map<String, String> shown) {
    }

    /**
     * @param blocksFreed  blocks still held at the end, freed before the check
     * @param pagesFreed   their base pages
     * @param freePagesAtStart      free pages in the buddy lists after boot
     * @param freePagesAfterCleanup the same after the cleanup and drain_all_pages
     * @param problems     what {@code Kernel.verify()} found, and a free-page mismatch if any
     */
    public record Verify(long blocksFreed, long pagesFreed, long freePagesAtStart, long freePagesAfterCleanup,
            List<String> problems) {
    }

    /** Host time, which varies from run to run. */
    public record Timing(long bootNanos, long workloadNanos, long cleanupNanos, double opsPerSecond) {
    }
}
