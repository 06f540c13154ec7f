package dev.kmm.jcstress.locking;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.jcstress.SimRam;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The queued spinlock's slow path: two CPUs take the lock {@value #ROUNDS} times each, back to back, so one
 * keeps arriving while the other holds it (pending waiter, pending hand-over, and the MCS queue when a
 * hand-over is slow). Each critical section reads the pair the previous owner wrote and increments it.
 * r1, r2: how many half-updated pairs each CPU saw; r3, r4: the pair afterwards. The broken twin,
 * {@link QspinlockContendedBrokenTest}, is correct except under contention.
 */
@JCStressTest
@Outcome(id = "0, 0, 256, 256", expect = ACCEPTABLE, desc = "every critical section saw the previous owner's writes whole")
@Outcome(expect = FORBIDDEN, desc = "critical sections overlapped, or one missed an earlier owner's writes")
@State
public class QspinlockContendedTest {
    static final int ROUNDS = 128;

    private static final long LOCK = TwoCpus.lock(0);

    private final KernelMemory mem = SimRam.state(TwoCpus.SIZE);
    private final CpuContexts cpus = TwoCpus.contexts(mem);

    @Actor
    public void cpu0(IIII_Result r) {
        r.r1 = rounds(0);
    }

    @Actor
    public void cpu1(IIII_Result r) {
        r.r2 = rounds(1);
    }

    private int rounds(int id) {
        int torn = 0;
        try (Cpu cpu = cpus.enter(id)) {
            for (int i = 0; i < ROUNDS; i++) {
                Spinlock.spinLock(mem, LOCK, cpu);
                torn += 1 - TwoCpus.bumpPair(mem, 0);
                Spinlock.spinUnlock(mem, LOCK);
            }
        }
        return torn;
    }

    @Arbiter
    public void after(IIII_Result r) {
        r.r3 = (int) mem.getLong(TwoCpus.x(0));
        r.r4 = (int) mem.getLong(TwoCpus.y(0));
    }
}
