package dev.kmm.concurrency;

import static dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC;
import static dev.kmm.concurrency.CpuContexts.Mode.PARALLEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.concurrency.locking.McsSpinlock;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rules of CPU contexts: who may enter which CPU, when, and in which mode. */
class CpuContextsTest {
    /** Runs {@code task} on a fresh thread and returns what it threw, or null. */
    private static Throwable onOtherThread(Runnable task) throws Exception {
        return CompletableFuture.runAsync(task, r -> new Thread(r, "other").start())
                .handle((v, t) -> t == null ? null : t.getCause())
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void enterSetsCurrentAndExitClearsIt() {
        try (TestMachine m = new TestMachine(4, PARALLEL)) {
            Cpu cpu = m.cpus.enter(2);
            assertSame(m.cpus.cpu(2), cpu);
            assertEquals(2, cpu.id());
            assertSame(cpu, Cpu.current());
            assertSame(Thread.currentThread(), cpu.occupant());
            cpu.exit();
            assertNull(cpu.occupant());
            IllegalStateException e = assertThrows(IllegalStateException.class, Cpu::current);
            assertTrue(e.getMessage().contains("outside a CPU context"), e.getMessage());
        }
    }

    @Test
    void tryWithResourcesExits() {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            try (Cpu cpu = m.cpus.enter(1)) {
                assertSame(cpu, Cpu.current());
            }
            assertNull(m.cpus.cpu(1).occupant());
            assertThrows(IllegalStateException.class, Cpu::current);
        }
    }

    @Test
    void reEnteringTheSameCpuIsRejected() {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            Cpu cpu = m.cpus.enter(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.cpus.enter(0));
            assertTrue(e.getMessage().contains("re-enters CPU 0, which it is already inside"), e.getMessage());
            assertSame(cpu, Cpu.current(), "the failed enter changed nothing");
            assertSame(Thread.currentThread(), cpu.occupant());
            cpu.exit();
        }
    }

    @Test
    void aThreadIsInsideOneCpuAtATime() {
        try (TestMachine m = new TestMachine(2, PARALLEL); TestMachine other = new TestMachine(1, PARALLEL)) {
            Cpu cpu0 = m.cpus.enter(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.cpus.enter(1));
            assertTrue(e.getMessage().contains("is already inside CPU 0: exit it before entering CPU 1"), e.getMessage());
            assertNull(m.cpus.cpu(1).occupant());
            e = assertThrows(IllegalStateException.class, () -> other.cpus.enter(0));
            assertTrue(e.getMessage().contains("inside CPU 0 of another machine"), e.getMessage());
            cpu0.exit();
            other.cpus.enter(0).exit();
        }
    }

    @Test
    void anOccupiedCpuRejectsAnotherThread() throws Exception {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            Cpu cpu0 = m.cpus.enter(0);
            Throwable t = onOtherThread(() -> m.cpus.enter(0));
            assertTrue(t instanceof IllegalStateException, String.valueOf(t));
            assertTrue(t.getMessage().startsWith("CPU 0 is occupied by thread '" + Thread.currentThread().getName() + "'"),
                    t.getMessage());
            assertSame(Thread.currentThread(), cpu0.occupant());
            // Parallel mode: another thread may run another CPU meanwhile.
            assertNull(onOtherThread(() -> m.cpus.enter(1).exit()));
            cpu0.exit();
        }
    }

    @Test
    void onlyTheOccupantMayExit() throws Exception {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            Cpu cpu0 = m.cpus.enter(0);
            Throwable t = onOtherThread(cpu0::exit);
            assertTrue(t instanceof IllegalStateException, String.valueOf(t));
            assertTrue(t.getMessage().contains("exits CPU 0, which it is not inside (occupied by thread '"), t.getMessage());
            assertSame(Thread.currentThread(), cpu0.occupant());
            cpu0.exit();
            IllegalStateException e = assertThrows(IllegalStateException.class, cpu0::exit);
            assertTrue(e.getMessage().contains("(the CPU is free)"), e.getMessage());
        }
    }

    @Test
    void deterministicModeHasOneDriverThatSwitchesBetweenCpus() throws Exception {
        try (TestMachine m = new TestMachine(4, DETERMINISTIC)) {
            assertNull(m.cpus.driver());
            Cpu cpu = m.cpus.switchTo(3);
            assertSame(Thread.currentThread(), m.cpus.driver());
            for (int id : new int[] {0, 2, 2, 1, 3}) {
                Cpu before = cpu;
                cpu = m.cpus.switchTo(id);
                assertEquals(id, cpu.id());
                assertSame(cpu, Cpu.current());
                for (int other = 0; other < 4; other++) {
                    assertEquals(other == id ? Thread.currentThread() : null, m.cpus.cpu(other).occupant(),
                            "after switching from " + before + " to " + cpu + ", CPU " + other);
                }
            }
            cpu.exit();
            // Every CPU is free now, yet no other thread may drive this machine.
            Throwable t = onOtherThread(() -> m.cpus.enter(1));
            assertTrue(t instanceof IllegalStateException, String.valueOf(t));
            assertTrue(t.getMessage().startsWith("deterministic mode: thread '" + Thread.currentThread().getName()
                    + "'"), t.getMessage());
            assertTrue(t.getMessage().endsWith("may not enter CPU 1"), t.getMessage());
            assertNull(m.cpus.cpu(1).occupant());
            m.cpus.enter(1).exit();
        }
    }

    @Test
    void theDriverCanHandItsRoleToAnotherThread() throws Exception {
        try (TestMachine m = new TestMachine(2, DETERMINISTIC)) {
            Cpu cpu = m.cpus.enter(0);
            assertThrows(IllegalStateException.class, m.cpus::releaseDriver, "still inside CPU 0");
            cpu.exit();
            Throwable notDriver = onOtherThread(m.cpus::releaseDriver);
            assertTrue(notDriver instanceof IllegalStateException, String.valueOf(notDriver));
            m.cpus.releaseDriver();
            assertNull(m.cpus.driver());
            assertNull(onOtherThread(() -> m.cpus.enter(1).exit()), "the next thread to enter drives");
            assertThrows(IllegalStateException.class, () -> m.cpus.enter(0), "the role moved on");
        }
    }

    @Test
    void parallelModeHasNoDriver() throws Exception {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            m.cpus.enter(0).exit();
            assertNull(onOtherThread(() -> m.cpus.enter(0).exit()));
            assertNull(m.cpus.driver());
        }
    }

    @Test
    void parallelThreadsEachRunTheirCpu() throws Exception {
        try (TestMachine m = new TestMachine(2, PARALLEL)) {
            CountDownLatch bothInside = new CountDownLatch(2);
            CountDownLatch done = new CountDownLatch(1);
            Thread[] threads = new Thread[2];
            Throwable[] failure = new Throwable[2];
            for (int i = 0; i < 2; i++) {
                int id = i;
                threads[i] = new Thread(() -> {
                    try (Cpu cpu = m.cpus.enter(id)) {
                        bothInside.countDown();
                        done.await();
                        assertSame(cpu, Cpu.current());
                    } catch (Throwable e) {
                        failure[id] = e;
                    }
                });
                threads[i].start();
            }
            assertTrue(bothInside.await(10, TimeUnit.SECONDS));
            assertSame(threads[0], m.cpus.cpu(0).occupant());
            assertSame(threads[1], m.cpus.cpu(1).occupant());
            done.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure[0]);
            assertNull(failure[1]);
        }
    }

    @Test
    void nrCpusBoundsTheMachine() {
        try (TestMachine m = new TestMachine(4, PARALLEL)) {
            assertEquals(8192, CpuContexts.DEFAULT_NR_CPUS);
            assertEquals(8192, m.cpus.nrCpus());
            assertEquals(4, m.cpus.nrCpuIds());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new CpuContexts(m.areas, PARALLEL, 3));
            assertEquals("nr_cpu_ids 4 exceeds NR_CPUS 3", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new CpuContexts(m.areas, PARALLEL, 1 << 14));
            assertTrue(e.getMessage().startsWith("NR_CPUS must be in [1, 16383]"), e.getMessage());
            assertEquals(16383, new CpuContexts(m.areas, PARALLEL, 16383).nrCpus());
            e = assertThrows(IllegalArgumentException.class, () -> m.cpus.enter(4));
            assertEquals("no CPU 4: nr_cpu_ids is 4", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.cpus.cpu(-1));
        }
    }

    @Test
    void eachCpuHasItsQnodesInItsOwnUnit() {
        try (TestMachine m = new TestMachine(3, PARALLEL)) {
            PerCpuAreas areas = m.areas;
            long first = m.cpus.qnodes(0) - areas.perCpuOffset(0);
            assertEquals(0, first % KernelConstants.L1_CACHE_BYTES, "DEFINE_PER_CPU_ALIGNED");
            assertTrue(areas.reserved() >= first + McsSpinlock.MAX_NODES * McsSpinlock.QNODE_SIZE);
            for (int cpu = 0; cpu < 3; cpu++) {
                assertEquals(TestMachine.PERCPU + cpu * TestMachine.UNIT + first, m.cpus.qnodes(cpu));
                assertEquals(m.cpus.qnodes(cpu), m.cpus.cpu(cpu).thisCpuPtr(first));
            }
        }
    }

    @Test
    void thisCpuPtrAddsTheCpusOffset() {
        try (TestMachine m = new TestMachine(3, PARALLEL)) {
            long ptr = m.areas.reserve(8, 8);
            for (int cpu = 0; cpu < 3; cpu++) {
                Cpu c = m.cpus.cpu(cpu);
                assertEquals(TestMachine.PERCPU + cpu * TestMachine.UNIT + ptr, c.thisCpuPtr(ptr));
                assertEquals(m.cpus.perCpuPtr(ptr, cpu), c.thisCpuPtr(ptr));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.cpus.cpu(0).thisCpuPtr(TestMachine.UNIT));
            assertEquals("0x1000 is not a percpu pointer: units are 0x1000 bytes", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.cpus.cpu(0).thisCpuPtr(-8));
        }
    }
}
