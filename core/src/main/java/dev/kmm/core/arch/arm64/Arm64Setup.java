package dev.kmm.core.arch.arm64;

import dev.kmm.arena.addr.Arm64Layout;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.core.boot.ArchSetup;
import dev.kmm.core.boot.CommandLine;
import dev.kmm.core.boot.EarlyBoot;
import dev.kmm.core.boot.KernelImage;
import dev.kmm.core.boot.MemoryRange;
import dev.kmm.core.boot.NumaTopology;
import dev.kmm.core.boot.PhysRange;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.pagealloc.PrintkLine;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.percpu.PcpuFirstChunk;
import dev.kmm.core.sparse.SparseConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The memory part of arm64's boot in Linux 6.1 (arch/arm64/kernel/setup.c, arch/arm64/mm/init.c and mmu.c,
 * drivers/base/arch_numa.c, drivers/of/of_numa.c) with 4 KiB pages, 48-bit VA and PA, booted from a device
 * tree without ACPI or EFI.
 *
 * <p>In the kernel's order: {@code setup_machine_fdt()} (the memory nodes, the blob's reservation),
 * {@code parse_early_param()} ({@code mem=}, {@code rodata=}, {@code numa=off}), {@code arm64_memblock_init()}
 * (memory outside the PA range and the 128 TiB linear map removed, {@code memstart_addr}, the memory limit, the
 * initrd added and reserved, the image {@code [_stext, _end)}, the device tree's reserved memory),
 * {@code paging_init()} ({@code map_kernel()}'s five segments and {@code map_mem()}'s linear map, page by page
 * with {@code rodata_full}, every table from {@code early_pgtable_alloc()}; {@code init_pg_dir} freed; the
 * identity map), {@code unflatten_device_tree()}, {@code bootmem_init()} ({@code arch_numa_init()}: the device
 * tree's NUMA nodes or one faked node, each node's {@code pglist_data}; {@code sparse_init()};
 * {@code zone_sizes_init()} with ZONE_DMA up to {@code arm64_dma_phys_limit}; the default CMA area below it) and
 * {@code request_standard_resources()}. Later: swiotlb in {@code mem_init()} when RAM reaches past the DMA limit,
 * {@code free_initmem()} ("unused kernel") and the generic {@code free_initrd_mem()}, which also gives the initrd
 * back to memblock (ARCH_KEEP_MEMBLOCK).
 *
 * <p>Not modelled: KASLR (arm64 randomises virtual addresses only, so memblock's placements are those of a
 * {@code nokaslr} boot), KFENCE, {@code crashkernel=}, KVM's hypervisor reservation (QEMU's virt board boots the
 * kernel at EL1), {@code hugetlb_cma=} and per-NUMA CMA.
 */
public final class Arm64Setup implements ArchSetup {
    private static final long PAGE_SIZE = EarlyBoot.PAGE_SIZE;
    /** {@code PHYS_MASK_SHIFT}: 48-bit physical addresses. */
    private static final int PHYS_MASK_SHIFT = 48;
    /** {@code PAGE_END - _PAGE_OFFSET(vabits_actual)}: the linear map's 128 TiB. */
    private static final long LINEAR_REGION_SIZE = Arm64Layout.PAGE_END - Arm64Layout.PAGE_OFFSET;
    private static final long SIZEOF_STRUCT_RESOURCE = 64;
    /** {@code IO_TLB_DEFAULT_SIZE}: 64 MiB of bounce buffers. */
    private static final long IO_TLB_DEFAULT_SIZE = 64L << 20;
    private static final int IO_TLB_SHIFT = 11;
    /** {@code sizeof(struct io_tlb_slot)} and {@code sizeof(struct io_tlb_area)} on 64-bit. */
    private static final long IO_TLB_SLOT_SIZE = 24;
    private static final long IO_TLB_AREA_SIZE = 16;
    /** {@code sizeof(struct mem_section)} without PAGE_EXTENSION (defconfig). */
    private static final int MEM_SECTION_SIZE = 16;

    private long memstartAddr;
    private long arm64DmaPhysLimit;
    private long maxPfn;
    private boolean rodataFull;
    private int nrNodeIds = 1;
    private boolean numaFaked = true;

    @Override
    public void setupArch(EarlyBoot b) {
        Memblock mb = b.memblock();
        KernelImage image = b.machine().image();
        if (image.arm64() == null) {
            throw new IllegalArgumentException("an arm64 kernel image needs its page-table symbols "
                    + "(KernelImage.Arm64Symbols)");
        }

        // setup_machine_fdt() -> early_init_dt_scan(): /memory with MIN_MEMBLOCK_ADDR 0, MAX_MEMBLOCK_ADDR U64_MAX;
        // then memblock_reserve(dt_phys, fdt_totalsize).
        for (MemoryRange r : b.machine().ram()) {
            b.earlyInitDtAddMemoryArch(r.base(), r.size(), 0, -1L);
        }
        b.reserveDeviceTreeBlob();

        // parse_early_param()
        b.parseEarlyParamGeneric();
        b.params().memLimit().ifPresent(l -> b.log().notice("Memory limited to " + (l >> 20) + "MB"));
        rodataFull = rodataFull(b);

        arm64MemblockInit(b, image);
        KernelAddressSpace space = KernelAddressSpace.arm64(memstartAddr);
        b.addressSpace(space);
        pagingInit(b, image);
        b.unflattenDeviceTree();
        bootmemInit(b);
        requestStandardResources(b);
    }

    /**
     * {@code rodata_full}: {@code CONFIG_RODATA_FULL_DEFAULT_ENABLED} unless {@code rodata=} says otherwise
     * ({@code parse_rodata()}: a boolean turns it off, "full" on).
     */
    private static boolean rodataFull(EarlyBoot b) {
        boolean full = b.config().rodataFullDefaultEnabled();
        for (CommandLine.Param p : b.commandLine().all("rodata")) {
            String v = p.value() == null ? "" : p.value();
            if (v.equals("full")) {
                full = true;
            } else if (strtobool(v)) {
                full = false;
            }
        }
        return full;
    }

    /** Whether {@code strtobool()} reads {@code v} (y/n/1/0/on/off). */
    private static boolean strtobool(String v) {
        if (v.isEmpty()) {
            return false;
        }
        char c = Character.toLowerCase(v.charAt(0));
        if (c == 'y' || c == 'n' || c == '1' || c == '0') {
            return true;
        }
        String l = v.toLowerCase();
        return l.startsWith("on") || l.startsWith("of");
    }

    /**
     * {@code arm64_memblock_init()}: memory beyond the PA range and the linear map goes, {@code memstart_addr} is
     * the start of DRAM rounded down to {@code ARM64_MEMSTART_ALIGN}, {@code mem=} cuts memory (the image stays),
     * the initrd is added back and reserved, then the image from {@code _stext} to {@code _end} and the device
     * tree's reserved memory.
     */
    private void arm64MemblockInit(EarlyBoot b, KernelImage image) {
        Memblock mb = b.memblock();
        mb.memblockRemove(1L << PHYS_MASK_SHIFT, -1L);
        memstartAddr = Arm64Layout.memstartAddr(mb.memblockStartOfDRAM());
        if (mb.memblockEndOfDRAM() - memstartAddr > LINEAR_REGION_SIZE) {
            b.log().warn("Memory doesn't fit in the linear mapping, VA_BITS too small");
        }
        mb.memblockRemove(Math.max(memstartAddr + LINEAR_REGION_SIZE, image.phys(image.end())), -1L);
        if (memstartAddr + LINEAR_REGION_SIZE < mb.memblockEndOfDRAM()) {
            long limit = mb.memblockEndOfDRAM() - LINEAR_REGION_SIZE;
            memstartAddr = (limit + Arm64Layout.MEMSTART_ALIGN - 1) & -Arm64Layout.MEMSTART_ALIGN;
            mb.memblockRemove(0, memstartAddr);
        }
        if (b.params().memLimit().isPresent()) {
            mb.memblockMemLimitRemoveMap(b.params().memLimit().getAsLong());
            mb.memblockAdd(image.textPhys(), image.end());
        }
        PhysRange initrd = b.machine().initrd().orElse(null);
        if (initrd != null) {
            long base = initrd.base() & -PAGE_SIZE;
            long size = ((initrd.end() + PAGE_SIZE - 1) & -PAGE_SIZE) - base;
            if (base < mb.memblockStartOfDRAM() || base + size > mb.memblockStartOfDRAM() + LINEAR_REGION_SIZE) {
                b.log().warn("initrd not fully accessible via the linear mapping -- please check your bootloader ...");
            } else {
                mb.memblockAdd(base, size);
                mb.memblockClearNomap(base, size);
                mb.memblockReserve(base, size);
                b.initrd(initrd);
            }
        }
        mb.memblockReserve(image.phys(image.stext()), image.end() - image.stext());
        b.earlyInitFdtScanReservedMem();
        b.highmemStart(mb.memblockEndOfDRAM());
    }

    /**
     * {@code paging_init()}: {@code map_kernel()} and {@code map_mem()} into {@code swapper_pg_dir}, then
     * {@code init_pg_dir} is freed, memblock may resize, and {@code create_idmap()} maps the identity map's text
     * (and, with UNMAP_KERNEL_AT_EL0, KPTI's flag).
     */
    private void pagingInit(EarlyBoot b, KernelImage image) {
        Memblock mb = b.memblock();
        Arm64PageTables pt = new Arm64PageTables(mb);
        mapKernel(pt, image);
        mapMem(b, pt, image);
        mb.memblockPhysFree(image.phys(image.initPgDir()), image.initPgEnd() - image.initPgDir());
        mb.memblockAllowResize();
        KernelImage.Arm64Symbols sym = image.arm64();
        long idmap = image.phys(sym.idmapText());
        pt.createPgdMapping("idmap", idmap, idmap, sym.idmapTextEnd() - sym.idmapText(), 0);
        if (sym.idmapKptiFlag() >= 0) {
            long flag = image.phys(sym.idmapKptiFlag());
            pt.createPgdMapping("idmap", flag, flag, 4, 0);
        }
    }

    /**
     * {@code map_kernel()}: text, rodata (without contiguous hints), init text, init data and data+bss, each
     * at its link address from {@code KIMAGE_VADDR}; the fixmap reuses the boot tables' entry.
     */
    private static void mapKernel(Arm64PageTables pt, KernelImage image) {
        KernelImage.Arm64Symbols sym = image.arm64();
        long[][] segments = {
                {image.stext(), image.etext(), 0},
                {image.startRodata(), image.initBegin(), Arm64PageTables.NO_CONT_MAPPINGS},
                {image.initBegin(), sym.initdataBegin(), 0},
                {sym.initdataBegin(), image.initEnd(), 0},
                {image.sdata(), image.end(), 0},
        };
        for (long[] s : segments) {
            pt.createPgdMapping("swapper", image.phys(s[0]), Arm64Layout.KIMAGE_VADDR + s[0], s[1] - s[0], (int) s[2]);
        }
    }

    /**
     * {@code map_mem()}: every memory range into the linear map, with pages only when {@code rodata_full}
     * ({@code can_set_direct_map()}); the image's text and rodata {@code [_stext, __init_begin)} are skipped (marked
     * NOMAP meanwhile) and mapped afterwards without contiguous hints.
     */
    private void mapMem(EarlyBoot b, Arm64PageTables pt, KernelImage image) {
        Memblock mb = b.memblock();
        int flags = rodataFull ? Arm64PageTables.NO_BLOCK_MAPPINGS | Arm64PageTables.NO_CONT_MAPPINGS : 0;
        long kernelStart = image.phys(image.stext());
        long kernelEnd = image.phys(image.initBegin());
        mb.memblockMarkNomap(kernelStart, kernelEnd - kernelStart);
        List<long[]> ranges = new ArrayList<>();
        mb.forEachMemRange((s, e, nid) -> ranges.add(new long[] {s, e}));
        for (long[] r : ranges) {
            if (r[0] >= r[1]) {
                break;
            }
            pt.createPgdMapping("swapper", r[0], linearVa(r[0]), r[1] - r[0], flags);
        }
        pt.createPgdMapping("swapper", kernelStart, linearVa(kernelStart), kernelEnd - kernelStart,
                Arm64PageTables.NO_CONT_MAPPINGS);
        mb.memblockClearNomap(kernelStart, kernelEnd - kernelStart);
    }

    /** {@code __phys_to_virt()}: {@code (phys - PHYS_OFFSET) | PAGE_OFFSET}. */
    private long linearVa(long phys) {
        return (phys - memstartAddr) | Arm64Layout.PAGE_OFFSET;
    }

    /**
     * {@code bootmem_init()}: the pfn limits, {@code arch_numa_init()}, {@code sparse_init()},
     * {@code zone_sizes_init()}, the default CMA area below {@code arm64_dma_phys_limit}, and memblock's dump.
     */
    private void bootmemInit(EarlyBoot b) {
        Memblock mb = b.memblock();
        long min = (mb.memblockStartOfDRAM() + PAGE_SIZE - 1) >>> EarlyBoot.PAGE_SHIFT;
        long max = mb.memblockEndOfDRAM() >>> EarlyBoot.PAGE_SHIFT;
        maxPfn = max;
        b.limits(min, max, max);
        archNumaInit(b);
        // MAX_DMA_ADDRESS is PAGE_OFFSET, so the memmap and its tables are asked for from __pa(PAGE_OFFSET) up.
        b.sparseInit(new SparseConfig(Arm64Layout.SECTION_SIZE_BITS, Arm64Layout.PA_BITS, MEM_SECTION_SIZE,
                memstartAddr, Arm64PageTables.PGDIR_SHIFT, Arm64PageTables.PUD_SHIFT, Arm64PageTables.PMD_SHIFT), true);
        zoneSizesInit(b, max);
        b.dmaContiguousReserve(arm64DmaPhysLimit);
        mb.memblockDumpAll();
    }

    /**
     * {@code max_zone_phys(zone_bits)}: the end of the zone reaching {@code 2^zone_bits}, or of the 4 GiB above
     * the start of DRAM when DRAM starts beyond that, or of everything when DRAM starts above 4 GiB.
     */
    private static long maxZonePhys(Memblock mb, int zoneBits) {
        long zoneMask = zoneBits >= 64 ? -1L : (1L << zoneBits) - 1;
        long physStart = mb.memblockStartOfDRAM();
        if (Long.compareUnsigned(physStart, 0xffff_ffffL) > 0) {
            zoneMask = -1L;
        } else if (Long.compareUnsigned(physStart, zoneMask) > 0) {
            zoneMask = 0xffff_ffffL;
        }
        long end = mb.memblockEndOfDRAM() - 1;
        return (Long.compareUnsigned(zoneMask, end) < 0 ? zoneMask : end) + 1;
    }

    /**
     * {@code zone_sizes_init()}: {@code zone_dma_bits = min(32, the device tree's and ACPI's CPU address
     * limits)}, both unlimited on a board without {@code dma-ranges} or IORT, so 32; ZONE_DMA ends at
     * {@code max_zone_phys(zone_dma_bits)}, ZONE_DMA32 at {@code max_zone_phys(32)}, ZONE_NORMAL at the end.
     */
    private void zoneSizesInit(EarlyBoot b, long max) {
        Memblock mb = b.memblock();
        ZoneTypes types = b.config().zoneTypes();
        long[] maxZonePfn = new long[types.maxNrZones()];
        long dma32PhysLimit = maxZonePhys(mb, 32);
        arm64DmaPhysLimit = 0;
        if (types.zoneDma() >= 0) {
            int zoneDmaBits = 32;
            arm64DmaPhysLimit = maxZonePhys(mb, zoneDmaBits);
            maxZonePfn[types.zoneDma()] = arm64DmaPhysLimit >>> EarlyBoot.PAGE_SHIFT;
        }
        if (types.zoneDma32() >= 0) {
            maxZonePfn[types.zoneDma32()] = dma32PhysLimit >>> EarlyBoot.PAGE_SHIFT;
            if (arm64DmaPhysLimit == 0) {
                arm64DmaPhysLimit = dma32PhysLimit;
            }
        }
        if (arm64DmaPhysLimit == 0) {
            arm64DmaPhysLimit = 1L << PHYS_MASK_SHIFT; // PHYS_MASK + 1 without DMA zones
        }
        maxZonePfn[types.zoneNormal()] = max;
        b.freeAreaInit(maxZonePfn);
    }

    /**
     * {@code arch_numa_init()}: unless {@code numa=off}, {@code numa_init(of_numa_init)} with the machine's NUMA
     * description (its device tree's {@code numa-node-id}s and distance map); else, or when that finds no node,
     * {@code numa_init(dummy_numa_init)}, one node over all memory. Each try allocates the distance table
     * ({@code MAX_NUMNODES} squared bytes, page aligned) and frees it on failure.
     */
    private void archNumaInit(EarlyBoot b) {
        if (!b.config().numa()) {
            // A !NUMA kernel's node is contig_page_data in the image (kmm's arm64 profile is a NUMA build; its
            // node_data stands in for where that structure would be).
            KernelImage image = b.machine().image();
            b.nodeData(0, image.phys(image.contigPageData()), image.pglistDataSize());
            return;
        }
        if (!b.params().numaOff() && numaInit(b, false)) {
            return;
        }
        numaInit(b, true);
    }

    /** {@code numa_init(init_func)}: {@code dummy_numa_init} when {@code dummy}, else {@code of_numa_init}. */
    private boolean numaInit(EarlyBoot b, boolean dummy) {
        Memblock mb = b.memblock();
        int maxNumNodes = b.config().maxNumNodes();
        long distanceSize = (long) maxNumNodes * maxNumNodes;
        long distance = mb.memblockAlloc(distanceSize, PAGE_SIZE); // numa_alloc_distance()
        if (distance == 0) {
            return false;
        }
        NumaTopology numa = b.machine().numa().orElse(null);
        List<Integer> parsed = new ArrayList<>();
        if (!dummy) {
            // of_numa_init(): of_numa_parse_memory_nodes() -> numa_add_memblk() per reg, then the distance map.
            if (numa != null) {
                for (NumaTopology.NodeMemory m : numa.memory()) {
                    mb.memblockSetNode(m.base(), m.size(), mb.memory(), m.nid());
                    if (!parsed.contains(m.nid())) {
                        parsed.add(m.nid());
                    }
                }
                if (hasDistanceMap(numa)) {
                    b.log().info("OF: NUMA: parsing numa-distance-map-v1");
                }
            }
        } else {
            if (b.params().numaOff()) {
                b.log().info("NUMA: NUMA disabled");
            }
            long start = mb.memblockStartOfDRAM();
            long end = mb.memblockEndOfDRAM() - 1;
            b.log().info(String.format("NUMA: Faking a node at [mem %#018x-%#018x]", start, end));
            mb.memblockSetNode(start, end + 1 - start, mb.memory(), 0);
            parsed.add(0);
        }
        if (parsed.isEmpty()) {
            b.log().info("NUMA: No NUMA configuration found");
            mb.memblockFree(distance, distanceSize); // numa_free_distance()
            return false;
        }
        parsed.sort(Integer::compare);
        numaFaked = dummy;
        numaRegisterNodes(b, parsed);
        nrNodeIds = parsed.getLast() + 1;
        b.nrNodeIds(nrNodeIds);
        return true;
    }

    private static boolean hasDistanceMap(NumaTopology numa) {
        for (int i = 0; i < numa.nodes(); i++) {
            for (int j = 0; j < numa.nodes(); j++) {
                if (numa.distance(i, j) != (i == j ? NumaTopology.LOCAL_DISTANCE : NumaTopology.REMOTE_DISTANCE)) {
                    return true;
                }
            }
        }
        return numa.nodes() > 1;
    }

    /**
     * {@code numa_register_nodes()}: {@code setup_node_data()} for each parsed node, its {@code pglist_data}
     * ({@code roundup(sizeof(pg_data_t), SMP_CACHE_BYTES)}) from memblock, preferably on the node.
     */
    private static void numaRegisterNodes(EarlyBoot b, List<Integer> nodes) {
        Memblock mb = b.memblock();
        long smpCache = b.config().memblockConfig().smpCacheBytes();
        long ndSize = (b.machine().image().pglistDataSize() + smpCache - 1) / smpCache * smpCache;
        for (int nid : nodes) {
            long[] span = {Long.MAX_VALUE, 0};
            mb.forEachMemPfnRange(nid, (s, e, n) -> {
                span[0] = Math.min(span[0], s);
                span[1] = Math.max(span[1], e);
            });
            if (span[0] >= span[1]) {
                b.log().info("NUMA: Initmem setup node " + nid + " [<memory-less node>]");
            }
            long pa = mb.memblockPhysAllocTryNid(ndSize, smpCache, nid);
            if (pa == 0) {
                throw new IllegalStateException("Kernel panic - not syncing: Cannot allocate " + ndSize
                        + " bytes for node " + nid + " data");
            }
            b.log().info(String.format("NUMA: NODE_DATA [mem %#010x-%#010x]", pa, pa + ndSize - 1));
            int tnid = mb.memblockSearchPfnNid(pa >>> EarlyBoot.PAGE_SHIFT, new dev.kmm.core.memblock.MemblockRange());
            if (tnid >= 0 && tnid != nid) {
                b.log().info("NUMA: NODE_DATA(" + nid + ") on node " + tnid);
            }
            b.nodeData(nid, pa, ndSize);
        }
    }

    /** {@code request_standard_resources()}: one array of {@code struct resource} for every memory region. */
    private static void requestStandardResources(EarlyBoot b) {
        long size = (long) b.memblock().memory().cnt() * SIZEOF_STRUCT_RESOURCE;
        if (b.memblock().memblockAlloc(size, b.config().memblockConfig().smpCacheBytes()) == 0) {
            throw new IllegalStateException("Kernel panic - not syncing: request_standard_resources: Failed to "
                    + "allocate " + size + " bytes");
        }
    }

    /**
     * The generic {@code setup_per_cpu_areas()} of drivers/base/arch_numa.c: {@code PERCPU_MODULE_RESERVE},
     * {@code PERCPU_DYNAMIC_RESERVE}, page atoms, CPUs grouped by node distance, each unit from
     * {@code __pa(MAX_DMA_ADDRESS)} = {@code memstart_addr} up on the CPU's node.
     */
    @Override
    public PcpuFirstChunk.Result setupPerCpuAreas(EarlyBoot b) {
        NumaTopology topo = numaFaked ? null : b.machine().numa().orElse(null);
        long reserved = b.config().modules() ? PcpuFirstChunk.PERCPU_MODULE_RESERVE : 0;
        return PcpuFirstChunk.pcpuEmbedFirstChunk(b.memblock(),
                new PcpuFirstChunk.Build(8, true, b.config().memblockConfig().smpCacheBytes()),
                b.machine().image().perCpuSize(), reserved, PcpuFirstChunk.percpuDynamicReserve(64), PAGE_SIZE,
                b.machine().cpus(),
                (x, y) -> topo == null ? NumaTopology.LOCAL_DISTANCE
                        : topo.distance(b.machine().cpuNode(x), b.machine().cpuNode(y)),
                cpu -> topo == null ? 0 : b.machine().cpuNode(cpu), memstartAddr,
                l -> b.log().printk(PrintkLine.Level.of(l.level()), l.text()));
    }

    /**
     * {@code mem_init()}: swiotlb's bounce buffers when RAM reaches past {@code arm64_dma_phys_limit} (64 MiB
     * below the limit, the slot array, one area per possible CPU rounded to a power of two), then
     * {@code memblock_free_all()}.
     */
    @Override
    public void memInit(EarlyBoot b) {
        if (maxPfn > arm64DmaPhysLimit >>> EarlyBoot.PAGE_SHIFT) {
            Memblock mb = b.memblock();
            int nareas = Integer.highestOneBit(b.machine().cpus() * 2 - 1);
            b.log().info("software IO TLB: area num " + nareas + ".");
            long nslabs = IO_TLB_DEFAULT_SIZE >>> IO_TLB_SHIFT;
            // memblock_alloc_low(): below ARCH_LOW_ADDRESS_LIMIT = arm64_dma_phys_limit - 1
            long tlb = mb.memblockAllocTryNid(IO_TLB_DEFAULT_SIZE, PAGE_SIZE, 0, arm64DmaPhysLimit - 1,
                    Memblock.NUMA_NO_NODE);
            if (tlb == 0) {
                b.log().warn("swiotlb: Failed to allocate bounce buffers");
            } else {
                mb.memblockAlloc((nslabs * IO_TLB_SLOT_SIZE + PAGE_SIZE - 1) & -PAGE_SIZE, PAGE_SIZE);
                mb.memblockAlloc(IO_TLB_AREA_SIZE * nareas, b.config().memblockConfig().smpCacheBytes());
                b.log().info(String.format("software IO TLB: mapped [mem %#018x-%#018x] (%dMB)", tlb,
                        tlb + IO_TLB_DEFAULT_SIZE, IO_TLB_DEFAULT_SIZE >> 20));
            }
        }
        b.memblockFreeAll();
    }

    /** arm64's {@code free_initmem()} frees {@code [__init_begin, __init_end)} as "unused kernel". */
    @Override
    public String initmemName() {
        return "unused kernel";
    }

    /** The generic {@code free_initrd_mem()} with ARCH_KEEP_MEMBLOCK first returns the pages to memblock. */
    @Override
    public void beforeFreeInitrd(EarlyBoot b, PhysRange initrd) {
        long start = initrd.base() & -PAGE_SIZE;
        long end = (initrd.end() + PAGE_SIZE - 1) & -PAGE_SIZE;
        b.memblock().memblockPhysFree(start, end - start);
    }

    /** {@code arm64_dma_phys_limit} after {@code zone_sizes_init()}. */
    public long arm64DmaPhysLimit() {
        return arm64DmaPhysLimit;
    }
}
