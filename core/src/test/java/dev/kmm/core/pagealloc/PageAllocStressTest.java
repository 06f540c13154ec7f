package dev.kmm.core.pagealloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.page.PageRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two CPUs on two threads allocate and free at random: every order, every mobility, compound and zeroed pages,
 * pages handed to the other thread, frees into the other CPU's lists, drains of both CPUs' lists. At the end every
 * page is back and the buddy state verifies clean.
 */
class PageAllocStressTest {
    private static final int ROUNDS = 150_000;
    private static final int[] GFPS = {
        Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE, Gfp.GFP_ATOMIC,
        Gfp.GFP_NOWAIT, Gfp.GFP_DMA32,
    };

    /** An allocation a thread holds: page, order, whether compound, the byte written to its first word. */
    private record Held(long page, int order, boolean compound, long stamp) {
    }

    @Test
    @Timeout(120)
    void twoCpusInParallelEndWithEveryPageBack() throws Exception {
        try (AllocMachine am = AllocMachine.x86(192, 2, CpuContexts.Mode.PARALLEL, b -> { })) {
            long[] initial = new long[am.populatedZones.size()];
            for (int i = 0; i < initial.length; i++) {
                initial[i] = am.freePages(am.populatedZones.get(i));
            }
            List<ConcurrentLinkedQueue<Held>> handOff = List.of(new ConcurrentLinkedQueue<>(),
                    new ConcurrentLinkedQueue<>());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            CyclicBarrier done = new CyclicBarrier(2);
            long[] stats = new long[4];
            List<Thread> threads = new ArrayList<>();
            for (int id = 0; id < 2; id++) {
                int me = id;
                threads.add(new Thread(() -> {
                    try (Cpu cpu = am.cpus.enter(me)) {
                        start.await();
                        long[] s = run(am, cpu, me, handOff, new Random(1234 + me), done);
                        synchronized (stats) {
                            for (int i = 0; i < s.length; i++) {
                                stats[i] += s[i];
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "stress-cpu" + id));
            }
            threads.forEach(Thread::start);
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a CPU thread failed", failure.get());
            }
            am.enter(0);
            for (long zone : am.populatedZones) {
                assertEquals(List.of(), PcpVerify.verifyZone(am.alloc, zone), "before the drain");
            }
            assertEquals(List.of(), am.drainAndVerify());
            for (int i = 0; i < initial.length; i++) {
                assertEquals(initial[i], am.freePages(am.populatedZones.get(i)), "zone " + i + ": every page is back");
            }
            assertTrue(stats[0] > ROUNDS / 2, "allocations happened: " + stats[0]);
            assertTrue(stats[1] > 0 && stats[2] > 0, "remote frees " + stats[1] + ", hand-offs " + stats[2]);
        }
    }

    private static int randomOrder(Random r) {
        int x = r.nextInt(100);
        if (x < 70) {
            return 0;
        } else if (x < 85) {
            return 1 + r.nextInt(3);
        } else if (x < 96) {
            return 4 + r.nextInt(5);
        }
        return 9 + r.nextInt(2);
    }

    private static long[] run(AllocMachine am, Cpu cpu, int me, List<ConcurrentLinkedQueue<Held>> handOff, Random r,
            CyclicBarrier done) {
        PageAlloc alloc = am.alloc;
        var mem = am.m.mem;
        List<Held> held = new ArrayList<>();
        long allocs = 0;
        long remote = 0;
        long handed = 0;
        long failed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int op = r.nextInt(100);
            if (op < 50 || held.isEmpty()) {
                int order = randomOrder(r);
                boolean compound = order > 0 && r.nextBoolean();
                boolean zero = r.nextInt(4) == 0;
                int gfp = GFPS[r.nextInt(GFPS.length)] | Gfp.__GFP_NOWARN | (compound ? Gfp.__GFP_COMP : 0)
                        | (zero ? Gfp.__GFP_ZERO : 0);
                long page = alloc.allocPages(cpu, gfp, order);
                if (page == 0) {
                    failed++;
                    continue;
                }
                allocs++;
                assertEquals(1, PageRef.pageRefCount(mem, page));
                long va = alloc.pageAddress(page);
                if (zero) {
                    assertEquals(0, mem.getLong(va + 8 * r.nextInt(512)), "__GFP_ZERO");
                }
                long stamp = r.nextLong();
                mem.putLong(va, stamp);
                held.add(new Held(page, order, compound, stamp));
            } else if (op < 95) {
                Held h = held.remove(r.nextInt(held.size()));
                assertEquals(h.stamp(), mem.getLong(alloc.pageAddress(h.page())), "nobody else wrote the page");
                int how = r.nextInt(10);
                if (how < 3) {
                    alloc.freePagesRemote(cpu, h.page(), h.order(), 1 - me);
                    remote++;
                } else if (how < 5) {
                    handOff.get(1 - me).add(h);
                    handed++;
                } else if (h.compound()) {
                    alloc.putPage(h.page() + (long) r.nextInt(1 << h.order()) * PageLayout.SIZE);
                } else {
                    alloc.__freePages(cpu, h.page(), h.order());
                }
            } else if (op < 99) {
                for (Held h; (h = handOff.get(me).poll()) != null;) {
                    alloc.__freePages(cpu, h.page(), h.order());
                }
            } else {
                alloc.drainAllPages(0);
            }
        }
        for (Held h : held) {
            alloc.__freePages(cpu, h.page(), h.order());
        }
        await(done); // after this the other thread hands nothing over any more
        for (Held h; (h = handOff.get(me).poll()) != null;) {
            alloc.__freePages(cpu, h.page(), h.order());
        }
        return new long[] {allocs, remote, handed, failed};
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new AssertionError("the other CPU thread did not finish", e);
        }
    }
}
