package dev.kmm.jcstress.pagealloc;

import static dev.kmm.jcstress.pagealloc.PcpRemoteFrees.BURST;
import static dev.kmm.jcstress.pagealloc.PcpRemoteFrees.FREED;
import static dev.kmm.jcstress.pagealloc.PcpRemoteFrees.GFP;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.concurrency.Cpu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * kmm's lock-less remote free against the owner's allocations: CPU 0 allocates {@value PcpRemoteFrees#BURST}
 * order-0 pages from its per-cpu list ({@code rmqueue_pcplist}) while CPU 1 frees {@value PcpRemoteFrees#BURST}
 * pages of CPU 0 back to it ({@code freePagesRemote}: a push onto the llist in CPU 0's per_cpu_pages, which
 * CPU 0 splices in under its pcp lock). r1: the {@link PcpRemoteFrees#verdict} bits, 0 when no page was lost
 * and none handed out twice; r2: 1 when CPU 0 got some of the remotely freed pages back. Broken twin:
 * {@link PcpRemoteFreeBrokenTest}.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "every page accounted for; the owner got none of the freed pages")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "every page accounted for; the owner reused pages freed to it")
@Outcome(expect = FORBIDDEN, desc = "r1 bits: 1 alloc failed, 2 a page twice, 4 pcp lists, 8 bad free, 16 buddy, 32 pages lost, 64 oops")
@State
public class PcpRemoteFreeTest {
    private final SmallMachine m = PcpRemoteFrees.IMAGE.copy();
    private final long[] got = new long[BURST];
    private final TwoActors actors = new TwoActors();

    @Actor
    public void owner() {
        try (Cpu cpu = m.enter(0)) {
            for (int i = 0; i < BURST; i++) {
                actors.together(i + 1);
                got[i] = m.alloc.allocPages(cpu, GFP, 0);
            }
        } catch (RuntimeException e) {
            actors.oops(e);
        }
    }

    @Actor
    public void remote() {
        try (Cpu cpu = m.enter(1)) {
            for (int i = 0; i < BURST; i++) {
                actors.together(i + 1);
                m.alloc.freePagesRemote(cpu, FREED[i], 0, 0);
            }
        } catch (RuntimeException e) {
            actors.oops(e);
        }
    }

    @Arbiter
    public void after(II_Result r) {
        r.r2 = PcpRemoteFrees.reused(got);
        r.r1 = PcpRemoteFrees.verdict(m, got, actors);
    }
}
