package dev.kmm.core.pagealloc;

import dev.kmm.core.pagealloc.FreeAreaInit.NodeInit;
import dev.kmm.core.pagealloc.FreeAreaInit.ZoneInit;
import dev.kmm.core.pagealloc.PrintkLine.Level;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code free_area_init()} against boot logs of real kernels and against hand arithmetic written as
 * the kernel's expressions. Zone indices below are x86_64's: DMA 0, DMA32 1, Normal 2, Movable 3, Device 4.
 */
class FreeAreaInitTest {
    private static final int DMA = 0;
    private static final int DMA32 = 1;
    private static final int NORMAL = 2;
    private static final int MOVABLE = 3;
    private static final int DEVICE = 4;

    /** A memory range given as the kernel logs it: "[mem 0x...-0x...]" (inclusive end). */
    private static MemPfnRange mem(long first, long last, int nid) {
        return MemPfnRange.ofRegion(first, last - first + 1, nid);
    }

    private static List<String> texts(FreeAreaInit f, Level level) {
        return f.log().stream().filter(l -> l.level() == level).map(PrintkLine::text).toList();
    }

    private static List<String> unavailable(FreeAreaInit f) {
        return texts(f, Level.INFO).stream().filter(t -> t.endsWith("pages in unavailable ranges")).toList();
    }

    private static ZoneInit zone(FreeAreaInit f, int nid, int type) {
        return f.nodes().get(nid).zones().get(type);
    }

    private static FreeAreaInit x86(long maxLowPfn, List<MemPfnRange> memory, CoreParams core, long dmaReserve) {
        // arch/x86/mm/init.c zone_sizes_init(): DMA below 16 MiB, DMA32 below 4 GiB, Normal up to max_low_pfn.
        long[] maxZonePfn = {Math.min(0x1000, maxLowPfn), Math.min(0x100000, maxLowPfn), maxLowPfn, 0, 0};
        return FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, maxZonePfn, memory, 1, core, dmaReserve);
    }

    /**
     * A 16 GiB laptop (pop-os/linux issue #10, a 5.x kernel): its zone ranges, early ranges, Initmem
     * line and the pr_debug lines of free_area_init_core() are 6.1's too, with the "LIFO batch" of
     * the 1 MiB batch formula. That kernel summed the holes in one line ("Zeroed struct page in
     * unavailable ranges: 41256 pages"); 6.1 prints them per zone, and the per-zone counts must add
     * up to the same 41256.
     */
    @Test
    void popOsLaptopBootLog() {
        List<MemPfnRange> memory = List.of(
                mem(0x0000000000001000L, 0x0000000000057fffL, 0),
                mem(0x0000000000059000L, 0x0000000000085fffL, 0),
                mem(0x0000000000100000L, 0x000000005e4dcfffL, 0),
                mem(0x000000005e508000L, 0x000000007377dfffL, 0),
                mem(0x0000000077ffe000L, 0x0000000077ffefffL, 0),
                mem(0x0000000100000000L, 0x00000004827fffffL, 0));
        FreeAreaInit f = x86(0x482800, memory, CoreParams.NONE, 21);

        assertEquals(List.of(
                "Zone ranges:",
                "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
                "  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]",
                "  Normal   [mem 0x0000000100000000-0x00000004827fffff]",
                "  Device   empty",
                "Movable zone start for each node",
                "Early memory node ranges",
                "  node   0: [mem 0x0000000000001000-0x0000000000057fff]",
                "  node   0: [mem 0x0000000000059000-0x0000000000085fff]",
                "  node   0: [mem 0x0000000000100000-0x000000005e4dcfff]",
                "  node   0: [mem 0x000000005e508000-0x000000007377dfff]",
                "  node   0: [mem 0x0000000077ffe000-0x0000000077ffefff]",
                "  node   0: [mem 0x0000000100000000-0x00000004827fffff]",
                "Initmem setup node 0 [mem 0x0000000000001000-0x00000004827fffff]",
                // Hand-derived: each hole is charged to the zone above it; pfn_valid() holds in any
                // 128 MiB section with memory, so only whole empty sections are skipped.
                "On node 0, zone DMA: 1 pages in unavailable ranges",      // [0, 0x1)
                "On node 0, zone DMA: 1 pages in unavailable ranges",      // [0x58, 0x59)
                "On node 0, zone DMA: 122 pages in unavailable ranges",    // [0x86, 0x100)
                "On node 0, zone DMA32: 43 pages in unavailable ranges",   // [0x5e4dd, 0x5e508)
                "On node 0, zone DMA32: 18560 pages in unavailable ranges", // [0x7377e, 0x77ffe)
                "On node 0, zone Normal: 1 pages in unavailable ranges",   // [0x77fff, 0x78000)
                "On node 0, zone Normal: 22528 pages in unavailable ranges"), // [0x482800, 0x488000)
                texts(f, Level.INFO));
        assertEquals(41256, unavailable(f).stream().mapToLong(t -> Long.parseLong(t.split(" ")[5])).sum());

        assertEquals(List.of(
                "On node 0 totalpages: 4153048",
                "  DMA zone: 64 pages used for memmap",
                "  DMA zone: 21 pages reserved",
                "  DMA zone: 3972 pages, LIFO batch:0",
                "  DMA32 zone: 7326 pages used for memmap",
                "  DMA32 zone: 468820 pages, LIFO batch:63",
                "  Normal zone: 57504 pages used for memmap",
                "  Normal zone: 3680256 pages, LIFO batch:63"),
                texts(f, Level.DEBUG));
        assertTrue(texts(f, Level.WARNING).isEmpty());

        ZoneInit dma32 = zone(f, 0, DMA32);
        assertEquals(0x1000, dma32.zoneStartPfn());
        assertEquals(0x100000 - 0x1000, dma32.spannedPages());
        assertEquals(468820 - 7326, dma32.managedPages());
        assertEquals(3972 - 64 - 21, zone(f, 0, DMA).managedPages());
        NodeInit node = f.nodes().getFirst();
        assertEquals(1, node.nodeStartPfn());
        assertEquals(0x482800 - 1, node.nodeSpannedPages());
        assertEquals(4153048, node.nodePresentPages());
    }

    /** An OKD node (okd-project/okd issue #878): a QEMU layout with its four "unavailable ranges" lines. */
    @Test
    void okdVirtualMachineUnavailableRanges() {
        List<MemPfnRange> memory = List.of(
                mem(0x0000000000001000L, 0x000000000009efffL, 0),
                mem(0x0000000000100000L, 0x00000000bffe8fffL, 0),
                mem(0x0000000100000000L, 0x00000008299fffffL, 0));
        FreeAreaInit f = x86(0x829a00, memory, CoreParams.NONE, 0);
        assertEquals(List.of(
                "On node 0, zone DMA: 1 pages in unavailable ranges",
                "On node 0, zone DMA: 97 pages in unavailable ranges",
                "On node 0, zone Normal: 23 pages in unavailable ranges",
                "On node 0, zone Normal: 26112 pages in unavailable ranges"), unavailable(f));
        assertTrue(texts(f, Level.INFO).contains("Initmem setup node 0 [mem 0x0000000000001000-0x00000008299fffff]"));
    }

    /** A Surface laptop on 6.0.17 (NixOS/nixos-hardware PR #533), whose log shows the first seven lines. */
    @Test
    void surfaceLaptopUnavailableRanges() {
        List<MemPfnRange> memory = List.of(
                mem(0x0000000000001000L, 0x000000000009ffffL, 0),
                mem(0x0000000000100000L, 0x0000000079e1ffffL, 0),
                mem(0x0000000079e21000L, 0x0000000079e21fffL, 0),
                mem(0x0000000079e23000L, 0x000000007b675fffL, 0),
                mem(0x000000007ba76000L, 0x000000007ba8efffL, 0),
                mem(0x000000007bbff000L, 0x000000007bbfffffL, 0),
                mem(0x0000000100000000L, 0x000000026abfffffL, 0));
        FreeAreaInit f = x86(0x26ac00, memory, CoreParams.NONE, 0);
        assertEquals(List.of(
                "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
                "  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]",
                "  Normal   [mem 0x0000000100000000-0x000000026abfffff]",
                "  Device   empty"), texts(f, Level.INFO).subList(1, 5));
        assertEquals(List.of(
                "On node 0, zone DMA: 1 pages in unavailable ranges",
                "On node 0, zone DMA: 96 pages in unavailable ranges",
                "On node 0, zone DMA32: 1 pages in unavailable ranges",
                "On node 0, zone DMA32: 1 pages in unavailable ranges",
                "On node 0, zone DMA32: 1024 pages in unavailable ranges",
                "On node 0, zone DMA32: 368 pages in unavailable ranges",
                "On node 0, zone Normal: 17408 pages in unavailable ranges",
                // Cut off in the log; by hand: round_up(0x26ac00, PAGES_PER_SECTION) - 0x26ac00.
                "On node 0, zone Normal: " + (0x270000 - 0x26ac00) + " pages in unavailable ranges"), unavailable(f));
    }

    /** x86_64 QEMU with 8 GiB (3 GiB below the PCI hole, 5 GiB above): every size by hand. */
    @Test
    void x86EightGigabytes() {
        FreeAreaInit f = x86(0x240000, x86EightGigMemory(), CoreParams.NONE, 0);
        ZoneInit dma = zone(f, 0, DMA);
        assertEquals(1, dma.zoneStartPfn());
        assertEquals(0x1000 - 1, dma.spannedPages());
        assertEquals((0x9f - 1) + (0x1000 - 0x100), dma.presentPages()); // 3998, as QEMU guests report
        assertEquals((4095 * 64 + 4095) / 4096, dma.memmapPages()); // holes under 1/16: spanned pages count
        ZoneInit dma32 = zone(f, 0, DMA32);
        assertEquals(0x1000, dma32.zoneStartPfn());
        assertEquals(0x100000 - 0x1000, dma32.spannedPages());
        assertEquals(0xbfff8 - 0x1000, dma32.presentPages());
        assertEquals((782328L * 64 + 4095) / 4096, dma32.memmapPages()); // large hole: present pages count
        assertEquals(12224, dma32.memmapPages());
        ZoneInit normal = zone(f, 0, NORMAL);
        assertEquals(0x100000, normal.zoneStartPfn());
        assertEquals(0x140000, normal.spannedPages());
        assertEquals(0x140000, normal.presentPages());
        assertEquals(0x140000L * 64 / 4096, normal.memmapPages());
        for (int type : new int[]{MOVABLE, DEVICE}) {
            assertEquals(0, zone(f, 0, type).spannedPages());
            assertEquals(0, zone(f, 0, type).zoneStartPfn());
        }
        long kernel = (3998 - 64) + (782328 - 12224) + (1310720 - 20480);
        assertEquals(kernel, f.nrKernelPages());
        assertEquals(kernel, f.nrAllPages());
        assertEquals(List.of(
                "On node 0, zone DMA: 1 pages in unavailable ranges",
                "On node 0, zone DMA: 97 pages in unavailable ranges",
                "On node 0, zone Normal: 8 pages in unavailable ranges"), unavailable(f));
        // dma_reserve 0 is still "reserved" in the log: the test is freesize > dma_reserve.
        assertTrue(texts(f, Level.DEBUG).contains("  DMA zone: 0 pages reserved"));
        assertEquals(NORMAL, f.movableZone());
    }

    private static List<MemPfnRange> x86EightGigMemory() {
        return List.of(new MemPfnRange(1, 0x9f, 0), new MemPfnRange(0x100, 0xbfff8, 0), new MemPfnRange(0x100000, 0x240000, 0));
    }

    /**
     * kernelcore=4G on the 8 GiB machine: the 1 GiB it still owes after DMA and DMA32 comes from the
     * bottom of Normal, and ZONE_MOVABLE starts at the next MAX_ORDER_NR_PAGES boundary.
     */
    @Test
    void kernelcoreSplitsNormal() {
        FreeAreaInit f = x86(0x240000, x86EightGigMemory(), CoreParams.parse("4G", null), 0);
        long owed = 1048576 - (0x9f - 1) - (0xbfff8 - 0x100);
        long zmp = KernelMath.roundup(0x100000 + owed, 1024);
        assertEquals(0x140400, zmp);
        assertEquals(zmp, f.zoneMovablePfn(0));
        assertEquals(zmp - 0x100000, zone(f, 0, NORMAL).spannedPages());
        assertEquals(zmp, zone(f, 0, MOVABLE).zoneStartPfn());
        assertEquals(0x240000 - zmp, zone(f, 0, MOVABLE).presentPages());
        assertTrue(texts(f, Level.INFO).contains("  Node 0: 0x0000000140400000"));
        // ZONE_MOVABLE is not highmem on x86_64, so its memmap is charged like any zone's.
        assertEquals((0x240000 - zmp) * 64 / 4096, zone(f, 0, MOVABLE).memmapPages());
        assertEquals(zone(f, 0, MOVABLE).presentPages() - zone(f, 0, MOVABLE).memmapPages(),
                zone(f, 0, MOVABLE).managedPages());
    }

    /** kernelcore= smaller than the memory below ZONE_NORMAL: all of Normal becomes movable. */
    @Test
    void smallKernelcoreMovesAllOfNormal() {
        FreeAreaInit f = x86(0x240000, x86EightGigMemory(), CoreParams.parse("2G", null), 0);
        assertEquals(0x100000, f.zoneMovablePfn(0));
        assertEquals(0, zone(f, 0, NORMAL).spannedPages());
        assertEquals(0, zone(f, 0, NORMAL).zoneStartPfn());
        assertEquals(0x140000, zone(f, 0, MOVABLE).spannedPages());
    }

    /** movablecore=25%: totalpages * 100 * 25 / 10000, rounded up to MAX_ORDER_NR_PAGES. */
    @Test
    void movablecorePercent() {
        FreeAreaInit f = x86(0x240000, x86EightGigMemory(), CoreParams.parse(null, "25%"), 0);
        long totalpages = (0x9f - 1) + (0xbfff8 - 0x100) + 0x140000;
        long movable = KernelMath.roundup(totalpages * 100 * 25 / 10000, 1024);
        assertEquals(524288, movable);
        assertEquals(0x240000 - movable, f.zoneMovablePfn(0));
        assertEquals(movable, zone(f, 0, MOVABLE).presentPages());
    }

    /**
     * Two nodes of unequal size and a third without memory, kernelcore=2G: the small node cannot take
     * its half, so a second pass (one node fewer) takes the rest from node 1; node 0 ends up without
     * ZONE_MOVABLE because its split point is its end.
     */
    @Test
    void kernelcoreRebalancesAcrossNodes() {
        List<MemPfnRange> memory = List.of(new MemPfnRange(0x100000, 0x110000, 0), new MemPfnRange(0x110000, 0x300000, 1));
        long[] maxZonePfn = {0x1000, 0x100000, 0x300000, 0, 0};
        FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, maxZonePfn, memory, 3, CoreParams.parse("2G", null), 0);
        // Pass 1: 262144 per node; node 0 gives 65536, node 1 gives 262144; 196608 still owed.
        // Pass 2 (one node): node 1 gives 196608 more, ending at 0x110000 + 262144 + 196608.
        assertEquals(0, f.zoneMovablePfn(0));
        assertEquals(0x110000 + 262144 + 196608, f.zoneMovablePfn(1));
        assertEquals(0x10000, zone(f, 0, NORMAL).presentPages());
        assertEquals(0, zone(f, 0, MOVABLE).presentPages());
        assertEquals(262144 + 196608, zone(f, 1, NORMAL).presentPages());
        assertEquals(0x300000 - 0x180000, zone(f, 1, MOVABLE).presentPages());
        assertEquals(List.of(
                "Zone ranges:",
                "  DMA      empty",
                "  DMA32    empty",
                "  Normal   [mem 0x0000000100000000-0x00000002ffffffff]",
                "  Device   empty",
                "Movable zone start for each node",
                "  Node 1: 0x0000000180000000",
                "Early memory node ranges",
                "  node   0: [mem 0x0000000100000000-0x000000010fffffff]",
                "  node   1: [mem 0x0000000110000000-0x00000002ffffffff]",
                "Initmem setup node 0 [mem 0x0000000100000000-0x000000010fffffff]",
                "Initmem setup node 1 [mem 0x0000000110000000-0x00000002ffffffff]",
                "Initializing node 2 as memoryless",
                "Initmem setup node 2 as memoryless"), texts(f, Level.INFO));
        NodeInit memoryless = f.nodes().get(2);
        assertEquals(0, memoryless.nodeStartPfn());
        assertEquals(0, memoryless.nodeSpannedPages());
        assertTrue(memoryless.zones().stream().allMatch(z -> z.spannedPages() == 0 && z.managedPages() == 0));
    }

    /**
     * Versatile Express, 1 GiB at 0x60000000, 6.1's 3G/1G split: lowmem ends where VMALLOC_END
     * (0xff800000) minus 240 MiB of vmalloc and the 8 MiB offset maps, 0x90000000. The zone lines
     * match a public QEMU vexpress-a9 boot log of a kernel with that vmalloc layout (vmalloc
     * 0xf0800000-0xff800000, lowmem 768 MB).
     */
    @Test
    void armVexpressHighmem() {
        FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.ARM_VEXPRESS, new long[]{0x90000, 0xa0000, 0},
                List.of(new MemPfnRange(0x60000, 0xa0000, 0)), 1, CoreParams.NONE, 0);
        assertEquals(List.of(
                "Zone ranges:",
                "  Normal   [mem 0x0000000060000000-0x000000008fffffff]",
                "  HighMem  [mem 0x0000000090000000-0x000000009fffffff]",
                "Movable zone start for each node",
                "Early memory node ranges",
                "  node   0: [mem 0x0000000060000000-0x000000009fffffff]",
                "Initmem setup node 0 [mem 0x0000000060000000-0x000000009fffffff]"), texts(f, Level.INFO));
        // kmm keeps the 64-byte LP64 struct page on ARM: 196608 * 64 / 4096 (a real ARM kernel: 1536).
        assertEquals(List.of(
                "On node 0 totalpages: 262144",
                "  Normal zone: 3072 pages used for memmap",
                "  Normal zone: 0 pages reserved", // zone 0 is Normal here: the dma_reserve test still runs
                "  Normal zone: 196608 pages, LIFO batch:63",
                "  HighMem zone: 65536 pages, LIFO batch:15"), texts(f, Level.DEBUG));
        assertEquals(1, f.movableZone());
        assertTrue(f.isHighmemIdx(1));
        assertTrue(f.isHighmemIdx(2)); // ZONE_MOVABLE, carved from highmem
        // Highmem keeps all its pages (no memmap charge) but its memmap is taken from nr_kernel_pages.
        assertEquals(65536, zone(f, 0, 1).managedPages());
        assertEquals(196608 - 3072 - 65536L * 64 / 4096, f.nrKernelPages());
        assertEquals(196608 - 3072 + 65536, f.nrAllPages());
    }

    /** kernelcore=512M on Versatile Express: ZONE_MOVABLE takes all of highmem (movable_zone is HighMem). */
    @Test
    void armVexpressKernelcoreTakesHighmem() {
        FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.ARM_VEXPRESS, new long[]{0x90000, 0xa0000, 0},
                List.of(new MemPfnRange(0x60000, 0xa0000, 0)), 1, CoreParams.parse("512M", null), 0);
        assertEquals(0x90000, f.zoneMovablePfn(0));
        assertEquals(0, zone(f, 0, 1).spannedPages());
        ZoneInit movable = zone(f, 0, 2);
        assertEquals(0x90000, movable.zoneStartPfn());
        assertEquals(65536, movable.presentPages());
        assertEquals(65536, movable.managedPages()); // highmem: no memmap charge
        assertTrue(texts(f, Level.INFO).contains("  Node 0: 0x0000000090000000"));
    }

    /** arm64 QEMU virt, 2 GiB at 1 GiB: max_zone_phys(32) covers all of it, so only ZONE_DMA has pages. */
    @Test
    void arm64DmaOnly() {
        long end = 0xc0000;
        FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.ARM64, new long[]{end, end, end, 0},
                List.of(new MemPfnRange(0x40000, end, 0)), 1, CoreParams.NONE, 0);
        assertEquals(List.of(
                "Zone ranges:",
                "  DMA      [mem 0x0000000040000000-0x00000000bfffffff]",
                "  DMA32    empty",
                "  Normal   empty",
                "Movable zone start for each node",
                "Early memory node ranges",
                "  node   0: [mem 0x0000000040000000-0x00000000bfffffff]",
                "Initmem setup node 0 [mem 0x0000000040000000-0x00000000bfffffff]"), texts(f, Level.INFO));
        assertEquals(List.of(
                "On node 0 totalpages: 524288",
                "  DMA zone: 8192 pages used for memmap",
                "  DMA zone: 0 pages reserved",
                "  DMA zone: 524288 pages, LIFO batch:63"), texts(f, Level.DEBUG));
        assertEquals(524288 - 524288L * 64 / 4096, zone(f, 0, 0).managedPages());
        assertEquals(0, f.movableZone());
    }

    /**
     * calc_memmap_size() against memmap lines of real logs: DMA32 with a big hole (rockstor-core
     * issue #1502) counts present pages, a Raspberry Pi 4 DMA zone (home-assistant/operating-system
     * issue #1467) likewise, FLATMEM never does.
     */
    @Test
    void calcMemmapSizeMatchesRealLogs() {
        assertEquals(11991, FreeAreaInit.calcMemmapSize(PageAllocConfig.X86_64, 0x100000 - 0x1000, 767394));
        assertEquals(53248, FreeAreaInit.calcMemmapSize(PageAllocConfig.X86_64, 3407872, 3407872));
        assertEquals(64, FreeAreaInit.calcMemmapSize(PageAllocConfig.X86_64, 4095, 3997));
        assertEquals(3788, FreeAreaInit.calcMemmapSize(PageAllocConfig.ARM64, 0x40000, 242432));
        assertEquals(12032, FreeAreaInit.calcMemmapSize(PageAllocConfig.ARM64, 770048, 770048));
        assertEquals(0x100000L * 64 / 4096, FreeAreaInit.calcMemmapSize(PageAllocConfig.ARM_VEXPRESS, 0x100000, 1));
    }

    @Test
    void memmapLargerThanZoneIsWarned() {
        // One present page in a zone spanning 16 MiB of FLATMEM: the memmap (4096 pages) cannot fit.
        FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.ARM_VEXPRESS, new long[]{0x1000, 0x1000, 0},
                List.of(new MemPfnRange(0, 1, 0), new MemPfnRange(0xfff, 0x1000, 0)), 1, CoreParams.NONE, 0);
        assertEquals(List.of("  Normal zone: 64 memmap pages exceeds freesize 2"), texts(f, Level.WARNING));
        assertEquals(2, zone(f, 0, 0).managedPages());
    }

    @Test
    void badInputIsRejected() {
        List<MemPfnRange> one = List.of(new MemPfnRange(0x100, 0x200, 0));
        long[] pfns = {0x1000, 0x100000, 0x200, 0, 0};
        assertThrows(IllegalArgumentException.class,
                () -> FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, new long[4], one, 1, CoreParams.NONE, 0));
        assertThrows(IllegalArgumentException.class,
                () -> FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, pfns, List.of(), 1, CoreParams.NONE, 0));
        assertThrows(IllegalArgumentException.class, () -> FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, pfns,
                List.of(new MemPfnRange(0x100, 0x200, 0), new MemPfnRange(0x150, 0x300, 0)), 1, CoreParams.NONE, 0));
        assertThrows(IllegalArgumentException.class, () -> FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, pfns,
                List.of(new MemPfnRange(0x100, 0x200, 1)), 1, CoreParams.NONE, 0));
        assertThrows(IllegalArgumentException.class,
                () -> FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, pfns, one, 1, CoreParams.NONE, -1));
        assertThrows(IllegalArgumentException.class, () -> new MemPfnRange(5, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> MemPfnRange.ofRegion(0x1001, 0xffe, 0));
        FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, pfns, one, 1, CoreParams.NONE, 0);
        assertThrows(IllegalArgumentException.class, () -> f.zoneSpannedPagesInNode(1, 0, 0x100, 0x200));
        assertThrows(IllegalArgumentException.class, () -> f.zoneAbsentPagesInNode(0, 5, 0x100, 0x200));
        assertThrows(IllegalArgumentException.class, () -> f.zoneSizes(new long[][]{{1, 2}}));
    }

    /**
     * Random layouts against an independent page-by-page model: without kernelcore, each zone spans
     * the node's part of its arch range and holds exactly the node's memory pfns in it; the
     * "unavailable ranges" lines add up to the pfns without memory that SPARSEMEM gives a struct page
     * (those in sections with memory, up to the end of the last section).
     */
    @Test
    void randomLayoutsMatchPageByPageModel() {
        SplittableRandom rnd = new SplittableRandom(2022_12_11);
        for (int round = 0; round < 60; round++) {
            int nrNodes = 1 + rnd.nextInt(3);
            List<MemPfnRange> memory = new ArrayList<>();
            long pfn = rnd.nextLong(0, 0x2000);
            for (int nid = 0; nid < nrNodes; nid++) {
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                    long len = 1 + rnd.nextLong(0x30000);
                    memory.add(new MemPfnRange(pfn, pfn + len, nid));
                    pfn += len + rnd.nextLong(0x20000);
                }
            }
            long maxPfn = memory.getLast().endPfn();
            long dmaLimit = rnd.nextLong(1, maxPfn);
            long dma32Limit = rnd.nextLong(dmaLimit, maxPfn + 1);
            long[] maxZonePfn = {dmaLimit, dma32Limit, maxPfn, 0, 0};
            FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, maxZonePfn, memory, nrNodes, CoreParams.NONE, 0);

            long[] low = new long[5];
            long[] high = new long[5];
            long start = memory.getFirst().startPfn();
            for (int z : new int[]{DMA, DMA32, NORMAL, DEVICE}) {
                low[z] = start;
                high[z] = Math.max(start, maxZonePfn[z]);
                start = high[z];
            }
            for (int nid = 0; nid < nrNodes; nid++) {
                final int n = nid;
                List<MemPfnRange> mine = memory.stream().filter(r -> r.nid() == n).toList();
                long nodeStart = mine.isEmpty() ? 0 : mine.getFirst().startPfn();
                long nodeEnd = mine.isEmpty() ? 0 : mine.getLast().endPfn();
                for (int z = 0; z < 5; z++) {
                    long lo = Math.max(nodeStart, low[z]);
                    long hi = Math.min(nodeEnd, high[z]);
                    long spanned = z == MOVABLE || mine.isEmpty() || hi <= lo ? 0 : hi - lo;
                    long present = 0;
                    for (MemPfnRange r : mine) {
                        if (spanned != 0) {
                            present += Math.max(0, Math.min(r.endPfn(), hi) - Math.max(r.startPfn(), lo));
                        }
                    }
                    ZoneInit zi = zone(f, nid, z);
                    assertEquals(spanned, zi.spannedPages(), "round " + round + " node " + nid + " zone " + z);
                    assertEquals(present, zi.presentPages(), "round " + round + " node " + nid + " zone " + z);
                    if (spanned != 0) {
                        assertEquals(lo, zi.zoneStartPfn());
                    }
                }
            }

            long section = PageAllocConfig.X86_64.pagesPerSection();
            long end = KernelMath.roundup(maxPfn, section);
            boolean[] present = new boolean[(int) (end / section)];
            for (int s = 0; s < present.length; s++) {
                long first = s * section;
                present[s] = memory.stream().anyMatch(m -> m.startPfn() < first + section && first < m.endPfn());
            }
            long expected = 0;
            int r = 0;
            for (long p = 0; p < end; p++) {
                while (r < memory.size() && memory.get(r).endPfn() <= p) {
                    r++;
                }
                boolean inMemory = r < memory.size() && memory.get(r).startPfn() <= p;
                if (!inMemory && present[(int) (p / section)]) {
                    expected++;
                }
            }
            long logged = unavailable(f).stream().mapToLong(t -> Long.parseLong(t.split(" ")[5])).sum();
            assertEquals(expected, logged, "round " + round);
        }
    }

    /**
     * Random kernelcore= on random layouts: the zones of a node still tile its memory, ZONE_MOVABLE
     * starts MAX_ORDER aligned, and the kernel gets what was asked for, short by at most one page per
     * node (the kernel stops rebalancing once fewer pages are owed than nodes remain).
     */
    @Test
    void randomKernelcoreKeepsEveryPage() {
        SplittableRandom rnd = new SplittableRandom(61);
        for (int round = 0; round < 200; round++) {
            int nrNodes = 1 + rnd.nextInt(4);
            List<MemPfnRange> memory = new ArrayList<>();
            long pfn = 0x100;
            for (int nid = 0; nid < nrNodes; nid++) {
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    long len = 1 + rnd.nextLong(0x80000);
                    memory.add(new MemPfnRange(pfn, pfn + len, nid));
                    pfn += len + rnd.nextLong(0x10000);
                }
            }
            long total = memory.stream().mapToLong(MemPfnRange::pages).sum();
            long kernelcore = rnd.nextLong(1, total);
            long[] maxZonePfn = {0x1000, Math.min(0x100000, pfn), pfn, 0, 0};
            FreeAreaInit f = FreeAreaInit.freeAreaInit(PageAllocConfig.X86_64, maxZonePfn, memory, nrNodes,
                    new CoreParams(kernelcore, 0, 0, 0), 0);
            long kernelPages = 0;
            for (NodeInit node : f.nodes()) {
                long present = node.zones().stream().mapToLong(ZoneInit::presentPages).sum();
                assertEquals(node.nodePresentPages(), present);
                final int nid = node.nid();
                assertEquals(memory.stream().filter(m -> m.nid() == nid).mapToLong(MemPfnRange::pages).sum(), present);
                long zmp = f.zoneMovablePfn(nid);
                assertEquals(0, zmp % 1024);
                long prevEnd = 0;
                for (ZoneInit z : node.zones()) {
                    if (z.spannedPages() != 0) {
                        assertTrue(z.zoneStartPfn() >= prevEnd, "zones overlap on node " + nid);
                        prevEnd = z.zoneEndPfn();
                    }
                }
                if (zmp != 0) {
                    assertEquals(zmp, node.zones().get(MOVABLE).zoneStartPfn());
                }
                kernelPages += present - node.zones().get(MOVABLE).presentPages();
            }
            assertTrue(kernelPages >= kernelcore - nrNodes, "round " + round + ": kernel got " + kernelPages + " of " + kernelcore);
        }
    }
}
