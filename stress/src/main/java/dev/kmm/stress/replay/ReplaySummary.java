package dev.kmm.stress.replay;

import dev.kmm.core.proc.BuddyInfo;
import dev.kmm.core.proc.ProcBuddyinfo;
import dev.kmm.stress.report.SkipReason;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a {@link TraceReplay} did: the events it read, replayed and skipped (with the reasons), how allocations
 * failed, and the machine before and after. Serializes to JSON as it is (a record of records, lists and maps);
 * {@link #text()} is the report the {@code kmm replay} command prints.
 *
 * <p>Everything but {@link #elapsedNanos()} depends only on the trace and the machine, so replaying a trace
 * twice on the same machine gives the same summary.
 *
 * @param source             where the trace came from (the file name)
 * @param machine            the kmm machine's name
 * @param kmmCpus            the kmm machine's CPUs; a traced CPU {@code c} ran as kmm CPU {@code c % kmmCpus}
 * @param traceCpus          one above the highest CPU number in the trace's page events (0 without events)
 * @param lines              lines read
 * @param allocEvents        {@code mm_page_alloc} events read
 * @param freeEvents         {@code mm_page_free} events read
 * @param batchedFreeEvents  {@code mm_page_free_batched} events read
 * @param replayed           events reproduced on kmm: allocations (a traced failure too, when kmm was asked
 *                           the same), frees, and each {@code mm_page_free_batched} that repeats the page's
 *                           {@code mm_page_free} (6.1 traces both for one free)
 * @param impliedFrees       blocks kmm freed because the trace allocated their pfn again without freeing it
 *                           first (a free the capture lost)
 * @param skipped            the events not replayed, by reason, in {@link SkipReason} order
 * @param unparseable        the lines the trace parser could not read
 * @param otherEvents        events of other types, by name (sorted), ignored
 * @param lostEvents         the events ftrace reported lost ({@code CPU:n [LOST m EVENTS]})
 * @param failures           allocation failures by order, for orders with any
 * @param blocksLeft         blocks the replay still holds at the end (allocated in the trace, never freed)
 * @param pagesLeft          the pages of those blocks
 * @param buddyinfoBefore    {@code /proc/buddyinfo} before the replay
 * @param buddyinfoAfter     {@code /proc/buddyinfo} after it
 * @param verify             {@code Kernel.verify()} after the replay: empty when the allocator is consistent
 * @param elapsedNanos       host time the replay took (the only field that varies from run to run)
 */
public record ReplaySummary(String source, String machine, int kmmCpus, int traceCpus, long lines, long allocEvents,
                            long freeEvents, long batchedFreeEvents, long replayed, long impliedFrees,
                            List<Skip> skipped, Unparseable unparseable, Map<String, Long> otherEvents,
                            long lostEvents, List<OrderFailures> failures, long blocksLeft, long pagesLeft,
                            List<BuddyInfo> buddyinfoBefore, List<BuddyInfo> buddyinfoAfter, List<String> verify,
                            long elapsedNanos) {
    /** How many unparseable lines {@link Unparseable#firstLines()} lists. */
    public static final int LINES_LISTED = 10;

    public ReplaySummary {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(machine, "machine");
        skipped = List.copyOf(skipped);
        otherEvents = Collections.unmodifiableSortedMap(new TreeMap<>(otherEvents));
        failures = List.copyOf(failures);
        buddyinfoBefore = List.copyOf(buddyinfoBefore);
        buddyinfoAfter = List.copyOf(buddyinfoAfter);
        verify = List.copyOf(verify);
    }

    /**
     * Events of one skip reason.
     *
     * @param reason    why
     * @param count     how many
     * @param firstLine the line of the first one
     */
    public record Skip(SkipReason reason, long count, long firstLine) {
    }

    /**
     * Lines the parser could not read.
     *
     * @param count        how many
     * @param firstLines   the numbers of the first {@value ReplaySummary#LINES_LISTED}
     * @param firstProblem the parser's message for the first, null when there is none
     */
    public record Unparseable(long count, List<Long> firstLines, String firstProblem) {
        public Unparseable {
            firstLines = List.copyOf(firstLines);
        }
    }

    /**
     * Allocation failures of one order.
     *
     * @param order     the order
     * @param traced    allocations that failed in the trace
     * @param kmm       allocations that failed on kmm
     * @param kmmOnly   of those, the ones the trace had succeeded ({@link SkipReason#ALLOC_KMM_FAILED})
     * @param traceOnly traced failures kmm satisfied (the block was freed again at once)
     */
    public record OrderFailures(int order, long traced, long kmm, long kmmOnly, long traceOnly) {
    }

    /** Page events read. */
    public long events() {
        return allocEvents + freeEvents + batchedFreeEvents;
    }

    /** Page events skipped, over all reasons. */
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

    /** Page events per host second, from {@link #elapsedNanos()}. */
    public double eventsPerSecond() {
        return elapsedNanos == 0 ? 0 : events() * 1e9 / elapsedNanos;
    }

    /** The report, without the timing line: the same for the same trace and machine. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("Replay of ").append(source).append(" on ").append(machine).append(" (").append(kmmCpus)
                .append(kmmCpus == 1 ? " CPU)\n" : " CPUs)\n");
        row(sb, "lines read", lines, "");
        row(sb, "page events", events(), "mm_page_alloc " + allocEvents + ", mm_page_free " + freeEvents
                + ", mm_page_free_batched " + batchedFreeEvents);
        row(sb, "replayed", replayed, "");
        row(sb, "skipped", skippedTotal(), "");
        for (Skip s : skipped) {
            sb.append(String.format("%34d  %s (first at line %d)\n", s.count(), s.reason().description(),
                    s.firstLine()));
        }
        if (impliedFrees > 0) {
            row(sb, "implied frees", impliedFrees, "a pfn allocated again with no traced free between");
        }
        if (traceCpus > kmmCpus) {
            sb.append(String.format("  traced CPUs 0-%d ran on kmm CPUs 0-%d (CPU c as c %% %d)\n", traceCpus - 1,
                    kmmCpus - 1, kmmCpus));
        }
        if (!otherEvents.isEmpty()) {
            long n = otherEvents.values().stream().mapToLong(Long::longValue).sum();
            StringBuilder names = new StringBuilder();
            otherEvents.forEach((name, count) ->
                    names.append(names.isEmpty() ? "" : ", ").append(name).append(' ').append(count));
            row(sb, "other events ignored", n, names.toString());
        }
        if (lostEvents > 0) {
            row(sb, "events lost by ftrace", lostEvents, "frees of their pages show up as skipped");
        }
        if (unparseable.count() > 0) {
            StringBuilder at = new StringBuilder(unparseable.count() == 1 ? "line " : "lines ");
            for (int i = 0; i < unparseable.firstLines().size(); i++) {
                at.append(i == 0 ? "" : ", ").append(unparseable.firstLines().get(i));
            }
            if (unparseable.count() > unparseable.firstLines().size()) {
                at.append(", ...");
            }
            row(sb, "unparseable lines", unparseable.count(), at.toString());
            sb.append("  first: ").append(unparseable.firstProblem()).append('\n');
        }
        row(sb, "blocks left allocated", blocksLeft, pagesLeft + (pagesLeft == 1 ? " page" : " pages"));

        sb.append("\nAllocation failures by order");
        if (failures.isEmpty()) {
            sb.append(": none\n");
        } else {
            sb.append(" (traced: in the capture; kmm: on this machine):\n");
            sb.append(String.format("  %5s %10s %10s %10s %12s\n", "order", "traced", "kmm", "kmm only",
                    "traced only"));
            for (OrderFailures f : failures) {
                sb.append(String.format("  %5d %10d %10d %10d %12d\n", f.order(), f.traced(), f.kmm(), f.kmmOnly(),
                        f.traceOnly()));
            }
        }
        sb.append("\n/proc/buddyinfo before:\n").append(ProcBuddyinfo.render(buddyinfoBefore));
        sb.append("\n/proc/buddyinfo after:\n").append(ProcBuddyinfo.render(buddyinfoAfter));
        sb.append("\nverify: ");
        if (verify.isEmpty()) {
            sb.append("clean\n");
        } else {
            sb.append(verify.size()).append(verify.size() == 1 ? " problem\n" : " problems\n");
            for (String p : verify) {
                sb.append("  ").append(p).append('\n');
            }
        }
        return sb.toString();
    }

    /** The timing line: host time and events per second. */
    public String timing() {
        return String.format(Locale.ROOT, "replay took %.1f ms (%.0f events/s)\n", elapsedNanos / 1e6, eventsPerSecond());
    }

    private static void row(StringBuilder sb, String what, long n, String detail) {
        sb.append(String.format("  %-22s%10d%s\n", what + ":", n, detail.isEmpty() ? "" : "  (" + detail + ")"));
    }
}
