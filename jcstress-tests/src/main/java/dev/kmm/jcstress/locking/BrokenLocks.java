package dev.kmm.jcstress.locking;

import static dev.kmm.concurrency.locking.Qspinlock.Q_LOCKED_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_LOCKED_VAL;
import static dev.kmm.concurrency.locking.Qspinlock.Q_PENDING_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_PENDING_VAL;

import dev.kmm.arena.KernelMemory;

/** Locks done wrong, for the broken controls: each must make its real twin's test fail. */
final class BrokenLocks {
    private BrokenLocks() {
    }

    /** Check-then-set: a plain read of the word, then a plain store. Two CPUs that both read 0 both enter. */
    static void checkThenSetLock(KernelMemory mem, long lock) {
        while (mem.getIntOpaque(lock) != 0) {
            Thread.onSpinWait();
        }
        mem.putInt(lock, Q_LOCKED_VAL);
    }

    /** Trylock as check-then-set: both CPUs can see the lock free and both "succeed". */
    static boolean checkThenSetTrylock(KernelMemory mem, long lock) {
        if (mem.getIntOpaque(lock) != 0) {
            return false;
        }
        mem.putInt(lock, Q_LOCKED_VAL);
        return true;
    }

    /**
     * The queued spinlock's fast path and pending path, with the pending waiter's wait for the owner left
     * out: it sets pending and takes the lock while the owner is still inside. Correct whenever the lock is
     * free, so only a test that really contends the lock can catch it.
     */
    static void noOwnerWaitLock(KernelMemory mem, long lock) {
        if (mem.compareAndExchangeIntAcquire(lock, 0, Q_LOCKED_VAL) == 0) {
            return;
        }
        while ((mem.getAndBitwiseOrInt(lock, Q_PENDING_VAL) & Q_PENDING_MASK) != 0) {
            Thread.onSpinWait(); // another CPU is the pending waiter
        }
        // Missing: spin until the owner clears the locked byte.
        mem.getAndAddInt(lock, Q_LOCKED_VAL - Q_PENDING_VAL);
    }

    /** Unlock for the broken locks: clears the locked byte, without the real unlock's check. */
    static void unlock(KernelMemory mem, long lock) {
        mem.getAndBitwiseAndIntRelease(lock, ~Q_LOCKED_MASK);
    }
}
