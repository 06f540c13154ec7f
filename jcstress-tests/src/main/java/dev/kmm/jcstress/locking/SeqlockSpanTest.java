package dev.kmm.jcstress.locking;

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
 * Zone spans under their {@code span_seqlock}s: CPU 0 walks {@value TwoCpus#LOCKS} zones
 * {@value TwoCpus#PASSES} times, moving each zone's start down one pfn (as hot-adding memory below it does)
 * and keeping {@code start_pfn + spanned_pages} at the zone's end; CPU 1 walks them alongside, reading each
 * pair with {@code read_seqbegin}/{@code read_seqretry}, spanned first and then start, the order in which a
 * writer between the two loads tears the pair. r1: torn spans read; r2: reads that saw a zone's start move
 * back up. Broken twin: {@link SeqlockSpanBrokenTest}.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "every span was read whole, and never older than before")
@Outcome(expect = FORBIDDEN, desc = "a torn span (one field old, the other new), or time going backwards")
@State
public class SeqlockSpanTest {
    static final long START = 0x40000, END = 0x80000;

    private final KernelMemory mem = SimRam.state(TwoCpus.SIZE);
    private final CpuContexts cpus = TwoCpus.contexts(mem);
    private final long[] lastStart = new long[LOCKS];

    public SeqlockSpanTest() {
        initSpans(mem);
    }

    /** Every zone at [START, END), its seqlock free. */
    static void initSpans(KernelMemory mem) {
        for (int i = 0; i < LOCKS; i++) {
            Seqlock.seqlockInit(mem, spanSeqlock(i));
            mem.putLong(startPfn(i), START);
            mem.putLong(spanned(i), END - START);
        }
    }

    static long spanSeqlock(int i) {
        return TwoCpus.lock(i);
    }

    static long startPfn(int i) {
        return TwoCpus.x(i);
    }

    static long spanned(int i) {
        return TwoCpus.y(i);
    }

    /** The writer of both tests: pass after pass, each zone grows down by one pfn under its seqlock. */
    static void growSpans(KernelMemory mem, Cpu cpu) {
        for (int n = 0; n < PASSES * LOCKS; n++) {
            int i = n % LOCKS;
            long start = START - 1 - n / LOCKS;
            Seqlock.writeSeqlock(mem, spanSeqlock(i), cpu);
            mem.putLong(startPfn(i), start);
            mem.putLong(spanned(i), END - start);
            Seqlock.writeSequnlock(mem, spanSeqlock(i));
        }
    }

    @Actor
    public void writer() {
        try (Cpu cpu = cpus.enter(0)) {
            growSpans(mem, cpu);
        }
    }

    @Actor
    public void reader(II_Result r) {
        int torn = 0, backwards = 0;
        try (Cpu cpu = cpus.enter(1)) {
            for (int n = 0; n < PASSES * LOCKS; n++) {
                int i = n % LOCKS;
                long start, spanned;
                int seq;
                do {
                    seq = Seqlock.readSeqbegin(mem, spanSeqlock(i), cpu);
                    spanned = mem.getLong(spanned(i));
                    start = mem.getLong(startPfn(i));
                } while (Seqlock.readSeqretry(mem, spanSeqlock(i), seq));
                torn += start + spanned == END ? 0 : 1;
                backwards += n >= LOCKS && start > lastStart[i] ? 1 : 0;
                lastStart[i] = start;
            }
        }
        r.r1 = torn;
        r.r2 = backwards;
    }
}
