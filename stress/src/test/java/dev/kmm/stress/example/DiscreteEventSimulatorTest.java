package dev.kmm.stress.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.Cpu;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.PageAlloc;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An example of kmm as the allocator engine of a discrete-event simulator: four simulated CPUs issue page
 * requests at seeded random times, each block lives a seeded random time and is then freed (on a random CPU,
 * as a page handed to another CPU would be), and one thread plays every event in time order, switching kmm's
 * CPU contexts as it goes. In kmm's deterministic mode the same seed gives the same pages, byte for byte.
 */
class DiscreteEventSimulatorTest {
    /** The simulator's events: a request for a block, or the end of a block's life. */
    enum Kind { ALLOC, FREE }

    /** One event at simulated time {@code time} (ns); {@code seq} orders events of the same time. */
    record Event(long time, long seq, Kind kind, int cpu, int order, int gfp, long page) {
    }

    /**
     * What one run saw: the pfn of every request (-1 for a failure), /proc/buddyinfo at boot, when the last request
     * was served, when every block was freed, and once the per-CPU lists were drained; and verify() at the end.
     */
    record Run(long[] pfns, long failures, String atBoot, String atHorizon, String afterFreeingAll, String drained,
               List<String> verify) {
    }

    private static final int CPUS = 4;
    private static final int REQUESTS = 20_000;
    private static final long MEAN_GAP_NS = 10_000; // each CPU asks every 10 us on average
    private static final long MEAN_LIFETIME_NS = 2_000_000; // blocks live 2 ms on average
    private static final int[] GFPS = {Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_ATOMIC, Gfp.GFP_USER};

    /** The simulator: a clock, a queue of future events, and kmm. */
    static final class Simulator {
        private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.time() != b.time()
                ? Long.compare(a.time(), b.time()) : Long.compare(a.seq(), b.seq()));
        private final SplittableRandom rnd;
        private long seq;
        private int issued;

        Simulator(long seed) {
            rnd = new SplittableRandom(seed);
        }

        private long exponential(long mean) {
            return (long) (-mean * Math.log(1 - rnd.nextDouble()));
        }

        private void schedule(long time, Kind kind, int cpu, int order, int gfp, long page) {
            queue.add(new Event(time, seq++, kind, cpu, order, gfp, page));
        }

        /** The next request of {@code cpu}, until {@link #REQUESTS} have been issued. */
        private void request(long now, int cpu) {
            if (issued == REQUESTS) {
                return;
            }
            issued++;
            int r = rnd.nextInt(100);
            int order = r < 80 ? 0 : r < 97 ? 1 + rnd.nextInt(3) : 9;
            schedule(now + exponential(MEAN_GAP_NS), Kind.ALLOC, cpu, order, GFPS[rnd.nextInt(GFPS.length)], 0);
        }

        Run run() {
            try (Kernel kernel = Kernel.boot(Machines.vexpressA9())) { // Cortex-A9 x4, deterministic mode
                PageAlloc alloc = kernel.pageAlloc();
                String atBoot = kernel.proc("/proc/buddyinfo");
                for (int c = 0; c < CPUS; c++) {
                    request(0, c);
                }
                long[] pfns = new long[REQUESTS];
                int requests = 0;
                long failures = 0;
                Cpu cpu = null;
                String atHorizon = null;
                try {
                    while (!queue.isEmpty()) {
                        Event e = queue.poll();
                        cpu = kernel.cpus().switchTo(e.cpu());
                        if (e.kind() == Kind.FREE) {
                            alloc.__freePages(cpu, e.page(), e.order());
                            continue;
                        }
                        long page = alloc.allocPages(cpu, e.gfp() | Gfp.__GFP_NOWARN, e.order());
                        pfns[requests++] = page == 0 ? -1 : kernel.memoryModel().pageToPfn(page);
                        if (page == 0) {
                            failures++;
                        } else {
                            schedule(e.time() + exponential(MEAN_LIFETIME_NS), Kind.FREE, rnd.nextInt(CPUS),
                                    e.order(), 0, page);
                        }
                        request(e.time(), e.cpu());
                        if (requests == REQUESTS) {
                            atHorizon = kernel.proc("/proc/buddyinfo"); // the frees still queued run next
                        }
                    }
                    String afterFreeingAll = kernel.proc("/proc/buddyinfo");
                    alloc.drainAllPages(0); // the per-CPU lists give their pages back to the buddy
                    cpu.exit();
                    cpu = null;
                    return new Run(pfns, failures, atBoot, atHorizon, afterFreeingAll, kernel.proc("/proc/buddyinfo"),
                            kernel.verify());
                } finally {
                    if (cpu != null) {
                        cpu.exit();
                    }
                }
            }
        }
    }

    @Test
    void sameSeedSamePagesDifferentSeedDifferentPages() {
        Run a = new Simulator(1).run();
        Run b = new Simulator(1).run();
        Run c = new Simulator(2).run();
        assertNotNull(a.atHorizon(), "every request was served");
        assertArrayEquals(a.pfns(), b.pfns(), "the same seed hands out the same pfns");
        assertEquals(a.atHorizon(), b.atHorizon());
        assertEquals(a.afterFreeingAll(), b.afterFreeingAll());
        assertFalse(Arrays.equals(a.pfns(), c.pfns()), "another seed, other pfns");
        assertNotEquals(a.atHorizon(), c.atHorizon());
        assertNotEquals(a.atBoot(), a.atHorizon());
        assertTrue(Arrays.stream(a.pfns()).distinct().count() > 1000, "the run reuses and spreads pages");
        assertEquals(0, a.failures(), "1 GiB is plenty for this load");
    }

    @Test
    void everyPageComesBackAndTheAllocatorChecksClean() {
        Run r = new Simulator(3).run();
        assertEquals(r.atBoot(), r.drained(), "every page is free again, merged back into the blocks boot left");
        assertEquals(List.of(), r.verify());
    }
}
