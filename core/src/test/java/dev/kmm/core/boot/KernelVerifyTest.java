package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.pagealloc.PageAlloc;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Kernel.verify() accounts for every page: free, on a pcp list, allocated (head or tail) or reserved. */
class KernelVerifyTest {
    /** Live blocks of every kind on a booted vexpress: 8 non-compound and 8 compound order-3, order-0 pages. */
    private static List<Long> allocate(Kernel k, Cpu cpu, List<Long> nonCompound) {
        PageAlloc alloc = k.pageAlloc();
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long p = alloc.allocPages(cpu, Gfp.GFP_KERNEL, 3);
            nonCompound.add(p);
            all.add(p);
            all.add(alloc.allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 3));
            all.add(alloc.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE, 0));
        }
        alloc.__freePages(cpu, all.removeLast(), 0); // one on the pcp list
        return all;
    }

    private static String joined(List<String> problems) {
        return String.join("\n", problems);
    }

    @Test
    void cleanWithLiveNonCompoundAndCompoundBlocks() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            assertTrue(k.pageAlloc().debugVm(), "tests run with -ea, which turns the bookkeeping on");
            assertEquals(List.of(), k.verify(), "after boot");
            List<Long> nonCompound = new ArrayList<>();
            try (Cpu cpu = k.cpus().enter(0)) {
                allocate(k, cpu, nonCompound);
                // a non-compound block someone else still references loses its upper halves on __free_pages
                k.pageAlloc().getPage(nonCompound.getFirst());
                k.pageAlloc().__freePages(cpu, nonCompound.getFirst(), 3);
            }
            assertEquals(List.of(), k.verify(), "with live blocks, tails and pcp pages");
        }
    }

    /**
     * Every built-in machine adds up after boot and with live blocks on every CPU: holes (the PC's below 1 MiB
     * and under 4 GiB, the memmap's section tails) are reserved struct pages outside present_pages.
     */
    @ParameterizedTest
    @ValueSource(strings = {"vexpress-a9", "virt-arm64", "pc-x86_64", "numa2-x86_64"})
    void everyMachineAddsUp(String name) {
        try (Kernel k = Kernel.boot(Machines.byName(name))) {
            assertEquals(List.of(), k.verify(), "after boot");
            for (int c = 0; c < k.machine().cpus(); c++) {
                try (Cpu cpu = k.cpus().enter(c)) {
                    allocate(k, cpu, new ArrayList<>());
                }
            }
            assertEquals(List.of(), k.verify(), "with live blocks");
        }
    }

    /** A page whose reference was dropped without a free is in no state, and the accounting is one page short. */
    @Test
    void findsALeakedPage() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long page;
            try (Cpu cpu = k.cpus().enter(0)) {
                allocate(k, cpu, new ArrayList<>());
                page = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 0);
            }
            PageRef.setPageCount(k.memory(), page, 0);
            List<String> problems = k.verify();
            long pfn = k.memoryModel().pageToPfn(page);
            assertTrue(problems.stream().anyMatch(p -> p.contains(String.format("pfn 0x%x is neither free, reserved "
                    + "nor allocated (refcount 0", pfn))), joined(problems));
            long managed = k.zone(0, "Normal").managed();
            assertTrue(problems.stream().anyMatch(p -> p.matches("node 0 zone \\d: free \\d+ \\+ pcp \\d+ \\+ allocated "
                    + "\\d+ = " + (managed - 1) + " pages, but managed_pages is " + managed)), joined(problems));
        }
    }

    /** put_page() on a non-compound head frees only the head, as in the kernel: its tails leak and are reported. */
    @Test
    void findsTheTailsPutPageLeaks() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long page;
            try (Cpu cpu = k.cpus().enter(0)) {
                page = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 2);
                k.pageAlloc().putPage(page);
            }
            long pfn = k.memoryModel().pageToPfn(page);
            List<String> problems = k.verify();
            for (int i = 1; i < 4; i++) {
                String leaked = String.format("pfn 0x%x is neither free, reserved nor allocated", pfn + i);
                assertTrue(problems.stream().anyMatch(p -> p.contains(leaked)), joined(problems));
            }
        }
    }

    /** A tail page of a non-compound block that took a reference is corrupt. */
    @Test
    void findsACorruptedTail() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            List<Long> nonCompound = new ArrayList<>();
            try (Cpu cpu = k.cpus().enter(0)) {
                allocate(k, cpu, nonCompound);
            }
            long head = nonCompound.get(3);
            long pfn = k.memoryModel().pageToPfn(head);
            PageRef.setPageCount(k.memory(), k.memoryModel().pfnToPage(pfn + 5), 1);
            List<String> problems = k.verify();
            assertTrue(problems.stream().anyMatch(p -> p.contains(String.format("pfn 0x%x, a tail of the order-3 "
                    + "block allocated at pfn 0x%x, has refcount 1", pfn + 5, pfn))), joined(problems));
        }
    }

    /** Zone counters that do not add up are named: managed_pages, then present_pages. */
    @Test
    void findsTheAccountingOff() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            try (Cpu cpu = k.cpus().enter(0)) {
                allocate(k, cpu, new ArrayList<>());
            }
            ZoneInfo normal = k.zone(0, "Normal");
            KernelMemory mem = k.memory();
            long managedAt = normal.address() + k.layouts().zone().managedPages;
            long presentAt = normal.address() + k.layouts().zone().presentPages;
            long managed = mem.getLong(managedAt);
            long present = mem.getLong(presentAt);

            mem.putLong(managedAt, managed + 1);
            List<String> problems = k.verify();
            assertEquals(1, problems.size(), joined(problems));
            assertTrue(problems.getFirst().endsWith(" = " + managed + " pages, but managed_pages is " + (managed + 1)),
                    joined(problems));
            mem.putLong(managedAt, managed);

            mem.putLong(presentAt, present + 1);
            problems = k.verify();
            assertEquals(1, problems.size(), joined(problems));
            assertTrue(problems.getFirst().matches("node 0 zone \\d: free \\d+ \\+ pcp \\d+ \\+ allocated \\d+ \\+ "
                    + "reserved \\d+ = " + present + " pages, but present_pages is " + (present + 1)
                    + " \\(spanned \\d+ minus \\d+ holes\\)"), joined(problems));
            mem.putLong(presentAt, present);
            assertEquals(List.of(), k.verify());
        }
    }
}
