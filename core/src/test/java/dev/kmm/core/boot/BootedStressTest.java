package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.PageAlloc;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Two CPUs of a booted kernel allocate and free in parallel (random orders, GFP kinds and lifetimes, frees on the
 * other CPU's remote list); afterwards verify() is clean and the views agree with the allocator's own state.
 */
class BootedStressTest {
    private static final int ROUNDS = 40_000;
    private static final int[] GFP = {Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_USER,
        Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE, Gfp.GFP_ATOMIC};

    @Test
    void twoCpusInParallelLeaveAConsistentKernelAndExactViews() throws Exception {
        try (Kernel k = Kernel.boot(Machines.vexpressA9(), CpuContexts.Mode.PARALLEL)) {
            PageAlloc alloc = k.pageAlloc();
            long pgfreeBefore = event(k, "pgfree");
            // Per CPU: pages allocated and freed, and the blocks still live at the end (head page, order).
            AtomicLongArray allocated = new AtomicLongArray(2);
            AtomicLongArray freed = new AtomicLongArray(2);
            List<List<long[]>> live = List.of(new ArrayList<>(), new ArrayList<>());
            List<CompletableFuture<Void>> cpus = new ArrayList<>();
            for (int id = 0; id < 2; id++) {
                int me = id;
                cpus.add(CompletableFuture.runAsync(() -> {
                    SplittableRandom rnd = new SplittableRandom(42 + me);
                    List<long[]> mine = live.get(me);
                    try (Cpu cpu = k.cpus().enter(me)) {
                        for (int round = 0; round < ROUNDS; round++) {
                            if (mine.size() < 64 || rnd.nextInt(3) == 0 && mine.size() < 4096) {
                                int order = rnd.nextInt(10) < 7 ? 0 : rnd.nextInt(1, 4);
                                int gfp = GFP[rnd.nextInt(GFP.length)] | (order > 0 ? Gfp.__GFP_COMP : 0);
                                long page = alloc.allocPages(cpu, gfp | Gfp.__GFP_NOWARN, order);
                                if (page != 0) {
                                    mine.add(new long[] {page, order});
                                    allocated.addAndGet(me, 1L << order);
                                }
                            } else {
                                long[] b = mine.remove(rnd.nextInt(mine.size()));
                                if (rnd.nextInt(4) == 0) {
                                    alloc.freePagesRemote(cpu, b[0], (int) b[1], 1 - me);
                                } else {
                                    alloc.__freePages(cpu, b[0], (int) b[1]);
                                }
                                freed.addAndGet(me, 1L << b[1]);
                            }
                        }
                    }
                }, r -> new Thread(r, "cpu" + me).start()));
            }
            for (CompletableFuture<Void> f : cpus) {
                f.get(2, TimeUnit.MINUTES);
            }
            assertEquals(List.of(), k.verify(), "after the parallel run, pages still live");

            long allocs = allocated.get(0) + allocated.get(1);
            long frees = freed.get(0) + freed.get(1);
            long pgalloc = event(k, "pgalloc_normal") + event(k, "pgalloc_high") + event(k, "pgalloc_movable");
            assertEquals(allocs, pgalloc, "pgalloc_* counts every page allocated");
            assertEquals(frees, event(k, "pgfree") - pgfreeBefore, "pgfree counts every page freed");
            assertTrue(allocs > ROUNDS && frees > ROUNDS / 2, allocs + " allocated, " + frees + " freed");

            // /proc/buddyinfo shows free_area[order].nr_free of every zone as it is now.
            for (String line : k.proc("/proc/buddyinfo").split("\n")) {
                String[] f = line.trim().split("\\s+");
                ZoneInfo z = k.zone(Integer.parseInt(f[1].replace(",", "")), f[3]);
                for (int order = 0; order < k.config().maxOrder(); order++) {
                    assertEquals(k.buddy().freeArea().nrFree(z.address(), order), Long.parseLong(f[4 + order]),
                            line + ": order " + order);
                }
            }

            // Everything back: every managed page free again, verify() clean.
            try (Cpu cpu = k.cpus().enter(0)) {
                for (List<long[]> blocks : live) {
                    for (long[] b : blocks) {
                        alloc.__freePages(cpu, b[0], (int) b[1]);
                    }
                }
            }
            assertEquals(List.of(), k.verify(), "after freeing everything");
            // drain_all_pages() splices the remote-free lists and empties every pcp list into the buddy lists.
            try (Cpu cpu = k.cpus().enter(0)) {
                alloc.drainAllPages(0);
            }
            long free = 0;
            for (ZoneInfo z : k.zones()) {
                free += alloc.vmstat().zonePageStateSnapshot(z.address(), 0);
            }
            assertEquals(k.totalramPages(), free, "every managed page back in the buddy lists");
            assertEquals(List.of(), k.verify(), "after draining");
        }
    }

    private static long event(Kernel k, String name) {
        return k.proc("/proc/vmstat").lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .map(l -> Long.parseLong(l.substring(name.length() + 1))).orElseThrow(() -> new AssertionError(name));
    }
}
