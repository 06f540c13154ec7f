package dev.kmm.stress.report;

import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.ZoneInfo;
import dev.kmm.core.gfp.GfpFlagNames;
import dev.kmm.core.pagealloc.FreeArea;
import dev.kmm.core.pagealloc.PerCpuPageset;
import dev.kmm.core.trace.KmemEvent;
import dev.kmm.core.trace.KmemTrace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run and a replay watch on their kernel, the same way, and the report sections they share. In order:
 * <ol>
 * <li>{@linkplain #Observation(Kernel, AllocStats[], List, Pictures) at the start}: /proc/buddyinfo, the free
 *     pages, the end of dmesg; the tracepoint probes ({@link KmemCounters}) are attached, counting into the stats
 *     of the CPU each event fires on;</li>
 * <li>{@link #end} when the last step or event has returned, before anything is freed: /proc/buddyinfo, the
 *     debugfs extfrag views and the --show views, and the pictures' last sample and pageblock map;</li>
 * <li>the caller's cleanup: it frees every block still held and drains every CPU's pcp lists;</li>
 * <li>{@link #verify}: {@code Kernel.verify()}, and the free pages of the start back;</li>
 * <li>{@link #report}: the report, from the stats summed over every thread.</li>
 * </ol>
 * {@link #close} detaches the probes.
 */
public final class Observation implements AutoCloseable {
    /** warn_alloc lines the report quotes. */
    static final int WARN_LINES = 5;

    private final Kernel kernel;
    private final List<String> showPaths;
    private final Pictures pictures;
    private final String buddyinfoBefore;
    private final long freeAtStart;
    private final int dmesgStart;
    private final KmemTrace.Attachment probes;
    private Report.Views views;

    /**
     * Reads the start and attaches the probes.
     *
     * @param byCpu     the stats each CPU's events count into (the same object for every CPU one thread drives)
     * @param showPaths the {@code Kernel.proc} paths of the views to read at the end, besides the report's own
     * @param pictures  what --plot draws, or null
     */
    public Observation(Kernel kernel, AllocStats[] byCpu, List<String> showPaths, Pictures pictures) {
        this.kernel = kernel;
        this.showPaths = List.copyOf(showPaths);
        this.pictures = pictures;
        this.buddyinfoBefore = kernel.proc("/proc/buddyinfo");
        this.freeAtStart = freePages(kernel);
        this.dmesgStart = kernel.dmesg().size();
        if (pictures != null) {
            pictures.sample(0, kernel);
        }
        this.probes = kernel.trace().attach(new KmemCounters(byCpu), KmemEvent.MM_PAGE_ALLOC_ZONE_LOCKED,
                KmemEvent.MM_PAGE_ALLOC_EXTFRAG);
    }

    /**
     * The end of the workload or trace, before anything is freed: the views, and the pictures' end.
     *
     * @param calls the allocator calls of the whole workload or trace
     */
    public void end(long calls) {
        Map<String, String> shown = new LinkedHashMap<>();
        for (String path : showPaths) {
            shown.put(path, kernel.proc(path));
        }
        views = new Report.Views(buddyinfoBefore, kernel.proc("/proc/buddyinfo"),
                kernel.proc("/sys/kernel/debug/extfrag/unusable_index"),
                kernel.proc("/sys/kernel/debug/extfrag/extfrag_index"), shown);
        if (pictures != null) {
            pictures.atEnd(calls, kernel);
        }
    }

    /**
     * After the cleanup (every block still held freed, every CPU's pcp lists drained): {@code Kernel.verify()}, and
     * whether the buddy lists hold the free pages of the start again. Call it while no CPU runs the allocator.
     *
     * @param blocksFreed the blocks the cleanup freed
     * @param pagesFreed  their base pages
     */
    public Report.Verify verify(long blocksFreed, long pagesFreed) {
        List<String> problems = new ArrayList<>(kernel.verify());
        long freeAfter = freePages(kernel);
        if (freeAfter != freeAtStart) {
            problems.add("the buddy lists hold " + freeAfter + " free pages after the cleanup, " + freeAtStart
                    + " at the start");
        }
        return new Report.Verify(blocksFreed, pagesFreed, freeAtStart, freeAfter, problems);
    }

    /**
     * The report: the sections every report has, from {@code sum} (the stats of every thread added up), and
     * {@code run} or {@code replay}, whichever this was.
     */
    public Report report(Report.Run run, Report.Replay replay, AllocStats sum, Report.Verify verify,
            Report.Timing timing) {
        if (views == null) {
            throw new IllegalStateException("end() was not called: no views of the end");
        }
        List<String> migratetypes = kernel.config().procConfig().migratetypeNames();
        long attempts = 0;
        List<Report.OrderRow> orders = new ArrayList<>();
        for (int order = 0; order < sum.maxOrder; order++) {
            long a = 0;
            long f = 0;
            for (int m = 0; m < sum.nrMasks(); m++) {
                a += sum.attempts[m][order];
                f += sum.failures[m][order];
            }
            attempts += a;
            if (a != 0) {
                orders.add(new Report.OrderRow(order, a, f));
            }
        }
        List<Report.GfpFailures> failures = new ArrayList<>();
        for (int order = 0; order < sum.maxOrder; order++) {
            for (int m = 0; m < sum.nrMasks(); m++) {
                if (sum.failures[m][order] != 0) {
                    int gfp = sum.maskAt(m);
                    failures.add(new Report.GfpFailures(order, GfpFlagNames.mode(gfp), gfp, sum.attempts[m][order],
                            sum.failures[m][order]));
                }
            }
        }
        List<Report.FallbackRow> byType = new ArrayList<>();
        for (int a = 0; a < sum.migrateTypes; a++) {
            for (int f = 0; f < sum.migrateTypes; f++) {
                if (sum.fallbackTypes[a][f] != 0) {
                    byType.add(new Report.FallbackRow(migratetypes.get(a), migratetypes.get(f),
                            sum.fallbackTypes[a][f], sum.stealTypes[a][f]));
                }
            }
        }
        List<String> dmesg = kernel.dmesg();
        List<String> warn = dmesg.subList(Math.min(dmesgStart, dmesg.size()), dmesg.size());
        long printed = warn.stream().filter(l -> l.contains(": page allocation failure: ")).count();
        return new Report(
                new Report.Setup(kernel.machine().name(), kernel.cpus().nrCpuIds(), kernel.nrNodes(),
                        kernel.totalramPages()),
                run, replay,
                new Report.Totals(sum.steps, sum.ops, attempts, sum.totalFailures(), sum.pagesAllocated, sum.frees,
                        sum.pagesFreed, sum.remoteFrees),
                orders, failures,
                new Report.Pcp(sum.pcpEligible, sum.pcpHits, sum.zoneLockedRefill, sum.zoneLockedDirect),
                new Report.Fallbacks(sum.fallbacks, sum.steals, byType),
                new Report.WarnAlloc(printed, warn.size(), List.copyOf(warn.subList(0, Math.min(WARN_LINES,
                        warn.size())))),
                views, verify, timing);
    }

    @Override
    public void close() {
        probes.close();
    }

    /**
     * Free pages of every zone: in the buddy lists ({@code nr_free << order} summed) and on every CPU's per-CPU
     * lists. After {@code drain_all_pages} all of them are in the buddy lists.
     */
    public static long freePages(Kernel kernel) {
        FreeArea area = kernel.buddy().freeArea();
        PerCpuPageset pcp = kernel.pageAlloc().pcp();
        int cpus = kernel.cpus().nrCpuIds();
        long sum = 0;
        for (ZoneInfo z : kernel.zones()) {
            if (z.populated()) {
                for (int order = 0; order < area.maxOrder(); order++) {
                    sum += area.nrFree(z.address(), order) << order;
                }
                for (int cpu = 0; cpu < cpus; cpu++) {
                    sum += pcp.count(pcp.pcp(z.address(), cpu));
                }
            }
        }
        return sum;
    }
}
