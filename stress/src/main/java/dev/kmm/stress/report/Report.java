package dev.kmm.stress.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report of {@code kmm run} and {@code kmm replay}: everything the text report and the JSON document hold, the
 * same numbers in both. The sections are the same for both commands but one: {@link #run()} holds what a workload
 * run adds (its setup, and the sections of the bulk, numa and pressure workloads), {@link #replay()} what a trace
 * replay adds (the events replayed and skipped, and why); the other is null.
 *
 * <p>Only {@link #timing()} differs from one run to the next; in deterministic mode the rest is a function of the
 * machine and the workload, steps and seed, or the trace.
 */
public record Report(Setup setup, Run run, Replay replay, Totals totals, List<OrderRow> orders,
        List<GfpFailures> failures, Pcp pcp, Fallbacks fallbacks, WarnAlloc warnAlloc, Views views, Verify verify,
        Timing timing) {

    public Report {
        if ((run == null) == (replay == null)) {
            throw new IllegalArgumentException("a report is of a run or of a replay");
        }
    }

    /** The report as {@code kmm run} or {@code kmm replay} prints it, timing section last. */
    public String text() {
        return ReportText.render(this, true);
    }

    /** The report as one JSON document, as {@code --json} prints it. */
    public String json() {
        return ReportJson.render(this, true);
    }

    /** The same report without its host times. */
    public Report withoutTiming() {
        return new Report(setup, run, replay, totals, orders, failures, pcp, fallbacks, warnAlloc, views, verify,
                null);
    }

    /**
     * @param machine      the machine's name
     * @param cpus         its CPUs
     * @param nodes        NUMA nodes
     * @param managedPages {@code totalram_pages()}
     */
    public record Setup(String machine, int cpus, int nodes, long managedPages) {
    }

    /**
     * What a workload run adds: its setup, and what only some workloads count. {@code bulk}, {@code numa} and
     * {@code watermarks} belong to the bulk, numa and pressure workloads and are null or empty for the others;
     * {@code counters} holds what only one workload counts (fragment's phases, numa's filled node, pressure's
     * preload), in the workload's order.
     *
     * @param workload      the workload's name
     * @param seed          the seed
     * @param steps         steps asked for; 0 for a timed run
     * @param durationNanos the duration asked for; 0 for a run of steps
     * @param threads       worker threads
     * @param deterministic whether one thread drove every CPU
     */
    public record Run(String workload, long seed, long steps, long durationNanos, int threads, boolean deterministic,
            Bulk bulk, Numa numa, List<Watermarks> watermarks, Map<String, Long> counters) {
    }

    /**
     * What a trace replay adds: the trace's lines and events, what was replayed and what was skipped and why.
     *
     * @param source            where the trace came from (the file name)
     * @param lines             lines read
     * @param allocEvents       {@code mm_page_alloc} events read
     * @param freeEvents        {@code mm_page_free} events read
     * @param batchedFreeEvents {@code mm_page_free_batched} events read
     * @param replayed          events reproduced on kmm: allocations (a traced failure too, when kmm was asked the
     *                          same), frees, and each {@code mm_page_free_batched} that repeats the page's
     *                          {@code mm_page_free} (6.1 traces both for one free)
     * @param impliedFrees      blocks kmm freed because the trace allocated their pfn again without freeing it
     *                          first (a free the capture lost)
     * @param skipped           the events not replayed, by reason, in {@link SkipReason} order
     * @param unparseable       the lines the trace parser could not read
     * @param otherEvents       events of other types, by name (sorted), ignored
     * @param lostEvents        the events ftrace reported lost ({@code CPU:n [LOST m EVENTS]})
     * @param traceCpus         one above the highest CPU number of the trace's page events (0 without events);
     *                          traced CPU {@code c} ran as kmm CPU {@code c % setup.cpus}
     * @param failures          allocation failures by order, in the trace and on kmm, for orders with any
     */
    public record Replay(String source, long lines, long allocEvents, long freeEvents, long batchedFreeEvents,
            long replayed, long impliedFrees, List<Skip> skipped, Unparseable unparseable,
            Map<String, Long> otherEvents, long lostEvents, int traceCpus, List<OrderFailures> failures) {
        /** How many unparseable lines {@link Unparseable#firstLines()} lists. */
        public static final int LINES_LISTED = 10;

        public Replay {
            skipped = List.copyOf(skipped);
            otherEvents = Collections.unmodifiableSortedMap(new TreeMap<>(otherEvents));
            failures = List.copyOf(failures);
        }

        /** Page events read. */
        @JsonProperty
        public long events() {
            return allocEvents + freeEvents + batchedFreeEvents;
        }

        /** Page events skipped, over all reasons. */
        @JsonProperty
        public long skippedTotal() {
            long n = 0;
            for (Skip s : skipped) {
                n += s.count();
            }
            return n;
        }

        /** The events skipped for {@code reason} (0 when none were). */
        public long skipped(SkipReason reason) {
            for (Skip s : skipped) {
                if (s.reason() == reason) {
                    return s.count();
                }
            }
            return 0;
        }

        /** Events of other types, over all names. */
        public long otherEventsTotal() {
            return otherEvents.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Events of one skip reason.
     *
     * @param reason    why
     * @param count     how many
     * @param firstLine the line of the first one
     */
    public record Skip(SkipReason reason, long count, long firstLine) {
        /** The reason in words, as the text report prints it. */
        @JsonProperty
        public String description() {
            return reason.description();
        }
    }

    /**
     * Lines the trace parser could not read.
     *
     * @param count        how many
     * @param firstLines   the numbers of the first {@value Replay#LINES_LISTED}
     * @param firstProblem the parser's message for the first, null when there is none
     */
    public record Unparseable(long count, List<Long> firstLines, String firstProblem) {
        public Unparseable {
            firstLines = List.copyOf(firstLines);
        }
    }

    /**
     * Allocation failures of one order, in the trace and on kmm.
     *
     * @param order     the order
     * @param traced    allocations that failed in the trace
     * @param kmm       allocations that failed on kmm
     * @param kmmOnly   of those, the ones the trace had succeeded ({@link SkipReason#ALLOC_KMM_FAILED})
     * @param traceOnly traced failures kmm satisfied (the block was freed again at once)
     */
    public record OrderFailures(int order, long traced, long kmm, long kmmOnly, long traceOnly) {
    }

    /**
     * @param steps       steps taken (the unit of --ops); for a replay, the page events read
     * @param ops         allocator calls: allocations, frees, bulk calls
     * @param allocations pages or blocks asked for (a bulk call asks for several pages)
     * @param failed      of those, not given
     * @param pages       base pages given
     * @param frees       blocks freed during the workload or the trace
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

    /** warn_alloc's lines in dmesg since the run or replay began: how many failures it printed, and the first lines. */
    public record WarnAlloc(long failuresPrinted, long lines, List<String> first) {
    }

    /**
     * The kernel's views: /proc/buddyinfo at the start, and at the end of the workload or trace (blocks still held,
     * pcp lists as they were) /proc/buddyinfo, debugfs extfrag/unusable_index and extfrag/extfrag_index, and each
     * --show view.
     */
    public record Views(String buddyinfoBefore, String buddyinfoAfter, String unusableIndexAfter,
            String extfragIndexAfter, Map<String, String> shown) {
    }

    /**
     * @param blocksFreed           blocks still held at the end, freed before the check
     * @param pagesFreed            their base pages
     * @param freePagesAtStart      free pages at the start (after boot for a run), in the buddy and per-CPU lists
     * @param freePagesAfterCleanup the same after the cleanup and drain_all_pages
     * @param problems              what {@code Kernel.verify()} found, and a free-page mismatch if any
     */
    public record Verify(long blocksFreed, long pagesFreed, long freePagesAtStart, long freePagesAfterCleanup,
            List<String> problems) {
    }

    /**
     * Host time, which varies from run to run.
     *
     * @param bootNanos     the boot; 0 when the caller booted the kernel
     * @param workloadNanos the workload, or the replay of the trace (its reading and parsing included)
     * @param cleanupNanos  the views at the end, the cleanup and verify()
     * @param opsPerSecond  allocator calls per second of {@code workloadNanos}
     */
    public record Timing(long bootNanos, long workloadNanos, long cleanupNanos, double opsPerSecond) {
    }
}
