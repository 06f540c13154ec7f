package dev.kmm.jcstress.llist;

import static dev.kmm.jcstress.llist.LlistChains.HEAD;
import static dev.kmm.jcstress.llist.LlistChains.NODE1;
import static dev.kmm.jcstress.llist.LlistChains.NODE2;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.list.Llist;
import dev.kmm.jcstress.SimRam;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Control for {@link LlistAddDelAllTest}, expected to FAIL: the same test and verdicts, with
 * {@link LlistChains#brokenAdd} in place of {@code llist_add}. {@code jcstress-tests/run} checks that
 * jcstress reports the failure; if this ever passes, the real test can no longer catch a broken llist.
 * Needs 3 CPUs, like its twin.
 */
@JCStressTest
@Outcome(id = {"0, 3", "3, 0"}, expect = ACCEPTABLE, desc = "consumer ran before or after both adds")
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE_INTERESTING, desc = "consumer ran between the adds")
@Outcome(expect = FORBIDDEN, desc = "a node lost, duplicated, or a chain corrupted")
@State
public class LlistAddDelAllBrokenTest {
    private final KernelMemory mem = SimRam.state();

    public LlistAddDelAllBrokenTest() {
        Llist.init(mem, HEAD);
    }

    @Actor
    public void producer1() {
        LlistChains.brokenAdd(mem, NODE1, HEAD);
    }

    @Actor
    public void producer2() {
        LlistChains.brokenAdd(mem, NODE2, HEAD);
    }

    @Actor
    public void consumer(II_Result r) {
        r.r1 = LlistChains.mask(mem, Llist.delAll(mem, HEAD));
    }

    @Arbiter
    public void leftover(II_Result r) {
        r.r2 = LlistChains.mask(mem, Llist.delAll(mem, HEAD));
    }
}
