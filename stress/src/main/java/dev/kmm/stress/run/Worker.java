package dev.kmm.stress.run;

import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.stress.report.AllocStats;
import java.util.SplittableRandom;

/**
 * One thread of a run: the CPUs it owns, its seeded random stream, the blocks it holds and its counters. It moves
 * between its CPUs in time slices of 1 to {@value #MAX_SLICE} steps, in an order its random stream decides, the
 * way a scheduler moves tasks; blocks it frees on another CPU than the one that allocated them are remote frees,
 * freed to the current CPU's lists as the kernel frees them.
 */
final class Worker {
    /** Steps between progress reports and deadline checks. */
    static final int PROGRESS_STEPS = 1024;
    /** Allocator calls between reports of them ({@link Progress#calls}). */
    static final int CALL_REPORT = 4096;
    /** The longest time slice on one CPU, in steps. */
    static final int MAX_SLICE = 64;
    /** Orders up to this one are served by the per-CPU lists (PAGE_ALLOC_COSTLY_ORDER). */
    static final int PCP_MAX_ORDER = AllocStats.PCP_MAX_ORDER;

    final int index;
    final Kernel kernel;
    final PageAlloc alloc;
    final Buddy buddy;
    final CpuContexts cpus;
    final int[] ownCpus;
    final SplittableRandom rng;
    final RunStats stats;
    final LivePages live = new LivePages();
    /** The share of memory this worker's workload should hold: managed pages over the number of workers. */
    final long memoryShare;
    private final long budget;
    private final long deadline;
    private final long startNanos;
    private final Progress progress;
    private final boolean countNodes;
    Cpu cpu;
    /** Steps taken: the unit of --ops, and the clock of lifetimes. */
    long steps;
    private int sliceLeft;
    private long reported;

    Worker(int index, Kernel kernel, int[] ownCpus, SplittableRandom rng, RunStats stats, long memoryShare,
            long budget, long deadline, Progress progress, boolean countNodes) {
        this.index = index;
        this.kernel = kernel;
        this.alloc = kernel.pageAlloc();
        this.buddy = kernel.buddy();
        this.cpus = kernel.cpus();
        this.ownCpus = ownCpus;
        this.rng = rng;
        this.stats = stats;
        this.memoryShare = memoryShare;
        this.budget = budget;
        this.deadline = deadline;
        this.startNanos = System.nanoTime();
        this.progress = progress;
        this.countNodes = countNodes;
    }

    /** Counts one allocator call, reporting every {@value #CALL_REPORT}. */
    private void countOp() {
        if (stats.call() % CALL_REPORT == 0) {
            progress.calls(CALL_REPORT);
        }
    }

    /** Enters the first CPU of this worker. */
    void start() {
        cpu = cpus.switchTo(ownCpus[0]);
        sliceLeft = 1 + rng.nextInt(MAX_SLICE);
    }

    /** Leaves the CPU this worker is on. */
    void stop() {
        if (cpu != null) {
            cpu.exit();
            cpu = null;
        }
        progress.advance(steps - reported);
        reported = steps;
    }

    /**
     * Whether another step may be taken: the budget is not spent and the deadline (if any) has not passed. Takes
     * the step, and moves to another CPU when the time slice is over.
     */
    boolean more() {
        if (steps >= budget) {
            return false;
        }
        if ((steps & (PROGRESS_STEPS - 1)) == 0 && steps != 0) {
            progress.advance(steps - reported);
            reported = steps;
            if (deadline != 0 && System.nanoTime() - deadline >= 0) {
                return false;
            }
        }
        steps++;
        tick();
        return true;
    }

    /** Counts one step of the time slice, moving to another of this worker's CPUs when it is over. */
    void tick() {
        if (--sliceLeft == 0) {
            if (ownCpus.length > 1) {
                cpu = cpus.switchTo(ownCpus[rng.nextInt(ownCpus.length)]);
            }
            sliceLeft = 1 + rng.nextInt(MAX_SLICE);
        }
    }

    /** How far through its budget or duration this worker is, from 0 to 1. */
    double elapsedShare() {
        if (deadline != 0) {
            return (double) (System.nanoTime() - startNanos) / (deadline - startNanos);
        }
        return (double) steps / budget;
    }

    /** A lifetime in steps from an exponential distribution of mean {@code mean}. */
    long lifetime(double mean) {
        return 1 + (long) (-mean * StrictMath.log(1 - rng.nextDouble()));
    }

    /** {@code alloc_pages(gfp, order)} on the current CPU; a page is held until step {@code dueAt}. */
    long allocPages(int mask, int gfp, int order, long dueAt) {
        countOp();
        stats.beforeAllocation();
        long page = alloc.allocPages(cpu, gfp, order);
        return account(mask, order, page, dueAt, -1);
    }

    /** {@code __alloc_pages(gfp, order, nid, NULL)}: the zonelist of node {@code nid}. */
    long allocPagesNode(int mask, int gfp, int order, int nid, long dueAt) {
        countOp();
        stats.beforeAllocation();
        long page = alloc.__allocPages(cpu, gfp, order, nid, null);
        return account(mask, order, page, dueAt, nid);
    }

    private long account(int mask, int order, long page, long dueAt, int preferredNid) {
        if (countNodes) {
            int nid = preferredNid >= 0 ? preferredNid : alloc.numaNodeId(cpu);
            int got = page == 0 ? stats.nrNodes : buddy.zoneToNid(buddy.pageZone(page));
            stats.nodeMatrix[nid][got]++;
            if (page != 0) {
                if (got == alloc.numaNodeId(cpu)) {
                    stats.pageLocal++;
                } else {
                    stats.pageRemote++;
                }
            }
        }
        stats.allocation(mask, order, page != 0);
        if (page == 0) {
            return 0;
        }
        live.add(page, order, cpu.id(), dueAt);
        return page;
    }

    /**
     * {@code alloc_pages_bulk_array(gfp, n, pages)}: order-0 pages into {@code pages[0..n)} (which must be zero),
     * each held until {@code dueAt}.
     *
     * @return how many pages the call gave
     */
    int allocPagesBulk(int mask, int gfp, int n, long[] pages, long dueAt) {
        countOp();
        stats.beforeAllocation();
        int got = alloc.allocPagesBulk(cpu, gfp, alloc.numaNodeId(cpu), null, n, pages);
        stats.bulkAllocation(mask, n, got);
        stats.bursts++;
        stats.bulkAsked += n;
        stats.bulkGot += got;
        if (got == 0) {
            stats.emptyBursts++;
        } else if (got < n) {
            stats.shortBursts++;
        }
        if (stats.zoneLocked()) {
            stats.lockedBursts++;
        }
        for (int i = 0; i < got; i++) {
            live.add(pages[i], 0, cpu.id(), dueAt);
            pages[i] = 0;
        }
        return got;
    }

    /** Frees held block {@code i} ({@code 0} is the next due) on the current CPU, as {@code __free_pages}. */
    void free(int i) {
        long page = live.page(i);
        int order = live.order(i);
        int from = live.cpu(i);
        live.remove(i);
        countOp();
        alloc.__freePages(cpu, page, order);
        stats.free(order, from != cpu.id());
    }

    /** Frees every block still held, outside the counts; returns {blocks, pages}. */
    long[] freeAll() {
        long blocks = live.size();
        long pages = live.pages();
        while (live.size() > 0) {
            int last = live.size() - 1;
            long page = live.page(last);
            int order = live.order(last);
            live.remove(last);
            alloc.__freePages(cpu, page, order);
        }
        return new long[] {blocks, pages};
    }
}
