package dev.kmm.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.PageOps;
import dev.kmm.arena.addr.Arch;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.boot.DeviceTreeMachine;
import dev.kmm.core.boot.E820Machine;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.KernelConfig;
import dev.kmm.core.boot.KernelImage;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.e820.E820Dmesg;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.of.FdtWriter;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.proc.BuddyInfo;
import dev.kmm.core.proc.MemInfo;
import dev.kmm.core.proc.ProcBuddyinfo;
import dev.kmm.core.proc.ProcMeminfo;
import dev.kmm.core.proc.ProcVmstat;
import dev.kmm.core.proc.VmStat;
import dev.kmm.core.trace.KmemEvent;
import dev.kmm.core.trace.KmemListener;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.stress.replay.TraceReplay;
import dev.kmm.stress.report.Report;
import dev.kmm.stress.report.SkipReason;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of the README's "Embedding kmm" guide, run: every {@code java} block of that section must appear here
 * line for line ({@link #theGuidesSnippetsAreTheseTests}), so the guide compiles and does what it says. Lines
 * ending in {@value #NOT_IN_THE_GUIDE} are checks the guide leaves out.
 */
class EmbeddingGuideTest {
    private static final Path README = Path.of("../README.md");
    private static final Path THIS = Path.of("src/test/java/dev/kmm/stress/EmbeddingGuideTest.java");
    private static final String NOT_IN_THE_GUIDE = "// not in the guide";

    @TempDir
    Path dir;

    @Test
    void bootMachinesOfEveryKind() throws IOException {
        Path dtb = dir.resolve("board.dtb");
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root().strings("compatible", "arm,vexpress").u32("#address-cells", 1)
                .u32("#size-cells", 1);
        FdtWriter.Node cpus = root.node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
        cpus.node("cpu@0").string("device_type", "cpu").string("compatible", "arm,cortex-a9").u32("reg", 0);
        root.node("memory@60000000").string("device_type", "memory").cells("reg", 0x6000_0000, 0x1000_0000);
        Files.write(dtb, w.toBlob());
        Path dmesg = Files.writeString(dir.resolve("dmesg.txt"), """
                [    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
                [    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
                [    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
                [    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable
                [    0.000000] BIOS-e820: [mem 0x000000003ffe0000-0x000000003fffffff] reserved
                """);

        Machine board = Machines.vexpressA9();                           // Cortex-A9 x4, 1 GiB: the default
        Machine pc = Machines.pcX86_64(4L << 30, 8);                     // a QEMU PC with 4 GiB and 8 CPUs
        Machine tree = DeviceTreeMachine.fromFile(dtb, Optional.empty()); // a .dtb (a .dts goes through dtc)
        Machine host = E820Machine.builder("host", E820Dmesg.read(dmesg), 2).build(); // a dmesg's e820 map
        Machine mine = Machine.builder("my-board", KernelConfig.defconfig(Arch.ARM64))
                .ram(0x4000_0000L, 1L << 30)
                .cpus(2)
                .image(KernelImage.arm64Defconfig(0x4020_0000L))
                .bootArgs("console=ttyAMA0 mem=512M")
                .build();

        for (Machine m : List.of(board, pc, tree, host, mine)) {
            try (Kernel kernel = Kernel.boot(m)) {
                assertTrue(kernel.totalramPages() > 0, m.name());
                assertEquals(List.of(), kernel.verify(), m.name());
            }
        }
        try (Kernel kernel = Kernel.boot(mine)) {
            assertTrue(kernel.totalramPages() <= (512L << 20) / 4096, "mem=512M caps the RAM");
            assertEquals(2, kernel.cpus().nrCpuIds());
        }
        try (Kernel kernel = Kernel.boot(tree)) {
            assertEquals(1, kernel.cpus().nrCpuIds());
        }
    }

    @Test
    void allocateFreeAndTouchPages() {
        try (Kernel kernel = Kernel.boot(Machines.vexpressA9())) {
            long[] pfn = {-1};
            KmemListener watch = new KmemListener() {
                @Override
                public void mmPageAlloc(long p, int order, int gfpFlags, int migratetype) {
                    pfn[0] = p;
                }
            };
            try (var attachment = kernel.trace().attach(watch, KmemEvent.MM_PAGE_ALLOC)) {
                allocateWriteAndFree(kernel);
            }
            assertTrue(pfn[0] >= 0x60000 && pfn[0] < 0xa0000, "a pfn of the board's RAM: " + Long.toHexString(pfn[0]));
            assertEquals(0x6b6d6dL, kernel.ram().getLong((pfn[0] << 12) + 8), "the simulated RAM holds the write");
            assertEquals(0, kernel.ram().getLong(pfn[0] << 12), "__GFP_ZERO zeroed the rest");
            assertEquals(List.of(), kernel.verify());
        }
    }

    private static void allocateWriteAndFree(Kernel kernel) {
        PageAlloc alloc = kernel.pageAlloc();
        try (Cpu cpu = kernel.cpus().enter(0)) {                    // like preempt_disable() on CPU 0
            long page = alloc.allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 2); // a struct page; 0 on failure
            long pfn = kernel.memoryModel().pageToPfn(page);
            MemorySegment bytes = kernel.ram().slice(pfn << PageOps.PAGE_SHIFT, PageOps.PAGE_SIZE << 2);
            bytes.set(ValueLayout.JAVA_LONG, 8, 0x6b6d6dL);         // the block's 16 KiB, read and written
            alloc.__freePages(cpu, page, 2);
        }
    }

    @Test
    void oneThreadDrivesEveryCpu() {
        try (Kernel kernel = Kernel.boot(Machines.vexpressA9())) {
            PageAlloc alloc = kernel.pageAlloc();
            long normal = kernel.zone(0, "Normal").address();

            Cpu cpu = kernel.cpus().switchTo(1);                    // enters CPU 1
            long page = alloc.allocPages(cpu, Gfp.GFP_KERNEL, 0);
            cpu = kernel.cpus().switchTo(3);                        // leaves CPU 1, enters CPU 3
            alloc.__freePages(cpu, page, 0);                        // onto CPU 3's per-CPU list
            cpu.exit();

            assertEquals(3, cpu.id());
            assertEquals(null, cpu.occupant(), "the driver left CPU 3");
            assertTrue(alloc.pcp().count(alloc.pcp().pcp(normal, 3)) > 0, "CPU 3 holds the freed page");
            assertEquals(Thread.currentThread(), kernel.cpus().driver());
        }
    }

    @Test
    void oneThreadPerCpu() throws InterruptedException {
        try (Kernel kernel = Kernel.boot(Machines.vexpressA9(), CpuContexts.Mode.PARALLEL)) {
            long pgfree = ProcVmstat.read(kernel.mmState()).get("pgfree"); // not in the guide
            Thread[] threads = new Thread[4];
            for (int id = 0; id < threads.length; id++) {
                int cpuId = id;
                threads[id] = Thread.ofPlatform().start(() -> {
                    try (Cpu cpu = kernel.cpus().enter(cpuId)) {
                        long page = kernel.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 0);
                        kernel.pageAlloc().__freePages(cpu, page, 0);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(pgfree + 4, ProcVmstat.read(kernel.mmState()).get("pgfree")); // not in the guide
            assertEquals(List.of(), kernel.verify()); // not in the guide
        }
    }

    @Test
    void listenToTracepointsAndReadTheViews() {
        try (Kernel kernel = Kernel.boot(Machines.vexpressA9())) {
            List<Long> allocated = new ArrayList<>();
            KmemListener listener = new KmemListener() {
                @Override
                public void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
                    allocated.add(pfn);                             // runs on the allocating CPU; -1: failed
                }
            };
            try (KmemTrace.Attachment attachment = kernel.trace().attach(listener, KmemEvent.MM_PAGE_ALLOC);
                 Cpu cpu = kernel.cpus().enter(0)) {
                kernel.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 3);
            }
            assertEquals(1, allocated.size());

            String text = kernel.proc("/proc/buddyinfo");           // the kernel's text, byte for byte
            List<BuddyInfo> buddyinfo = ProcBuddyinfo.read(kernel.mmState()); // the same, as records
            long freeOrder3 = buddyinfo.get(0).nrFree().get(3);
            MemInfo meminfo = ProcMeminfo.read(kernel.mmState());
            long freeKb = meminfo.memFree();
            VmStat vmstat = ProcVmstat.read(kernel.mmState());
            long pgalloc = vmstat.get("pgalloc_normal");

            assertEquals(ProcBuddyinfo.render(buddyinfo), text);
            assertTrue(text.contains(" " + freeOrder3 + " "), text);
            assertTrue(freeKb > 900 * 1024, "most of 1 GiB is free: " + freeKb);
            assertEquals(8, pgalloc, "one order-3 block");
        }
    }

    @Test
    void verifyAndReplayATrace() throws IOException {
        Path trace = Files.writeString(dir.resolve("trace.txt"), """
                # tracer: nop
                  bash-1  [001] .....  10.000001: mm_page_alloc: page=00000000deadbeef pfn=0x1000 order=0 migratetype=0 gfp_flags=GFP_KERNEL
                  bash-1  [002] .....  10.000002: mm_page_free: page=00000000deadbeef pfn=0x1000 order=0
                  bash-1  [002] .....  10.000003: mm_page_free: page=00000000deadbeef pfn=0x2000 order=0
                """);
        try (Kernel kernel = Kernel.boot(Machines.vexpressA9())) {
            List<String> problems = kernel.verify();                // empty when every structure is consistent
            Report report = TraceReplay.replay(kernel, trace);      // kmm replay's report, as a record
            String text = report.text();                            // as kmm replay prints it
            long skipped = report.replay().skippedTotal();          // frees of pages allocated before the trace

            assertEquals(List.of(), problems);
            assertEquals(2, report.replay().replayed());
            assertEquals(1, skipped, text);
            assertEquals(List.of(new Report.Skip(SkipReason.FREE_BEFORE_TRACE, 1, 4)), report.replay().skipped());
            assertTrue(text.contains("  free of a page allocated before the trace began\n"), text);
            assertEquals(List.of(), report.verify().problems(), "verify() after the cleanup");
        }
    }

    /** Each {@code java} block of the README's "Embedding kmm" section, line for line in this file. */
    @Test
    void theGuidesSnippetsAreTheseTests() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n## Embedding kmm\n");
        assertTrue(start >= 0, "README has an 'Embedding kmm' section");
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> source = Files.readAllLines(THIS).stream().map(String::strip)
                .filter(l -> !l.endsWith(NOT_IN_THE_GUIDE)).toList();
        int blocks = 0;
        for (int at = section.indexOf("```java\n"); at >= 0; at = section.indexOf("```java\n", at + 1)) {
            int from = at + "```java\n".length();
            List<String> block = section.substring(from, section.indexOf("```", from)).lines().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
            assertFalse(block.isEmpty());
            assertTrue(containsInOrder(source, block), "the guide's block is not in this test:\n"
                    + String.join("\n", block));
            blocks++;
        }
        assertTrue(blocks >= 5, "the guide shows its code: " + blocks + " blocks");
    }

    /** Whether {@code block} appears as consecutive non-blank lines of {@code source}. */
    private static boolean containsInOrder(List<String> source, List<String> block) {
        List<String> lines = source.stream().filter(l -> !l.isEmpty()).toList();
        for (int i = 0; i + block.size() <= lines.size(); i++) {
            if (lines.subList(i, i + block.size()).equals(block)) {
                return true;
            }
        }
        return false;
    }
}
