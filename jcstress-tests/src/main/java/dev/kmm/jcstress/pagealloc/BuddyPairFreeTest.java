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
 * Two CPUs free the two halves of {@value BuddyPairs#PAIRS} buddy pairs at the same time, through
 * {@code __free_pages} with pagesets that keep nothing, so each page goes to {@code __free_one_page} under
 * {@code zone->lock} (see {@link BuddyPairs}). Each pair must merge exactly once: r1 and r2 are the order-0
 * and order-1 free blocks the frees added (0 and 64), r3 the {@link BuddyPairs#verdict} bits. Broken twin:
 * {@link BuddyPairFreeBrokenTest}.
 */
@JCStressTest
@Outcome(id = "0, 64, 0", expect = ACCEPTABLE, desc = "every pair merged once into an order-1 block")
@Outcome(expect = FORBIDDEN, desc = "r3 bits: 1 BuddyVerify, 2 NR_FREE_PAGES, 4 a pair not one order-1 block, 8 order 2+ changed, 16 oops")
@State
public class BuddyPairFreeTest {
    private final SmallMachine m = BuddyPairs.IMAGE.copy();
    private final TwoActors actors = new TwoActors();

    @Actor
    public void cpu0() {
        try (Cpu cpu = m.enter(0)) {
            for (int j = 0; j < PAIRS; j++) {
                actors.together(j + 1);
                m.alloc.__freePages(cpu, EVEN[j], 0);
            }
        } catch (RuntimeException e) {
            actors.oops(e);
        }
    }

    @Actor
    public void cpu1() {
        try (Cpu cpu = m.enter(1)) {
            for (int j = 0; j < PAIRS; j++) {
                actors.together(j + 1);
                m.alloc.__freePages(cpu, ODD[j], 0);
            }
        } catch (RuntimeException e) {
            actors.oops(e);
        }
    }

    @Arbiter
    public void after(III_Result r) {
        r.r1 = BuddyPairs.addedBlocks(m, 0);
        r.r2 = BuddyPairs.addedBlocks(m, 1);
        r.r3 = BuddyPairs.verdict(m, actors);
    }
}
