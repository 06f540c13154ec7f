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

/** The page allocator of a booted kernel: its free lists, zonelists, per-cpu pagesets, CMA area and counters. */
class BootedPageAllocTest {
    @Test
    void vexpressAllocatesFromItsZonesAndCmaAndEndsClean() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            PageAlloc alloc = k.pageAlloc();
            Buddy buddy = k.buddy();
            long normal = k.zone(0, "Normal").address();
            long highmem = k.zone(0, "HighMem").address();
            long[] managed = {buddy.zonePageState(normal, Buddy.NR_FREE_PAGES),
                buddy.zonePageState(highmem, Buddy.NR_FREE_PAGES)};
            try (Cpu cpu = k.cpus().enter(0)) {
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

    /** 6.1 counts the boot's frees in pgfree; allocations count pgalloc_<zone>, frees pgfree, in /proc/vmstat. */
    @Test
    void vmstatCountsTheBootFreesThenTheAllocators() {
        try (Kernel k = Kernel.boot(Machines.pcX86_64(1L << 30, 2))) {
            assertEquals(k.totalramPages(), vmstat(k, "pgfree"), "the boot freed every managed page once");
            // 1 GiB: no ZONE_NORMAL, so mem_init()'s vmalloc PUD pages came from ZONE_DMA32.
            assertEquals(64, vmstat(k, "pgalloc_dma32"), "mem_init()'s vmalloc PUD pages");
            assertEquals(0, vmstat(k, "pgalloc_normal") + vmstat(k, "pgalloc_dma"));
            PageAlloc alloc = k.pageAlloc();
            long[] pages = new long[100];
            try (Cpu cpu = k.cpus().enter(1)) {
                for (int i = 0; i < pages.length; i++) {
                    pages[i] = alloc.allocPages(Gfp.GFP_KERNEL, 2);
                }
                assertEquals(64 + 400, vmstat(k, "pgalloc_dma32") + vmstat(k, "pgalloc_normal"));
                for (long p : pages) {
                    alloc.__freePages(p, 2);
                }
            }
            assertEquals(k.totalramPages() + 400, vmstat(k, "pgfree"));
        }
    }

    /** A failed allocation's warn_alloc lines go to the kernel log, as they would to dmesg. */
    @Test
    void warnAllocPrintsToTheKernelLog() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            int before = k.dmesg().size();
            int got = 0;
            try (Cpu cpu = k.cpus().enter(0)) {
                while (k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_NORETRY, 10) != 0) {
                    got++;
                }
            }
            assertTrue(got > 0 && got < 1024, "lowmem runs out of 4 MiB blocks: " + got);
            List<String> after = k.dmesg().subList(before, k.dmesg().size());
            assertTrue(after.stream().anyMatch(l -> l.contains("page allocation failure: order:10, mode:0x")
                    && l.contains("(GFP_KERNEL|__GFP_NORETRY)")), String.join("\n", after));
        }
    }

    private static long vmstat(Kernel k, String name) {
        for (String line : k.proc("/proc/vmstat").split("\n")) {
            String[] f = line.split(" ");
            if (f[0].equals(name)) {
                return Long.parseLong(f[1]);
            }
        }
        throw new AssertionError("no " + name + " in /proc/vmstat");
    }

    /** verify() sees pages on the pcp lists as theirs and the pending counter deltas; it finds a corrupted page. */
    @Test
    void verifyWalksTheLiveKernelWithoutDraining() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            assertEquals(List.of(), k.verify(), "after boot");
            long[] pages = new long[64];
            try (Cpu cpu = k.cpus().enter(0)) {
                for (int i = 0; i < pages.length; i++) {
                    pages[i] = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_COMP, i % 4);
                }
                for (int i = 0; i < pages.length; i += 2) {
                    k.pageAlloc().__freePages(cpu, pages[i], i % 4);
                }
            }
            long normal = k.zone(0, "Normal").address();
            assertTrue(k.pageAlloc().pcp().count(k.pageAlloc().pcp().pcp(normal, 0)) > 0, "pages wait on the pcp");
            assertEquals(List.of(), k.verify(), "with pages allocated and on the pcp lists");
            // A page that lost its reference without being freed is in no state.
            dev.kmm.core.page.PageRef.setPageCount(k.memory(), pages[60 + 1], 0);
            List<String> problems = k.verify();
            assertTrue(problems.stream().anyMatch(p -> p.contains("neither free, reserved nor allocated")),
                    String.join("\n", problems));
        }
    }

    /** x86's boot runs the allocator on CPU 0 (mem_init), yet any thread may drive the booted kernel afterwards. */
    @Test
    void anotherThreadDrivesTheKernelTheBootUsed() throws Exception {
        try (Kernel k = Kernel.boot(Machines.pcX86_64(1L << 30, 2))) {
            java.util.concurrent.CompletableFuture<Long> pfn = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (Cpu cpu = k.cpus().enter(1)) {
                    return k.memoryModel().pageToPfn(k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 0));
                }
            }, r -> new Thread(r, "simulator").start());
            assertTrue(pfn.get() > 0);
            assertEquals("simulator", k.cpus().driver().getName());
        }
    }

    /** A closed kernel's memory raises BadAddressException: nothing touches the released host memory. */
    @Test
    void aClosedKernelsMemoryRaises() {
        Kernel k = Kernel.boot(Machines.vexpressA9());
        long zone = k.zone(0, "Normal").address();
        KernelMemory mem = k.memory();
        assertTrue(mem.getLong(zone) != -1);
        k.close();
        org.junit.jupiter.api.Assertions.assertThrows(dev.kmm.arena.BadAddressException.class, () -> mem.getLong(zone));
    }

    /** Like BuddyVerify, the pcp check lists at most MAX_REPORTED violations and counts the rest. */
    @Test
    void pcpViolationsAreCapped() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long normal = k.zone(0, "Normal").address();
            long[] pages = new long[300];
            try (Cpu cpu = k.cpus().enter(0)) {
                for (int i = 0; i < pages.length; i++) {
                    pages[i] = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 0);
                }
                for (long p : pages) {
                    k.pageAlloc().__freePages(cpu, p, 0);
                }
            }
            int onPcp = k.pageAlloc().pcp().count(k.pageAlloc().pcp().pcp(normal, 0));
            assertTrue(onPcp > dev.kmm.core.pagealloc.BuddyVerify.MAX_REPORTED, "pages on CPU 0's lists: " + onPcp);
            for (long p : pages) {
                dev.kmm.core.page.PageRef.setPageCount(k.memory(), p, 1); // each now looks in use on a pcp list
            }
            List<String> problems = dev.kmm.core.pagealloc.PcpVerify.verifyZone(k.pageAlloc(), normal);
            assertEquals(dev.kmm.core.pagealloc.BuddyVerify.MAX_REPORTED + 1, problems.size());
            assertEquals("... and " + (onPcp - dev.kmm.core.pagealloc.BuddyVerify.MAX_REPORTED)
                    + " more violations of the per-cpu pagesets", problems.get(problems.size() - 1));
        }
    }
}
