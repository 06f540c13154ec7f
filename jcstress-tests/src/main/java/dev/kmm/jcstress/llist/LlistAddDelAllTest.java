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
 * Two CPUs {@code llist_add} while a third {@code llist_del_all}s; afterwards the arbiter takes what is
 * left. r1 is the mask of nodes the consumer took (1 = node 1, 2 = node 2), r2 the mask of those left:
 * together they must hold each node exactly once. Its deliberately broken twin is
 * {@link LlistAddDelAllBrokenTest}. Three actors need three CPUs: jcstress does not run this on fewer;
 * {@link LlistAddDelAll2CpuTest} covers the same races with two.
 */
@JCStressTest
@Outcome(id = {"0, 3", "3, 0"}, expect = ACCEPTABLE, desc = "consumer ran before or after both adds")
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE_INTERESTING, desc = "consumer ran between the adds")
@Outcome(expect = FORBIDDEN, desc = "a node lost, duplicated, or a chain corrupted")
@State
public class LlistAddDelAllTest {
    private final KernelMemory mem = SimRam.state();

    public LlistAddDelAllTest() {
        Llist.init(mem, HEAD);
    }

    @Actor
    public void producer1() {
        Llist.add(mem, NODE1, HEAD);
    }

    @Actor
    public void producer2() {
        Llist.add(mem, NODE2, HEAD);
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
