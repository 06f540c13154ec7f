package dev.kmm.concurrency.locking;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.CStruct;
import dev.kmm.arena.layout.KernelTypes;
import dev.kmm.concurrency.Cpu;

/**
 * {@code seqlock_t} of {@code include/linux/seqlock.h} (Linux 6.1): a {@link Seqcount} whose writers are
 * serialised by a {@link Spinlock}, 8 bytes in simulated RAM ({@code seqcount@0, lock@4}), e.g. a zone's
 * {@code span_seqlock}. Readers loop:
 * <pre>{@code
 * int seq;
 * do {
 *     seq = Seqlock.readSeqbegin(mem, sl, cpu);
 *     start = ...; spanned = ...;
 * } while (Seqlock.readSeqretry(mem, sl, seq));
 * }</pre>
 */
public final class Seqlock {
    /** Offset of {@code seqcount} (a {@code seqcount_spinlock_t}, which is a bare seqcount without lockdep). */
    public static final long SEQCOUNT = CStruct.offsetOf(KernelTypes.SEQLOCK_T, "seqcount");
    /** Offset of {@code lock}. */
    public static final long LOCK = CStruct.offsetOf(KernelTypes.SEQLOCK_T, "lock");
    /** {@code sizeof(seqlock_t)}. */
    public static final long SIZE = KernelTypes.SEQLOCK_T.byteSize();

    private Seqlock() {
    }

    /** {@code seqlock_init}: sequence 0, lock free. */
    public static void seqlockInit(KernelMemory mem, long sl) {
        Seqcount.seqcountInit(mem, sl + SEQCOUNT);
        Spinlock.spinLockInit(mem, sl + LOCK);
    }

    /**
     * {@code read_seqbegin}: waits out an open write section and returns the sequence to check with
     * {@link #readSeqretry}.
     *
     * @throws DeadlockException in deterministic mode, when a write section is open
     */
    public static int readSeqbegin(KernelMemory mem, long sl, Cpu cpu) {
        return Seqcount.readSeqcountBegin(mem, sl + SEQCOUNT, cpu);
    }

    /** {@code read_seqretry}: true if a writer ran since {@code start}, so the data read must be read again. */
    public static boolean readSeqretry(KernelMemory mem, long sl, int start) {
        return Seqcount.readSeqcountRetry(mem, sl + SEQCOUNT, start);
    }

    /**
     * {@code write_seqlock}: takes the lock, then opens the write section.
     *
     * @throws DeadlockException in deterministic mode, when another CPU holds the lock
     * @throws IllegalStateException if the sequence is odd although the lock was free (nothing is changed)
     */
    public static void writeSeqlock(KernelMemory mem, long sl, Cpu cpu) {
        Spinlock.spinLock(mem, sl + LOCK, cpu);
        try {
            Seqcount.writeSeqcountBegin(mem, sl + SEQCOUNT);
        } catch (IllegalStateException e) { // an open section without the lock: hand the lock back, change nothing
            Spinlock.spinUnlock(mem, sl + LOCK);
            throw e;
        }
    }

    /** {@code write_sequnlock}: closes the write section, then releases the lock. */
    public static void writeSequnlock(KernelMemory mem, long sl) {
        Seqcount.writeSeqcountEnd(mem, sl + SEQCOUNT);
        Spinlock.spinUnlock(mem, sl + LOCK);
    }
}
