package dev.kmm.jcstress.locking;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.locking.McsSpinlock;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import dev.kmm.jcstress.SimRam;

/**
 * The simulated RAM of a two-CPU lock test: {@link #LOCKS} cache lines, each a lock (at 0) with the pair
 * {@code (x, y)} it guards (at 8 and 16), then one per-CPU unit per CPU with its MCS nodes.
 *
 * <p>Why several locks, walked {@value #PASSES} times: CI runs jcstress in sanity mode, which takes a few
 * dozen samples per test, and the two actors of a sample often start too far apart to meet at all. Walking
 * the locks for a while makes them overlap in a good share of samples, and meet at a lock many times when
 * they do, so a broken control fails in every run rather than in some.
 */
final class TwoCpus {
    static final int LOCKS = 8;
    static final int PASSES = 64;
    static final long LINE = 64;
    static final long PERCPU = SimRam.BASE + LOCKS * LINE;
    static final long UNIT = McsSpinlock.QNODE_SIZE * McsSpinlock.MAX_NODES;
    static final long SIZE = PERCPU - SimRam.BASE + 2 * UNIT;

    private TwoCpus() {
    }

    /** Lock {@code i}: a spinlock_t or seqlock_t. */
    static long lock(int i) {
        return SimRam.BASE + i * LINE;
    }

    static long x(int i) {
        return lock(i) + 8;
    }

    static long y(int i) {
        return lock(i) + 16;
    }

    /** CPUs 0 and 1 of a parallel machine whose per-CPU units lie in {@code mem}. */
    static CpuContexts contexts(KernelMemory mem) {
        return new CpuContexts(new PerCpuAreas(mem, PERCPU, UNIT, 2), CpuContexts.Mode.PARALLEL);
    }

    /**
     * A critical section on pair {@code i}: plain read-modify-writes of x, then of y. Returns 1 if it found
     * them equal, 0 if it saw another critical section half done.
     */
    static int bumpPair(KernelMemory mem, int i) {
        long x = mem.getLong(x(i));
        long y = mem.getLong(y(i));
        mem.putLong(x(i), x + 1);
        mem.putLong(y(i), y + 1);
        return x == y ? 1 : 0;
    }

    /** The sum of every pair's x. */
    static int sumX(KernelMemory mem) {
        long sum = 0;
        for (int i = 0; i < LOCKS; i++) {
            sum += mem.getLong(x(i));
        }
        return (int) sum;
    }

    /** The sum of every pair's y. */
    static int sumY(KernelMemory mem) {
        long sum = 0;
        for (int i = 0; i < LOCKS; i++) {
            sum += mem.getLong(y(i));
        }
        return (int) sum;
    }
}
