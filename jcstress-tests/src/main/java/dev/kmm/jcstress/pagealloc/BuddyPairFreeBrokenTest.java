package dev.kmm.jcstress.pagealloc;

import static dev.kmm.jcstress.pagealloc.BuddyPairs.EVEN;
import static dev.kmm.jcstress.pagealloc.BuddyPairs.ODD;
import static dev.kmm.jcstress.pagealloc.BuddyPairs.PAIRS;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.concurrency.Cpu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Control for {@link BuddyPairFreeTest}, expected to FAIL: the same test and verdicts, with the pages freed by
 * {@link BuddyPairs#freeWithoutZoneLock}, {@code __free_one_page} without {@code zone->lock}.
 * {@code jcstress-tests/run} checks that jcstress reports the failure; if this ever passes, the real test can no
 * longer catch an unserialised buddy merge.
 */
@JCStressTest
@Outcome(id = "0, 64, 0", expect = ACCEPTABLE, desc = "every pair merged once into an order-1 block")
@Outcome(expect = FORBIDDEN, desc = "r3 bits: 1 BuddyVerify, 2 NR_FREE_PAGES, 4 a pair not one order-1 block, 8 order 2+ changed, 16 oops")
@State
public class BuddyPairFreeBrokenTest {
    private final SmallMachine m = BuddyPairs.IMAGE.copy();
    private final TwoActors actors = new TwoActors();

    @Actor
    public void cpu0() {
        Cpu cpu = m.enter(0);
        try {
            for (int j = 0; j < PAIRS; j++) {
                actors.together(j + 1);
                BuddyPairs.freeWithoutZoneLock(m, EVEN[j]);
            }
        } catch (RuntimeException e) {
            actors.oops(e);
        } finally {
            cpu.exit();
        }
    }

    @Actor
    public void cpu1() {
        Cpu cpu = m.enter(1);
        try {
            for (int j = 0; j < PAIRS; j++) {
                actors.together(j + 1);
                BuddyPairs.freeWithoutZoneLock(m, ODD[j]);
            }
        } catch (RuntimeException e) {
            actors.oops(e);
        } finally {
            cpu.exit();
        }
    }

    @Arbiter
    public void after(III_Result r) {
        r.r1 = BuddyPairs.addedBlocks(m, 0);
        r.r2 = BuddyPairs.addedBlocks(m, 1);
        r.r3 = BuddyPairs.verdict(m, actors);
    }
}
