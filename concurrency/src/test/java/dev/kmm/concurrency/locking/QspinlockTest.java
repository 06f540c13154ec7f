package dev.kmm.concurrency.locking;

import static dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC;
import static dev.kmm.concurrency.CpuContexts.Mode.PARALLEL;
import static dev.kmm.concurrency.locking.McsSpinlock.COUNT;
import static dev.kmm.concurrency.locking.McsSpinlock.LOCKED;
import static dev.kmm.concurrency.locking.McsSpinlock.NEXT;
import static dev.kmm.concurrency.locking.McsSpinlock.QNODE_SIZE;
import static dev.kmm.concurrency.locking.Qspinlock.Q_LOCKED_VAL;
import static dev.kmm.concurrency.locking.Qspinlock.Q_PENDING_MASK;
import static dev.kmm.concurrency.locking.Qspinlock.Q_PENDING_VAL;
import static dev.kmm.concurrency.locking.Qspinlock.encodeTail;
import static dev.kmm.concurrency.locking.Worker.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.TestMachine;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The queued spinlock's states, one transition at a time: the fast path alone, the deterministic-mode
 * deadlock check, and each slow path (pending, queue head, MCS hand-over in both directions, nodes
 * exhausted) driven by one real locker while the test plays the other CPUs on the lock word and nodes.
 */
class QspinlockTest {
    static final long LOCK = TestMachine.BASE;

    private static int word(KernelMemory mem) {
        return mem.getIntVolatile(LOCK);
    }

    /** Gives a worker time to do something it must not; the check after it is one-sided. */
    private static void pause() throws InterruptedException {
        Thread.sleep(50);
    }

    @Test
    void fastPathTrylockAndUnlock() {
        try (TestMachine m = new TestMachine(2, PARALLEL); Cpu cpu = m.cpus.enter(0)) {
            KernelMemory mem = m.mem;
            Spinlock.spinLockInit(mem, LOCK);
            assertFalse(Spinlock.spinIsLocked(mem, LOCK));
            Spinlock.spinLock(mem, LOCK, cpu);
            assertEquals(Q_LOCKED_VAL, word(mem));
            assertTrue(Spinlock.spinIsLocked(mem, LOCK));
            assertFalse(Spinlock.spinIsContended(mem, LOCK));
            assertFalse(Spinlock.spinTrylock(mem, LOCK));
            Spinlock.spinUnlock(mem, LOCK);
            assertEquals(0, word(mem));
            assertTrue(Spinlock.spinTrylock(mem, LOCK));
            assertEquals(Q_LOCKED_VAL, word(mem));
            Spinlock.spinUnlock(mem, LOCK);
            assertEquals(0, mem.getInt(cpu.qnodes() + COUNT), "the fast path takes no node");
        }
    }

    @Test
    void trylockFailsWhileAnyoneWaits() {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            m.mem.putInt(LOCK, Q_PENDING_VAL);
            assertFalse(Spinlock.spinTrylock(m.mem, LOCK), "pending, owner just left");
            assertTrue(Spinlock.spinIsLocked(m.mem, LOCK), "any nonzero state counts as locked");
            assertTrue(Spinlock.spinIsContended(m.mem, LOCK));
            m.mem.putInt(LOCK, encodeTail(1, 0));
            assertFalse(Spinlock.spinTrylock(m.mem, LOCK), "queued");
            assertEquals(encodeTail(1, 0), word(m.mem));
        }
    }

    @Test
    void unlockingAnUnlockedLockIsRejectedAndChangesNothing() {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            Spinlock.spinLockInit(m.mem, LOCK);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Spinlock.spinUnlock(m.mem, LOCK));
            assertEquals("spin_unlock of spinlock 0xffff888000000000 that is not locked (val 0x00000000: locked=0"
                    + " pending=0 tail=none)", e.getMessage());
            assertEquals(0, word(m.mem));
            int waiting = encodeTail(1, 2) | Q_PENDING_VAL;
            m.mem.putInt(LOCK, waiting);
            assertThrows(IllegalStateException.class, () -> Spinlock.spinUnlock(m.mem, LOCK));
            assertEquals(waiting, word(m.mem));
        }
    }

    @Test
    void deterministicModeReportsTheDeadlockInsteadOfSpinning() {
        try (TestMachine m = new TestMachine(2, DETERMINISTIC)) {
            KernelMemory mem = m.mem;
            Cpu cpu0 = m.cpus.switchTo(0);
            Spinlock.spinLock(mem, LOCK, cpu0);
            Cpu cpu1 = m.cpus.switchTo(1);
            DeadlockException e = assertThrows(DeadlockException.class, () -> Spinlock.spinLock(mem, LOCK, cpu1));
            assertEquals("deadlock: CPU 1 would spin forever on spinlock 0xffff888000000000 (val 0x00000001: locked=1"
                    + " pending=0 tail=none): in deterministic mode thread '" + Thread.currentThread().getName()
                    + "' (#" + Thread.currentThread().threadId() + ") runs every CPU, so no other CPU can release it",
                    e.getMessage());
            assertEquals(Q_LOCKED_VAL, word(mem), "the lock word is untouched");
            assertEquals(0, mem.getInt(cpu1.qnodes() + COUNT), "no node was taken");
            assertFalse(Spinlock.spinTrylock(mem, LOCK));
            // Back on the owner, release; then CPU 1 gets the lock on its fast path.
            m.cpus.switchTo(0);
            Spinlock.spinUnlock(mem, LOCK);
            Cpu again = m.cpus.switchTo(1);
            Spinlock.spinLock(mem, LOCK, again);
            assertEquals(Q_LOCKED_VAL, word(mem));
            Spinlock.spinUnlock(mem, LOCK);
            again.exit();
        }
    }

    @Test
    void theSlowPathRefusesACpuTheCallerIsNotInside() {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            m.mem.putInt(LOCK, Q_LOCKED_VAL);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Spinlock.spinLock(m.mem, LOCK, m.cpus.cpu(1)));
            assertTrue(e.getMessage().startsWith("spinlock slow path on CPU 1 by thread '"), e.getMessage());
            assertEquals(Q_LOCKED_VAL, word(m.mem));
            assertEquals(0, m.mem.getInt(m.cpus.qnodes(1) + COUNT));
        }
    }

    /** 0,0,1 -> 0,1,1 (CPU 0 pending) -> owner unlocks, 0,1,0 -> 0,0,1 (CPU 0 owns). */
    @Test
    void pendingWaiterTakesOverFromTheOwner() throws Throwable {
        try (TestMachine m = new TestMachine(2, PARALLEL); Cpu cpu1 = m.cpus.enter(1)) {
            KernelMemory mem = m.mem;
            Spinlock.spinLock(mem, LOCK, cpu1);
            AtomicBoolean acquired = new AtomicBoolean();
            Worker w = new Worker(m.cpus, 0, cpu -> {
                Spinlock.spinLock(mem, LOCK, cpu);
                acquired.set(true);
                assertEquals(Q_LOCKED_VAL, word(mem));
                Spinlock.spinUnlock(mem, LOCK);
            });
            await(() -> word(mem) == (Q_PENDING_VAL | Q_LOCKED_VAL), "CPU 0 pending on 0,1,1");
            pause();
            assertFalse(acquired.get());
            assertEquals(0, mem.getInt(m.cpus.qnodes(0) + COUNT), "the pending waiter takes no node");
            Spinlock.spinUnlock(mem, LOCK);
            w.join();
            assertTrue(acquired.get());
            assertEquals(0, word(mem));
        }
    }

    /** Pending is taken by another CPU, so CPU 0 queues; alone in the queue it claims n,0,0 -> 0,0,1. */
    @Test
    void queueHeadClaimsTheLockWhenAlone() throws Throwable {
        try (TestMachine m = new TestMachine(2, PARALLEL); Cpu cpu1 = m.cpus.enter(1)) {
            KernelMemory mem = m.mem;
            long node0 = m.cpus.qnodes(0);
            mem.putLong(node0 + NEXT, 0xdeadL); // stale values the queue must overwrite
            mem.putInt(node0 + LOCKED, 7);
            Spinlock.spinLock(mem, LOCK, cpu1);
            mem.getAndBitwiseOrInt(LOCK, Q_PENDING_VAL); // a third CPU is pending
            AtomicBoolean acquired = new AtomicBoolean();
            Worker w = new Worker(m.cpus, 0, cpu -> {
                Spinlock.spinLock(mem, LOCK, cpu);
                acquired.set(true);
                assertEquals(Q_LOCKED_VAL, word(mem), "tail cleared: nobody behind");
                Spinlock.spinUnlock(mem, LOCK);
            });
            int queued = encodeTail(0, 0) | Q_PENDING_VAL | Q_LOCKED_VAL;
            await(() -> word(mem) == queued, "CPU 0 queued as the tail");
            assertEquals(1, mem.getInt(node0 + COUNT));
            assertEquals(0, mem.getLong(node0 + NEXT));
            assertEquals(0, mem.getInt(node0 + LOCKED));
            Spinlock.spinUnlock(mem, LOCK); // owner leaves: n,1,0
            mem.getAndAddInt(LOCK, Q_LOCKED_VAL - Q_PENDING_VAL); // the pending CPU takes it: n,0,1
            pause();
            assertFalse(acquired.get(), "the queue head waits for locked and pending to clear");
            assertEquals(encodeTail(0, 0) | Q_LOCKED_VAL, word(mem));
            Spinlock.spinUnlock(mem, LOCK); // n,0,0
            w.join();
            assertTrue(acquired.get());
            assertEquals(0, word(mem));
            assertEquals(0, mem.getInt(node0 + COUNT), "node given back");
        }
    }

    /** CPU 2 is queued; CPU 0 links behind it, gets the MCS hand-over, then claims the lock. */
    @Test
    void queuedWaiterLinksBehindItsPredecessorAndIsHandedTheHead() throws Throwable {
        try (TestMachine m = new TestMachine(3, PARALLEL); Cpu cpu1 = m.cpus.enter(1)) {
            KernelMemory mem = m.mem;
            long node0 = m.cpus.qnodes(0);
            long node2 = m.cpus.qnodes(2);
            Spinlock.spinLock(mem, LOCK, cpu1);
            mem.putInt(node2 + COUNT, 1); // CPU 2 queued with its node 0: t2,0,1
            mem.getAndBitwiseOrInt(LOCK, encodeTail(2, 0));
            AtomicBoolean acquired = new AtomicBoolean();
            Worker w = new Worker(m.cpus, 0, cpu -> {
                Spinlock.spinLock(mem, LOCK, cpu);
                acquired.set(true);
                Spinlock.spinUnlock(mem, LOCK);
            });
            await(() -> mem.getLongVolatile(node2 + NEXT) == node0, "CPU 0 linked behind CPU 2");
            assertEquals(encodeTail(0, 0) | Q_LOCKED_VAL, word(mem), "CPU 0 is the tail");
            // Owner leaves. CPU 2, the head, is slow to notice: CPU 0, not head, must leave the free lock alone.
            Spinlock.spinUnlock(mem, LOCK);
            pause();
            assertFalse(acquired.get(), "only the queue head may claim the lock");
            assertEquals(encodeTail(0, 0), word(mem));
            // CPU 2 is not alone in the queue: it sets locked and hands the head to CPU 0.
            mem.getAndBitwiseOrInt(LOCK, Q_LOCKED_VAL);
            mem.putIntRelease(node0 + LOCKED, 1);
            mem.putInt(node2 + COUNT, 0);
            pause();
            assertFalse(acquired.get(), "head, but CPU 2 holds the lock");
            Spinlock.spinUnlock(mem, LOCK);
            w.join();
            assertTrue(acquired.get());
            assertEquals(0, word(mem));
            assertEquals(0, mem.getInt(node0 + COUNT));
        }
    }

    /** CPU 0 is head with CPU 2 queued behind: it sets locked (*,0,0 -> *,0,1) and hands CPU 2 the head. */
    @Test
    void queueHeadWithASuccessorHandsItTheHead() throws Throwable {
        try (TestMachine m = new TestMachine(3, PARALLEL); Cpu cpu1 = m.cpus.enter(1)) {
            KernelMemory mem = m.mem;
            long node0 = m.cpus.qnodes(0);
            long node2 = m.cpus.qnodes(2);
            Spinlock.spinLock(mem, LOCK, cpu1);
            mem.getAndBitwiseOrInt(LOCK, Q_PENDING_VAL);
            AtomicBoolean acquired = new AtomicBoolean();
            Worker w = new Worker(m.cpus, 0, cpu -> {
                Spinlock.spinLock(mem, LOCK, cpu);
                acquired.set(true);
                Spinlock.spinUnlock(mem, LOCK);
            });
            int t0 = encodeTail(0, 0), t2 = encodeTail(2, 0);
            await(() -> word(mem) == (t0 | Q_PENDING_VAL | Q_LOCKED_VAL), "CPU 0 queued");
            // CPU 2 queues behind CPU 0: node ready, xchg_tail, link.
            mem.putInt(node2 + COUNT, 1);
            mem.putInt(node2 + LOCKED, 0);
            mem.putLong(node2 + NEXT, 0);
            assertTrue(mem.compareAndSetInt(LOCK, t0 | Q_PENDING_VAL | Q_LOCKED_VAL, t2 | Q_PENDING_VAL | Q_LOCKED_VAL));
            mem.putLongRelease(node0 + NEXT, node2);
            // Owner leaves, the pending CPU takes the lock and leaves too: t2,0,0.
            Spinlock.spinUnlock(mem, LOCK);
            mem.getAndAddInt(LOCK, Q_LOCKED_VAL - Q_PENDING_VAL);
            Spinlock.spinUnlock(mem, LOCK);
            w.join();
            assertTrue(acquired.get());
            assertEquals(1, mem.getIntVolatile(node2 + LOCKED), "CPU 2 was handed the head");
            assertEquals(t2, word(mem), "CPU 0 took and released the lock, leaving CPU 2's tail");
            assertEquals(0, mem.getInt(node0 + COUNT));
            // CPU 2, alone at the head, claims the lock.
            assertTrue(mem.compareAndSetInt(LOCK, t2, Q_LOCKED_VAL));
        }
    }

    /** All four nodes of CPU 0 in use (nested contexts): it spins on trylock without queueing. */
    @Test
    void withEveryNodeInUseTheWaiterSpinsOnTheLockWord() throws Throwable {
        try (TestMachine m = new TestMachine(2, PARALLEL); Cpu cpu1 = m.cpus.enter(1)) {
            KernelMemory mem = m.mem;
            long node0 = m.cpus.qnodes(0);
            for (int i = 0; i < McsSpinlock.MAX_NODES; i++) {
                mem.putLong(node0 + i * QNODE_SIZE + NEXT, 0x1111L * (i + 1));
                mem.putInt(node0 + i * QNODE_SIZE + LOCKED, 7 + i);
            }
            mem.putInt(node0 + COUNT, McsSpinlock.MAX_NODES);
            Spinlock.spinLock(mem, LOCK, cpu1);
            mem.getAndBitwiseOrInt(LOCK, Q_PENDING_VAL); // contention: CPU 0 must go to the queue
            AtomicBoolean acquired = new AtomicBoolean();
            Worker w = new Worker(m.cpus, 0, cpu -> {
                Spinlock.spinLock(mem, LOCK, cpu);
                acquired.set(true);
                Spinlock.spinUnlock(mem, LOCK);
            });
            await(() -> mem.getIntVolatile(node0 + COUNT) == McsSpinlock.MAX_NODES + 1, "CPU 0 in the queue path");
            pause();
            assertEquals(Q_PENDING_VAL | Q_LOCKED_VAL, word(mem), "no tail published");
            assertFalse(acquired.get());
            mem.getAndBitwiseAndInt(LOCK, ~Q_PENDING_MASK);
            Spinlock.spinUnlock(mem, LOCK);
            w.join();
            assertTrue(acquired.get());
            assertEquals(0, word(mem));
            assertEquals(McsSpinlock.MAX_NODES, mem.getInt(node0 + COUNT));
            for (int i = 0; i < McsSpinlock.MAX_NODES; i++) {
                assertEquals(0x1111L * (i + 1), mem.getLong(node0 + i * QNODE_SIZE + NEXT), "node " + i);
                assertEquals(7 + i, mem.getInt(node0 + i * QNODE_SIZE + LOCKED), "node " + i);
            }
        }
    }
}
