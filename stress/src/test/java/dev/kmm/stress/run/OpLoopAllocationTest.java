package dev.kmm.stress.run;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machines;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The op loop boxes nothing and allocates nothing per step on the Java heap: over a run, the thread allocates the
 * held-block arrays as they double (19 bytes a slot) and, once the paths are linked, a few KiB besides on rare
 * allocator paths (2 KiB in 150,000 steps, 38 KiB in 900,000, measured), where one boxed long a step would cost
 * 2.4 MB.
 */
class OpLoopAllocationTest {
    @Test
    void mixedStepsAllocateNothing() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Kernel kernel = Kernel.boot(Machines.vexpressA9())) {
            run(kernel, 60_000, threads); // links and compiles the paths: one-time allocations
            long steps = 150_000;
            long[] bytes = run(kernel, steps, threads);
            long other = bytes[0] - bytes[1];
            assertTrue(other < 128 * 1024, other + " bytes allocated in " + steps + " steps besides " + bytes[1]
                    + " for the held-block arrays");
        }
    }

    /** Runs {@code steps} of mixed on a fresh worker: {bytes the thread allocated, bytes of the arrays' growth}. */
    private static long[] run(Kernel kernel, long steps, ThreadMXBean threads) {
        RunStats stats = new RunStats(kernel.buddy().maxOrder(), 6, 1);
        Worker w = new Worker(0, kernel, new int[] {0, 1, 2, 3}, new SplittableRandom(steps), stats,
                kernel.totalramPages(), steps, 0, Progress.NONE, false);
        w.start();
        try {
            MixedWorkload mixed = new MixedWorkload(w);
            long before = threads.getCurrentThreadAllocatedBytes();
            mixed.run();
            long bytes = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(w.steps == steps && stats.allocations() > steps / 3, "the workload ran");
            long arrays = 0;
            for (long n = 2048; n <= w.live.capacity(); n *= 2) {
                arrays += n * (Long.BYTES + Long.BYTES + Byte.BYTES + Short.BYTES) + 4 * 16;
            }
            return new long[] {bytes, arrays};
        } finally {
            w.freeAll();
            w.stop();
        }
    }
}
