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
 * Control for {@link PcpRemoteFreeTest}, expected to FAIL: the same test and verdicts, with CPU 1 freeing by
 * {@link PcpRemoteFrees#freeOntoOwnersList}, straight onto CPU 0's pcp list without its lock.
 * {@code jcstress-tests/run} checks that jcstress reports the failure; if this ever passes, the real test can no
 * longer catch a remote free that races with the owner.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "every page accounted for; the owner got none of the freed pages")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "every page accounted for; the owner reused pages freed to it")
@Outcome(expect = FORBIDDEN, desc = "r1 bits: 1 alloc failed, 2 a page twice, 4 pcp lists, 8 bad free, 16 buddy, 32 pages lost, 64 oops")
@State
public class PcpRemoteFreeBrokenTest {
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
        Cpu cpu = m.enter(1);
        try {
            for (int i = 0; i < BURST; i++) {
                actors.together(i + 1);
                PcpRemoteFrees.freeOntoOwnersList(m, FREED[i], 0);
            }
        } catch (RuntimeException e) {
            actors.oops(e);
        } finally {
            cpu.exit();
        }
    }

    @Arbiter
    public void after(II_Result r) {
        r.r2 = PcpRemoteFrees.reused(got);
        r.r1 = PcpRemoteFrees.verdict(m, got, actors);
    }
}
