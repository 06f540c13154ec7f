package dev.kmm.stress.run;

import java.util.Locale;
import java.util.Map;

/**
 * The text report. Everything before the timing section is a function of the report's deterministic fields; the
 * timing section comes last, under a header of its own, so a comparison can cut it off.
 */
public final class ReportText {
    /** The first line of the timing section. */
    public static final String TIMING_HEADER = "timing (host time, varies from run to run)";

    private ReportText() {
    }

    public static String render(RunReport r, boolean timing) {
        StringBuilder sb = new StringBuilder();
        RunReport.Setup s = r.setup();
        sb.append("kmm run: workload ").append(s.workload()).append(", seed ").append(s.seed()).append(", ")
                .append(s.steps() > 0 ? s.steps() + " steps" : "for " + seconds(s.durationNanos()) + " s").append('\n');
        sb.append("machine: ").append(s.machine()).append(", ").append(plural(s.cpus(), "CPU")).append(", ")
                .append(plural(s.nodes(), "node")).append(", ").append(s.managedPages()).append(" managed pages\n");
        sb.append("mode: ").append(s.deterministic()
                ? "deterministic (one thread drives every CPU in a seeded order)"
                : "parallel (" + s.threads() + " threads, each on its own CPUs; not reproducible byte for byte)")
                .append('\n');

        RunReport.Totals t = r.totals();
        section(sb, "operations");
        new Table(true, false, true)
                .row("steps", t.steps(), "")
                .row("allocator calls", t.ops(), "")
                .row("allocations", t.allocations(), s.workload().equals("bulk") ? "(pages asked for in bursts)" : "")
                .row("  failed", t.failed(), percent(t.failed(), t.allocations()))
                .row("pages allocated", t.pages(), "")
                .row("frees", t.frees(), "")
                .row("  pages freed", t.pagesFreed(), "")
                .row("  on another CPU", t.remoteFrees(), percent(t.remoteFrees(), t.frees()))
                .appendTo(sb, "  ");

        section(sb, "allocations by order");
        Table orders = new Table().row("order", "attempts", "failed");
        for (RunReport.OrderRow o : r.orders()) {
            orders.row(o.order(), o.attempts(), o.failures());
        }
        orders.appendTo(sb, "  ");

        section(sb, "failures by GFP mask");
        if (r.failures().isEmpty()) {
            sb.append("  none\n");
        } else {
            Table f = new Table(false, false, false, true).row("order", "failed", "attempts", "mode");
            for (RunReport.GfpFailures g : r.failures()) {
                f.row(g.order(), g.failures(), g.attempts(), g.mode());
            }
            f.appendTo(sb, "  ");
        }

        RunReport.Pcp p = r.pcp();
        section(sb, "per-CPU page lists");
        new Table(true, false, true)
                .row("pcp hit rate",
                        p.eligible() == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f%%", p.hitRatePercent()),
                        p.hits() + " of " + p.eligible() + " single allocations of order 0-3 took no zone->lock")
                .row("blocks under zone->lock", p.refillBlocks(), "to refill pcp lists")
                .row("", p.directBlocks(), "for the caller directly")
                .appendTo(sb, "  ");

        RunReport.Fallbacks fb = r.fallbacks();
        section(sb, "fallbacks (mm_page_alloc_extfrag)");
        new Table(true, false, true)
                .row("fallbacks", fb.fallbacks(), "to another migrate type's free list")
                .row("pageblock steals", fb.steals(), "change_ownership=1: the block became the allocation's type")
                .appendTo(sb, "  ");
        if (!fb.byType().isEmpty()) {
            Table ft = new Table(true, true, false, false).row("allocation", "fell back to", "fallbacks", "steals");
            for (RunReport.FallbackRow row : fb.byType()) {
                ft.row(row.allocType(), row.fallbackType(), row.fallbacks(), row.steals());
            }
            ft.appendTo(sb, "  ");
        }

        if (r.bulk() != null) {
            RunReport.Bulk b = r.bulk();
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

        if (r.numa() != null) {
            RunReport.Numa n = r.numa();
            section(sb, "numa");
            Object[] head = new Object[n.byPreferredNode().size() + 2];
            head[0] = "preferred";
            for (int i = 0; i < n.byPreferredNode().size(); i++) {
                head[i + 1] = "on node " + i;
            }
            head[head.length - 1] = "failed";
            Table nt = new Table(true).row(head);
            for (RunReport.NodeRow row : n.byPreferredNode()) {
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

        if (!r.watermarks().isEmpty()) {
            section(sb, "watermarks (pages; below low + boost only the slow path allocates)");
            Table wt = new Table(true, true)
                    .row("node", "zone", "min", "low", "high", "max boost", "lowest free", "steps below low",
                            "below min");
            for (RunReport.Watermarks w : r.watermarks()) {
                wt.row(w.node(), w.zone(), w.min(), w.low(), w.high(), w.maxBoost(), w.lowestFree(),
                        w.stepsBelowLow(), w.stepsBelowMin());
            }
            wt.appendTo(sb, "  ");
        }

        if (!r.workloadCounters().isEmpty()) {
            section(sb, s.workload() + " workload");
            Table wt = new Table(true, false);
            r.workloadCounters().forEach(wt::row);
            wt.appendTo(sb, "  ");
        }

        RunReport.WarnAlloc warn = r.warnAlloc();
        section(sb, "warn_alloc (dmesg since the run began)");
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

        RunReport.Views v = r.views();
        view(sb, "/proc/buddyinfo", "after boot", v.buddyinfoBefore());
        view(sb, "/proc/buddyinfo", "end of workload", v.buddyinfoAfter());
        view(sb, "/sys/kernel/debug/extfrag/unusable_index", "end of workload", v.unusableIndexAfter());
        view(sb, "/sys/kernel/debug/extfrag/extfrag_index", "end of workload", v.extfragIndexAfter());
        for (Map.Entry<String, String> e : v.shown().entrySet()) {
            view(sb, e.getKey(), "end of workload", e.getValue());
        }

        RunReport.Verify ver = r.verify();
        section(sb, "verify");
        sb.append("  freed the ").append(plural(ver.blocksFreed(), "block")).append(" still held (")
                .append(plural(ver.pagesFreed(), "page")).append(") and drained every CPU's pcp lists\n");
        sb.append("  free pages in the buddy lists: ").append(ver.freePagesAfterCleanup())
                .append(ver.freePagesAfterCleanup() == ver.freePagesAtStart() ? ", as after boot\n"
                        : ", after boot " + ver.freePagesAtStart() + "\n");
        if (ver.problems().isEmpty()) {
            sb.append("  Kernel.verify(): no problems\n");
        } else {
            sb.append("  ").append(plural(ver.problems().size(), "problem")).append(":\n");
            for (String problem : ver.problems()) {
                sb.append("    ").append(problem).append('\n');
            }
        }

        if (timing && r.timing() != null) {
            RunReport.Timing tm = r.timing();
            section(sb, TIMING_HEADER);
            new Table(true, false, true)
                    .row("boot", seconds(tm.bootNanos()), "s")
                    .row("workload", seconds(tm.workloadNanos()), "s")
                    .row("views, cleanup, verify", seconds(tm.cleanupNanos()), "s")
                    .row("allocator calls/s", Math.round(tm.opsPerSecond()), "")
                    .appendTo(sb, "  ");
        }
        return sb.toString();
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
