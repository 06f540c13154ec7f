package dev.kmm.concurrency.locking;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** A thread that runs a task inside one CPU context, for tests that play the other CPUs by hand. */
final class Worker {
    private final Thread thread;
    private volatile Throwable failure;

    Worker(CpuContexts cpus, int cpu, Consumer<Cpu> task) {
        thread = new Thread(() -> {
            try (Cpu c = cpus.enter(cpu)) {
                task.accept(c);
            } catch (Throwable t) {
                failure = t;
            }
        }, "worker-cpu" + cpu);
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the task to end and rethrows what it threw. */
    void join() throws Throwable {
        thread.join(20_000);
        assertTrue(!thread.isAlive(), "worker still running");
        if (failure != null) {
            throw failure;
        }
    }

    /** Polls {@code condition} for up to 10 s. */
    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
        }
    }
}
