package dev.kmm.jcstress.locking;

import static dev.kmm.jcstress.locking.QspinlockTrylockTest.LOCKS;
import static dev.kmm.jcstress.locking.QspinlockTrylockTest.lock;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.jcstress.SimRam;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Control for {@link QspinlockTrylockTest}, expected to FAIL: the same test with a check-then-set trylock
 * ({@link BrokenLocks#checkThenSetTrylock}), which lets both CPUs get the same lock.
 */
@JCStressTest
@Outcome(id = "256, 256", expect = ACCEPTABLE, desc = "each lock went to exactly one CPU")
@Outcome(expect = FORBIDDEN, desc = "both CPUs got some lock")
@State
public class QspinlockTrylockBrokenTest {
    private final KernelMemory mem = SimRam.state(LOCKS * Spinlock.SIZE);
    private int won0, won1;

    @Actor
    public void cpu0() {
        int won = 0;
        for (int i = 0; i < LOCKS; i++) {
            won += BrokenLocks.checkThenSetTrylock(mem, lock(i)) ? 1 : 0;
        }
        won0 = won;
    }

    @Actor
    public void cpu1() {
        int won = 0;
        for (int i = 0; i < LOCKS; i++) {
            won += BrokenLocks.checkThenSetTrylock(mem, lock(i)) ? 1 : 0;
        }
        won1 = won;
    }

    @Arbiter
    public void after(II_Result r) {
        r.r1 = won0 + won1;
        r.r2 = QspinlockTrylockTest.held(mem);
    }
}
