package dev.kmm.jcstress.llist;

import static dev.kmm.jcstress.llist.LlistChains.HEAD;
import static dev.kmm.jcstress.llist.LlistChains.NODE1;
import static dev.kmm.jcstress.llist.LlistChains.NODE2;
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
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@link LlistAddDelAllTest} on two CPUs: one CPU {@code llist_add}s node 1 while the other
 * {@code llist_add}s node 2 and then {@code llist_del_all}s, so both add-vs-add and add-vs-del_all race.
 * r1 is the mask of nodes the consumer took, r2 the mask of those left for the arbiter: each node
 * exactly once. Broken twin: {@link LlistAddDelAll2CpuBrokenTest}.
 */
@JCStressTest
@Outcome(id = {"3, 0", "2, 1"}, expect = ACCEPTABLE, desc = "node 1 added before / after the consumer took the list")
@Outcome(expect = FORBIDDEN, desc = "a node lost, duplicated, or a chain corrupted")
@State
public class LlistAddDelAll2CpuTest {
    private final KernelMemory mem = SimRam.state();

    public LlistAddDelAll2CpuTest() {
        Llist.init(mem, HEAD);
    }

    @Actor
    public void producer() {
        Llist.add(mem, NODE1, HEAD);
    }

    @Actor
    public void producerThenConsumer(II_Result r) {
        Llist.add(mem, NODE2, HEAD);
        r.r1 = LlistChains.mask(mem, Llist.delAll(mem, HEAD));
    }

    @Arbiter
    public void leftover(II_Result r) {
        r.r2 = LlistChains.mask(mem, Llist.delAll(mem, HEAD));
    }
}
