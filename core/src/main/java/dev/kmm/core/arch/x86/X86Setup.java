package dev.kmm.core.arch.x86;

import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.addr.X86_64Layout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.boot.ArchSetup;
import dev.kmm.core.boot.EarlyBoot;
import dev.kmm.core.boot.KernelImage;
import dev.kmm.core.boot.MemoryRange;
import dev.kmm.core.boot.NumaTopology;
import dev.kmm.core.boot.PhysRange;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.memblock.MemblockFlags;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.pagealloc.PrintkLine;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.percpu.PcpuFirstChunk;
import dev.kmm.core.sparse.SparseConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The memory part of x86_64's boot in Linux 6.1 (arch/x86/kernel/setup.c, e820.c, arch/x86/mm/init.c,
 * init_64.c, numa.c, arch/x86/realmode/init.c), 4-level paging, no KASLR, no EFI, for a BIOS machine that
 * describes its memory with e820 and its NUMA layout with ACPI SRAT.
 *
 * <p>In the kernel's order: {@code early_reserve_memory()} (the image to {@code __end_of_kernel_reserve}, the
 * first 64 KiB, the initrd, the BIOS regions below 1 MiB), the e820 edits ({@code mem=}, the first page and the
 * legacy BIOS hole), {@code max_pfn}/{@code max_low_pfn}, {@code reserve_brk()}, {@code e820__memblock_setup()},
 * {@code reserve_real_mode()} (the trampoline, then all of the first MiB), {@code init_mem_mapping()}'s page
 * tables, NUMA ({@code x86_numa_init()}: SRAT nodes or one faked node, {@code alloc_node_data()}),
 * {@code memblock_find_dma_reserve()}, {@code paging_init()} ({@code sparse_init()}, {@code zone_sizes_init()}),
 * then the firmware's small allocations, {@code e820__reserve_resources()}, the firmware memory map and the
 * hibernation no-save regions. Later: the CPU entry area page tables ({@code trap_init()}), swiotlb in
 * {@code mem_init()} (RAM above 4 GiB), the SMP alternatives ({@code check_bugs()}) and the image gaps of
 * {@code mark_rodata_ro()}.
 *
 * <p>Approximated: SRAT parsing keeps the machine's affinities as given (no {@code numa_cleanup_meminfo()}
 * messages); SLIT is taken to exist when the machine's distances differ from 10/20; the CPU entry area is
 * counted as one PUD, one PMD and one PTE table per 2 MiB of entry areas (about 8 CPUs each).
 */
public final class X86Setup implements ArchSetup {
    private static final long SZ_64K = 64L << 10;
    private static final long SZ_1M = 1L << 20;
    private static final long MAX_DMA_PFN = (16L << 20) >>> 12;
    private static final long MAX_DMA32_PFN = (4L << 30) >>> 12;
    /** {@code MAX_ARCH_PFN}: 2^46 bytes with 4-level paging. */
    private static final long MAX_ARCH_PFN = 1L << (46 - 12);
    /** {@code real_mode_size_needed()} of the 6.1 real-mode blob: 7 pages. */
    private static final long REAL_MODE_SIZE = 7 * 4096;
    /** {@code INIT_PGT_BUF_SIZE} with X86_5LEVEL and RANDOMIZE_MEMORY (x86_64_defconfig): 4 * 4 pages. */
    private static final long INIT_PGT_BUF_PAGES = 16;
    /** {@code KERNEL_IMAGE_SIZE}: what the boot page tables map before {@code init_mem_mapping()}. */
    private static final long KERNEL_IMAGE_SIZE = 1L << 30;
    /** {@code sizeof(struct cpu_entry_area)} of 6.1 x86_64 (GDT, entry stack, TSS with I/O bitmap, stacks). */
    private static final long CPU_ENTRY_AREA_SIZE = 0x3b000;
    private static final long SIZEOF_STRUCT_RESOURCE = 64;
    private static final long SIZEOF_FIRMWARE_MAP_ENTRY = 104;
    private static final long SIZEOF_NOSAVE_REGION = 32;
    /** {@code IO_TLB_DEFAULT_SIZE}: 64 MiB of bounce buffers. */
    private static final long IO_TLB_DEFAULT_SIZE = 64L << 20;
    private static final int IO_TLB_SHIFT = 11;

    private E820Map e820;
    private List<MemoryRange> firmwareTable;
    private long maxPfn;

    @Override
    public void setupArch(EarlyBoot b) {
        Memblock mb = b.memblock();
        KernelImage image = b.machine().image();
        KernelAddressSpace space = KernelAddressSpace.x86_64();
        b.addressSpace(space);

        earlyReserveMemory(b, image);
        firmwareTable = b.machine().memory();
        e820 = new E820Map(firmwareTable);
        b.log().info("BIOS-provided physical RAM map:");
        e820.print(b.log(), "BIOS-e820");
        b.parseEarlyParamGeneric();
        if (b.params().memLimit().isPresent()) {
            long limit = b.params().memLimit().getAsLong();
            e820.removeRam(b.log(), limit, -1L - limit);
            b.log().info("user-defined physical RAM map:");
            e820.print(b.log(), "user");
        }
        // trim_bios_range(): the first page is the BIOS's; the legacy video/BIOS hole is not RAM.
        e820.update(b.log(), 0, 4096, MemoryRange.Type.RAM, MemoryRange.Type.RESERVED);
        e820.removeRam(b.log(), 0xa0000, 0x60000);

        maxPfn = endPfn(b, MAX_ARCH_PFN);
        long maxLowPfn = maxPfn > MAX_DMA32_PFN ? endPfn(b, MAX_DMA32_PFN) : maxPfn;

        mb.memblockReserve(image.phys(image.brkBase()), image.brkEnd() - image.brkBase()); // reserve_brk()
        mb.memblockAllowResize();
        for (MemoryRange r : e820.ram()) {
            mb.memblockAdd(r.base(), r.size());
        }
        mb.memblockTrimMemory(4096);
        mb.memblockDumpAll();

        reserveRealMode(mb);
        X86PageTables pt = new X86PageTables(mb, false,
                (image.phys(image.brkEnd()) >>> 12) - INIT_PGT_BUF_PAGES, INIT_PGT_BUF_PAGES, KERNEL_IMAGE_SIZE >>> 12);
        long maxPfnMapped = pt.initMemMapping(maxPfn << 12);
        maxLowPfn = maxPfn; // x86_64 has no highmem
        mb.memblockSetCurrentLimit(maxPfnMapped << 12);
        b.limits(0, maxLowPfn, maxPfn);
        reserveInitrd(b, maxPfnMapped);

        initmemInit(b, maxLowPfn);
        b.dmaReserve(memblockFindDmaReserve(mb));
        b.highmemStart(maxPfn << 12);

        // paging_init(): sparse_init() then zone_sizes_init().
        // x86_64_defconfig has no PAGE_EXTENSION (a 16-byte mem_section); alloc_node_data() left node_id 0.
        b.sparseInit(new SparseConfig(27, 46, 16, 16L << 20, 39, 30, 21), false);
        ZoneTypes types = b.config().zoneTypes();
        long[] maxZonePfn = new long[types.maxNrZones()];
        if (types.zoneDma() >= 0) {
            maxZonePfn[types.zoneDma()] = Math.min(MAX_DMA_PFN, maxLowPfn);
        }
        if (types.zoneDma32() >= 0) {
            maxZonePfn[types.zoneDma32()] = Math.min(MAX_DMA32_PFN, maxLowPfn);
        }
        maxZonePfn[types.zoneNormal()] = maxLowPfn;
        b.freeAreaInit(maxZonePfn);

        for (long size : b.machine().firmwareAllocations()) {
            smallAlloc(b, size);
        }
        e820ReserveResources(b);
        e820RegisterNosaveRegions(b);
    }

    /** {@code e820_end_pfn()}: the end of the last RAM entry below the limit, as the kernel logs it. */
    private long endPfn(EarlyBoot b, long limitPfn) {
        long last = Math.min(e820.endRamPfn(limitPfn), MAX_ARCH_PFN);
        b.log().info(String.format("last_pfn = %#x max_arch_pfn = %#x", last, MAX_ARCH_PFN));
        return last;
    }

    /**
     * {@code early_reserve_memory()}: the image from {@code _text} to {@code __end_of_kernel_reserve}, the first
     * 64 KiB, the initrd ({@code early_reserve_initrd}) and the BIOS data below 1 MiB
     * ({@code reserve_bios_regions}: from the lowest firmware range under 1 MiB, a page boundary, up to 1 MiB).
     */
    private static void earlyReserveMemory(EarlyBoot b, KernelImage image) {
        Memblock mb = b.memblock();
        mb.memblockReserve(image.textPhys(), image.reserveEnd());
        mb.memblockReserve(0, SZ_64K);
        b.earlyReserveInitrd();
        long biosStart = SZ_1M;
        for (MemoryRange r : b.machine().memory()) {
            if (r.type() != MemoryRange.Type.RAM && r.base() < SZ_1M && r.base() >= 0x20000) {
                biosStart = Math.min(biosStart, r.base() & -4096L);
            }
        }
        mb.memblockReserve(biosStart, SZ_1M - biosStart);
    }

    /** {@code reserve_real_mode()}: the trampoline below 1 MiB, then the whole first MiB. */
    private static void reserveRealMode(Memblock mb) {
        mb.memblockPhysAllocRange(REAL_MODE_SIZE, 4096, 0, SZ_1M);
        mb.memblockReserve(0, SZ_1M);
    }

    /**
     * {@code initmem_init()} = {@code x86_numa_init()}: the SRAT's nodes ({@code numa_register_memblks()}: nodes
     * set on memblock, the distance table when the firmware has one, {@code alloc_node_data()} on each node
     * with memory), or with {@code numa=off} or no SRAT one faked node over all memory.
     */
    private void initmemInit(EarlyBoot b, long maxLowPfn) {
        Memblock mb = b.memblock();
        NumaTopology numa = b.machine().numa().orElse(null);
        long ndSize = (b.machine().image().pglistDataSize() + 4095) & -4096L;
        if (numa == null || b.params().numaOff()) {
            b.log().info(b.params().numaOff() ? "NUMA turned off" : "No NUMA configuration found");
            b.log().info(String.format("Faking a node at [mem %#018x-%#018x]", 0L, (maxPfn << 12) - 1));
            mb.memblockSetNode(0, -1L, mb.memory(), 0);
            allocNodeData(b, 0, ndSize);
            return;
        }
        b.nrNodeIds(numa.nodes());
        for (NumaTopology.NodeMemory m : numa.memory()) {
            mb.memblockSetNode(m.base(), m.size(), mb.memory(), m.nid());
        }
        if (hasSlit(numa)) {
            long size = (long) numa.nodes() * numa.nodes();
            mb.memblockPhysAllocRange(size, 4096, 0, maxPfn << 12);
            b.log().printk(PrintkLine.Level.DEBUG, "NUMA: Initialized distance table, cnt=" + numa.nodes());
        }
        boolean[] hasMemory = new boolean[numa.nodes()];
        mb.forEachMemPfnRange(mb.maxNumNodes(), (s, e, nid) -> hasMemory[nid] = true);
        for (int nid = 0; nid < numa.nodes(); nid++) {
            if (hasMemory[nid]) {
                allocNodeData(b, nid, ndSize);
            }
        }
    }

    private static boolean hasSlit(NumaTopology numa) {
        for (int i = 0; i < numa.nodes(); i++) {
            for (int j = 0; j < numa.nodes(); j++) {
                if (numa.distance(i, j) != (i == j ? NumaTopology.LOCAL_DISTANCE : NumaTopology.REMOTE_DISTANCE)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code alloc_node_data()}: {@code roundup(sizeof(pg_data_t), PAGE_SIZE)} from the node. */
    private static void allocNodeData(EarlyBoot b, int nid, long ndSize) {
        long pa = b.memblock().memblockPhysAllocTryNid(ndSize, b.config().memblockConfig().smpCacheBytes(), nid);
        if (pa == 0) {
            throw new IllegalStateException("Cannot find " + ndSize + " bytes in any node (initial node: " + nid + ")");
        }
        b.log().info(String.format("NODE_DATA(%d) allocated [mem %#010x-%#010x]", nid, pa, pa + ndSize - 1));
        b.nodeData(nid, pa, ndSize);
    }

    /**
     * {@code memblock_find_dma_reserve()}: the pages below 16 MiB that memblock has not left free, which the
     * early estimate of ZONE_DMA's managed pages leaves out.
     */
    private static long memblockFindDmaReserve(Memblock mb) {
        long[] n = {0, 0};
        mb.forEachMemPfnRange(mb.maxNumNodes(), (s, e, nid) -> n[0] += Math.min(e, MAX_DMA_PFN) - Math.min(s, MAX_DMA_PFN));
        mb.forEachFreeMemRange(Memblock.NUMA_NO_NODE, MemblockFlags.MEMBLOCK_NONE, (s, e, nid) -> {
            long sp = Math.min((s + 4095) >>> 12, MAX_DMA_PFN);
            long ep = Math.min(e >>> 12, MAX_DMA_PFN);
            if (sp < ep) {
                n[1] += ep - sp;
            }
        });
        return n[0] - n[1];
    }

    /** {@code e820__reserve_resources()}: one {@code struct resource} per e820 entry, then the firmware map. */
    private void e820ReserveResources(EarlyBoot b) {
        b.e820Table(e820.entries()); // what /proc/iomem's resources are made of
        smallAlloc(b, SIZEOF_STRUCT_RESOURCE * e820.entries().size());
        for (int i = 0; i < firmwareTable.size(); i++) {
            smallAlloc(b, SIZEOF_FIRMWARE_MAP_ENTRY); // firmware_map_add_early()
        }
    }

    /**
     * {@code e820__register_nosave_regions(max_pfn)}: every gap between RAM entries below {@code max_pfn} is a
     * hibernation no-save region; {@code register_nosave_region()} extends the previous one when they touch.
     */
    private void e820RegisterNosaveRegions(EarlyBoot b) {
        long lastAddr = 0;
        long prevEnd = -1;
        List<long[]> regions = new ArrayList<>();
        for (MemoryRange r : e820.entries()) {
            if (r.type() != MemoryRange.Type.RAM) {
                continue;
            }
            if (lastAddr < r.base()) {
                regions.add(new long[] {lastAddr >>> 12, (r.base() + 4095) >>> 12});
            }
            lastAddr = r.end();
        }
        regions.add(new long[] {lastAddr >>> 12, maxPfn});
        for (long[] r : regions) {
            if (r[0] >= r[1]) {
                continue;
            }
            if (prevEnd != r[0]) {
                smallAlloc(b, SIZEOF_NOSAVE_REGION);
            }
            prevEnd = r[1];
            b.log().info(String.format("PM: hibernation: Registered nosave memory: [mem %#010x-%#010x]", r[0] << 12,
                    (r[1] << 12) - 1));
        }
    }

    private static void smallAlloc(EarlyBoot b, long size) {
        if (b.memblock().memblockAlloc(size, b.config().memblockConfig().smpCacheBytes()) == 0) {
            throw new IllegalStateException("Failed to allocate " + size + " bytes (the kernel panics)");
        }
    }

    /**
     * x86's {@code setup_per_cpu_areas()}: PMD-sized atoms, {@code PERCPU_FIRST_CHUNK_RESERVE} (the module
     * reserve) and 28 KiB dynamic; CPUs grouped by node distance and each group from its node.
     */
    @Override
    public PcpuFirstChunk.Result setupPerCpuAreas(EarlyBoot b) {
        int cpus = b.machine().cpus();
        b.log().info(String.format("setup_percpu: NR_CPUS:%d nr_cpumask_bits:%d nr_cpu_ids:%d nr_node_ids:%d",
                b.config().nrCpus(), cpus, cpus, b.nrNodeIds()));
        boolean numa = b.nrNodeIds() > 1;
        NumaTopology topo = b.machine().numa().orElse(null);
        long reserve = b.config().modules() ? PcpuFirstChunk.PERCPU_MODULE_RESERVE : 0;
        long dyn = PcpuFirstChunk.PERCPU_MODULE_RESERVE + PcpuFirstChunk.percpuDynamicReserve(64) - reserve;
        return PcpuFirstChunk.pcpuEmbedFirstChunk(b.memblock(),
                new PcpuFirstChunk.Build(8, false, b.config().memblockConfig().smpCacheBytes()),
                b.machine().image().perCpuSize(), reserve, dyn, 2L << 20, cpus,
                (x, y) -> !numa ? 10 : topo.distance(b.machine().cpuNode(x), b.machine().cpuNode(y)),
                cpu -> numa ? b.machine().cpuNode(cpu) : 0, 16L << 20,
                l -> b.log().printk(PrintkLine.Level.of(l.level()), l.text()));
    }

    /**
     * {@code trap_init()}'s CPU entry areas: their PUD, PMD and PTE tables come from memblock
     * ({@code spp_getpage()}), one PTE table per 2 MiB of entry areas.
     */
    @Override
    public void trapInit(EarlyBoot b) {
        long ptes = (4096 + b.machine().cpus() * CPU_ENTRY_AREA_SIZE + (2L << 20) - 1) / (2L << 20);
        for (long i = 0; i < 2 + ptes; i++) {
            if (b.memblock().memblockAlloc(4096, 4096) == 0) {
                throw new IllegalStateException("spp_getpage: cannot allocate (the kernel panics)");
            }
        }
    }

    /**
     * {@code mem_init()}: {@code pci_iommu_alloc()} sets up swiotlb when RAM reaches above 4 GiB (64 MiB of
     * bounce buffers below 4 GiB, their slot array and one area per possible CPU, rounded to a power of two),
     * then {@code memblock_free_all()}.
     */
    @Override
    public void memInit(EarlyBoot b) {
        if (maxPfn > MAX_DMA32_PFN) {
            int nareas = Integer.highestOneBit(b.machine().cpus() * 2 - 1);
            b.log().info("software IO TLB: area num " + nareas + ".");
            long nslabs = IO_TLB_DEFAULT_SIZE >>> IO_TLB_SHIFT;
            Memblock mb = b.memblock();
            if (mb.memblockAllocLow(IO_TLB_DEFAULT_SIZE, 4096) == 0) {
                throw new IllegalStateException("swiotlb: Cannot allocate buffer");
            }
            long slots = (nslabs * 24 + 4095) & -4096L; // struct io_tlb_slot
            mb.memblockAlloc(slots, 4096);
            mb.memblockAlloc(16L * nareas, b.config().memblockConfig().smpCacheBytes()); // struct io_tlb_area
        }
        b.memblockFreeAll();
        preallocateVmallocPages(b);
    }

    /**
     * {@code preallocate_vmalloc_pages()}: with 4-level paging the p4d level is folded, so each PGD slot of the
     * vmalloc area gets its PUD page now ({@code pud_alloc} -> {@code get_zeroed_page(GFP_PGTABLE_KERNEL)}), from
     * the buddy allocator on the boot CPU, so that no later vmalloc has to sync the top level into every pgd.
     */
    private static void preallocateVmallocPages(EarlyBoot b) {
        PageAlloc alloc = b.pageAlloc();
        try (Cpu cpu = b.cpus().enter(0)) {
            for (long addr = X86_64Layout.VMALLOC_START; Long.compareUnsigned(addr, X86_64Layout.VMALLOC_END) <= 0
                    && addr != 0; addr = (addr | (X86_64Layout.PGDIR_SIZE - 1)) + 1) {
                if (alloc.allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0) == 0) {
                    throw new IllegalStateException("Failed to pre-allocate pud pages for vmalloc area");
                }
            }
        }
    }

    /** {@code alternative_instructions()}: the SMP lock prefixes go once patched for SMP. */
    @Override
    public void checkBugs(EarlyBoot b) {
        KernelImage img = b.machine().image();
        if (b.machine().cpus() > 1 && img.smpLocksEnd() > img.smpLocks()) {
            freeInitPages(b, "SMP alternatives", img.phys(img.smpLocks()), img.phys(img.smpLocksEnd()));
        }
    }

    /** {@code mark_rodata_ro()}: the page gaps between text and rodata and between rodata and data. */
    @Override
    public void markRodataRo(EarlyBoot b) {
        KernelImage img = b.machine().image();
        long textEnd = (img.phys(img.etext()) + 4095) & -4096L;
        long rodataStart = (img.phys(img.startRodata()) + 4095) & -4096L;
        long rodataEnd = (img.phys(img.endRodata()) + 4095) & -4096L;
        freeInitPages(b, "unused kernel image (text/rodata gap)", textEnd, rodataStart);
        freeInitPages(b, "unused kernel image (rodata/data gap)", rodataEnd, img.phys(img.sdata()));
    }

    /** {@code free_init_pages()}: {@code free_reserved_area()} of the page-aligned range, with its message. */
    private static void freeInitPages(EarlyBoot b, String what, long begin, long end) {
        if (begin >= end) {
            return;
        }
        long pages = b.freeReservedArea(begin, end);
        if (pages != 0) {
            b.log().info("Freeing " + what + " memory: " + (pages << 2) + "K");
        }
    }

    /**
     * {@code reserve_initrd()}: an initrd the direct map covers stays where the loader put it; one outside it
     * (beyond {@code mem=}, say) is moved by {@code relocate_initrd()} into memory from memblock below
     * {@code max_pfn_mapped}, and its old pages are given back. kmm moves the range, not the bytes (the
     * initrd's contents are not simulated).
     */
    private static void reserveInitrd(EarlyBoot b, long maxPfnMapped) {
        PhysRange r = b.initrd();
        if (r == null) {
            return;
        }
        Memblock mb = b.memblock();
        long image = r.base() & -4096L;
        long end = (r.end() + 4095) & -4096L;
        b.log().info(String.format("RAMDISK: [mem %#010x-%#010x]", image, end - 1));
        if (mb.memblockIsRegionMemory(image, end - image)) {
            return; // pfn_range_is_mapped(): init_mem_mapping() mapped every memblock memory range
        }
        long area = (r.size() + 4095) & -4096L;
        long moved = mb.memblockPhysAllocRange(area, 4096, 0, maxPfnMapped << 12);
        if (moved == 0) {
            throw new IllegalStateException(String.format("Kernel panic - not syncing: Cannot find place for new "
                    + "RAMDISK of size %d", r.size()));
        }
        b.log().info(String.format("Allocated new RAMDISK: [mem %#010x-%#010x]", moved, moved + r.size() - 1));
        b.log().info(String.format("Move RAMDISK from [mem %#010x-%#010x] to [mem %#010x-%#010x]", r.base(),
                r.base() + r.size() - 1, moved, moved + r.size() - 1));
        mb.memblockPhysFree(image, end - image);
        b.initrd(new PhysRange(moved, r.size()));
    }

    /**
     * x86's {@code free_initrd_mem()}: {@code free_init_pages("initrd", start, PAGE_ALIGN(end))}, the partial last
     * page included (it was reserved whole).
     */
    @Override
    public long[] freeInitrdRange(PhysRange initrd) {
        return new long[] {(initrd.base() + 4095) & -4096L, (initrd.end() + 4095) & -4096L};
    }
}
