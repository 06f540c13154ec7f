package dev.kmm.jcstress.locking;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.locking.Qspinlock;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.jcstress.SimRam;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@code spin_trylock} on two CPUs at once, as a pcp lock is tried: both CPUs walk {@value #LOCKS} free
 * locks in the same order, trying each and keeping what they get; each lock must go to exactly one CPU,
 * the other failing while it is held. r1: the locks the two CPUs got together (both getting one counts
 * twice); r2: the locks left locked with nobody waiting. Broken twin: {@link QspinlockTrylockBrokenTest}.
 */
@JCStressTest
@Outcome(id = "256, 256", expect = ACCEPTABLE, desc = "each lock went to exactly one CPU")
@Outcome(expect = FORBIDDEN, desc = "both CPUs got some lock")
@State
public class QspinlockTrylockTest {
    /** Lock words packed 4 bytes apart: the race is on each word, not between them. */
    static final int LOCKS = 256;

    private final KernelMemory mem = SimRam.state(LOCKS * Spinlock.SIZE);
    private int won0, won1;

    static long lock(int i) {
        return SimRam.BASE + i * Spinlock.SIZE;
    }

    @Actor
    public void cpu0() {
        int won = 0;
        for (int i = 0; i < LOCKS; i++) {
            won += Spinlock.spinTrylock(mem, lock(i)) ? 1 : 0;
        }
        won0 = won;
    }

    @Actor
    public void cpu1() {
        int won = 0;
        for (int i = 0; i < LOCKS; i++) {
            won += Spinlock.spinTrylock(mem, lock(i)) ? 1 : 0;
        }
        won1 = won;
    }

    @Arbiter
    public void after(II_Result r) {
        r.r1 = won0 + won1;
        r.r2 = held(mem);
    }

    /** How many of the locks are locked with nobody waiting. */
    static int held(KernelMemory mem) {
        int held = 0;
        for (int i = 0; i < LOCKS; i++) {
            held += mem.getInt(lock(i)) == Qspinlock.Q_LOCKED_VAL ? 1 : 0;
        }
        return held;
    }
}
