package dev.kmm.stress.run;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.ZoneInfo;
import dev.kmm.core.gfp.GfpFlagNames;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.FreeArea;
import dev.kmm.core.trace.KmemEvent;
import dev.kmm.core.trace.KmemTrace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a workload on a freshly booted machine and gathers its report.
 *
 * <p>Sequence: boot; read /proc/buddyinfo and the free pages ("before"); attach the tracepoint counters; each
 * worker thread enters its first CPU and runs its share of the steps; when all are done the views are read
 * ("after": the state at the end of the workload, its blocks still held and the pcp lists as they were); each
 * worker then frees what it still holds, the first drains every CPU's pcp lists, and {@code Kernel.verify()}
 * checks the allocator, which must also have every free page of the start back in its buddy lists.
 */
public final class Runner {
    private static final String[] NUMA_ITEMS = {"numa_hit", "numa_miss", "numa_foreign", "numa_interleave",
        "numa_local", "numa_other"};
    /** warn_alloc lines the report quotes. */
    static final int WARN_LINES = 5;

    private Runner() {
    }

    /**
     * Boots {@code machine} and runs {@code config} on it.
     *
     * @throws IllegalArgumentException when the workload cannot run on the machine, or the options do not fit it
     * @throws IllegalStateException    when the simulated kernel failed (a kmm bug)
     */
    public static RunReport run(Machine machine, RunConfig config) {
        return run(machine, config, null);
    }

    /**
     * Boots {@code machine} and runs {@code config} on it, gathering {@code pictures} on the way (null: none).
     *
     * @throws IllegalArgumentException when the workload cannot run on the machine, or the options do not fit it
     * @throws IllegalStateException    when the simulated kernel failed (a kmm bug)
     */
    public static RunReport run(Machine machine, RunConfig config, RunPictures pictures) {
        long t0 = System.nanoTime();
        int threads = config.threads();
        CpuContexts.Mode mode = config.deterministic() ? CpuContexts.Mode.DETERMINISTIC : CpuContexts.Mode.PARALLEL;
        try (Kernel kernel = Kernel.boot(machine, mode)) {
            long bootNanos = System.nanoTime() - t0;
            config.workload().check(kernel);
            int nrCpus = kernel.cpus().nrCpuIds();
            if (threads > nrCpus) {
                throw new IllegalArgumentException("--threads " + threads + ": " + machine.name() + " has " + nrCpus
                        + " CPUs, and each thread needs one of its own");
            }
            return new Run(kernel, config, bootNanos, pictures).run();
        }
    }

    /** One run's state. */
    private static final class Run {
        final Kernel kernel;
        final RunConfig config;
        final long bootNanos;
        final int maxOrder;
        final List<String> migratetypes;
        final int nodes;
        final boolean numa;
        final String buddyinfoBefore;
        final long freeAtStart;
        final int dmesgStart;
        final Map<String, Long> vmstatBefore;
        final RunPictures pictures;
        RunStats[] threadStats;
        RunReport.Views after;
        Map<String, Long> vmstatAfter;
        long workloadEnd;

        Run(Kernel kernel, RunConfig config, long bootNanos, RunPictures pictures) {
            this.kernel = kernel;
            this.pictures = pictures;
            this.config = config;
            this.bootNanos = bootNanos;
            this.maxOrder = kernel.buddy().maxOrder();
            this.migratetypes = kernel.config().procConfig().migratetypeNames();
            this.nodes = kernel.nrNodes();
            this.numa = config.workload() == WorkloadKind.NUMA;
            this.buddyinfoBefore = kernel.proc("/proc/buddyinfo");
            this.freeAtStart = buddyFreePages(kernel);
            this.dmesgStart = kernel.dmesg().size();
            this.vmstatBefore = numa ? numaVmstat(kernel) : Map.of();
        }

        RunReport run() {
            int threads = config.threads();
            int nrCpus = kernel.cpus().nrCpuIds();
            RunStats[] stats = new RunStats[threads];
            RunStats[] byCpu = new RunStats[nrCpus];
            threadStats = stats;
            for (int t = 0; t < threads; t++) {
                stats[t] = new RunStats(maxOrder, migratetypes.size(), nodes);
            }
            for (int cpu = 0; cpu < nrCpus; cpu++) {
                byCpu[cpu] = stats[cpu % threads];
            }
            long total = config.steps();
            long start = System.nanoTime();
            long deadline = config.durationNanos() > 0 ? start + config.durationNanos() : 0;
            SplittableRandom root = new SplittableRandom(config.seed());
            long share = Math.max(1, kernel.totalramPages() / threads);
            long[][] cleanup = new long[threads][];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier done = new CyclicBarrier(threads, this::snapshotAfter);
            CyclicBarrier freed = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            KmemTrace.Attachment probes = kernel.trace().attach(new KmemCounters(byCpu),
                    KmemEvent.MM_PAGE_ALLOC_ZONE_LOCKED, KmemEvent.MM_PAGE_ALLOC_EXTFRAG);
            Progress bar = config.progress() ? Progress.bar(config.workload().id(), total, () -> zoneFreePages(kernel))
                    : Progress.NONE;
            try (Progress progress = pictures == null ? bar : pictures.sampling(bar, kernel)) {
                for (int t = 0; t < threads; t++) {
                    int[] own = new int[(nrCpus - t + threads - 1) / threads];
                    for (int i = 0; i < own.length; i++) {
                        own[i] = t + i * threads;
                    }
                    long budget = total == 0 ? Long.MAX_VALUE : total / threads + (t < total % threads ? 1 : 0);
                    Worker w = new Worker(t, kernel, own, root.split(), stats[t], share, budget, deadline, progress,
                            numa);
                    int index = t;
                    workers.add(Thread.ofPlatform().name(config.workload().id() + "/" + t).unstarted(
                            () -> work(w, index, done, freed, cleanup, failure)));
                }
                workers.forEach(Thread::start);
                for (Thread t : workers) {
                    t.join();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } finally {
                probes.close();
            }
            if (failure.get() != null) {
                Throwable e = failure.get();
                throw new IllegalStateException(config.workload().id() + " failed: " + e, e);
            }
            long workloadNanos = workloadEnd - start;
            long cleanupStart = System.nanoTime();
            List<String> problems = new ArrayList<>(kernel.verify());
            long freeAfter = buddyFreePages(kernel);
            if (freeAfter != freeAtStart) {
                problems.add("the buddy lists hold " + freeAfter + " free pages after the cleanup, " + freeAtStart
                        + " after boot");
            }
            long blocks = 0;
            long pages = 0;
            for (long[] c : cleanup) {
                blocks += c[0];
                pages += c[1];
            }
            long cleanupNanos = System.nanoTime() - workloadEnd;
            RunStats sum = new RunStats(maxOrder, migratetypes.size(), nodes);
            for (RunStats s : stats) {
                sum.add(s);
            }
            return report(sum, new RunReport.Verify(blocks, pages, freeAtStart, freeAfter, problems),
                    new RunReport.Timing(bootNanos, workloadNanos, cleanupNanos,
                            workloadNanos == 0 ? 0 : sum.ops * 1e9 / workloadNanos));
        }

        /** A worker thread: its share of the workload, then its part of the cleanup. */
        private void work(Worker w, int index, CyclicBarrier done, CyclicBarrier freed, long[][] cleanup,
                AtomicReference<Throwable> failure) {
            try {
                w.start();
                config.workload().create(w).run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
            w.stats.steps = w.steps;
            await(done, failure);
            try {
                cleanup[index] = w.cpu == null ? new long[2] : w.freeAll();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
                cleanup[index] = new long[2];
            }
            await(freed, failure);
            try {
                if (index == 0 && w.cpu != null) {
                    w.alloc.drainAllPages(0);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                w.stop();
            }
        }

        private static void await(CyclicBarrier barrier, AtomicReference<Throwable> failure) {
            try {
                barrier.await();
            } catch (InterruptedException | BrokenBarrierException e) {
                failure.compareAndSet(null, e);
            }
        }

        /** The "after" views, read by the last worker to finish, before anyone frees. */
        private void snapshotAfter() {
            workloadEnd = System.nanoTime();
            Map<String, String> shown = new LinkedHashMap<>();
            for (String path : config.showPaths()) {
                shown.put(path, kernel.proc(path));
            }
            after = new RunReport.Views(buddyinfoBefore, kernel.proc("/proc/buddyinfo"),
                    kernel.proc("/sys/kernel/debug/extfrag/unusable_index"),
                    kernel.proc("/sys/kernel/debug/extfrag/extfrag_index"), shown);
            vmstatAfter = numa ? numaVmstat(kernel) : Map.of();
            if (pictures != null) {
                pictures.atEnd(callsDone(), kernel);
            }
        }

        /** The allocator calls of every worker, all of them waiting at the end-of-workload barrier. */
        private long callsDone() {
            long calls = 0;
            for (RunStats s : threadStats) {
                calls += s.ops;
            }
            return calls;
        }

        private RunReport report(RunStats sum, RunReport.Verify verify, RunReport.Timing timing) {
            long attempts = 0;
            List<RunReport.OrderRow> orders = new ArrayList<>();
            for (int order = 0; order < maxOrder; order++) {
                long a = 0;
                long f = 0;
                for (int m = 0; m < sum.nrMasks(); m++) {
                    a += sum.attempts[m][order];
                    f += sum.failures[m][order];
                }
                attempts += a;
                if (a != 0) {
                    orders.add(new RunReport.OrderRow(order, a, f));
                }
            }
            List<RunReport.GfpFailures> failures = new ArrayList<>();
            for (int order = 0; order < maxOrder; order++) {
                for (int m = 0; m < sum.nrMasks(); m++) {
                    if (sum.failures[m][order] != 0) {
                        int gfp = sum.maskAt(m);
                        failures.add(new RunReport.GfpFailures(order, GfpFlagNames.mode(gfp), gfp,
                                sum.attempts[m][order], sum.failures[m][order]));
                    }
                }
            }
            List<RunReport.FallbackRow> byType = new ArrayList<>();
            for (int a = 0; a < migratetypes.size(); a++) {
                for (int f = 0; f < migratetypes.size(); f++) {
                    if (sum.fallbackTypes[a][f] != 0) {
                        byType.add(new RunReport.FallbackRow(migratetypes.get(a), migratetypes.get(f),
                                sum.fallbackTypes[a][f], sum.stealTypes[a][f]));
                    }
                }
            }
            List<String> dmesg = kernel.dmesg();
            List<String> warn = dmesg.subList(Math.min(dmesgStart, dmesg.size()), dmesg.size());
            long printed = warn.stream().filter(l -> l.contains(": page allocation failure: ")).count();
            return new RunReport(
                    new RunReport.Setup(kernel.machine().name(), kernel.cpus().nrCpuIds(), nodes,
                            kernel.totalramPages(), config.workload().id(), config.seed(), config.steps(),
                            config.durationNanos(), config.threads(), config.deterministic()),
                    new RunReport.Totals(sum.steps, sum.ops, attempts, sum.totalFailures(), sum.pagesAllocated,
                            sum.frees, sum.pagesFreed, sum.remoteFrees),
                    orders, failures,
                    new RunReport.Pcp(sum.pcpEligible, sum.pcpHits, sum.zoneLockedRefill, sum.zoneLockedDirect),
                    new RunReport.Fallbacks(sum.fallbacks, sum.steals, byType),
                    sum.bursts == 0 ? null : new RunReport.Bulk(sum.bursts, sum.bulkAsked, sum.bulkGot,
                            sum.shortBursts, sum.emptyBursts, sum.lockedBursts),
                    numa ? numa(sum) : null,
                    watermarks(sum),
                    sum.counters,
                    new RunReport.WarnAlloc(printed, warn.size(), List.copyOf(warn.subList(0,
                            Math.min(WARN_LINES, warn.size())))),
                    after, verify, timing);
        }

        private RunReport.Numa numa(RunStats sum) {
            List<RunReport.NodeRow> rows = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                List<Long> on = new ArrayList<>();
                for (int m = 0; m < nodes; m++) {
                    on.add(sum.nodeMatrix[n][m]);
                }
                rows.add(new RunReport.NodeRow(n, on, sum.nodeMatrix[n][nodes]));
            }
            Map<String, Long> delta = new LinkedHashMap<>();
            vmstatAfter.forEach((k, v) -> delta.put(k, v - vmstatBefore.getOrDefault(k, 0L)));
            return new RunReport.Numa(rows, sum.pageLocal, sum.pageRemote, delta);
        }

        private List<RunReport.Watermarks> watermarks(RunStats sum) {
            if (sum.lowestFree == null) {
                return List.of();
            }
            List<RunReport.Watermarks> out = new ArrayList<>();
            List<ZoneInfo> zones = kernel.zones();
            for (int z = 0; z < zones.size(); z++) {
                ZoneInfo info = zones.get(z);
                if (!info.populated()) {
                    continue;
                }
                long zone = info.address();
                var wm = kernel.pageAlloc().watermarks();
                out.add(new RunReport.Watermarks(info.nid(), info.name(), wm.watermark(zone, KernelConstants.WMARK_MIN),
                        wm.watermark(zone, KernelConstants.WMARK_LOW), wm.watermark(zone, KernelConstants.WMARK_HIGH),
                        sum.maxBoost[z], sum.lowestFree[z], sum.belowLow[z], sum.belowMin[z]));
            }
            return out;
        }
    }

    /** Free pages in the buddy lists of every zone: {@code nr_free << order} summed. */
    static long buddyFreePages(Kernel kernel) {
        FreeArea area = kernel.buddy().freeArea();
        long sum = 0;
        for (ZoneInfo z : kernel.zones()) {
            if (z.populated()) {
                for (int order = 0; order < area.maxOrder(); order++) {
                    sum += area.nrFree(z.address(), order) << order;
                }
            }
        }
        return sum;
    }

    /** {@code NR_FREE_PAGES} of every zone, as folded so far: what the progress bar shows. */
    static long zoneFreePages(Kernel kernel) {
        long sum = 0;
        for (ZoneInfo z : kernel.zones()) {
            if (z.populated()) {
                sum += kernel.buddy().zonePageState(z.address(), Buddy.NR_FREE_PAGES);
            }
        }
        return sum;
    }

    /** The numa_* lines of /proc/vmstat. */
    private static Map<String, Long> numaVmstat(Kernel kernel) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : kernel.proc("/proc/vmstat").split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                String name = line.substring(0, sp);
                for (String item : NUMA_ITEMS) {
                    if (item.equals(name)) {
                        out.put(name, Long.parseLong(line.substring(sp + 1).strip()));
                    }
                }
            }
        }
        return out;
    }
}
