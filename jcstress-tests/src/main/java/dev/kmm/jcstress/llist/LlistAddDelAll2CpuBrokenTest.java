package dev.kmm.jcstress.llist;

import static dev.kmm.jcstress.llist.LlistChains.BURST;
import static dev.kmm.jcstress.llist.LlistChains.BURST_RAM;
import static dev.kmm.jcstress.llist.LlistChains.HEAD;
import static dev.kmm.jcstress.llist.LlistChains.burstNode;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.list.Llist;
import dev.kmm.jcstress.SimRam;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Control for {@link LlistAddDelAll2CpuTest}, expected to FAIL: the same test and verdicts, with
 * {@link LlistChains#brokenAdd} in place of {@code llist_add}. {@code jcstress-tests/run} checks that
 * jcstress reports the failure; if this ever passes, the real test can no longer catch a broken llist.
 */
@JCStressTest
@Outcome(id = "0", expect = ACCEPTABLE, desc = "every node taken exactly once, in an order llist allows")
@Outcome(expect = FORBIDDEN, desc = "verdict bits: 1 lost, 2 twice, 4 bad pointer, 8 not a prefix, 16 own node missing")
@State
public class LlistAddDelAll2CpuBrokenTest {
    private final KernelMemory mem = SimRam.state(BURST_RAM);
    private long taken;

    public LlistAddDelAll2CpuBrokenTest() {
        Llist.init(mem, HEAD);
    }

    @Actor
    public void producer() {
        for (int i = 0; i < BURST; i++) {
            LlistChains.brokenAdd(mem, burstNode(i), HEAD);
        }
    }

    @Actor
    public void producerThenConsumer() {
        for (int i = BURST; i < 2 * BURST; i++) {
            LlistChains.brokenAdd(mem, burstNode(i), HEAD);
        }
        taken = Llist.delAll(mem, HEAD);
    }

    @Arbiter
    public void verdict(I_Result r) {
        r.r1 = LlistChains.burstVerdict(mem, taken, Llist.delAll(mem, HEAD));
    }
}
