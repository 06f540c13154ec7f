package dev.kmm.concurrency.locking;

import static dev.kmm.concurrency.locking.McsSpinlock.COUNT;
import static dev.kmm.concurrency.locking.McsSpinlock.MAX_NODES;
import static dev.kmm.concurrency.locking.McsSpinlock.NEXT;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import java.lang.invoke.VarHandle;

/**
 * The kernel's queued spinlock, {@code kernel/locking/qspinlock.c}, {@code include/asm-generic/qspinlock.h}
 * and {@code qspinlock_types.h} of Linux 6.1, over a 4-byte lock word in simulated RAM. Little-endian word,
 * {@code _Q_PENDING_BITS == 8} layout ({@code NR_CPUS < 16K}):
 * <pre>
 *  0- 7: locked byte      8-15: pending byte      16-17: tail index      18-31: tail cpu (+1)
 * </pre>
 * A lock value is written (tail, pending, locked) in the comments, as in the kernel's.
 *
 * <p>The kernel stores single bytes and half-words into the word (locked, pending, locked_pending, tail)
 * while other CPUs run atomic operations on the whole word. Java's memory model defines no such mixed-size
 * access, so every change here is an int-wide atomic on the word; each substitution is at its function.
 * Ordering is the kernel's or stronger: {@code _relaxed} RMWs are volatile here, and the relaxed reads of
 * {@code node->next}, which the kernel orders by address dependency, are acquire loads.
 *
 * <p>Deterministic mode: no other thread can release a lock, so the slow path, which only waits for other
 * CPUs, raises {@link DeadlockException} on entry instead of spinning forever, leaving everything untouched.
 */
public final class Qspinlock {
    /** {@code _Q_LOCKED_OFFSET}, {@code _Q_LOCKED_BITS}, {@code _Q_LOCKED_MASK}. */
    public static final int Q_LOCKED_OFFSET = 0, Q_LOCKED_BITS = 8, Q_LOCKED_MASK = setMask(Q_LOCKED_BITS, Q_LOCKED_OFFSET);
    /** {@code _Q_PENDING_OFFSET}, {@code _Q_PENDING_BITS} (8 when {@code NR_CPUS < 16K}), {@code _Q_PENDING_MASK}. */
    public static final int Q_PENDING_OFFSET = Q_LOCKED_OFFSET + Q_LOCKED_BITS, Q_PENDING_BITS = 8,
            Q_PENDING_MASK = setMask(Q_PENDING_BITS, Q_PENDING_OFFSET);
    /** {@code _Q_TAIL_IDX_OFFSET}, {@code _Q_TAIL_IDX_BITS}, {@code _Q_TAIL_IDX_MASK}. */
    public static final int Q_TAIL_IDX_OFFSET = Q_PENDING_OFFSET + Q_PENDING_BITS, Q_TAIL_IDX_BITS = 2,
            Q_TAIL_IDX_MASK = setMask(Q_TAIL_IDX_BITS, Q_TAIL_IDX_OFFSET);
    /** {@code _Q_TAIL_CPU_OFFSET}, {@code _Q_TAIL_CPU_BITS}, {@code _Q_TAIL_CPU_MASK}. */
    public static final int Q_TAIL_CPU_OFFSET = Q_TAIL_IDX_OFFSET + Q_TAIL_IDX_BITS, Q_TAIL_CPU_BITS = 32 - Q_TAIL_CPU_OFFSET,
            Q_TAIL_CPU_MASK = setMask(Q_TAIL_CPU_BITS, Q_TAIL_CPU_OFFSET);
    /** {@code _Q_TAIL_OFFSET}, {@code _Q_TAIL_MASK}. */
    public static final int Q_TAIL_OFFSET = Q_TAIL_IDX_OFFSET, Q_TAIL_MASK = Q_TAIL_IDX_MASK | Q_TAIL_CPU_MASK;
    /** {@code _Q_LOCKED_VAL}, {@code _Q_PENDING_VAL}. */
    public static final int Q_LOCKED_VAL = 1 << Q_LOCKED_OFFSET, Q_PENDING_VAL = 1 << Q_PENDING_OFFSET;
    /** {@code _Q_LOCKED_PENDING_MASK}. */
    public static final int Q_LOCKED_PENDING_MASK = Q_LOCKED_MASK | Q_PENDING_MASK;
    /**
     * {@code _Q_PENDING_LOOPS}: how long a waiter watches a pending-to-locked hand-over before it queues.
     * x86's value ({@code arch/x86/include/asm/qspinlock.h}); the generic default is 1.
     */
    static final int Q_PENDING_LOOPS = 1 << 9;

    private Qspinlock() {
    }

    /** {@code _Q_SET_MASK(type)}: {@code bits} ones from bit {@code offset}. */
    private static int setMask(int bits, int offset) {
        return (int) (((1L << bits) - 1) << offset);
    }

    /** {@code encode_tail(cpu, idx)}: CPU + 1, so that tail 0 means "no queue". */
    public static int encodeTail(int cpu, int idx) {
        return (cpu + 1) << Q_TAIL_CPU_OFFSET | idx << Q_TAIL_IDX_OFFSET;
    }

    /** The CPU of the tail in lock value {@code val}, or -1 when no CPU is queued. */
    public static int tailCpu(int val) {
        return (val >>> Q_TAIL_CPU_OFFSET) - 1;
    }

    /** The node index of the tail in lock value {@code val}. */
    public static int tailIdx(int val) {
        return (val & Q_TAIL_IDX_MASK) >>> Q_TAIL_IDX_OFFSET;
    }

    /**
     * {@code decode_tail(tail)}: {@code per_cpu_ptr(&qnodes[idx].mcs, cpu)}, the VA of the queued node.
     *
     * @throws IllegalStateException if the tail names a CPU the machine does not have: a corrupt lock word
     */
    static long decodeTail(CpuContexts cpus, int tail) {
        int cpu = tailCpu(tail);
        if (cpu < 0 || cpu >= cpus.nrCpuIds()) {
            throw new IllegalStateException(String.format(
                    "corrupt spinlock word 0x%08x: tail CPU %d, but nr_cpu_ids is %d", tail, cpu, cpus.nrCpuIds()));
        }
        return McsSpinlock.grabMcsNode(cpus.qnodes(cpu), tailIdx(tail));
    }

    /** {@code queued_spin_is_locked}: any nonzero state counts as locked. */
    public static boolean queuedSpinIsLocked(KernelMemory mem, long lock) {
        return mem.getIntOpaque(lock) != 0;
    }

    /** {@code queued_spin_value_unlocked}: whether lock value {@code val} is free, with nobody waiting. */
    public static boolean queuedSpinValueUnlocked(int val) {
        return val == 0;
    }

    /** {@code queued_spin_is_contended}: whether a CPU is pending or queued. */
    public static boolean queuedSpinIsContended(KernelMemory mem, long lock) {
        return (mem.getIntOpaque(lock) & ~Q_LOCKED_MASK) != 0;
    }

    /** {@code queued_spin_trylock}: takes the lock only if it is free with nobody waiting (0,0,0 -> 0,0,1). */
    public static boolean queuedSpinTrylock(KernelMemory mem, long lock) {
        int val = mem.getIntOpaque(lock);
        if (val != 0) {
            return false;
        }
        return mem.compareAndExchangeIntAcquire(lock, 0, Q_LOCKED_VAL) == 0;
    }

    /**
     * {@code queued_spin_lock}: one acquire cmpxchg 0 -> locked; anything else takes the slow path.
     *
     * @param cpu the CPU context the calling thread is inside
     * @throws DeadlockException in deterministic mode, when the lock is not free
     */
    public static void queuedSpinLock(KernelMemory mem, long lock, Cpu cpu) {
        int val = mem.compareAndExchangeIntAcquire(lock, 0, Q_LOCKED_VAL);
        if (val != 0) {
            queuedSpinLockSlowpath(mem, lock, val, cpu);
        }
    }

    /**
     * {@code queued_spin_unlock}. The kernel does {@code smp_store_release(&lock->locked, 0)}, a byte store
     * beside waiters that change pending and tail atomically; here an atomic fetch-and-release of
     * {@code ~_Q_LOCKED_MASK} clears the locked byte alone. An unlocked lock stays as it was (the and
     * changes nothing), so the old value can reject the unlock without corrupting the word.
     *
     * @throws IllegalStateException if the lock was not locked
     */
    public static void queuedSpinUnlock(KernelMemory mem, long lock) {
        int old = mem.getAndBitwiseAndIntRelease(lock, ~Q_LOCKED_MASK);
        if ((old & Q_LOCKED_MASK) != Q_LOCKED_VAL) {
            throw new IllegalStateException(String.format(
                    "spin_unlock of spinlock 0x%016x that is not locked (%s)", lock, describe(old)));
        }
    }

    /**
     * {@code queued_spin_lock_slowpath(lock, val)}: pending-bit spinning for the first waiter, MCS queueing
     * for the rest.
     * <pre>
     *              fast     :    slow                                  :    unlock
     * uncontended  (0,0,0) -:--> (0,0,1) ------------------------------:--> (*,*,0)
     * pending               :    (0,1,1) +--> (0,1,0) --------------------> (0,0,1)
     * uncontended queue     :    (n,x,y) +--> (n,0,0) ---------------------> (0,0,1)
     * contended queue       :    (*,x,y) +--> (*,0,0) ---> (*,0,1)
     * </pre>
     */
    static void queuedSpinLockSlowpath(KernelMemory mem, long lock, int val, Cpu cpu) {
        checkMayWait(lock, val, cpu);
        // Wait for an in-progress pending -> locked hand-over, boundedly: 0,1,0 -> 0,0,1.
        if (val == Q_PENDING_VAL) {
            int cnt = Q_PENDING_LOOPS;
            for (int spins = 0; ; spins++) {
                val = mem.getIntOpaque(lock);
                if (val != Q_PENDING_VAL || cnt-- == 0) {
                    break;
                }
                Cpu.cpuRelax(spins);
            }
        }
        // Any contention (pending or queued): queue. Else try to become the pending waiter.
        if ((val & ~Q_LOCKED_MASK) == 0 && pending(mem, lock)) {
            return;
        }
        queue(mem, lock, cpu);
    }

    /** trylock || pending: 0,0,* -> 0,1,* -> 0,0,1. Returns false when the caller must queue instead. */
    private static boolean pending(KernelMemory mem, long lock) {
        int val = queuedFetchSetPendingAcquire(mem, lock);
        if ((val & ~Q_LOCKED_MASK) != 0) {
            // A concurrent locker: undo PENDING if we set it; our setting it may have failed a queue
            // head's n,0,0 -> 0,0,1, which then waits for a successor that we are about to become.
            if ((val & Q_PENDING_MASK) == 0) {
                clearPending(mem, lock);
            }
            return false;
        }
        // Pending: wait for the owner to go away, 0,1,1 -> 0,1,0, with an acquire load that pairs with the
        // unlock's release.
        if ((val & Q_LOCKED_MASK) != 0) {
            for (int spins = 0; (mem.getIntAcquire(lock) & Q_LOCKED_MASK) != 0; spins++) {
                Cpu.cpuRelax(spins);
            }
        }
        clearPendingSetLocked(mem, lock);
        return true;
    }

    /** The MCS queue: take a per-CPU node, publish it as the tail, wait to be head, then for the lock. */
    private static void queue(KernelMemory mem, long lock, Cpu cpu) {
        long node = cpu.qnodes();
        int idx = mem.getInt(node + COUNT);
        mem.putInt(node + COUNT, idx + 1);
        int tail = encodeTail(cpu.id(), idx);
        if (idx >= MAX_NODES) {
            // Nesting deeper than the nodes: spin on the lock word itself, without queueing.
            for (int spins = 0; !queuedSpinTrylock(mem, lock); spins++) {
                Cpu.cpuRelax(spins);
            }
            release(mem, cpu);
            return;
        }
        node = McsSpinlock.grabMcsNode(node, idx);
        mem.putInt(node + McsSpinlock.LOCKED, 0);
        mem.putLong(node + NEXT, 0);
        // The node's cache line was possibly cold: try once more in case the owner let go meanwhile.
        if (queuedSpinTrylock(mem, lock)) {
            release(mem, cpu);
            return;
        }
        // smp_wmb(): the node is initialised before xchg_tail publishes it and a predecessor links to it.
        VarHandle.storeStoreFence();
        int old = xchgTail(mem, lock, tail); // p,*,* -> n,*,*
        long next = 0;
        if ((old & Q_TAIL_MASK) != 0) {
            long prev = decodeTail(cpu.contexts(), old);
            mem.putLongOpaque(prev + NEXT, node); // link into the queue: WRITE_ONCE(prev->next, node)
            McsSpinlock.archMcsSpinLockContended(mem, node);
            // A successor may have linked itself meanwhile: load it now for the hand-over below.
            next = mem.getLongAcquire(node + NEXT);
        }
        // Head of the queue: wait for owner and pending to go away, *,x,y -> *,0,0, with an acquire load
        // pairing with the unlock's release (set_locked below implies no barrier).
        int val;
        for (int spins = 0; ((val = mem.getIntAcquire(lock)) & Q_LOCKED_PENDING_MASK) != 0; spins++) {
            Cpu.cpuRelax(spins);
        }
        // Claim the lock. Alone in the queue (tail is ours) and nobody pending: n,0,0 -> 0,0,1, clearing
        // the tail. A concurrent pender or queuer makes that cmpxchg fail; then *,*,0 -> *,*,1.
        if ((val & Q_TAIL_MASK) == tail && mem.compareAndExchangeInt(lock, val, Q_LOCKED_VAL) == val) {
            release(mem, cpu);
            return;
        }
        setLocked(mem, lock);
        // Someone is queued behind us, or will be shortly: wait for the link, then hand the head over.
        for (int spins = 0; next == 0; spins++) {
            next = mem.getLongAcquire(node + NEXT);
            if (next == 0) {
                Cpu.cpuRelax(spins);
            }
        }
        McsSpinlock.archMcsSpinUnlockContended(mem, next);
        release(mem, cpu);
    }

    /** {@code __this_cpu_dec(qnodes[0].mcs.count)}: give the node back. */
    private static void release(KernelMemory mem, Cpu cpu) {
        long count = cpu.qnodes() + COUNT;
        mem.putInt(count, mem.getInt(count) - 1);
    }

    /**
     * {@code queued_fetch_set_pending_acquire}: {@code atomic_fetch_or_acquire(_Q_PENDING_VAL)}, *,*,* -> *,1,*
     * (volatile here).
     */
    private static int queuedFetchSetPendingAcquire(KernelMemory mem, long lock) {
        return mem.getAndBitwiseOrInt(lock, Q_PENDING_VAL);
    }

    /**
     * {@code clear_pending}, *,1,* -> *,0,*. The kernel's 8-bit variant stores 0 to the pending byte; the
     * word-wide form is its {@code _Q_PENDING_BITS == 1} variant, {@code atomic_andnot}, clearing the whole
     * pending byte, which only ever holds {@code _Q_PENDING_VAL >> 8}.
     */
    private static void clearPending(KernelMemory mem, long lock) {
        mem.getAndBitwiseAndInt(lock, ~Q_PENDING_MASK);
    }

    /**
     * {@code clear_pending_set_locked}, *,1,0 -> *,0,1. The kernel's 8-bit variant stores
     * {@code _Q_LOCKED_VAL} to the locked_pending half-word; here it is the {@code _Q_PENDING_BITS == 1}
     * variant, {@code atomic_add(-_Q_PENDING_VAL + _Q_LOCKED_VAL)}. Exact because the caller owns pending
     * (pending byte 1, locked byte 0), and an add leaves the tail that a concurrent {@code xchg_tail} may be
     * changing alone.
     */
    private static void clearPendingSetLocked(KernelMemory mem, long lock) {
        mem.getAndAddInt(lock, Q_LOCKED_VAL - Q_PENDING_VAL);
    }

    /**
     * {@code xchg_tail}: puts {@code tail} in the word and returns the previous value, whose tail is the
     * predecessor. The kernel's 8-bit variant swaps the tail half-word; here it is the
     * {@code _Q_PENDING_BITS == 1} variant, a cmpxchg loop keeping locked and pending as they are.
     */
    private static int xchgTail(KernelMemory mem, long lock, int tail) {
        int val = mem.getIntOpaque(lock);
        for (;;) {
            int old = mem.compareAndExchangeInt(lock, val, (val & Q_LOCKED_PENDING_MASK) | tail);
            if (old == val) {
                return old;
            }
            val = old;
        }
    }

    /**
     * {@code set_locked}, *,*,0 -> *,0,1. The kernel stores {@code _Q_LOCKED_VAL} to the locked byte; a
     * word store would erase pending and tail bits that other CPUs set meanwhile, so here it is an atomic
     * fetch-or. Only the queue head writes the locked byte now: nobody else can set it.
     */
    private static void setLocked(KernelMemory mem, long lock) {
        mem.getAndBitwiseOrInt(lock, Q_LOCKED_VAL);
    }

    /** Refuses to wait when no other thread could ever let this CPU through, or the caller is not on it. */
    private static void checkMayWait(long lock, int val, Cpu cpu) {
        CpuContexts cpus = cpu.contexts();
        if (cpus.deterministic()) {
            throw new DeadlockException(String.format(
                    "deadlock: %s would spin forever on spinlock 0x%016x (%s): in deterministic mode %s runs every CPU,"
                            + " so no other CPU can release it", cpu, lock, describe(val), describe(cpus.driver())));
        }
        Thread me = Thread.currentThread();
        if (cpu.occupant() != me) {
            throw new IllegalStateException(String.format(
                    "spinlock slow path on %s by %s, which is not inside that CPU context: its MCS nodes are not ours",
                    cpu, describe(me)));
        }
    }

    private static String describe(Thread t) {
        return t == null ? "no thread" : "thread '" + t.getName() + "' (#" + t.threadId() + ")";
    }

    /** A lock value for messages: {@code locked=1 pending=0 tail=cpu 3 idx 0}. */
    public static String describe(int val) {
        String tail = (val & Q_TAIL_MASK) == 0 ? "none" : "cpu " + tailCpu(val) + " idx " + tailIdx(val);
        return String.format("val 0x%08x: locked=%d pending=%d tail=%s",
                val, val & Q_LOCKED_MASK, (val & Q_PENDING_MASK) >>> Q_PENDING_OFFSET, tail);
    }
}
