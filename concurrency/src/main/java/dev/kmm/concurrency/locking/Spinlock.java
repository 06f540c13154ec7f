package dev.kmm.concurrency.locking;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;

/**
 * {@code spinlock_t}, the API of {@code include/linux/spinlock.h}, over the 4-byte {@link Qspinlock} word at a
 * kernel VA (a {@code zone->lock}, a pcp lock). The caller is inside a CPU context, which already stands for
 * the kernel's {@code preempt_disable()}; lockdep and {@code CONFIG_DEBUG_SPINLOCK} are not modelled.
 */
public final class Spinlock {
    /** {@code sizeof(spinlock_t)}. */
    public static final long SIZE = 4;

    private Spinlock() {
    }

    /** {@code spin_lock_init}: unlocked, nobody waiting. */
    public static void spinLockInit(KernelMemory mem, long lock) {
        mem.putIntRelease(lock, 0);
    }

    /**
     * {@code spin_lock}: spins until the lock is this CPU's.
     *
     * @throws DeadlockException in deterministic mode, when another CPU holds the lock
     */
    public static void spinLock(KernelMemory mem, long lock, Cpu cpu) {
        Qspinlock.queuedSpinLock(mem, lock, cpu);
    }

    /**
     * {@code spin_unlock}.
     *
     * @throws IllegalStateException if the lock is not locked (nothing is changed)
     */
    public static void spinUnlock(KernelMemory mem, long lock) {
        Qspinlock.queuedSpinUnlock(mem, lock);
    }

    /** {@code spin_trylock}: takes the lock if it is free with nobody waiting; never spins. */
    public static boolean spinTrylock(KernelMemory mem, long lock) {
        return Qspinlock.queuedSpinTrylock(mem, lock);
    }

    /** {@code spin_is_locked}: held, or wanted by a pending or queued CPU. */
    public static boolean spinIsLocked(KernelMemory mem, long lock) {
        return Qspinlock.queuedSpinIsLocked(mem, lock);
    }

    /** {@code spin_is_contended}: a CPU is pending or queued. */
    public static boolean spinIsContended(KernelMemory mem, long lock) {
        return Qspinlock.queuedSpinIsContended(mem, lock);
    }
}
