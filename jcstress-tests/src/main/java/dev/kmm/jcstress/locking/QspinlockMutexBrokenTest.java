package dev.kmm.jcstress.locking;

import static dev.kmm.jcstress.locking.TwoCpus.LOCKS;
import static dev.kmm.jcstress.locking.TwoCpus.PASSES;
import static dev.kmm.jcstress.locking.TwoCpus.lock;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.jcstress.SimRam;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Control for {@link QspinlockMutexTest}, expected to FAIL: the same test and verdicts with a check-then-set
 * lock ({@link BrokenLocks#checkThenSetLock}). {@code jcstress-tests/run} checks that jcstress reports the
 * failure; if this ever passes, the real test can no longer catch a lock without mutual exclusion.
 */
@JCStressTest
@Outcome(id = "512, 512, 1024, 1024", expect = ACCEPTABLE, desc = "on every lock the critical sections ran one after the other")
@Outcome(expect = FORBIDDEN, desc = "critical sections overlapped: a lost increment or a half-updated pair")
@State
public class QspinlockMutexBrokenTest {
    private final KernelMemory mem = SimRam.state(TwoCpus.SIZE);
    private final CpuContexts cpus = TwoCpus.contexts(mem);

    @Actor
    public void cpu0(IIII_Result r) {
        r.r1 = criticalSections(0);
    }

    @Actor
    public void cpu1(IIII_Result r) {
        r.r2 = criticalSections(1);
    }

    private int criticalSections(int id) {
        int consistent = 0;
        Cpu cpu = cpus.enter(id);
        try {
            for (int n = 0; n < PASSES * LOCKS; n++) {
                int i = id == 0 ? n % LOCKS : LOCKS - 1 - n % LOCKS; // opposite ways: they meet on every pass
                BrokenLocks.checkThenSetLock(mem, lock(i));
                consistent += TwoCpus.bumpPair(mem, i);
                BrokenLocks.unlock(mem, lock(i));
            }
        } finally {
            cpu.exit();
        }
        return consistent;
    }

    @Arbiter
    public void after(IIII_Result r) {
        r.r3 = TwoCpus.sumX(mem);
        r.r4 = TwoCpus.sumY(mem);
    }
}
