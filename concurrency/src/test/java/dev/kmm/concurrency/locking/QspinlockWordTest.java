package dev.kmm.concurrency.locking;

import static dev.kmm.concurrency.locking.Qspinlock.Q_LOCKED_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_LOCKED_PENDING_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_LOCKED_VAL;
import static dev.kmm.concurrency.locking.Qspinlock.Q_PENDING_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_PENDING_VAL;
import static dev.kmm.concurrency.locking.Qspinlock.Q_TAIL_CPU_BITS;
import static dev.kmm.concurrency.locking.Qspinlock.Q_TAIL_CPU_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_TAIL_IDX_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_TAIL_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_TAIL_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * The lock word's encoding against the bit table of {@code include/asm-generic/qspinlock_types.h} (6.1,
 * "When NR_CPUS < 16K"), and the node layouts against the BTF of Debian's 6.1.0-56 amd64 kernel.
 */
class QspinlockWordTest {
    /** Bits lo..hi inclusive, as the header's table names them. */
    private static int bits(int lo, int hi) {
        int mask = 0;
        for (int b = lo; b <= hi; b++) {
            mask |= 1 << b;
        }
        return mask;
    }

    @Test
    void fieldsAreWhereTheHeaderPutsThem() {
        assertEquals(bits(0, 7), Q_LOCKED_MASK, " 0- 7: locked byte");
        assertEquals(bits(8, 15), Q_PENDING_MASK, "     8: pending, 9-15 unused: the pending byte (_Q_PENDING_BITS 8)");
        assertEquals(bits(16, 17), Q_TAIL_IDX_MASK, "16-17: tail index");
        assertEquals(bits(18, 31), Q_TAIL_CPU_MASK, "18-31: tail cpu (+1)");
        assertEquals(bits(16, 31), Q_TAIL_MASK);
        assertEquals(bits(0, 15), Q_LOCKED_PENDING_MASK);
        assertEquals(16, Q_TAIL_OFFSET);
        assertEquals(14, Q_TAIL_CPU_BITS);
        assertEquals(1, Q_LOCKED_VAL);
        assertEquals(1 << 8, Q_PENDING_VAL);
        assertEquals(-1, Q_LOCKED_MASK ^ Q_PENDING_MASK ^ Q_TAIL_IDX_MASK ^ Q_TAIL_CPU_MASK, "the fields tile the word");
        // BUILD_BUG_ON(CONFIG_NR_CPUS >= (1U << _Q_TAIL_CPU_BITS))
        assertEquals((1 << Q_TAIL_CPU_BITS) - 1, CpuContexts.MAX_NR_CPUS);
    }

    @Test
    void everyTailRoundTripsAndNoneIsZero() {
        for (int cpu = 0; cpu < CpuContexts.MAX_NR_CPUS; cpu++) {
            for (int idx = 0; idx < McsSpinlock.MAX_NODES; idx++) {
                int tail = Qspinlock.encodeTail(cpu, idx);
                // Independent arithmetic: the 16-bit tail is (cpu + 1) * 4 + idx, in the upper half-word.
                assertEquals(((cpu + 1) * 4 + idx) * 65536, tail);
                assertEquals(0, tail & ~Q_TAIL_MASK);
                assertNotEquals(0, tail);
                assertEquals(cpu, Qspinlock.tailCpu(tail));
                assertEquals(idx, Qspinlock.tailIdx(tail));
                assertEquals(cpu, Qspinlock.tailCpu(tail | Q_PENDING_VAL | Q_LOCKED_VAL), "locked/pending do not leak in");
            }
        }
        assertEquals(0xffff0000, Qspinlock.encodeTail(CpuContexts.MAX_NR_CPUS - 1, 3), "the last CPU fills the field");
        assertEquals(-1, Qspinlock.tailCpu(Q_LOCKED_VAL | Q_PENDING_VAL), "no tail");
    }

    @Test
    void decodeTailFindsThePerCpuNode() {
        try (TestMachine m = new TestMachine(5, CpuContexts.Mode.PARALLEL)) {
            long qnodes = m.cpus.qnodes(0) - m.areas.perCpuOffset(0); // &qnodes, a percpu pointer
            for (int cpu = 0; cpu < 5; cpu++) {
                for (int idx = 0; idx < McsSpinlock.MAX_NODES; idx++) {
                    // per_cpu_ptr(&qnodes[idx].mcs, cpu)
                    long expected = m.areas.perCpuPtr(qnodes + idx * McsSpinlock.QNODE_SIZE, cpu);
                    assertEquals(expected, Qspinlock.decodeTail(m.cpus, Qspinlock.encodeTail(cpu, idx)));
                }
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Qspinlock.decodeTail(m.cpus, Qspinlock.encodeTail(5, 0) | Q_LOCKED_VAL));
            assertEquals("corrupt spinlock word 0x00180001: tail CPU 5, but nr_cpu_ids is 5", e.getMessage());
        }
    }

    @Test
    void nodeAndLockLayoutsMatchTheKernel() {
        // struct mcs_spinlock: next@0 (8), locked@8 (4), count@12 (4); sizeof 16
        assertEquals(0, McsSpinlock.NEXT);
        assertEquals(8, McsSpinlock.LOCKED);
        assertEquals(12, McsSpinlock.COUNT);
        assertEquals(16, McsSpinlock.MCS_SIZE);
        // struct qnode: mcs@0 (16), reserved@16 (16, CONFIG_PARAVIRT_SPINLOCKS); sizeof 32
        assertEquals(32, McsSpinlock.QNODE_SIZE);
        assertEquals(4, McsSpinlock.MAX_NODES);
        // spinlock_t / struct qspinlock: 4 bytes; seqcount_t: 4; seqlock_t: seqcount@0, lock@4, sizeof 8
        assertEquals(4, Spinlock.SIZE);
        assertEquals(4, Seqcount.SIZE);
        assertEquals(0, Seqlock.SEQCOUNT);
        assertEquals(4, Seqlock.LOCK);
        assertEquals(8, Seqlock.SIZE);
    }

    @Test
    void describeNamesTheFields() {
        assertEquals("val 0x000d0101: locked=1 pending=1 tail=cpu 2 idx 1",
                Qspinlock.describe(Qspinlock.encodeTail(2, 1) | Q_PENDING_VAL | Q_LOCKED_VAL));
        assertEquals("val 0x00000001: locked=1 pending=0 tail=none", Qspinlock.describe(Q_LOCKED_VAL));
        assertTrue(Qspinlock.queuedSpinValueUnlocked(0));
        assertTrue(!Qspinlock.queuedSpinValueUnlocked(Q_PENDING_VAL));
    }
}
