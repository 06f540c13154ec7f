package dev.kmm.stress.run;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.ZoneInfo;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.proc.ProcVmstat;
import dev.kmm.stress.report.Observation;
import dev.kmm.stress.report.Pictures;
import dev.kmm.stress.report.Report;
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
 * <p>Sequence: boot; the {@link Observation} reads the start (/proc/buddyinfo, the free pages) and attaches the
 * tracepoint counters; each worker thread enters its first CPU and runs its share of the steps; when all are done the
 * views are read ("after": the state at the end of the workload, its blocks still held and the pcp lists as they
 * were); each worker then frees what it still holds, the first drains every CPU's pcp lists, and {@code
 * Kernel.verify()} checks the allocator, which must also have every free page of the start back in its buddy lists.
 */
public final class Runner {
    private static final String[] NUMA_ITEMS = {"numa_hit", "numa_miss", "numa_foreign", "numa_interleave",
        "numa_local", "numa_other"};

    private Runner() {
    }

    /**
     * Boots {@code machine} and runs {@code config} on it.
     *
     * @throws IllegalArgumentException when the workload cannot run on the machine, or the options do not fit it
     * @throws IllegalStateException    when the simulated kernel failed (a kmm bug)
     */
    public static Report run(Machine machine, RunConfig config) {
        return run(machine, config, null);
    }

    /**
     * Boots {@code machine} and runs {@code config} on it, gathering {@code pictures} on the way (null: none).
     *
     * @throws IllegalArgumentException when the workload cannot run on the machine, or the options do not fit it
     * @throws IllegalStateException    when the simulated kernel failed (a kmm bug)
     */
    public static Report run(Machine machine, RunConfig config, Pictures pictures) {
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
        final int migrateTypes;
        final int nodes;
        final boolean numa;
        final Map<String, Long> vmstatBefore;
        final Pictures pictures;
        final RunStats[] threadStats;
        Observation observation;
        Map<String, Long> vmstatAfter;
        long workloadEnd;

        Run(Kernel kernel, RunConfig config, long bootNanos, Pictures pictures) {
            this.kernel = kernel;
            this.pictures = pictures;
            this.config = config;
            this.bootNanos = bootNanos;
            this.maxOrder = kernel.buddy().maxOrder();
            this.migrateTypes = kernel.config().procConfig().migratetypeNames().size();
            this.nodes = kernel.nrNodes();
            this.numa = config.workload() == WorkloadKind.NUMA;
            this.vmstatBefore = numa ? numaVmstat(kernel) : Map.of();
            this.threadStats = new RunStats[config.threads()];
        }

        Report run() {
            int threads = config.threads();
            int nrCpus = kernel.cpus().nrCpuIds();
            RunStats[] stats = threadStats;
            RunStats[] byCpu = new RunStats[nrCpus];
            for (int t = 0; t < threads; t++) {
                stats[t] = new RunStats(maxOrder, migrateTypes, nodes);
            }
            for (int cpu = 0; cpu < nrCpus; cpu++) {
                byCpu[cpu] = stats[cpu % threads];
            }
            long total = config.steps();
            SplittableRandom root = new SplittableRandom(config.seed());
            long share = Math.max(1, kernel.totalramPages() / threads);
            long[][] cleanup = new long[threads][];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier done = new CyclicBarrier(threads, this::snapshotAfter);
            CyclicBarrier freed = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            long start;
            try (Observation obs = new Observation(kernel, byCpu, config.showPaths(), pictures)) {
                observation = obs;
                start = System.nanoTime();
                long deadline = config.durationNanos() > 0 ? start + config.durationNanos() : 0;
                Progress bar = config.progress()
                        ? Progress.bar(config.workload().id(), total, () -> zoneFreePages(kernel)) : Progress.NONE;
                try (Progress progress = pictures == null ? bar : Progress.sampling(bar, pictures, kernel)) {
                    for (int t = 0; t < threads; t++) {
                        int[] own = new int[(nrCpus - t + threads - 1) / threads];
                        for (int i = 0; i < own.length; i++) {
                            own[i] = t + i * threads;
                        }
                        long budget = total == 0 ? Long.MAX_VALUE : total / threads + (t < total % threads ? 1 : 0);
                        Worker w = new Worker(t, kernel, own, root.split(), stats[t], share, budget, deadline,
                                progress, numa);
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
                }
                if (failure.get() != null) {
                    Throwable e = failure.get();
                    throw new IllegalStateException(config.workload().id() + " failed: " + e, e);
                }
                long workloadNanos = workloadEnd - start;
                long blocks = 0;
                long pages = 0;
                for (long[] c : cleanup) {
                    blocks += c[0];
                    pages += c[1];
                }
                Report.Verify verify = obs.verify(blocks, pages);
                long cleanupNanos = System.nanoTime() - workloadEnd;
                RunStats sum = new RunStats(maxOrder, migrateTypes, nodes);
                for (RunStats s : stats) {
                    sum.add(s);
                }
                return obs.report(runSection(sum), null, sum, verify, new Report.Timing(bootNanos, workloadNanos,
                        cleanupNanos, workloadNanos == 0 ? 0 : sum.calls() * 1e9 / workloadNanos));
            }
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
            w.stats.addSteps(w.steps);
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
            long calls = 0;
            for (RunStats s : threadStats) { // every worker waits at the end-of-workload barrier
                calls += s.calls();
            }
            observation.end(calls);
            vmstatAfter = numa ? numaVmstat(kernel) : Map.of();
        }

        /** The run's own part of the report: its setup, and the sections of the workloads that have them. */
        private Report.Run runSection(RunStats sum) {
            return new Report.Run(config.workload().id(), config.seed(), config.steps(), config.durationNanos(),
                    config.threads(), config.deterministic(),
                    sum.bursts == 0 ? null : new Report.Bulk(sum.bursts, sum.bulkAsked, sum.bulkGot,
                            sum.shortBursts, sum.emptyBursts, sum.lockedBursts),
                    numa ? numa(sum) : null, watermarks(sum), sum.counters);
        }

        private Report.Numa numa(RunStats sum) {
            List<Report.NodeRow> rows = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                List<Long> on = new ArrayList<>();
                for (int m = 0; m < nodes; m++) {
                    on.add(sum.nodeMatrix[n][m]);
                }
                rows.add(new Report.NodeRow(n, on, sum.nodeMatrix[n][nodes]));
            }
            Map<String, Long> delta = new LinkedHashMap<>();
            vmstatAfter.forEach((k, v) -> delta.put(k, v - vmstatBefore.getOrDefault(k, 0L)));
            return new Report.Numa(rows, sum.pageLocal, sum.pageRemote, delta);
        }

        private List<Report.Watermarks> watermarks(RunStats sum) {
            if (sum.lowestFree == null) {
                return List.of();
            }
            List<Report.Watermarks> out = new ArrayList<>();
            List<ZoneInfo> zones = kernel.zones();
            for (int z = 0; z < zones.size(); z++) {
                ZoneInfo info = zones.get(z);
                if (!info.populated()) {
                    continue;
                }
                long zone = info.address();
                var wm = kernel.pageAlloc().watermarks();
                out.add(new Report.Watermarks(info.nid(), info.name(), wm.watermark(zone, KernelConstants.WMARK_MIN),
                        wm.watermark(zone, KernelConstants.WMARK_LOW), wm.watermark(zone, KernelConstants.WMARK_HIGH),
                        sum.maxBoost[z], sum.lowestFree[z], sum.belowLow[z], sum.belowMin[z]));
            }
            return out;
        }
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
        Map<String, Long> counters = ProcVmstat.read(kernel.mmState()).counters();
        Map<String, Long> out = new LinkedHashMap<>();
        for (String item : NUMA_ITEMS) {
            Long v = counters.get(item);
            if (v != null) {
                out.put(item, v);
            }
        }
        return out;
    }
}
