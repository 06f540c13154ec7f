package dev.kmm.stress.report;

import java.util.Locale;
import java.util.Map;

/**
 * The text report of a run or a replay. Everything before the timing section is a function of the report's
 * deterministic fields; the timing section comes last, under a header of its own, so a comparison can cut it off.
 */
public final class ReportText {
    /** The first line of the timing section. */
    public static final String TIMING_HEADER = "timing (host time, varies from run to run)";

    private ReportText() {
    }

    /**
     * The report as text: a run's or a replay's header, the sections every report has (a replay's own after the
     * fallbacks, where a run's workload sections go), the views, verify, and the timing section when {@code timing}.
     */
    public static String render(Report r, boolean timing) {
        StringBuilder sb = new StringBuilder();
        Report.Setup s = r.setup();
        Report.Run run = r.run();
        String start = run != null ? "after boot" : "before the replay";
        String end = run != null ? "end of workload" : "end of the trace";
        if (run != null) {
            sb.append("kmm run: workload ").append(run.workload()).append(", seed ").append(run.seed()).append(", ")
                    .append(run.steps() > 0 ? run.steps() + " steps" : "for " + seconds(run.durationNanos()) + " s")
                    .append('\n');
        } else {
            sb.append("kmm replay: trace ").append(r.replay().source()).append('\n');
        }
        sb.append("machine: ").append(s.machine()).append(", ").append(plural(s.cpus(), "CPU")).append(", ")
                .append(plural(s.nodes(), "node")).append(", ").append(s.managedPages()).append(" managed pages\n");
        sb.append("mode: ").append(run == null ? "deterministic (one thread drives every CPU in the trace's order)"
                : run.deterministic() ? "deterministic (one thread drives every CPU in a seeded order)"
                : "parallel (" + run.threads() + " threads, each on its own CPUs; not reproducible byte for byte)")
                .append('\n');

        Report.Totals t = r.totals();
        boolean bursts = run != null && run.bulk() != null;
        section(sb, "operations");
        new Table(true, false, true)
                .row(run != null ? "steps" : "page events", t.steps(), "")
                .row("allocator calls", t.ops(), "")
                .row("allocations", t.allocations(), bursts ? "(pages asked for in bursts)" : "")
                .row("  failed", t.failed(), percent(t.failed(), t.allocations()))
                .row("pages allocated", t.pages(), "")
                .row("frees", t.frees(), "")
                .row("  pages freed", t.pagesFreed(), "")
                .row("  on another CPU", t.remoteFrees(), percent(t.remoteFrees(), t.frees()))
                .appendTo(sb, "  ");

        section(sb, "allocations by order");
        Table orders = new Table().row("order", "attempts", "failed");
        for (Report.OrderRow o : r.orders()) {
            orders.row(o.order(), o.attempts(), o.failures());
        }
        orders.appendTo(sb, "  ");

        section(sb, "failures by GFP mask");
        if (r.failures().isEmpty()) {
            sb.append("  none\n");
        } else {
            Table f = new Table(false, false, false, true).row("order", "failed", "attempts", "mode");
            for (Report.GfpFailures g : r.failures()) {
                f.row(g.order(), g.failures(), g.attempts(), g.mode());
            }
            f.appendTo(sb, "  ");
        }

        Report.Pcp p = r.pcp();
        section(sb, "per-CPU page lists");
        new Table(true, false, true)
                .row("pcp hit rate",
                        p.eligible() == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f%%", p.hitRatePercent()),
                        p.hits() + " of " + p.eligible() + " single allocations of order 0-3 took no zone->lock")
                .row("blocks under zone->lock", p.refillBlocks(), "to refill pcp lists")
                .row("", p.directBlocks(), "for the caller directly")
                .appendTo(sb, "  ");

        Report.Fallbacks fb = r.fallbacks();
        section(sb, "fallbacks (mm_page_alloc_extfrag)");
        new Table(true, false, true)
                .row("fallbacks", fb.fallbacks(), "to another migrate type's free list")
                .row("pageblock steals", fb.steals(), "change_ownership=1: the block became the allocation's type")
                .appendTo(sb, "  ");
        if (!fb.byType().isEmpty()) {
            Table ft = new Table(true, true, false, false).row("allocation", "fell back to", "fallbacks", "steals");
            for (Report.FallbackRow row : fb.byType()) {
                ft.row(row.allocType(), row.fallbackType(), row.fallbacks(), row.steals());
            }
            ft.appendTo(sb, "  ");
        }

        if (run != null) {
            runSections(sb, run);
        } else {
            replaySections(sb, r.replay(), s.cpus());
        }

        Report.WarnAlloc warn = r.warnAlloc();
        section(sb, "warn_alloc (dmesg since the " + (run != null ? "run" : "replay") + " began)");
        if (warn.lines() == 0) {
            sb.append("  none\n");
        } else {
            sb.append("  ").append(plural(warn.failuresPrinted(), "allocation failure")).append(" printed (at most one "
                    + "per 10 s), ").append(plural(warn.lines(), "line"));
            sb.append(warn.lines() > warn.first().size() ? "; the first " + warn.first().size() + ":\n" : ":\n");
            for (String line : warn.first()) {
                sb.append("    ").append(line).append('\n');
            }
        }

        Report.Views v = r.views();
        view(sb, "/proc/buddyinfo", start, v.buddyinfoBefore());
        view(sb, "/proc/buddyinfo", end, v.buddyinfoAfter());
        view(sb, "/sys/kernel/debug/extfrag/unusable_index", end, v.unusableIndexAfter());
        view(sb, "/sys/kernel/debug/extfrag/extfrag_index", end, v.extfragIndexAfter());
        for (Map.Entry<String, String> e : v.shown().entrySet()) {
            view(sb, e.getKey(), end, e.getValue());
        }

        Report.Verify ver = r.verify();
        section(sb, "verify");
        sb.append("  freed the ").append(plural(ver.blocksFreed(), "block")).append(" still held (")
                .append(plural(ver.pagesFreed(), "page")).append(") and drained every CPU's pcp lists\n");
        sb.append("  free pages in the buddy lists: ").append(ver.freePagesAfterCleanup())
                .append(ver.freePagesAfterCleanup() == ver.freePagesAtStart() ? ", as " + start + "\n"
                        : ", " + start + " " + ver.freePagesAtStart() + "\n");
        if (ver.problems().isEmpty()) {
            sb.append("  Kernel.verify(): no problems\n");
        } else {
            sb.append("  ").append(plural(ver.problems().size(), "problem")).append(":\n");
            for (String problem : ver.problems()) {
                sb.append("    ").append(problem).append('\n');
            }
        }

        if (timing && r.timing() != null) {
            Report.Timing tm = r.timing();
            section(sb, TIMING_HEADER);
            Table tt = new Table(true, false, true);
            if (tm.bootNanos() != 0) {
                tt.row("boot", seconds(tm.bootNanos()), "s");
            }
            tt.row(run != null ? "workload" : "replay", seconds(tm.workloadNanos()), "s")
                    .row("views, cleanup, verify", seconds(tm.cleanupNanos()), "s")
                    .row("allocator calls/s", Math.round(tm.opsPerSecond()), "")
                    .appendTo(sb, "  ");
        }
        return sb.toString();
    }

    /** The sections of a run's workload: bulk, numa, watermarks and its own counters, when it has them. */
    private static void runSections(StringBuilder sb, Report.Run run) {
        if (run.bulk() != null) {
            Report.Bulk b = run.bulk();
            section(sb, "bulk (alloc_pages_bulk_array)");
            new Table(true, false, true)
                    .row("bursts", b.bursts(), "")
                    .row("pages asked", b.pagesAsked(), "")
                    .row("pages given", b.pagesGot(), percent(b.pagesGot(), b.pagesAsked()))
                    .row("short bursts", b.shortBursts(), "fewer pages than asked")
                    .row("empty bursts", b.emptyBursts(), "no page")
                    .row("under zone->lock", b.burstsUnderZoneLock(), "bursts that took zone->lock")
                    .appendTo(sb, "  ");
        }

        if (run.numa() != null) {
            Report.Numa n = run.numa();
            section(sb, "numa");
            Object[] head = new Object[n.byPreferredNode().size() + 2];
            head[0] = "preferred";
            for (int i = 0; i < n.byPreferredNode().size(); i++) {
                head[i + 1] = "on node " + i;
            }
            head[head.length - 1] = "failed";
            Table nt = new Table(true).row(head);
            for (Report.NodeRow row : n.byPreferredNode()) {
                Object[] cells = new Object[row.onNode().size() + 2];
                cells[0] = "node " + row.node();
                for (int i = 0; i < row.onNode().size(); i++) {
                    cells[i + 1] = row.onNode().get(i);
                }
                cells[cells.length - 1] = row.failed();
                nt.row(cells);
            }
            nt.appendTo(sb, "  ");
            new Table(true, false, true)
                    .row("local", n.local(), "blocks on the allocating CPU's node")
                    .row("remote", n.remote(), "blocks on another node")
                    .appendTo(sb, "  ");
            sb.append("  /proc/vmstat, change over the workload:\n");
            Table vm = new Table(true, false);
            n.vmstat().forEach(vm::row);
            vm.appendTo(sb, "    ");
        }

        if (!run.watermarks().isEmpty()) {
            section(sb, "watermarks (pages; below low + boost only the slow path allocates)");
            Table wt = new Table(true, true)
                    .row("node", "zone", "min", "low", "high", "max boost", "lowest free", "steps below low",
                            "below min");
            for (Report.Watermarks w : run.watermarks()) {
                wt.row(w.node(), w.zone(), w.min(), w.low(), w.high(), w.maxBoost(), w.lowestFree(),
                        w.stepsBelowLow(), w.stepsBelowMin());
            }
            wt.appendTo(sb, "  ");
        }

        if (!run.counters().isEmpty()) {
            section(sb, run.workload() + " workload");
            Table wt = new Table(true, false);
            run.counters().forEach(wt::row);
            wt.appendTo(sb, "  ");
        }
    }

    /**
     * The sections of a replay: what the trace held and what became of it, the skipped events by reason with the
     * line of the first of each, and the allocation failures of the trace beside kmm's.
     */
    private static void replaySections(StringBuilder sb, Report.Replay rp, int cpus) {
        section(sb, "replay");
        StringBuilder other = new StringBuilder();
        rp.otherEvents().forEach((name, n) -> other.append(other.isEmpty() ? "" : ", ").append(name).append(' ')
                .append(n));
        Report.Unparseable bad = rp.unparseable();
        StringBuilder badLines = new StringBuilder();
        for (long line : bad.firstLines()) {
            badLines.append(badLines.isEmpty() ? (bad.count() == 1 ? "line " : "lines ") : ", ").append(line);
        }
        if (bad.count() > bad.firstLines().size()) {
            badLines.append(", ...");
        }
        new Table(true, false, true)
                .row("lines read", rp.lines(), "")
                .row("page events", rp.events(), "mm_page_alloc " + rp.allocEvents() + ", mm_page_free "
                        + rp.freeEvents() + ", mm_page_free_batched " + rp.batchedFreeEvents())
                .row("replayed", rp.replayed(), percent(rp.replayed(), rp.events()))
                .row("skipped", rp.skippedTotal(), rp.skippedTotal() == 0 ? "" : "by reason below")
                .row("implied frees", rp.impliedFrees(), "a pfn allocated again with no traced free between")
                .row("other events ignored", rp.otherEventsTotal(), other)
                .row("events lost by ftrace", rp.lostEvents(), "frees of their pages show up as skipped")
                .row("unparseable lines", bad.count(), badLines)
                .row("traced CPUs", rp.traceCpus(), rp.traceCpus() == 0 ? "no page events"
                        : rp.traceCpus() <= cpus ? "each ran as the kmm CPU of its number"
                        : "CPU c of the trace ran as kmm CPU c % " + cpus)
                .appendTo(sb, "  ");
        if (bad.firstProblem() != null) {
            sb.append("  the first unparseable: ").append(bad.firstProblem()).append('\n');
        }

        section(sb, "skipped events, by reason");
        if (rp.skipped().isEmpty()) {
            sb.append("  none\n");
        } else {
            Table t = new Table(false, false, true).row("events", "first line", "reason");
            for (Report.Skip skip : rp.skipped()) {
                t.row(skip.count(), skip.firstLine(), skip.description());
            }
            t.appendTo(sb, "  ");
        }

        section(sb, "allocation failures by order, in the trace and on kmm");
        if (rp.failures().isEmpty()) {
            sb.append("  none\n");
        } else {
            Table t = new Table().row("order", "traced", "kmm", "kmm only", "traced only");
            for (Report.OrderFailures f : rp.failures()) {
                t.row(f.order(), f.traced(), f.kmm(), f.kmmOnly(), f.traceOnly());
            }
            t.appendTo(sb, "  ");
        }
    }

    /** The report without its timing section. */
    public static String withoutTiming(String text) {
        int at = text.indexOf("\n\n" + TIMING_HEADER + "\n");
        return at < 0 ? text : text.substring(0, at + 1);
    }

    private static void section(StringBuilder sb, String title) {
        sb.append('\n').append(title).append('\n');
    }

    private static void view(StringBuilder sb, String path, String when, String text) {
        sb.append("\n==> ").append(path).append(" (").append(when).append(") <==\n").append(text);
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "" : String.format(Locale.ROOT, "%.2f%%", part * 100.0 / whole);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }

    private static String plural(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
