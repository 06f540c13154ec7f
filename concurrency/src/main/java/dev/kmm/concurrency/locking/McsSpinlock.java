package dev.kmm.concurrency.locking;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;

/**
 * The queued spinlock's MCS queue nodes: {@code struct mcs_spinlock} ({@code kernel/locking/mcs_spinlock.h})
 * inside {@code struct qnode} ({@code kernel/locking/qspinlock.c}), {@link #MAX_NODES} per CPU in the
 * per-CPU area. Layout from the BTF of Debian's 6.1 amd64 kernel:
 * <pre>
 * struct mcs_spinlock { struct mcs_spinlock *next; int locked; int count; };   // 16 bytes
 * struct qnode { struct mcs_spinlock mcs; long reserved[2]; };                 // 32 bytes
 * </pre>
 * {@code reserved[2]} is there because the reference config has {@code CONFIG_PARAVIRT_SPINLOCKS=y}; kmm
 * does not run the paravirt slow path, so it only keeps the stride. {@code count} is meaningful in node 0
 * only: how many of the CPU's nodes are in use (one per nesting level: task, softirq, hardirq, NMI).
 */
public final class McsSpinlock {
    /** Offset of {@code next}: the successor's node VA, or 0. */
    public static final long NEXT = 0;
    /** Offset of {@code locked}: set to 1 by the predecessor when this node reaches the queue head. */
    public static final long LOCKED = 8;
    /** Offset of {@code count}: nesting depth, in node 0. */
    public static final long COUNT = 12;
    /** {@code sizeof(struct mcs_spinlock)}. */
    public static final long MCS_SIZE = 16;
    /** {@code sizeof(struct qnode)} with {@code CONFIG_PARAVIRT_SPINLOCKS}. */
    public static final long QNODE_SIZE = 32;
    /** {@code MAX_NODES}: nodes per CPU. */
    public static final int MAX_NODES = 4;

    private McsSpinlock() {
    }

    /** {@code grab_mcs_node(base, idx)}: node {@code idx} of the CPU whose node 0 is {@code base}. */
    static long grabMcsNode(long base, int idx) {
        return base + idx * QNODE_SIZE;
    }

    /** {@code arch_mcs_spin_lock_contended(&node->locked)}: {@code smp_cond_load_acquire(l, VAL)}. */
    static void archMcsSpinLockContended(KernelMemory mem, long node) {
        for (int spins = 0; mem.getIntAcquire(node + LOCKED) == 0; spins++) {
            Cpu.cpuRelax(spins);
        }
    }

    /** {@code arch_mcs_spin_unlock_contended(&node->locked)}: {@code smp_store_release(l, 1)}. */
    static void archMcsSpinUnlockContended(KernelMemory mem, long node) {
        mem.putIntRelease(node + LOCKED, 1);
    }
}
