package dev.kmm.concurrency.locking;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import java.lang.invoke.VarHandle;

/**
 * {@code seqcount_t} of {@code include/linux/seqlock.h} (Linux 6.1): a 4-byte {@code unsigned sequence} in
 * simulated RAM, odd while a writer is inside its write section. Readers take no lock: they read the
 * sequence, read the data, and retry if the sequence moved. Writers must be serialised by the caller (a
 * {@link Seqlock} does it with its spinlock).
 *
 * <p>Barriers: {@code smp_rmb()} is {@link VarHandle#loadLoadFence()} (loads before it are not reordered with
 * loads after it) and {@code smp_wmb()} is {@link VarHandle#storeStoreFence()}; {@code READ_ONCE} of the
 * sequence is an opaque load, and the writer's {@code s->sequence++} ends in an opaque store so that
 * readers never see a torn count.
 */
public final class Seqcount {
    /** {@code sizeof(seqcount_t)} without lockdep. */
    public static final long SIZE = 4;

    private Seqcount() {
    }

    /** {@code seqcount_init}. */
    public static void seqcountInit(KernelMemory mem, long s) {
        mem.putIntRelease(s, 0);
    }

    /**
     * {@code read_seqcount_begin}: spins while a write section is open (odd sequence), then
     * {@code smp_rmb()} so that the data loads that follow are not done before the sequence load.
     *
     * @param cpu the reader's CPU, to refuse a wait that cannot end in deterministic mode
     * @throws DeadlockException in deterministic mode, when a write section is open
     */
    public static int readSeqcountBegin(KernelMemory mem, long s, Cpu cpu) {
        int seq;
        for (int spins = 0; ((seq = mem.getIntOpaque(s)) & 1) != 0; spins++) {
            if (cpu.contexts().deterministic()) {
                throw new DeadlockException(String.format(
                        "deadlock: %s would spin forever on seqcount 0x%016x (sequence %d, a write section is open):"
                                + " in deterministic mode one thread runs every CPU, so the writer cannot finish",
                        cpu, s, Integer.toUnsignedLong(seq)));
            }
            Cpu.cpuRelax(spins);
        }
        VarHandle.loadLoadFence(); // smp_rmb(): pairs with the writer's smp_wmb() after its first increment
        return seq;
    }

    /**
     * {@code read_seqcount_retry}: {@code smp_rmb()} so that the data loads before it are done, then whether
     * the sequence moved since {@code start}; true means the data read may be torn and must be read again.
     */
    public static boolean readSeqcountRetry(KernelMemory mem, long s, int start) {
        VarHandle.loadLoadFence(); // smp_rmb(): pairs with the writer's smp_wmb() before its last increment
        return mem.getIntOpaque(s) != start;
    }

    /**
     * {@code write_seqcount_begin}: sequence to odd, then {@code smp_wmb()} so that no data store is seen
     * before the odd count.
     *
     * @throws IllegalStateException if a write section is already open: writers were not serialised
     */
    public static void writeSeqcountBegin(KernelMemory mem, long s) {
        int seq = mem.getInt(s);
        if ((seq & 1) != 0) {
            throw new IllegalStateException(String.format(
                    "write_seqcount_begin on seqcount 0x%016x inside an open write section (sequence %d):"
                            + " writers must be serialised", s, Integer.toUnsignedLong(seq)));
        }
        mem.putIntOpaque(s, seq + 1);
        VarHandle.storeStoreFence(); // smp_wmb()
    }

    /**
     * {@code write_seqcount_end}: {@code smp_wmb()} so that every data store is seen before the even count,
     * then sequence to even.
     *
     * @throws IllegalStateException if no write section is open
     */
    public static void writeSeqcountEnd(KernelMemory mem, long s) {
        VarHandle.storeStoreFence(); // smp_wmb()
        int seq = mem.getInt(s);
        if ((seq & 1) == 0) {
            throw new IllegalStateException(String.format(
                    "write_seqcount_end on seqcount 0x%016x without an open write section (sequence %d)",
                    s, Integer.toUnsignedLong(seq)));
        }
        mem.putIntOpaque(s, seq + 1);
    }
}
