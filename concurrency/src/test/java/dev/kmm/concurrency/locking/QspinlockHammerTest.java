package dev.kmm.concurrency.locking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.TestMachine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mutual exclusion under real contention: N CPUs (threads) each take the lock 100,000 times and do a
 * plain, non-atomic read-modify-write of a counter and of a pair that must stay equal. Any overlap of two
 * critical sections loses an increment or shows a torn pair.
 */
class QspinlockHammerTest {
    static final int ROUNDS = 100_000;
    static final long LOCK = TestMachine.BASE;
    static final long COUNTER = TestMachine.BASE + 64;
    static final long PAIR_A = TestMachine.BASE + 128;
    static final long PAIR_B = TestMachine.BASE + 192;
    static final long SCRATCH = TestMachine.BASE + 256;
    static final int SECTION_WORK = 16;

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void spinLockKeepsACounterExact(int nrCpus) throws Throwable {
        try (TestMachine m = new TestMachine(nrCpus, CpuContexts.Mode.PARALLEL)) {
            KernelMemory mem = m.mem;
            Spinlock.spinLockInit(mem, LOCK);
            CyclicBarrier start = new CyclicBarrier(nrCpus);
            long[] torn = new long[nrCpus];
            long[] waitersSeen = new long[nrCpus];
            long[] queueSeen = new long[nrCpus];
            List<Worker> workers = new ArrayList<>();
            for (int id = 0; id < nrCpus; id++) {
                int me = id;
                workers.add(new Worker(m.cpus, id, cpu -> {
                    await(start);
                    for (int i = 0; i < ROUNDS; i++) {
                        Spinlock.spinLock(mem, LOCK, cpu);
                        mem.putLong(COUNTER, mem.getLong(COUNTER) + 1);
                        long a = mem.getLong(PAIR_A);
                        long b = mem.getLong(PAIR_B);
                        if (a != b) {
                            torn[me]++;
                        }
                        mem.putLong(PAIR_A, a + 1);
                        // Hold the lock a little, as a zone's critical section would: others arrive meanwhile.
                        for (int k = 0; k < SECTION_WORK; k++) {
                            mem.putLong(SCRATCH + 8 * k, mem.getLong(SCRATCH + 8 * k) + 1);
                        }
                        mem.putLong(PAIR_B, b + 1);
                        int val = mem.getIntOpaque(LOCK);
                        waitersSeen[me] += Spinlock.spinIsContended(mem, LOCK) ? 1 : 0;
                        queueSeen[me] += (val & Qspinlock.Q_TAIL_MASK) != 0 ? 1 : 0;
                        Spinlock.spinUnlock(mem, LOCK);
                    }
                }));
            }
            for (Worker w : workers) {
                w.join();
            }
            assertEquals((long) nrCpus * ROUNDS, mem.getLong(COUNTER));
            assertEquals((long) nrCpus * ROUNDS, mem.getLong(PAIR_A));
            assertEquals((long) nrCpus * ROUNDS, mem.getLong(PAIR_B));
            assertEquals(0, Arrays.stream(torn).sum(), "critical sections saw a half-updated pair");
            assertEquals(0, mem.getInt(LOCK), "unlocked, nobody pending or queued");
            for (int id = 0; id < nrCpus; id++) {
                assertEquals(0, mem.getInt(m.cpus.qnodes(id) + McsSpinlock.COUNT), "CPU " + id + " node count");
            }
            // The test is only as good as its contention: owners must have seen CPUs waiting, and with more
            // than two CPUs, MCS queues (two CPUs queue only when a pending hand-over is slow).
            assertTrue(Arrays.stream(waitersSeen).sum() > 0, "no owner ever saw a waiter");
            if (nrCpus > 2) {
                assertTrue(Arrays.stream(queueSeen).sum() > 0, "no owner ever saw a queued waiter");
            }
        }
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2})
    void spinTrylockKeepsACounterExact(int nrCpus) throws Throwable {
        try (TestMachine m = new TestMachine(nrCpus, CpuContexts.Mode.PARALLEL)) {
            KernelMemory mem = m.mem;
            CyclicBarrier start = new CyclicBarrier(nrCpus);
            List<Worker> workers = new ArrayList<>();
            for (int id = 0; id < nrCpus; id++) {
                workers.add(new Worker(m.cpus, id, cpu -> {
                    await(start);
                    for (int i = 0; i < ROUNDS; i++) {
                        while (!Spinlock.spinTrylock(mem, LOCK)) {
                            Thread.onSpinWait();
                        }
                        mem.putLong(COUNTER, mem.getLong(COUNTER) + 1);
                        Spinlock.spinUnlock(mem, LOCK);
                    }
                }));
            }
            for (Worker w : workers) {
                w.join();
            }
            assertEquals((long) nrCpus * ROUNDS, mem.getLong(COUNTER));
            assertEquals(0, mem.getInt(LOCK));
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
