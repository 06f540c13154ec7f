package dev.kmm.jcstress.locking;

import static dev.kmm.jcstress.locking.SeqlockSpanTest.END;
import static dev.kmm.jcstress.locking.SeqlockSpanTest.spanSeqlock;
import static dev.kmm.jcstress.locking.SeqlockSpanTest.spanned;
import static dev.kmm.jcstress.locking.SeqlockSpanTest.startPfn;
import static dev.kmm.jcstress.locking.TwoCpus.LOCKS;
import static dev.kmm.jcstress.locking.TwoCpus.PASSES;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.locking.Seqlock;
import dev.kmm.jcstress.SimRam;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Control for {@link SeqlockSpanTest}, expected to FAIL: the same writer, and a reader that calls
 * {@code read_seqbegin} but never {@code read_seqretry}, so a writer between its two loads goes unnoticed.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "every span was read whole, and never older than before")
@Outcome(expect = FORBIDDEN, desc = "a torn span (one field old, the other new), or time going backwards")
@State
public class SeqlockSpanBrokenTest {
    private final KernelMemory mem = SimRam.state(TwoCpus.SIZE);
    private final CpuContexts cpus = TwoCpus.contexts(mem);
    private final long[] lastStart = new long[LOCKS];

    public SeqlockSpanBrokenTest() {
        SeqlockSpanTest.initSpans(mem);
    }

    @Actor
    public void writer() {
        try (Cpu cpu = cpus.enter(0)) {
            SeqlockSpanTest.growSpans(mem, cpu);
        }
    }

    @Actor
    public void reader(II_Result r) {
        int torn = 0, backwards = 0;
        try (Cpu cpu = cpus.enter(1)) {
            for (int n = 0; n < PASSES * LOCKS; n++) {
                int i = n % LOCKS;
                Seqlock.readSeqbegin(mem, spanSeqlock(i), cpu);
                long spanned = mem.getLong(spanned(i));
                long start = mem.getLong(startPfn(i));
                torn += start + spanned == END ? 0 : 1;
                backwards += n >= LOCKS && start > lastStart[i] ? 1 : 0;
                lastStart[i] = start;
            }
        }
        r.r1 = torn;
        r.r2 = backwards;
    }
}
