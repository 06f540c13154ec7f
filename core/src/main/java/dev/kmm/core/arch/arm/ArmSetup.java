package dev.kmm.core.arch.arm;

import dev.kmm.arena.addr.ArmLayout;
import dev.kmm.arena.addr.ArmLayoutVersion;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.addr.VmSplit;
import dev.kmm.core.boot.ArchSetup;
import dev.kmm.core.boot.BootParams;
import dev.kmm.core.boot.EarlyBoot;
import dev.kmm.core.boot.KernelConfig;
import dev.kmm.core.boot.KernelImage;
import dev.kmm.core.boot.MemoryRange;
import dev.kmm.core.boot.PhysRange;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.pagealloc.PrintkLine;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.percpu.PcpuFirstChunk;

import java.util.ArrayList;
import java.util.List;

/**
 * The memory part of 32-bit arm's boot in Linux 6.1 (arch/arm/kernel/setup.c, arch/arm/mm/mmu.c and
 * init.c), without LPAE, for a device-tree machine: {@code setup_arch()} from
 * {@code setup_machine_fdt()} to {@code unflatten_device_tree()}, then {@code mem_init()}.
 *
 * <p>The steps keep the kernel's order, which decides where every top-down allocation lands:
 * the device tree's banks and blob, {@code parse_early_param()} ({@code mem=}, {@code vmalloc=}),
 * {@code adjust_lowmem_bounds()}, {@code arm_memblock_init()} (kernel, initrd, {@code swapper_pg_dir},
 * reserved memory, CMA), {@code adjust_lowmem_bounds()} again, {@code paging_init()} with its
 * {@code early_alloc()}s (vectors, their PTE table, pkmap and fixmap PTE tables, the zero page) and
 * {@code bootmem_init()} ({@code find_limits()}, {@code zone_sizes_init()}), then
 * {@code request_standard_resources()} and the unflattened device tree.
 *
 * <p>Not modelled: XIP kernels, LPAE, TCM, machine {@code reserve}/{@code map_io} hooks (the Versatile
 * Express DT machine has none), earlycon's permanent fixmap entries, crash kernels.
 */
public final class ArmSetup implements ArchSetup {
    /** {@code TEXT_OFFSET}: the image starts 32 KiB into RAM. */
    public static final long TEXT_OFFSET = 0x8000;
    /** {@code SWAPPER_PG_DIR_SIZE = PTRS_PER_PGD * sizeof(pgd_t)} without LPAE, just below {@code _text}. */
    public static final long SWAPPER_PG_DIR_SIZE = 0x4000;
    /** {@code sizeof(struct resource)} with a 32-bit {@code resource_size_t}. */
    static final long SIZEOF_STRUCT_RESOURCE = 32;
    /** {@code sizeof(struct static_vm)}: a 32-byte {@code vm_struct} and a list head. */
    static final long SIZEOF_STATIC_VM = 40;
    /** {@code FDT_FIXED_BASE}. */
    static final long FDT_FIXED_BASE = 0xff80_0000L;
    /** {@code FDT_FIXED_SIZE = 2 * SECTION_SIZE}. */
    static final long FDT_FIXED_SIZE = 2 * ArmPageTables.SECTION_SIZE;
    private static final long PHYS_MASK = 0xffff_ffffL;

    private long vmallocSize = ArmLayout.VMALLOC_SIZE_DEFAULT;
    private long physOffset;
    private long armLowmemLimit;
    private long armDmaLimit;

    @Override
    public void setupArch(EarlyBoot b) {
        KernelConfig config = b.config();
        Memblock mb = b.memblock();
        KernelImage image = b.machine().image();
        physOffset = image.textPhys() - TEXT_OFFSET;
        VmSplit split = config.vmSplit();
        ArmLayoutVersion version = b.machine().armLayout();

        // setup_machine_fdt() -> early_init_dt_scan_nodes(): the memory banks, MIN_MEMBLOCK_ADDR = __pa(PAGE_OFFSET).
        for (MemoryRange r : b.machine().ram()) {
            b.earlyInitDtAddMemoryArch(r.base(), r.size(), physOffset, PHYS_MASK);
        }
        b.reserveDeviceTreeBlob();

        // parse_early_param()
        b.parseEarlyParamGeneric();
        earlyMem(b);
        earlyVmalloc(b, split, version);
        KernelAddressSpace space = KernelAddressSpace.arm(split, physOffset, version, vmallocSize);

        // setup_dma_zone(): no machine dma_zone_size, so no DMA limit below 4 GiB.
        armDmaLimit = PHYS_MASK;

        adjustLowmemBounds(b, space);
        armMemblockInit(b, image);
        adjustLowmemBounds(b, space);

        pagingInit(b, image, space);
        requestStandardResources(b);
        b.unflattenDeviceTree();
    }

    /** arm {@code early_mem()}: the first {@code mem=} drops the firmware's memory, each adds a bank. */
    private void earlyMem(EarlyBoot b) {
        Memblock mb = b.memblock();
        List<BootParams.MemBank> banks = b.params().mem();
        if (banks.isEmpty()) {
            return;
        }
        mb.memblockRemove(mb.memblockStartOfDRAM(), mb.memblockEndOfDRAM() - mb.memblockStartOfDRAM());
        for (BootParams.MemBank bank : banks) {
            armAddMemory(b, bank.start().orElse(physOffset), bank.size());
        }
    }

    /** {@code arm_add_memory()}: page-aligns the bank and keeps it inside the 32-bit space above PHYS_OFFSET. */
    private void armAddMemory(EarlyBoot b, long start, long size) {
        long alignedStart = (start + EarlyBoot.PAGE_SIZE - 1) & -EarlyBoot.PAGE_SIZE;
        size = alignedStart > start + size ? 0 : size - (alignedStart - start);
        if (alignedStart > PHYS_MASK) {
            b.log().printk(PrintkLine.Level.CRIT,
                    String.format("Ignoring memory at 0x%08x outside 32-bit physical address space", start));
            return;
        }
        if (alignedStart + size > PHYS_MASK) {
            b.log().printk(PrintkLine.Level.CRIT,
                    String.format("Truncating memory at 0x%08x to fit in 32-bit physical address space", start));
            size = PHYS_MASK - alignedStart;
        }
        if (alignedStart < physOffset) {
            if (alignedStart + size <= physOffset) {
                b.log().info(String.format("Ignoring memory below PHYS_OFFSET: 0x%08x-0x%08x", alignedStart,
                        alignedStart + size));
                return;
            }
            b.log().info(String.format("Ignoring memory below PHYS_OFFSET: 0x%08x-0x%08x", alignedStart, physOffset));
            size -= physOffset - alignedStart;
            alignedStart = physOffset;
        }
        size &= -EarlyBoot.PAGE_SIZE;
        if (size != 0) {
            b.memblock().memblockAdd(alignedStart, size);
        }
    }

    /**
     * {@code early_vmalloc()}: {@code vmalloc=} sets the vmalloc size, at least 16 MiB and at most what
     * leaves 32 MiB of lowmem.
     */
    private void earlyVmalloc(EarlyBoot b, VmSplit split, ArmLayoutVersion version) {
        if (b.params().vmalloc().isEmpty()) {
            return;
        }
        long reserve = b.params().vmalloc().getAsLong() & PHYS_MASK;
        if (reserve < ArmLayout.SZ_16M) {
            reserve = ArmLayout.SZ_16M;
            b.log().warn("vmalloc area is too small, limiting to " + (reserve >> 20) + "MiB");
        }
        long vmallocMax = version.vmallocEnd() - (split.pageOffset() + (32L << 20) + ArmLayout.VMALLOC_OFFSET);
        if (reserve > vmallocMax) {
            reserve = vmallocMax;
            b.log().warn("vmalloc area is too big, limiting to " + (reserve >> 20) + "MiB");
        }
        vmallocSize = reserve;
    }

    /**
     * {@code adjust_lowmem_bounds()}: lowmem ends where vmalloc (and its 8 MiB guard) must begin:
     * {@code vmalloc_limit = VMALLOC_END - vmalloc_size - VMALLOC_OFFSET - PAGE_OFFSET + PHYS_OFFSET}. The
     * memblock limit is that end, or the first bank edge that is not 2 MiB aligned, rounded down to 2 MiB.
     * Without HIGHMEM the RAM above lowmem is dropped.
     */
    private void adjustLowmemBounds(EarlyBoot b, KernelAddressSpace space) {
        Memblock mb = b.memblock();
        long vmallocLimit = space.vmallocLimit();
        List<long[]> ranges = memRanges(mb);
        if (!ranges.isEmpty() && (ranges.getFirst()[0] & (ArmPageTables.PMD_SIZE - 1)) != 0) {
            long start = ranges.getFirst()[0];
            mb.memblockMarkNomap(start, ((start + ArmPageTables.PMD_SIZE - 1) & -ArmPageTables.PMD_SIZE) - start);
            ranges = memRanges(mb);
        }
        long lowmemLimit = 0;
        long memblockLimit = 0;
        for (long[] r : ranges) {
            long start = r[0];
            long end = r[1];
            if (start < vmallocLimit) {
                if (end > lowmemLimit) {
                    lowmemLimit = Math.min(vmallocLimit, end);
                }
                if (memblockLimit == 0) {
                    if ((start & (ArmPageTables.PMD_SIZE - 1)) != 0) {
                        memblockLimit = start;
                    } else if ((end & (ArmPageTables.PMD_SIZE - 1)) != 0) {
                        memblockLimit = lowmemLimit;
                    }
                }
            }
        }
        armLowmemLimit = lowmemLimit;
        if (memblockLimit == 0) {
            memblockLimit = armLowmemLimit;
        }
        memblockLimit &= -ArmPageTables.PMD_SIZE;
        if (!b.config().highmem() && mb.memblockEndOfDRAM() > armLowmemLimit) {
            long end = mb.memblockEndOfDRAM();
            b.log().notice("Ignoring RAM at " + b.pa(memblockLimit) + "-" + b.pa(end));
            b.log().notice("Consider using a HIGHMEM enabled kernel.");
            mb.memblockRemove(memblockLimit, end - memblockLimit);
        }
        mb.memblockSetCurrentLimit(memblockLimit);
    }

    /** {@code for_each_mem_range()}: memory without NOMAP regions. */
    private static List<long[]> memRanges(Memblock mb) {
        List<long[]> out = new ArrayList<>();
        mb.forEachMemRange((s, e, nid) -> out.add(new long[] {s, e}));
        return out;
    }

    /**
     * {@code arm_memblock_init()}: the kernel from {@code _stext} to {@code _end}, the initrd,
     * {@code swapper_pg_dir}, the device tree's reservations and the default CMA area below
     * {@code arm_dma_limit}.
     */
    private void armMemblockInit(EarlyBoot b, KernelImage image) {
        Memblock mb = b.memblock();
        mb.memblockReserve(image.phys(image.stext()), image.end() - image.stext());
        b.reserveInitrdMem();
        mb.memblockReserve(image.textPhys() - SWAPPER_PG_DIR_SIZE, SWAPPER_PG_DIR_SIZE);
        b.highmemStart(armLowmemLimit);
        b.earlyInitFdtScanReservedMem();
        b.dmaContiguousReserve(armDmaLimit);
        mb.memblockDumpAll();
    }

    /**
     * {@code paging_init()}: maps lowmem and the kernel, remaps CMA areas in lowmem with pages, then the
     * vectors, pkmap and fixmap tables and the zero page come from {@code early_alloc()}, and
     * {@code bootmem_init()} sizes the zones.
     */
    private void pagingInit(EarlyBoot b, KernelImage image, KernelAddressSpace space) {
        Memblock mb = b.memblock();
        ArmPageTables pt = new ArmPageTables(mb);
        // early_fixmap_init() put the fixmap PMD on the kernel's own bm_pte.
        pt.populateStatic(ArmLayout.FIXADDR_TOP);
        long pageOffset = space.pageOffset();
        long kernelSecStart = physOffset;
        long kernelSecEnd = (image.phys(image.end()) + ArmPageTables.SECTION_SIZE - 1) & -ArmPageTables.SECTION_SIZE;

        mapLowmem(b, pt, pageOffset, kernelSecStart, kernelSecEnd);
        mb.memblockSetCurrentLimit(armLowmemLimit);
        // map_kernel(): the image's text and data, on section boundaries.
        pt.createMapping(toVirt(kernelSecStart, pageOffset), kernelSecStart, kernelSecEnd - kernelSecStart, true);
        dmaContiguousRemap(b, pt, pageOffset);
        // early_fixmap_shutdown(): the fixmap PMD leaves bm_pte (no earlycon entries to carry over).
        pt.pmdClear(ArmLayout.FIXADDR_TOP);
        devicemapsInit(b, pt);
        // kmap_init()
        if (b.config().highmem()) {
            pt.earlyPteAlloc(space.pkmapBase());
        }
        pt.earlyPteAlloc(space.fixaddrStart());
        pt.earlyAlloc(EarlyBoot.PAGE_SIZE); // the zero page

        bootmemInit(b, space);
    }

    private void mapLowmem(EarlyBoot b, ArmPageTables pt, long pageOffset, long kernelSecStart, long kernelSecEnd) {
        for (long[] r : memRanges(b.memblock())) {
            long start = r[0];
            long end = Math.min(r[1], armLowmemLimit);
            if (start >= end) {
                break;
            }
            if (start > kernelSecStart && end < kernelSecEnd) {
                break;
            }
            if (kernelSecStart >= start && kernelSecStart <= end) {
                if (start < kernelSecStart && end > kernelSecEnd) {
                    pt.createMapping(toVirt(start, pageOffset), start, kernelSecStart - start, true);
                    pt.createMapping(toVirt(kernelSecEnd, pageOffset), kernelSecEnd, end - kernelSecEnd, true);
                    break;
                }
                if (kernelSecStart == start) {
                    start = kernelSecEnd;
                }
                if (kernelSecEnd == end) {
                    end = kernelSecStart;
                }
            } else if (kernelSecStart < start && kernelSecEnd > start && kernelSecEnd < end) {
                start = kernelSecEnd;
            } else if (kernelSecStart > start && kernelSecStart < end && kernelSecEnd > end) {
                end = kernelSecStart;
            }
            if (start < end) {
                pt.createMapping(toVirt(start, pageOffset), start, end - start, true);
            }
        }
    }

    /**
     * {@code dma_contiguous_remap()}: every CMA area's lowmem part loses its section mappings and is mapped
     * with pages ({@code MT_MEMORY_DMA_READY} has no section type), after {@code iotable_init()} takes its
     * {@code static_vm}.
     */
    private void dmaContiguousRemap(EarlyBoot b, ArmPageTables pt, long pageOffset) {
        for (EarlyBoot.CmaArea a : b.cmaAreas()) {
            long start = a.base();
            long end = Math.min(a.base() + a.size(), armLowmemLimit);
            if (start >= end) {
                continue;
            }
            for (long addr = toVirt(start, pageOffset); addr < toVirt(end, pageOffset); addr += ArmPageTables.PMD_SIZE) {
                pt.pmdClear(addr);
            }
            if (b.memblock().memblockAlloc(SIZEOF_STATIC_VM, 4) == 0) {
                throw new IllegalStateException("iotable_init: Failed to allocate " + SIZEOF_STATIC_VM + " bytes");
            }
            pt.createMapping(toVirt(start, pageOffset), start, end - start, false);
        }
    }

    /**
     * {@code devicemaps_init()}: two pages for the vectors, the device tree's read-only section mapping at
     * {@code FDT_FIXED_BASE}, and the high vectors at 0xffff0000, whose PMD needs a PTE table.
     */
    private void devicemapsInit(EarlyBoot b, ArmPageTables pt) {
        long vectors = pt.earlyAlloc(2 * EarlyBoot.PAGE_SIZE);
        b.machine().dtb().ifPresent(d -> pt.createMapping(FDT_FIXED_BASE,
                d.blob().base() & -ArmPageTables.SECTION_SIZE, FDT_FIXED_SIZE, true));
        pt.createMapping(ArmLayout.VECTORS_BASE, vectors, EarlyBoot.PAGE_SIZE, false);
        pt.createMapping(ArmLayout.VECTORS_BASE + EarlyBoot.PAGE_SIZE, vectors + EarlyBoot.PAGE_SIZE,
                EarlyBoot.PAGE_SIZE, false);
    }

    /**
     * {@code bootmem_init()}: {@code find_limits()} (lowmem ends at the memblock limit) and
     * {@code zone_sizes_init()}: ZONE_DMA up to {@code arm_dma_pfn_limit}, ZONE_NORMAL up to
     * {@code max_low_pfn}, ZONE_HIGHMEM up to {@code max_pfn}.
     */
    private void bootmemInit(EarlyBoot b, KernelAddressSpace space) {
        Memblock mb = b.memblock();
        mb.memblockAllowResize();
        long maxLow = mb.memblockGetCurrentLimit() >>> EarlyBoot.PAGE_SHIFT;
        long min = (mb.memblockStartOfDRAM() + EarlyBoot.PAGE_SIZE - 1) >>> EarlyBoot.PAGE_SHIFT;
        long maxHigh = mb.memblockEndOfDRAM() >>> EarlyBoot.PAGE_SHIFT;
        b.limits(min, maxLow, maxHigh);
        b.addressSpace(space.withLowmem(armLowmemLimit, maxLow));

        ZoneTypes types = b.config().zoneTypes();
        long[] maxZonePfn = new long[types.maxNrZones()];
        if (types.zoneDma() >= 0) {
            maxZonePfn[types.zoneDma()] = Math.min(armDmaLimit >>> EarlyBoot.PAGE_SHIFT, maxLow);
        }
        maxZonePfn[types.zoneNormal()] = maxLow;
        if (types.zoneHighmem() >= 0) {
            maxZonePfn[types.zoneHighmem()] = maxHigh;
        }
        b.freeAreaInit(maxZonePfn);
    }

    /** {@code request_standard_resources()}: one {@code struct resource} per memory range. */
    private void requestStandardResources(EarlyBoot b) {
        for (int i = 0; i < memRanges(b.memblock()).size(); i++) {
            if (b.memblock().memblockAlloc(SIZEOF_STRUCT_RESOURCE, b.config().memblockConfig().smpCacheBytes()) == 0) {
                throw new IllegalStateException("request_standard_resources: Failed to allocate "
                        + SIZEOF_STRUCT_RESOURCE + " bytes");
            }
        }
    }

    @Override
    public PcpuFirstChunk.Result setupPerCpuAreas(EarlyBoot b) {
        // The generic setup_per_cpu_areas(): page atoms, no NUMA; pcpu_fc_alloc() aims above
        // __pa(MAX_DMA_ADDRESS) = __pa(0xffffffff), computed in 32 bits.
        long goal = (0xffff_ffffL - b.addressSpace().pageOffset() + physOffset) & PHYS_MASK;
        long reserved = b.config().modules() ? PcpuFirstChunk.PERCPU_MODULE_RESERVE : 0;
        return PcpuFirstChunk.pcpuEmbedFirstChunk(b.memblock(),
                new PcpuFirstChunk.Build(4, false, b.config().memblockConfig().smpCacheBytes()),
                b.machine().image().perCpuSize(), reserved, PcpuFirstChunk.percpuDynamicReserve(32),
                EarlyBoot.PAGE_SIZE, b.machine().cpus(), null, null, goal,
                l -> b.log().printk(PrintkLine.Level.of(l.level()), l.text()));
    }

    @Override
    public void memInit(EarlyBoot b) {
        // memblock_free_all() releases lowmem; free_highpages() then frees every free highmem page.
        b.memblockFreeAll();
        if (b.config().highmem()) {
            b.freeHighpages();
        }
    }

    /** arm's {@code free_initrd_mem()}: the initrd's range rounded out to whole pages. */
    @Override
    public long[] freeInitrdRange(PhysRange initrd) {
        long start = initrd.base() & -EarlyBoot.PAGE_SIZE;
        long end = (initrd.end() + EarlyBoot.PAGE_SIZE - 1) & -EarlyBoot.PAGE_SIZE;
        return new long[] {start, end};
    }

    /** arm's {@code __phys_to_virt()}. */
    private long toVirt(long phys, long pageOffset) {
        return (phys - physOffset + pageOffset) & PHYS_MASK;
    }

    /** {@code arm_lowmem_limit} after {@code setup_arch()}. */
    public long armLowmemLimit() {
        return armLowmemLimit;
    }

    /** The vmalloc size {@code adjust_lowmem_bounds()} used. */
    public long vmallocSize() {
        return vmallocSize;
    }
}
