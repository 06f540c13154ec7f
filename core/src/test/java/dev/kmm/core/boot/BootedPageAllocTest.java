package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.BuddyVerify;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.pagealloc.PageFrames;
import dev.kmm.core.pagealloc.PcpVerify;
import dev.kmm.core.percpu.PcpuFirstChunk;
import dev.kmm.core.vmstat.Vmstat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The page allocator on the booted Versatile Express kernel: its free lists, zonelists, per-cpu pagesets (adopted)
 * and CMA area. The CPU contexts are laid over the first per-cpu chunk, after what boot placed there.
 */
class BootedPageAllocTest {
    private record Booted(PageAlloc alloc, CpuContexts cpus) {
    }

    private static Booted allocator(Kernel k) {
        PcpuFirstChunk.Result pcpu = k.percpu();
        int nrCpus = k.machine().cpus();
        long[] offsets = new long[nrCpus];
        for (int cpu = 0; cpu < nrCpus; cpu++) {
            offsets[cpu] = pcpu.unitPhys(cpu) - pcpu.base();
        }
        KernelMemory mem = k.memory();
        PerCpuAreas areas = new PerCpuAreas(mem, k.addressSpace().va(pcpu.base()), pcpu.ai().unitSize(), offsets);
        areas.reserveUpTo(bootPerCpuEnd(k));
        CpuContexts cpus = new CpuContexts(areas, CpuContexts.Mode.DETERMINISTIC);
        PageAlloc alloc = PageAlloc.builder(k.buddy(), k.layouts(), cpus, k.config().zoneTypes(), k.addressSpace(),
                PageFrames.of(k.ram())).adoptPagesets().build();
        alloc.gfpAllowedMask().setSchedulerReady();
        return new Booted(alloc, cpus);
    }

    /** The end of the per-cpu structures boot placed: the zones' pagesets and statistics, the nodes' statistics. */
    private static long bootPerCpuEnd(Kernel k) {
        KernelLayouts l = k.layouts();
        KernelMemory mem = k.memory();
        long end = 0;
        for (ZoneInfo z : k.zones()) {
            end = Math.max(end, mem.getLong(z.address() + l.zone().perCpuPageset) + l.perCpuPages().size);
            end = Math.max(end, mem.getLong(z.address() + l.zone().perCpuZonestats) + l.perCpuZonestat().size);
        }
        for (int nid = 0; nid < k.nrNodes(); nid++) {
            end = Math.max(end, mem.getLong(k.pgdat(nid) + l.pglistData().perCpuNodestats) + l.perCpuNodestat().size);
        }
        return end;
    }

    @Test
    void vexpressAllocatesFromItsZonesAndCmaAndEndsClean() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            Booted booted = allocator(k);
            PageAlloc alloc = booted.alloc();
            Buddy buddy = k.buddy();
            long normal = k.zone(0, "Normal").address();
            long highmem = k.zone(0, "HighMem").address();
            long[] managed = {buddy.zonePageState(normal, Buddy.NR_FREE_PAGES),
                buddy.zonePageState(highmem, Buddy.NR_FREE_PAGES)};
            try (Cpu cpu = booted.cpus().enter(0)) {
                long kernelPage = alloc.allocPages(Gfp.GFP_KERNEL, 0);
                assertEquals(normal, buddy.pageZone(kernelPage));
                long user = alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_ZERO, 0);
                assertEquals(highmem, buddy.pageZone(user), "highmem first for user pages");
                assertTrue(PageFrames.of(k.ram()).isZeroPage(k.memoryModel().pageToPfn(user)));
                long va = alloc.__getFreePages(Gfp.GFP_HIGHUSER, 0);
                assertEquals(normal, buddy.pageZone(k.memoryModel().pfnToPage(k.addressSpace().pa(va) >>> 12)),
                        "__get_free_pages keeps to lowmem");
                String zoneinfo = k.proc("/proc/zoneinfo");
                int count = alloc.pcp().count(alloc.pcp().pcp(normal, 0));
                assertTrue(count > 0 && zoneinfo.contains("count: " + count), "zoneinfo sees CPU 0's pcp list");

                // Movable blocks come from the movable pageblocks until the CMA area holds over half the free pages.
                int cma = buddy.migrateCma();
                int nrFreeCma = k.layouts().zone().nrVmZoneStatItems - 1;
                long cmaFree = buddy.zonePageState(highmem, nrFreeCma);
                List<Long> blocks = new ArrayList<>();
                boolean gotCma = false;
                long page;
                while (!gotCma && (page = alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_NOWARN, 8)) != 0) {
                    blocks.add(page);
                    gotCma = buddy.pageblockFlags().getPageblockMigratetype(page) == cma;
                }
                assertTrue(gotCma, "movable requests reach the CMA area");
                assertTrue(alloc.vmstat().zonePageStateSnapshot(highmem, nrFreeCma) < cmaFree);
                long unmovable = alloc.allocPages(Gfp.GFP_HIGHUSER | Gfp.__GFP_NOWARN, 8);
                assertNotEquals(cma, unmovable == 0 ? -1 : buddy.pageblockFlags().getPageblockMigratetype(unmovable),
                        "an unmovable request never takes CMA pages");
                assertTrue(alloc.vmstat().sumVmEvent(Vmstat.PGALLOC_FIRST + 1) > 0, "PGALLOC_HIGH");

                for (long b : blocks) {
                    alloc.__freePages(b, 8);
                }
                if (unmovable != 0) {
                    alloc.__freePages(unmovable, 8);
                }
                alloc.__freePages(kernelPage, 0);
                alloc.__freePages(user, 0);
                alloc.freePages(va, 0);
                for (ZoneInfo z : k.zones()) {
                    if (z.populated()) {
                        assertEquals(List.of(), PcpVerify.verifyZone(alloc, z.address()), z.name());
                    }
                }
                alloc.drainAllPages(0);
                for (ZoneInfo z : k.zones()) {
                    if (z.populated()) {
                        alloc.vmstat().foldZone(z.address());
                    }
                    assertEquals(List.of(), BuddyVerify.verifyZone(buddy, z.address()), z.name());
                }
                assertEquals(managed[0], buddy.zonePageState(normal, Buddy.NR_FREE_PAGES));
                assertEquals(managed[1], buddy.zonePageState(highmem, Buddy.NR_FREE_PAGES));
            }
        }
    }
}
