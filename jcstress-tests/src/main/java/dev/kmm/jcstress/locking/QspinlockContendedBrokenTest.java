package dev.kmm.jcstress.locking;

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
 * Control for {@link QspinlockContendedTest}, expected to FAIL: the same rounds with
 * {@link BrokenLocks#noOwnerWaitLock}, whose pending waiter does not wait for the owner to leave. Its fast
 * path is right, so this fails only if the test really drives CPUs into the slow path.
 */
@JCStressTest
@Outcome(id = "0, 0, 256, 256", expect = ACCEPTABLE, desc = "every critical section saw the previous owner's writes whole")
@Outcome(expect = FORBIDDEN, desc = "critical sections overlapped, or one missed an earlier owner's writes")
@State
public class QspinlockContendedBrokenTest {
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
        Cpu cpu = cpus.enter(id);
        try {
            for (int i = 0; i < QspinlockContendedTest.ROUNDS; i++) {
                BrokenLocks.noOwnerWaitLock(mem, LOCK);
                torn += 1 - TwoCpus.bumpPair(mem, 0);
                BrokenLocks.unlock(mem, LOCK);
            }
        } finally {
            cpu.exit();
        }
        return torn;
    }

    @Arbiter
    public void after(IIII_Result r) {
        r.r3 = (int) mem.getLong(TwoCpus.x(0));
        r.r4 = (int) mem.getLong(TwoCpus.y(0));
    }
}
