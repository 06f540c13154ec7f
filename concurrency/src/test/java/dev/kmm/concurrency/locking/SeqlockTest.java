package dev.kmm.concurrency.locking;

import static dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC;
import static dev.kmm.concurrency.CpuContexts.Mode.PARALLEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.TestMachine;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** seqcount_t and seqlock_t: the sequence a reader and a writer see, and a reader that never sees a torn pair. */
class SeqlockTest {
    static final long SEQ = TestMachine.BASE;
    static final long SL = TestMachine.BASE + 64;
    static final long START_PFN = TestMachine.BASE + 128;
    static final long SPANNED = TestMachine.BASE + 136;
    static final long END_PFN = 0x40000;

    @Test
    void seqcountSequenceThroughAWriteSection() {
        try (TestMachine m = new TestMachine(1, PARALLEL); Cpu cpu = m.cpus.enter(0)) {
            KernelMemory mem = m.mem;
            Seqcount.seqcountInit(mem, SEQ);
            int start = Seqcount.readSeqcountBegin(mem, SEQ, cpu);
            assertEquals(0, start);
            assertFalse(Seqcount.readSeqcountRetry(mem, SEQ, start), "nothing written");
            Seqcount.writeSeqcountBegin(mem, SEQ);
            assertEquals(1, mem.getInt(SEQ), "odd inside the write section");
            assertTrue(Seqcount.readSeqcountRetry(mem, SEQ, start), "a reader that began before must retry");
            Seqcount.writeSeqcountEnd(mem, SEQ);
            assertEquals(2, mem.getInt(SEQ));
            assertTrue(Seqcount.readSeqcountRetry(mem, SEQ, start), "still: a write happened");
            int again = Seqcount.readSeqcountBegin(mem, SEQ, cpu);
            assertEquals(2, again);
            assertFalse(Seqcount.readSeqcountRetry(mem, SEQ, again));
        }
    }

    @Test
    void theSequenceWrapsAsAnUnsignedInt() {
        try (TestMachine m = new TestMachine(1, PARALLEL); Cpu cpu = m.cpus.enter(0)) {
            KernelMemory mem = m.mem;
            mem.putInt(SEQ, 0xfffffffe);
            int start = Seqcount.readSeqcountBegin(mem, SEQ, cpu);
            Seqcount.writeSeqcountBegin(mem, SEQ);
            assertEquals(0xffffffff, mem.getInt(SEQ));
            Seqcount.writeSeqcountEnd(mem, SEQ);
            assertEquals(0, mem.getInt(SEQ));
            assertTrue(Seqcount.readSeqcountRetry(mem, SEQ, start));
            assertEquals(0, Seqcount.readSeqcountBegin(mem, SEQ, cpu));
        }
    }

    @Test
    void unbalancedWritersAreRejectedAndChangeNothing() {
        try (TestMachine m = new TestMachine(1, PARALLEL)) {
            KernelMemory mem = m.mem;
            Seqcount.seqcountInit(mem, SEQ);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Seqcount.writeSeqcountEnd(mem, SEQ));
            assertEquals("write_seqcount_end on seqcount 0xffff888000000000 without an open write section (sequence 0)",
                    e.getMessage());
            assertEquals(0, mem.getInt(SEQ));
            Seqcount.writeSeqcountBegin(mem, SEQ);
            e = assertThrows(IllegalStateException.class, () -> Seqcount.writeSeqcountBegin(mem, SEQ));
            assertEquals("write_seqcount_begin on seqcount 0xffff888000000000 inside an open write section (sequence 1):"
                    + " writers must be serialised", e.getMessage());
            assertEquals(1, mem.getInt(SEQ));
        }
    }

    @Test
    void deterministicReaderInAnOpenWriteSectionIsADeadlock() {
        try (TestMachine m = new TestMachine(2, DETERMINISTIC)) {
            KernelMemory mem = m.mem;
            Seqlock.seqlockInit(mem, SL);
            Seqlock.writeSeqlock(mem, SL, m.cpus.switchTo(0));
            Cpu cpu1 = m.cpus.switchTo(1);
            DeadlockException e = assertThrows(DeadlockException.class, () -> Seqlock.readSeqbegin(mem, SL, cpu1));
            assertTrue(e.getMessage().startsWith("deadlock: CPU 1 would spin forever on seqcount 0xffff888000000040"
                    + " (sequence 1, a write section is open)"), e.getMessage());
            assertThrows(DeadlockException.class, () -> Seqlock.writeSeqlock(mem, SL, cpu1));
            assertEquals(1, mem.getInt(SL + Seqlock.SEQCOUNT));
            assertEquals(Qspinlock.Q_LOCKED_VAL, mem.getInt(SL + Seqlock.LOCK));
            m.cpus.switchTo(0);
            Seqlock.writeSequnlock(mem, SL);
            int seq = Seqlock.readSeqbegin(mem, SL, m.cpus.switchTo(1));
            assertEquals(2, seq);
            assertFalse(Seqlock.readSeqretry(mem, SL, seq));
            m.cpus.cpu(1).exit();
        }
    }

    @Test
    void seqlockWriterHoldsTheLockAndMakesTheSequenceOdd() {
        try (TestMachine m = new TestMachine(1, PARALLEL); Cpu cpu = m.cpus.enter(0)) {
            KernelMemory mem = m.mem;
            Seqlock.seqlockInit(mem, SL);
            Seqlock.writeSeqlock(mem, SL, cpu);
            assertTrue(Spinlock.spinIsLocked(mem, SL + Seqlock.LOCK));
            assertEquals(1, mem.getInt(SL + Seqlock.SEQCOUNT));
            Seqlock.writeSequnlock(mem, SL);
            assertFalse(Spinlock.spinIsLocked(mem, SL + Seqlock.LOCK));
            assertEquals(2, mem.getInt(SL + Seqlock.SEQCOUNT));
            // A sequence left odd by a writer that bypassed the lock: refused, and the lock handed back.
            mem.putInt(SL + Seqlock.SEQCOUNT, 3);
            assertThrows(IllegalStateException.class, () -> Seqlock.writeSeqlock(mem, SL, cpu));
            assertFalse(Spinlock.spinIsLocked(mem, SL + Seqlock.LOCK));
            assertEquals(3, mem.getInt(SL + Seqlock.SEQCOUNT));
        }
    }

    /** A zone span moving while a reader reads it: start_pfn + spanned_pages always equals the fixed end. */
    @Test
    void readersNeverSeeATornSpan() throws Throwable {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            KernelMemory mem = m.mem;
            Seqlock.seqlockInit(mem, SL);
            mem.putLong(START_PFN, 0);
            mem.putLong(SPANNED, END_PFN);
            AtomicBoolean done = new AtomicBoolean();
            long[] reads = new long[1];
            Worker writer = new Worker(m.cpus, 0, cpu -> {
                for (long pfn = 1; pfn < END_PFN; pfn++) {
                    Seqlock.writeSeqlock(mem, SL, cpu);
                    mem.putLong(START_PFN, pfn);
                    mem.putLong(SPANNED, END_PFN - pfn);
                    Seqlock.writeSequnlock(mem, SL);
                }
                done.set(true);
            });
            Worker reader = new Worker(m.cpus, 1, cpu -> {
                long last = 0;
                while (!done.get()) {
                    long start, spanned;
                    int seq;
                    do {
                        seq = Seqlock.readSeqbegin(mem, SL, cpu);
                        spanned = mem.getLong(SPANNED);
                        start = mem.getLong(START_PFN);
                    } while (Seqlock.readSeqretry(mem, SL, seq));
                    assertEquals(END_PFN, start + spanned, "torn span at sequence " + seq);
                    assertTrue(start >= last, "the span went back in time");
                    last = start;
                    reads[0]++;
                }
            });
            writer.join();
            reader.join();
            assertEquals(2 * (END_PFN - 1), Integer.toUnsignedLong(mem.getInt(SL + Seqlock.SEQCOUNT)));
            assertTrue(reads[0] > 0);
        }
    }
}
