package dev.kmm.core.boot;

import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import dev.kmm.core.faultinject.FailPageAlloc;
import dev.kmm.core.faultinject.FaultRandom;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.Cpus;
import dev.kmm.core.pagealloc.FreeAreaInit;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.pagealloc.PageFrames;
import dev.kmm.core.pagealloc.Sysctls;
import dev.kmm.core.pagealloc.ZoneSizes;
import dev.kmm.core.pagealloc.ZoneTuning;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.percpu.PcpuFirstChunk;
import dev.kmm.core.proc.VmstatText;
import dev.kmm.core.trace.KmemTrace;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * {@code start_kernel()} of Linux 6.1 init/main.c, the memory part, in its order: {@code setup_arch()},
 * {@code setup_command_line()}, {@code setup_per_cpu_areas()}, {@code build_all_zonelists()}, the command
 * line notice, {@code setup_log_buf()}, {@code vfs_caches_init_early()}, {@code mm_init()}'s
 * {@code mem_init()} and {@code mem_init_print_info()}; then the initcalls that touch the zones
 * ({@code cma_init_reserved_areas} at core, {@code init_per_zone_wmark_min} at postcore,
 * {@code hugepage_init} at subsys, the initrd freed by {@code populate_rootfs} at rootfs level) and
 * {@code free_initmem()} from {@code kernel_init()}. The watermarks are set before the init sections and
 * the initrd are freed, so those frees raise the managed counts without moving the watermarks.
 */
final class StartKernel {
    /** {@code sizeof(struct prb_desc)} is two longs and an atomic long. */
    private static final long PRINTK_INFO_SIZE = 88;
    /** {@code PRB_AVGBITS}: 32 characters per record on average. */
    private static final int PRB_AVGBITS = 5;
    /** {@code ADAPT_SCALE_BASE >> PAGE_SHIFT}: 64 GiB. */
    private static final long ADAPT_SCALE_NPAGES = (64L << 30) >> EarlyBoot.PAGE_SHIFT;

    private StartKernel() {
    }

    static Kernel startKernel(Machine machine, CpuContexts.Mode mode) {
        long bootNanos = System.nanoTime();
        EarlyBoot b = new EarlyBoot(machine);
        try {
            ArchSetup arch = ArchSetup.of(machine.arch());
            arch.setupArch(b);
            setupCommandLine(b);
            PcpuFirstChunk.Result pcpu = arch.setupPerCpuAreas(b);
            PerCpuAreas areas = perCpuAreas(b, pcpu);
            // The static per-CPU variables: the spinlock nodes first, so no per-CPU pointer is 0.
            CpuContexts cpus = new CpuContexts(areas, mode, b.config().nrCpus());
            Pagesets pagesets = Pagesets.zonePcpInit(b, b.structs(), areas);
            Zonelists zonelists = buildAllZonelists(b);
            b.log().notice("Kernel command line: " + b.commandLine().text());
            setupLogBuf(b);
            vfsCachesInitEarly(b);
            arch.trapInit(b);

            // mm_init(): report_meminit(), then mem_init() hands memblock's free pages to the buddy allocator,
            // which serves from here on.
            reportMeminit(b);
            KmemTrace trace = new KmemTrace();
            PageAlloc alloc = pageAlloc(b, cpus, trace, () -> System.nanoTime() - bootNanos);
            b.pageAlloc(cpus, alloc);
            arch.memInit(b);
            memInitPrintInfo(b);
            pagesets.setupPerCpuPageset(b, b.structs(), pcpu);
            arch.checkBugs(b);

            // core_initcall(cma_init_reserved_areas): each CMA area's pageblocks join its zone.
            b.cmaInitReservedAreas();

            // postcore_initcall(init_per_zone_wmark_min), then subsys_initcall(hugepage_init).
            ZoneTuning tuning = ZoneTuning.boot(b.pageAllocConfig(), zoneSizes(b),
                    Sysctls.defaults(b.config().zoneTypes()), cpus(b), b.config().thpDefault(),
                    l -> b.log().printk(l.level(), l.text()));
            writeLimits(b.structs(), pagesets, tuning);
            // The iomem resources (arm64's reserve_memblock_reserved_regions() is an arch_initcall).
            dev.kmm.core.proc.Resource iomem = KernelProcState.iomemAtBoot(b);

            freeInitrdMem(b, arch);
            freeInitmem(b, arch);
            arch.markRodataRo(b);
            tuning = tuning.withZones(zoneSizes(b));
            kernelInitFreeable(b, alloc);
            cpus.releaseDriver();
            return new Kernel(machine, b, zonelists, pcpu, pagesets, tuning, iomem, cpus, alloc, trace);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
    }

    /**
     * The first chunk's units as per-CPU areas: {@code __per_cpu_offset[cpu]} is the unit's VA and a unit holds
     * the static, reserved and dynamic areas (the embedding allocator gave the rest of each unit back to memblock).
     */
    private static PerCpuAreas perCpuAreas(EarlyBoot b, PcpuFirstChunk.Result pcpu) {
        int nrCpus = b.machine().cpus();
        long[] offsets = new long[nrCpus];
        for (int cpu = 0; cpu < nrCpus; cpu++) {
            offsets[cpu] = pcpu.unitPhys(cpu) - pcpu.base();
        }
        long size = pcpu.ai().staticSize() + pcpu.ai().reservedSize() + pcpu.ai().dynSize();
        return new PerCpuAreas(b.memory(), b.addressSpace().va(pcpu.base()), size, offsets);
    }

    /**
     * {@code report_meminit()}: the automatic initialisation of stack and heap memory. The stack part is
     * {@code CONFIG_INIT_STACK_ALL_ZERO}'s, which the defconfigs get from gcc 12 (it supports
     * {@code -ftrivial-auto-var-init=zero}); the heap parts are {@code init_on_alloc} and {@code init_on_free}.
     */
    private static void reportMeminit(EarlyBoot b) {
        BootParams p = b.params();
        b.log().info("mem auto-init: stack:all(zero), heap alloc:" + (p.initOnAlloc() ? "on" : "off")
                + ", heap free:" + (p.initOnFree() ? "on" : "off"));
        if (p.initOnFree()) {
            b.log().info("mem auto-init: clearing system memory may take some time...");
        }
    }

    /**
     * The page allocator over the zones, zonelists and (boot) pagesets, as {@code mm_init()} starts it: the
     * pagesets are still {@code boot_pageset} and {@code gfp_allowed_mask} is still the boot mask.
     * {@code init_on_alloc}, {@code init_on_free} and {@code page_owner} come from the command line (page_owner
     * records from {@link #kernelInitFreeable} on); {@code local_clock()} counts from the start of the boot.
     */
    private static PageAlloc pageAlloc(EarlyBoot b, CpuContexts cpus, KmemTrace trace, LongSupplier localClock) {
        Machine m = b.machine();
        int[] cpuToNode = new int[m.cpus()];
        if (numaInEffect(b)) {
            for (int c = 0; c < cpuToNode.length; c++) {
                cpuToNode[c] = m.cpuNode(c);
            }
        }
        VmstatText text = b.config().procConfig().vmstatText();
        PageAlloc alloc = PageAlloc.builder(b.buddy(), b.layouts(), cpus, b.config().zoneTypes(), b.addressSpace(),
                        PageFrames.of(b.ram()))
                .adoptPagesets()
                .printk(l -> b.log().printk(l.level(), l.text()))
                .trace(trace)
                .nrVmEventItems(text.vmEventItems().size())
                .cpuToNode(cpuToNode)
                .initOnAlloc(b.params().initOnAlloc())
                .initOnFree(b.params().initOnFree())
                .pageOwner(b.params().pageOwner())
                .pageOwnerInitLater()
                .debugVm(true) // Kernel.verify() accounts every page, live non-compound blocks' tails included
                .clock(localClock)
                .failPageAlloc(failPageAlloc(b))
                .build();
        if (alloc.vmstat().pgfree() != text.vmEventIndex("PGFREE")) {
            throw new IllegalStateException("vm_event_item numbering: PGFREE is " + text.vmEventIndex("PGFREE")
                    + " in /proc/vmstat but " + alloc.vmstat().pgfree() + " in the allocator");
        }
        return alloc;
    }

    /**
     * {@code fail_page_alloc} under CONFIG_FAIL_PAGE_ALLOC, with its defaults (probability 0: it fails nothing)
     * until {@code fail_page_alloc=} arms it; its "forcing a failure" reports go to the kernel log. Its random
     * numbers are seeded, so a deterministic run fails the same allocations every time.
     */
    private static FailPageAlloc failPageAlloc(EarlyBoot b) {
        if (!b.config().flag(KernelConfig.Option.FAIL_PAGE_ALLOC)) {
            return null;
        }
        FailPageAlloc fail = new FailPageAlloc(FaultRandom.seeded(0), (level, line) -> b.log().printk(level, line));
        b.params().failPageAlloc().ifPresent(fail::setupFailPageAlloc);
        return fail;
    }

    /**
     * What {@code kernel_init_freeable()} leaves the allocator with: {@code gfp_allowed_mask} opened, page_owner
     * recording (with x86's vmalloc PUD pages among the early allocated ones), and the
     * boot's frees in {@code PGFREE}: 6.1's {@code __free_pages_ok()} (memblock_free_all) and
     * {@code free_unref_page()} (CMA areas, the initrd, the init sections) count every page they free, all on the
     * boot CPU; kmm's boot frees them straight into the buddy lists, so they are counted here, once.
     */
    private static void kernelInitFreeable(EarlyBoot b, PageAlloc alloc) {
        alloc.gfpAllowedMask().setSchedulerReady();
        long freed = 0;
        for (var n : b.zones().nodes()) {
            for (var z : n.zones()) {
                freed += b.structs().managedPages(n.nid(), z.zoneType());
            }
        }
        alloc.vmstat().addVmEvent(0, alloc.vmstat().pgfree(), freed);
        if (b.params().pageOwner()) {
            alloc.initPageOwner(); // page_ext_init(), which prints before the initcalls; kmm allocates nothing between
        }
    }

    /** Every zone's sizes with its managed pages as they are now in the zone structures. */
    static List<ZoneSizes> zoneSizes(EarlyBoot b) {
        long[][] managed = new long[b.zones().nodes().size()][b.config().zoneTypes().maxNrZones()];
        for (FreeAreaInit.NodeInit n : b.zones().nodes()) {
            for (FreeAreaInit.ZoneInit z : n.zones()) {
                managed[n.nid()][z.zoneType()] = b.structs().managedPages(n.nid(), z.zoneType());
            }
        }
        return b.zones().zoneSizes(managed);
    }

    /**
     * {@code setup_command_line()}: {@code saved_command_line} and {@code static_command_line}, each the
     * command line and its NUL, from memblock.
     */
    private static void setupCommandLine(EarlyBoot b) {
        long len = b.commandLine().text().length() + 1;
        long cache = b.config().memblockConfig().smpCacheBytes();
        for (int i = 0; i < 2; i++) {
            if (b.memblock().memblockAlloc(len, cache) == 0) {
                throw new IllegalStateException("setup_command_line: Failed to allocate " + len + " bytes");
            }
        }
    }

    /**
     * {@code build_all_zonelists(NULL)}: every node's zonelists, then the pages above the high watermark
     * in the boot node's fallback list up to ZONE_MOVABLE decide whether grouping by mobility is worth
     * it (at least {@code pageblock_nr_pages * MIGRATE_TYPES}). The watermarks are still zero and the
     * managed counts are {@code free_area_init()}'s estimate.
     */
    private static Zonelists buildAllZonelists(EarlyBoot b) {
        NodeStructs structs = b.structs();
        ZoneTypes types = b.config().zoneTypes();
        List<FreeAreaInit.NodeInit> nodes = b.zones().nodes();
        boolean[][] populated = new boolean[nodes.size()][types.maxNrZones()];
        boolean[] hasMemory = new boolean[nodes.size()];
        for (FreeAreaInit.NodeInit n : nodes) {
            for (FreeAreaInit.ZoneInit z : n.zones()) {
                populated[n.nid()][z.zoneType()] = z.populated();
                hasMemory[n.nid()] |= z.populated();
            }
        }
        int[] cpusOnNode = cpus(b).onlineOnNode();
        NumaTopology topo = b.machine().numa().orElse(null);
        Zonelists zl = Zonelists.build(b.config().numa(), b.config().maxNumNodes(), populated, n -> hasMemory[n],
                n -> n < cpusOnNode.length && cpusOnNode[n] > 0,
                (x, y) -> topo == null || b.params().numaOff() ? (x == y ? 10 : 20) : topo.distance(x, y),
                types.zoneMovable());
        for (Zonelists.NodeZonelists lists : zl.nodes()) {
            structs.writeZonelists(lists);
            if (b.config().numa()) {
                b.log().info(zl.fallbackOrderLine(lists.nid()));
            }
        }
        long total = 0;
        for (Zonelists.ZoneRef ref : zl.nodes().getFirst().fallback()) {
            long managed = b.zones().nodes().get(ref.nid()).zones().get(ref.zoneIdx()).managedPages();
            total += managed; // high watermarks are still 0
        }
        int migrateTypes = b.config().layoutConfig().migrateTypes();
        boolean off = total < b.pageAllocConfig().pageblockNrPages() * migrateTypes;
        int online = 0;
        for (boolean m : hasMemory) {
            online += m ? 1 : 0;
        }
        b.log().info("Built " + online + " zonelists, mobility grouping " + (off ? "off" : "on") + ".  Total pages: " + total);
        if (b.config().numa()) {
            b.log().info("Policy zone: " + types.name(zl.policyZone()));
        }
        return zl;
    }

    /**
     * {@code setup_log_buf(0)}: with more than one possible CPU, {@code log_buf_add_cpu()} grows the log
     * buffer by {@code LOG_CPU_MAX_BUF_LEN} per extra CPU once that is more than half of the static
     * buffer, to the next power of two; the new text, descriptor and info arrays come from memblock.
     */
    private static void setupLogBuf(EarlyBoot b) {
        int cpus = b.machine().cpus();
        long logBufLen = 1L << logBufShift(b.config());
        long cpuMax = 1L << 12; // CONFIG_LOG_CPU_MAX_BUF_SHIFT
        if (cpus == 1) {
            return;
        }
        long cpuExtra = (cpus - 1) * cpuMax;
        if (cpuExtra <= logBufLen / 2) {
            return;
        }
        b.log().info("printk: log_buf_len individual max cpu contribution: " + cpuMax + " bytes");
        b.log().info("printk: log_buf_len total cpu_extra contributions: " + cpuExtra + " bytes");
        b.log().info("printk: log_buf_len min size: " + logBufLen + " bytes");
        long newLen = Long.highestOneBit(cpuExtra + logBufLen - 1) << 1;
        long descs = newLen >> PRB_AVGBITS;
        long align = b.config().bitsPerLong() / 8;
        long descSize = 3L * align; // struct prb_desc: atomic_long_t state_var + two unsigned long lpos
        for (long size : new long[] {newLen, descs * descSize, descs * PRINTK_INFO_SIZE}) {
            if (b.memblock().memblockAlloc(size, align) == 0) {
                throw new IllegalStateException("setup_log_buf: Failed to allocate " + size + " bytes");
            }
        }
        b.log().info("printk: log_buf_len: " + newLen + " bytes");
    }

    /** {@code CONFIG_LOG_BUF_SHIFT} of the defconfigs: 14 (vexpress), 17 (arm64), 18 (x86_64). */
    private static int logBufShift(KernelConfig c) {
        return switch (c.arch()) {
            case ARM -> 14;
            case ARM64 -> 17;
            case X86_64 -> 18;
        };
    }

    /**
     * {@code vfs_caches_init_early()}: the dentry and inode hash tables from memblock, unless
     * {@code hashdist} (a 64-bit NUMA kernel with more than one node with memory) defers them to vmalloc.
     */
    private static void vfsCachesInitEarly(EarlyBoot b) {
        long nodesWithMemory = b.zones().nodes().stream().filter(n -> n.nodePresentPages() != 0).count();
        boolean hashdist = b.config().numa() && b.config().bitsPerLong() == 64 && nodesWithMemory > 1;
        if (hashdist) {
            return;
        }
        long pointer = b.config().bitsPerLong() / 8;
        allocLargeSystemHash(b, "Dentry cache", pointer, 13, 2);
        allocLargeSystemHash(b, "Inode-cache", pointer, 14, 0);
    }

    /**
     * {@code alloc_large_system_hash()} with {@code HASH_EARLY | HASH_ZERO} and no command-line size: one
     * bucket per {@code 2^scale} bytes of lowmem ({@code nr_kernel_pages} rounded up to a MiB, the scale
     * raised by one for every 4x beyond 64 GiB on 64-bit), a power of two, at most 1/16 of all memory.
     */
    private static void allocLargeSystemHash(EarlyBoot b, String name, long bucketsize, int scale, long lowLimit) {
        long numentries = b.zones().nrKernelPages();
        numentries = (numentries + 255) / 256 * 256; // round_up(numentries, SZ_1M / PAGE_SIZE)
        if (b.config().bitsPerLong() > 32) {
            for (long adapt = ADAPT_SCALE_NPAGES; adapt < numentries; adapt <<= 2) {
                scale++;
            }
        }
        numentries = scale > EarlyBoot.PAGE_SHIFT ? numentries >>> (scale - EarlyBoot.PAGE_SHIFT)
                : numentries << (EarlyBoot.PAGE_SHIFT - scale);
        if (numentries * bucketsize < EarlyBoot.PAGE_SIZE) {
            numentries = EarlyBoot.PAGE_SIZE / bucketsize;
        }
        numentries = numentries <= 1 ? 1 : Long.highestOneBit(numentries - 1) << 1;
        long max = ((b.zones().nrAllPages() << EarlyBoot.PAGE_SHIFT) >> 4) / bucketsize;
        max = Math.min(max, 0x80000000L);
        numentries = Math.max(numentries, lowLimit);
        numentries = Math.min(numentries, max);
        int log2qty = 63 - Long.numberOfLeadingZeros(numentries);
        long size;
        do {
            size = bucketsize << log2qty;
            if (b.memblock().memblockAlloc(size, b.config().memblockConfig().smpCacheBytes()) != 0) {
                break;
            }
        } while (size > EarlyBoot.PAGE_SIZE && --log2qty > 0);
        b.log().info(String.format("%s hash table entries: %d (order: %d, %d bytes, linear)", name, 1L << log2qty,
                getOrder(size), size));
    }

    private static int getOrder(long size) {
        long pages = (size + EarlyBoot.PAGE_SIZE - 1) >> EarlyBoot.PAGE_SHIFT;
        return pages <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(pages - 1);
    }

    /**
     * {@code mem_init_print_info()}: available (free) and present memory, the image's sections, what is
     * reserved besides CMA, the CMA reserve and, with HIGHMEM, the highmem pages.
     */
    private static void memInitPrintInfo(EarlyBoot b) {
        long physpages = 0;
        long totalram = 0;
        long totalhigh = 0;
        long free = 0;
        for (FreeAreaInit.NodeInit n : b.zones().nodes()) {
            physpages += n.nodePresentPages();
            for (FreeAreaInit.ZoneInit z : n.zones()) {
                long m = b.structs().managedPages(n.nid(), z.zoneType());
                totalram += m;
                free += b.buddy().zonePageState(b.structs().zone(n.nid(), z.zoneType()), Buddy.NR_FREE_PAGES);
                if (b.zones().isHighmemIdx(z.zoneType())) {
                    totalhigh += m;
                }
            }
        }
        KernelImage img = b.machine().image();
        String line = String.format("Memory: %dK/%dK available (%dK kernel code, %dK rwdata, %dK rodata, %dK init, "
                        + "%dK bss, %dK reserved, %dK cma-reserved%s)",
                free << 2, physpages << 2, img.codeSize() >> 10, img.rwdataSize() >> 10, img.rodataSize() >> 10,
                img.initSize() >> 10, img.bssSize() >> 10, (physpages - totalram - b.totalcmaPages()) << 2,
                b.totalcmaPages() << 2, b.config().highmem() ? ", " + (totalhigh << 2) + "K highmem" : "");
        b.log().info(line);
    }

    /** {@code free_initrd_mem()}: the initrd's pages return to their zones. */
    private static void freeInitrdMem(EarlyBoot b, ArchSetup arch) {
        PhysRange initrd = b.initrd();
        if (initrd == null) {
            return;
        }
        arch.beforeFreeInitrd(b, initrd);
        long[] range = arch.freeInitrdRange(initrd);
        long pages = b.freeReservedArea(range[0], range[1]);
        if (pages != 0) {
            b.log().info("Freeing initrd memory: " + (pages << 2) + "K");
        }
    }

    /**
     * {@code free_initmem()}: {@code free_reserved_area(__init_begin, __init_end)}, the whole pages of the
     * init sections.
     */
    private static void freeInitmem(EarlyBoot b, ArchSetup arch) {
        KernelImage img = b.machine().image();
        long start = (img.phys(img.initBegin()) + EarlyBoot.PAGE_SIZE - 1) & -EarlyBoot.PAGE_SIZE;
        long end = img.phys(img.initEnd()) & -EarlyBoot.PAGE_SIZE;
        long pages = b.freeReservedArea(start, end);
        if (pages != 0) {
            b.log().info("Freeing " + arch.initmemName() + " memory: " + (pages << 2) + "K");
        }
    }

    /** Whether the CPUs sit on the machine's nodes: CONFIG_NUMA, a NUMA machine, and no {@code numa=off}. */
    private static boolean numaInEffect(EarlyBoot b) {
        return b.config().numa() && b.machine().numa().isPresent() && !b.params().numaOff();
    }

    /** The online CPUs per node: all on node 0 without NUMA (or with {@code numa=off}). */
    static Cpus cpus(EarlyBoot b) {
        Machine m = b.machine();
        if (!numaInEffect(b)) {
            return Cpus.uma(m.cpus());
        }
        int[] perNode = new int[b.zones().nodes().size()];
        for (int c = 0; c < m.cpus(); c++) {
            perNode[m.cpuNode(c)]++;
        }
        return new Cpus(m.cpus(), perNode);
    }

    static void writeLimits(NodeStructs structs, Pagesets pagesets, ZoneTuning tuning) {
        pagesets.zeroNodeThresholds(structs, tuning.limits().stream().mapToInt(l -> l.zone().nid()).distinct().toArray());
        for (var l : tuning.limits()) {
            structs.writeLimits(l, tuning.nodeTotalreservePages(l.zone().nid()));
            pagesets.update(structs, l);
        }
    }
}
