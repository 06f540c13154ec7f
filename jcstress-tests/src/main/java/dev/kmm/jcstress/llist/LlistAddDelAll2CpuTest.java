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
 * {@link LlistAddDelAllTest} on two CPUs, in bursts: CPU 0 {@code llist_add}s 32 nodes while CPU 1 adds 32
 * of its own and then {@code llist_del_all}s, so add-vs-add and add-vs-del_all race many times per sample
 * (sanity mode takes few samples, and a single add per actor rarely overlapped). The arbiter takes what is
 * left and checks {@link LlistChains#burstVerdict}. Broken twin: {@link LlistAddDelAll2CpuBrokenTest}.
 */
@JCStressTest
@Outcome(id = "0", expect = ACCEPTABLE, desc = "every node taken exactly once, in an order llist allows")
@Outcome(expect = FORBIDDEN, desc = "verdict bits: 1 lost, 2 twice, 4 bad pointer, 8 not a prefix, 16 own node missing")
@State
public class LlistAddDelAll2CpuTest {
    private final KernelMemory mem = SimRam.state(BURST_RAM);
    private long taken;

    public LlistAddDelAll2CpuTest() {
        Llist.init(mem, HEAD);
    }

    @Actor
    public void producer() {
        for (int i = 0; i < BURST; i++) {
            Llist.add(mem, burstNode(i), HEAD);
        }
    }

    @Actor
    public void producerThenConsumer() {
        for (int i = BURST; i < 2 * BURST; i++) {
            Llist.add(mem, burstNode(i), HEAD);
        }
        taken = Llist.delAll(mem, HEAD);
    }

    @Arbiter
    public void verdict(I_Result r) {
        r.r1 = LlistChains.burstVerdict(mem, taken, Llist.delAll(mem, HEAD));
    }
}
