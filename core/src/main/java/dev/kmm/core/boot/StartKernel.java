package dev.kmm.core.boot;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.PhysicalMemory;
import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.core.pagealloc.Cpus;
import dev.kmm.core.pagealloc.FreeAreaInit;
import dev.kmm.core.pagealloc.Sysctls;
import dev.kmm.core.pagealloc.ZoneSizes;
import dev.kmm.core.pagealloc.ZoneTuning;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.percpu.PcpuFirstChunk;

import java.util.ArrayList;
import java.util.List;

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

    static Kernel startKernel(Machine machine) {
        EarlyBoot b = new EarlyBoot(machine);
        ArchSetup arch = ArchSetup.of(machine.arch());
        PhysicalMemory ram = PhysicalMemory.create(banks(machine));
        try {
            arch.setupArch(b);
            setupCommandLine(b);
            PcpuFirstChunk.Result pcpu = arch.setupPerCpuAreas(b);

            KernelLayouts layouts = KernelLayouts.of(b.config().layoutConfig());
            if (b.nodeData().isEmpty()) {
                // UMA: contig_page_data is a variable in the kernel's .data.
                KernelImage image = machine.image();
                b.nodeData(0, image.phys(image.contigPageData()), layouts.pglistData().size);
            }
            KernelMemory mem = kernelMemory(b, ram);
            KernelAddressSpace space = b.addressSpace();
            long[] pgdat = b.nodeData().stream().mapToLong(n -> linearVa(space, n.phys())).toArray();
            KernelImage image = machine.image();
            NodeStructs structs = new NodeStructs(mem, layouts, b.config().zoneTypes(), pgdat,
                    linearVa(space, image.phys(image.startRodata())));
            for (FreeAreaInit.NodeInit node : b.zones().nodes()) {
                structs.freeAreaInitCore(node);
            }

            Zonelists zonelists = buildAllZonelists(b, structs);
            b.log().notice("Kernel command line: " + b.commandLine().text());
            setupLogBuf(b);
            vfsCachesInitEarly(b);

            // mm_init(): mem_init() hands memblock's free pages to the buddy allocator.
            long[][] managed = arch.memInit(b);
            writeManaged(b, structs, managed);
            memInitPrintInfo(b, managed);

            // core_initcall(cma_init_reserved_areas): each CMA area's pageblocks join its zone.
            long[][] cma = cmaInitReservedAreas(b, managed);
            writeManaged(b, structs, managed);

            // postcore_initcall(init_per_zone_wmark_min), then subsys_initcall(hugepage_init).
            List<ZoneSizes> sizes = b.zones().zoneSizes(managed);
            ZoneTuning tuning = ZoneTuning.boot(b.pageAllocConfig(), sizes, Sysctls.defaults(b.config().zoneTypes()),
                    cpus(b), b.config().thpDefault(), l -> b.log().printk(l.level(), l.text()));
            writeLimits(structs, tuning);

            freeInitrdMem(b, arch, managed);
            freeInitmem(b, managed);
            writeManaged(b, structs, managed);
            tuning = tuning.withZones(b.zones().zoneSizes(managed));

            return new Kernel(machine, b, ram, mem, layouts, structs, zonelists, pcpu, tuning, cma);
        } catch (RuntimeException | Error e) {
            ram.close();
            throw e;
        }
    }

    /** The machine's RAM, page-aligned inward, as simulated physical memory banks. */
    private static List<PhysicalMemory.Bank> banks(Machine machine) {
        List<PhysicalMemory.Bank> banks = new ArrayList<>();
        for (MemoryRange r : machine.ram()) {
            long start = (r.base() + EarlyBoot.PAGE_SIZE - 1) & -EarlyBoot.PAGE_SIZE;
            long end = r.end() & -EarlyBoot.PAGE_SIZE;
            if (end > start) {
                banks.add(new PhysicalMemory.Bank(start, end - start));
            }
        }
        return banks;
    }

    /** The kernel's view of RAM: each bank's linear-map part. */
    private static KernelMemory kernelMemory(EarlyBoot b, PhysicalMemory ram) {
        KernelAddressSpace space = b.addressSpace();
        List<KernelMemory.Region> regions = new ArrayList<>();
        for (int i = 0; i < ram.banks().size(); i++) {
            PhysicalMemory.Bank bank = ram.banks().get(i);
            if (space.arch() == Arch.ARM && bank.start() >= space.armLowmemLimit()) {
                continue; // highmem: not in the linear map
            }
            regions.add(space.linearRegion(ram.bankSegment(i), bank.start()));
        }
        return KernelMemory.of(regions);
    }

    private static long linearVa(KernelAddressSpace space, long phys) {
        return space.va(phys);
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
    private static Zonelists buildAllZonelists(EarlyBoot b, NodeStructs structs) {
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
    private static void memInitPrintInfo(EarlyBoot b, long[][] managed) {
        long physpages = 0;
        long totalram = 0;
        long totalhigh = 0;
        for (FreeAreaInit.NodeInit n : b.zones().nodes()) {
            physpages += n.nodePresentPages();
            for (FreeAreaInit.ZoneInit z : n.zones()) {
                long m = managed[n.nid()][z.zoneType()];
                totalram += m;
                if (b.zones().isHighmemIdx(z.zoneType())) {
                    totalhigh += m;
                }
            }
        }
        KernelImage img = b.machine().image();
        String line = String.format("Memory: %dK/%dK available (%dK kernel code, %dK rwdata, %dK rodata, %dK init, "
                        + "%dK bss, %dK reserved, %dK cma-reserved%s)",
                totalram << 2, physpages << 2, img.codeSize() >> 10, img.rwdataSize() >> 10, img.rodataSize() >> 10,
                img.initSize() >> 10, img.bssSize() >> 10, (physpages - totalram - b.totalcmaPages()) << 2,
                b.totalcmaPages() << 2, b.config().highmem() ? ", " + (totalhigh << 2) + "K highmem" : "");
        b.log().info(line);
    }

    /**
     * {@code cma_init_reserved_areas()}: an area whose pages all lie in one zone gives its pageblocks to
     * the buddy allocator as MIGRATE_CMA ({@code init_cma_reserved_pageblock}, managed pages rise); one
     * that straddles zones is freed as ordinary pages.
     *
     * @return {@code cma_pages} per node and zone
     */
    private static long[][] cmaInitReservedAreas(EarlyBoot b, long[][] managed) {
        long[][] cma = new long[managed.length][managed[0].length];
        for (EarlyBoot.CmaArea a : b.cmaAreas()) {
            long first = a.base() >>> EarlyBoot.PAGE_SHIFT;
            long last = (a.base() + a.size()) >>> EarlyBoot.PAGE_SHIFT;
            FreeAreaInit.ZoneInit z = zoneOf(b, first);
            if (z != null && last <= z.zoneEndPfn()) {
                managed[z.nid()][z.zoneType()] += last - first;
                cma[z.nid()][z.zoneType()] += last - first;
            } else {
                // Not in one zone: the pages are useless for CMA and go to the buddy allocator as they are.
                freePages(b, a.base(), a.base() + a.size(), managed);
            }
        }
        return cma;
    }

    private static FreeAreaInit.ZoneInit zoneOf(EarlyBoot b, long pfn) {
        for (FreeAreaInit.NodeInit n : b.zones().nodes()) {
            for (FreeAreaInit.ZoneInit z : n.zones()) {
                if (z.spannedPages() != 0 && pfn >= z.zoneStartPfn() && pfn < z.zoneEndPfn()) {
                    return z;
                }
            }
        }
        return null;
    }

    /** {@code free_initrd_mem()}: the initrd's pages return to their zones. */
    private static void freeInitrdMem(EarlyBoot b, ArchSetup arch, long[][] managed) {
        PhysRange initrd = b.initrd();
        if (initrd == null) {
            return;
        }
        long[] range = arch.freeInitrdRange(initrd);
        long pages = freePages(b, range[0], range[1], managed);
        if (pages != 0) {
            b.log().info("Freeing initrd memory: " + (pages << 2) + "K");
        }
    }

    /**
     * {@code free_initmem()}: {@code free_reserved_area(__init_begin, __init_end)}, the whole pages of the
     * init sections.
     */
    private static void freeInitmem(EarlyBoot b, long[][] managed) {
        KernelImage img = b.machine().image();
        long start = (img.phys(img.initBegin()) + EarlyBoot.PAGE_SIZE - 1) & -EarlyBoot.PAGE_SIZE;
        long end = img.phys(img.initEnd()) & -EarlyBoot.PAGE_SIZE;
        long pages = freePages(b, start, end, managed);
        if (pages != 0) {
            b.log().info("Freeing unused kernel image (initmem) memory: " + (pages << 2) + "K");
        }
    }

    private static long freePages(EarlyBoot b, long start, long end, long[][] managed) {
        long pages = 0;
        for (long pfn = start >>> EarlyBoot.PAGE_SHIFT; pfn < end >>> EarlyBoot.PAGE_SHIFT; pfn++) {
            FreeAreaInit.ZoneInit z = zoneOf(b, pfn);
            if (z != null) {
                managed[z.nid()][z.zoneType()]++;
                pages++;
            }
        }
        return pages;
    }

    /** The online CPUs per node: all on node 0 without NUMA (or with {@code numa=off}). */
    static Cpus cpus(EarlyBoot b) {
        Machine m = b.machine();
        if (!b.config().numa() || m.numa().isEmpty() || b.params().numaOff()) {
            return Cpus.uma(m.cpus());
        }
        int[] perNode = new int[b.zones().nodes().size()];
        for (int c = 0; c < m.cpus(); c++) {
            perNode[m.cpuNode(c)]++;
        }
        return new Cpus(m.cpus(), perNode);
    }

    private static void writeManaged(EarlyBoot b, NodeStructs structs, long[][] managed) {
        for (int n = 0; n < managed.length; n++) {
            for (int z = 0; z < managed[n].length; z++) {
                structs.managedPages(n, z, managed[n][z]);
            }
        }
    }

    static void writeLimits(NodeStructs structs, ZoneTuning tuning) {
        for (var l : tuning.limits()) {
            structs.writeLimits(l, tuning.nodeTotalreservePages(l.zone().nid()));
        }
    }
}
