package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.Cpu;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.PageFrames;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line's init_on_alloc, init_on_free and page_owner in a booted kernel. */
class MemDebugBootTest {
    private static Machine withArgs(Machine m, String args) {
        return m.toBuilder().bootArgs(m.bootArgs() + " " + args).build();
    }

    /** report_meminit()'s line is the real boot's, before mem_init()'s "Memory:" line. */
    @Test
    void memAutoInitLineIsTheKernels() {
        String real = RealBootLog.load("vexpress-a9/default.log").kernelLines().stream()
                .filter(l -> l.startsWith("mem auto-init:")).findFirst().orElseThrow();
        assertEquals("mem auto-init: stack:all(zero), heap alloc:off, heap free:off", real);
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            List<String> dmesg = k.dmesg();
            int at = dmesg.indexOf(real);
            assertTrue(at >= 0 && at < indexOfPrefix(dmesg, "Memory: "), String.join("\n", dmesg));
            assertFalse(k.pageAlloc().initOnAlloc() || k.pageAlloc().initOnFree());
        }
    }

    @Test
    void initOnAllocAndFreeFromTheCommandLine() {
        try (Kernel k = Kernel.boot(withArgs(Machines.pcX86_64(1L << 30, 2), "init_on_alloc=1 init_on_free=on"))) {
            List<String> dmesg = k.dmesg();
            int at = dmesg.indexOf("mem auto-init: stack:all(zero), heap alloc:on, heap free:on");
            assertTrue(at >= 0, String.join("\n", dmesg));
            assertEquals("mem auto-init: clearing system memory may take some time...", dmesg.get(at + 1));
            assertTrue(k.pageAlloc().initOnAlloc() && k.pageAlloc().initOnFree());
        }
    }

    /** With init_on_free=1 a page filled by its user reads zero in RAM once freed; without, it keeps its bytes. */
    @Test
    void initOnFreeClearsFreedRam() {
        for (boolean on : new boolean[] {false, true}) {
            Machine m = Machines.pcX86_64(1L << 30, 2);
            try (Kernel k = Kernel.boot(on ? withArgs(m, "init_on_free=1") : m); Cpu cpu = k.cpus().enter(0)) {
                long page = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 1);
                long va = k.pageAlloc().pageAddress(page);
                for (long off = 0; off < 8192; off += 8) {
                    k.memory().putLong(va + off, 0xdeadbeefL + off);
                }
                long pfn = k.memoryModel().pageToPfn(page);
                PageFrames frames = PageFrames.of(k.ram());
                assertFalse(frames.isZeroPage(pfn + 1));
                k.pageAlloc().__freePages(cpu, page, 1);
                assertEquals(on, frames.isZeroPage(pfn) && frames.isZeroPage(pfn + 1), "init_on_free " + on);
            }
        }
    }

    /** page_owner=on: the early-allocation lines, the debugfs file, and records of the allocating CPU's task. */
    @Test
    void pageOwnerOnTheCommandLine() {
        try (Kernel k = Kernel.boot(withArgs(Machines.pcX86_64(1L << 30, 2), "page_owner=on"))) {
            assertTrue(k.dmesg().contains("Node 0, zone      DMA: page owner found early allocated 0 pages"));
            // mem_init()'s 64 vmalloc PUD pages were allocated before page_ext_init(): early records.
            assertTrue(k.dmesg().contains("Node 0, zone    DMA32: page owner found early allocated 64 pages"),
                    String.join("\n", k.dmesg()));
            String early = k.proc("/sys/kernel/debug/page_owner");
            assertEquals(64, early.split(java.util.regex.Pattern.quote(
                    "Page allocated via order 0, mask 0x0(), pid 0, tgid 0 (swapper/0)"), -1).length
                    - 1, early);
            long page;
            try (Cpu cpu = k.cpus().enter(1)) {
                page = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 1);
            }
            long pfn = k.memoryModel().pageToPfn(page);
            String all = k.proc("/sys/kernel/debug/page_owner");
            assertTrue(all.startsWith(early), "records are printed by pfn, and ours lies above the early ones");
            String text = all.substring(early.length());
            assertTrue(text.startsWith("Page allocated via order 1, mask 0x40cc0(GFP_KERNEL|__GFP_COMP), pid 0, tgid 0 "
                    + "(swapper/1), ts "), text);
            long ts = Long.parseLong(text.substring(text.indexOf(", ts ") + 5, text.indexOf(" ns,")));
            assertTrue(ts > 0 && ts < 600_000_000_000L, "local_clock() counts from the boot: " + ts);
            assertTrue(text.contains("\nPFN " + pfn + " type Unmovable Block " + (pfn >> 9) + " type Unmovable Flags "
                    + "0x"), text);
            assertTrue(text.contains("(head|node=0|zone=1)"), "the compound head's flags: " + text);
            assertTrue(text.endsWith("\n\n"));
            try (Cpu cpu = k.cpus().enter(0)) {
                k.pageAlloc().__freePages(cpu, page, 1);
            }
            assertEquals(early, k.proc("/sys/kernel/debug/page_owner"));
            assertEquals(List.of(), k.verify());
        }
    }

    /**
     * With page_owner, /proc/pagetypeinfo ends each node with pagetypeinfo_showmixedcount's table: "%-23s" and
     * "%12s " headers, then per zone "Node %d, zone %8s " and "%12lu " counts of pageblocks holding an allocation
     * of another migrate type, counted under the block's type.
     */
    @Test
    void pagetypeinfoCountsMixedBlocks() {
        try (Kernel k = Kernel.boot(withArgs(Machines.pcX86_64(1L << 30, 2), "page_owner=on"))) {
            long page;
            try (Cpu cpu = k.cpus().enter(0)) {
                page = k.pageAlloc().allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE, 0);
            }
            String before = k.proc("/proc/pagetypeinfo");
            String header = String.format("%n%-23s", "Number of mixed blocks ");
            assertTrue(before.contains(header + String.format("%12s %12s ", "Unmovable", "Movable")), before);
            String zone = k.zone(0, "DMA32").name();
            assertTrue(before.contains(String.format("Node %d, zone %8s %12d %12d ", 0, zone, 0, 0)), before);
            // the movable page's pageblock turns unmovable: that block is now mixed
            k.buddy().pageblockFlags().setPageblockMigratetype(page, 0);
            String after = k.proc("/proc/pagetypeinfo");
            assertTrue(after.contains(String.format("Node %d, zone %8s %12d %12d ", 0, zone, 1, 0)), after);
            assertEquals(before.substring(0, before.indexOf(header)).length(),
                    after.substring(0, after.indexOf(header)).length(), "the tables before it keep their shape");
        }
        try (Kernel k = Kernel.boot(Machines.pcX86_64(1L << 30, 2))) {
            assertFalse(k.proc("/proc/pagetypeinfo").contains("Number of mixed blocks"), "page_owner off");
        }
    }

    /** Off, as by default, debugfs has no page_owner file and the allocator no records. */
    @Test
    void pageOwnerOffByDefault() {
        try (Kernel k = Kernel.boot(Machines.pcX86_64(1L << 30, 2))) {
            assertNull(k.pageAlloc().pageOwner());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.proc("/sys/kernel/debug/page_owner"));
            assertTrue(e.getMessage().startsWith("no such file: /sys/kernel/debug/page_owner"), e.getMessage());
            assertTrue(k.dmesg().stream().noneMatch(l -> l.contains("page owner")));
        }
    }

    private static int indexOfPrefix(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
