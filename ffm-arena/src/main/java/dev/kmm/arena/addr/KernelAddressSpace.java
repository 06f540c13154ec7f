package dev.kmm.arena.addr;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.MemorySegment;

/**
 * The kernel virtual address space of one architecture profile, with Linux 6.1's constants and the kernel's
 * address conversions ({@code __pa}, {@code __va}, {@code pfn_to_page}, ...).
 *
 * <p>Profiles: {@link #x86_64()} (4-level paging, no KASLR), {@link #arm64(long)} (4 KiB pages, VA_BITS=48)
 * and {@link #arm(VmSplit, long)} (32-bit, 2-level, CONFIG_HIGHMEM). Instances are immutable; what the kernel
 * only learns during boot comes in through copies: on arm, the lowmem limit ({@link #withLowmem}) and the
 * FLATMEM {@code mem_map} ({@link #withMemMap}).
 *
 * <p>All profiles keep the LP64 structure layouts: {@code sizeof(struct page)} is {@value #SIZEOF_STRUCT_PAGE}
 * on every profile, the 32-bit arm one included, whose addresses are 32-bit values held in a {@code long}.
 *
 * <p>Constants a profile does not have (pkmap on a 64-bit profile, vmemmap on arm, ...) throw
 * {@link UnsupportedOperationException} naming the reason: they are facts of the architecture, known to the
 * caller, so an optional return would only move the error.
 *
 * <p>The conversions allocate nothing and check their argument with one or two unsigned compares. They check the
 * architectural domain (the linear map, the memmap's pfn range), not whether RAM or a {@code struct page}
 * exists there ({@code pfn_valid} is out of scope); a bad argument raises {@link IllegalArgumentException}.
 */
public final class KernelAddressSpace {
    /** {@code PAGE_SHIFT}: 4 KiB pages on every profile. */
    public static final int PAGE_SHIFT = 12;
    /** {@code PAGE_SIZE}. */
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** {@code sizeof(struct page)} of the LP64 layout, on every profile. */
    public static final long SIZEOF_STRUCT_PAGE = 64;
    private static final int STRUCT_PAGE_SHIFT = 6;

    private static final long NOT_SET = -1;

    private final Arch arch;
    private final ArmLayoutVersion armVersion;
    private final long pageOffset;
    private final long physOffset;
    /** Bytes from PAGE_OFFSET (and PHYS_OFFSET) that the linear map covers. */
    private final long linearSize;
    /** x86_64's kernel-image mapping at __START_KERNEL_map; size 0 where it is not modelled. */
    private final long kimageVaddr;
    private final long kimageSize;
    /** {@code vmemmap}, or FLATMEM's {@code mem_map} (NOT_SET until known). */
    private final long memMap;
    /** ARCH_PFN_OFFSET under FLATMEM; 0 under SPARSEMEM_VMEMMAP, whose vmemmap is indexed by the pfn itself. */
    private final long pfnOffset;
    /** The pfns the memmap can describe: [firstPfn, firstPfn + nrPfns). nrPfns is 0 until mem_map is known. */
    private final long firstPfn;
    private final long nrPfns;
    /** First highmem pfn: Long.MAX_VALUE without highmem, 0 on arm until the lowmem limit is known. */
    private final long maxLowPfn;
    /** arm's arm_lowmem_limit (physical), NOT_SET until known. */
    private final long armLowmemLimit;
    /** arm's vmalloc_size (240 MiB unless vmalloc= says otherwise); 0 on the 64-bit profiles. */
    private final long vmallocSize;

    private KernelAddressSpace(Arch arch, ArmLayoutVersion armVersion, long pageOffset, long physOffset,
            long linearSize, long kimageVaddr, long kimageSize, long memMap, long pfnOffset, long firstPfn,
            long nrPfns, long maxLowPfn, long armLowmemLimit, long vmallocSize) {
        this.arch = arch;
        this.armVersion = armVersion;
        this.pageOffset = pageOffset;
        this.physOffset = physOffset;
        this.linearSize = linearSize;
        this.kimageVaddr = kimageVaddr;
        this.kimageSize = kimageSize;
        this.memMap = memMap;
        this.pfnOffset = pfnOffset;
        this.firstPfn = firstPfn;
        this.nrPfns = nrPfns;
        this.maxLowPfn = maxLowPfn;
        this.armLowmemLimit = armLowmemLimit;
        this.vmallocSize = vmallocSize;
    }

    // ---- Profiles -------------------------------------------------------------------------------------

    /**
     * x86_64, 4-level paging, no KASLR: the direct map at {@code __PAGE_OFFSET_BASE_L4} covers MAXMEM (64 TiB)
     * from physical 0, the kernel image is mapped at {@code __START_KERNEL_map} with {@code phys_base} 0, and
     * {@code vmemmap} is {@code VMEMMAP_START}.
     */
    public static KernelAddressSpace x86_64() {
        return new KernelAddressSpace(Arch.X86_64, null, X86_64Layout.PAGE_OFFSET_BASE_L4, 0,
                X86_64Layout.MAXMEM, X86_64Layout.START_KERNEL_MAP, X86_64Layout.KERNEL_IMAGE_SIZE,
                X86_64Layout.VMEMMAP_BASE_L4, 0, 0, X86_64Layout.MAXMEM >>> PAGE_SHIFT, Long.MAX_VALUE, NOT_SET, 0);
    }

    /**
     * arm64, 4 KiB pages, VA_BITS=48. {@code PHYS_OFFSET} is {@code memstart_addr}, derived from the lowest
     * RAM address as arm64_memblock_init() does ({@link Arm64Layout#memstartAddr}); {@code vmemmap} is
     * {@code VMEMMAP_START - (memstart_addr >> PAGE_SHIFT)} struct pages. The kernel-image mapping
     * ({@code __kimg_to_phys}, which needs the load address) is not modelled: {@link #pa} accepts the linear
     * map only.
     *
     * @param memblockStartOfDram the lowest RAM address ({@code memblock_start_of_DRAM()})
     */
    public static KernelAddressSpace arm64(long memblockStartOfDram) {
        long memstart = Arm64Layout.memstartAddr(memblockStartOfDram);
        // The linear map spans PAGE_END - PAGE_OFFSET, cut short where it would pass the top of the PA space.
        long linear = Math.min(Arm64Layout.PAGE_END - Arm64Layout.PAGE_OFFSET, (1L << Arm64Layout.PA_BITS) - memstart);
        long memstartPfn = memstart >>> PAGE_SHIFT;
        long vmemmap = Arm64Layout.VMEMMAP_START - (memstartPfn << STRUCT_PAGE_SHIFT);
        return new KernelAddressSpace(Arch.ARM64, null, Arm64Layout.PAGE_OFFSET, memstart, linear, 0, 0,
                vmemmap, 0, memstartPfn, linear >>> PAGE_SHIFT, Long.MAX_VALUE, NOT_SET, 0);
    }

    /** 32-bit arm with Linux 6.1's constants; see {@link #arm(VmSplit, long, ArmLayoutVersion)}. */
    public static KernelAddressSpace arm(VmSplit split, long physOffset) {
        return arm(split, physOffset, ArmLayoutVersion.V6_1);
    }

    /**
     * 32-bit arm (no LPAE, CONFIG_HIGHMEM, FLATMEM). Until {@link #withLowmem} is applied, the linear map is
     * taken to reach at most {@link #vmallocMin()}, the highest lowmem the kernel can choose; until
     * {@link #withMemMap} is applied there is no {@code mem_map}, and the page conversions refuse to work.
     *
     * @param physOffset {@code PHYS_OFFSET}, the start of RAM (a board parameter: 0x60000000 on vexpress-a9)
     */
    public static KernelAddressSpace arm(VmSplit split, long physOffset, ArmLayoutVersion version) {
        return arm(split, physOffset, version, ArmLayout.VMALLOC_SIZE_DEFAULT);
    }

    /**
     * 32-bit arm with a vmalloc reservation other than the default 240 MiB: the {@code vmalloc_size} that
     * {@code vmalloc=} sets (arch/arm/mm/mmu.c {@code early_vmalloc()} keeps it between 16 MiB and what leaves
     * 32 MiB of lowmem), which moves the lowmem limit {@link #vmallocLimit()}.
     */
    public static KernelAddressSpace arm(VmSplit split, long physOffset, ArmLayoutVersion version, long vmallocSize) {
        long vmallocMax = version.vmallocEnd() - (split.pageOffset() + (32L << 20) + ArmLayout.VMALLOC_OFFSET);
        if (vmallocSize < ArmLayout.SZ_16M || vmallocSize > vmallocMax) {
            throw new IllegalArgumentException(String.format(
                    "vmalloc size 0x%x outside early_vmalloc()'s [16 MiB, 0x%x]", vmallocSize, vmallocMax));
        }
        if (physOffset < 0 || physOffset >= 1L << ArmLayout.PHYS_ADDR_BITS || (physOffset & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                    "PHYS_OFFSET 0x%x must be a page-aligned 32-bit physical address", physOffset));
        }
        long pageOffset = split.pageOffset();
        long vmallocMin = version.vmallocEnd() - vmallocSize - ArmLayout.VMALLOC_OFFSET;
        long linear = Math.min(vmallocMin - pageOffset, (1L << ArmLayout.PHYS_ADDR_BITS) - physOffset);
        long pfnOffset = physOffset >>> PAGE_SHIFT;
        return new KernelAddressSpace(Arch.ARM, version, pageOffset, physOffset, linear, 0, 0, NOT_SET,
                pfnOffset, pfnOffset, 0, 0, NOT_SET, vmallocSize);
    }

    /**
     * arm: this address space once adjust_lowmem_bounds() and find_limits() have run. The linear map then
     * ends at {@code high_memory = __va(armLowmemLimit - 1) + 1}, and pages from {@code maxLowPfn} up are
     * highmem (ZONE_HIGHMEM follows max_low_pfn, which the kernel rounds down to a PMD boundary, so it can sit
     * below the lowmem limit).
     *
     * @param armLowmemLimit {@code arm_lowmem_limit}, the physical end of lowmem
     * @param maxLowPfn {@code max_low_pfn}, the first highmem pfn
     */
    public KernelAddressSpace withLowmem(long armLowmemLimit, long maxLowPfn) {
        requireArch(Arch.ARM, "arm_lowmem_limit");
        long limitMax = vmallocLimit();
        if (armLowmemLimit <= physOffset || armLowmemLimit > limitMax) {
            throw new IllegalArgumentException(String.format(
                    "arm_lowmem_limit 0x%x outside (PHYS_OFFSET 0x%x, vmalloc limit 0x%x]",
                    armLowmemLimit, physOffset, limitMax));
        }
        long limitPfnUp = (armLowmemLimit + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        if (maxLowPfn <= pfnOffset || maxLowPfn > limitPfnUp) {
            throw new IllegalArgumentException(String.format(
                    "max_low_pfn 0x%x outside (ARCH_PFN_OFFSET 0x%x, PFN_UP(arm_lowmem_limit) 0x%x]",
                    maxLowPfn, pfnOffset, limitPfnUp));
        }
        long linear = armLowmemLimit - physOffset;
        if (memMap != NOT_SET && !outside32Bits(memMap)) {
            requireInLinearMap(memMap, linear, "mem_map");
        }
        return new KernelAddressSpace(arch, armVersion, pageOffset, physOffset, linear, kimageVaddr, kimageSize,
                memMap, pfnOffset, firstPfn, nrPfns, maxLowPfn, armLowmemLimit, vmallocSize);
    }

    /**
     * FLATMEM: this address space once the memmap is allocated (alloc_node_mem_map() in mm/page_alloc.c).
     *
     * @param memMapVa the kernel's {@code mem_map}: the VA of the struct page of {@code ARCH_PFN_OFFSET},
     *                 {@code sizeof(struct page)}-aligned: in lowmem, where the arm kernel keeps it, or at or above
     *                 4 GiB. kmm's struct pages are 64 bytes (LP64) while the arm kernel's are 32: it reserves the
     *                 kernel's 32-byte memmap in lowmem but keeps the 64-byte struct pages in their own host
     *                 segment, mapped outside the 32-bit space so that no arm address can collide with it
     */
    public KernelAddressSpace withMemMap(long memMapVa) {
        if (arch.memoryModel() != MemoryModel.FLATMEM) {
            throw absent("mem_map", "SPARSEMEM_VMEMMAP keeps the memmap at vmemmap");
        }
        if (!outside32Bits(memMapVa)) {
            requireInLinearMap(memMapVa, linearSize, "mem_map");
        }
        if ((memMapVa & (SIZEOF_STRUCT_PAGE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("mem_map 0x%x is not struct-page aligned", memMapVa));
        }
        long pfns = (1L << (ArmLayout.PHYS_ADDR_BITS - PAGE_SHIFT)) - pfnOffset;
        return new KernelAddressSpace(arch, armVersion, pageOffset, physOffset, linearSize, kimageVaddr,
                kimageSize, memMapVa, pfnOffset, firstPfn, pfns, maxLowPfn, armLowmemLimit, vmallocSize);
    }

    private static boolean outside32Bits(long va) {
        return Long.compareUnsigned(va, 1L << ArmLayout.PHYS_ADDR_BITS) >= 0;
    }

    private void requireInLinearMap(long va, long linear, String what) {
        if (Long.compareUnsigned(va - pageOffset, linear) >= 0) {
            throw new IllegalArgumentException(String.format("%s 0x%x is outside the linear map [0x%x, 0x%x)",
                    what, va, pageOffset, pageOffset + linear));
        }
    }

    // ---- Conversions (hot paths) -----------------------------------------------------------------------

    /**
     * {@code __pa(va)}: the physical address of a linear-map address, {@code va - PAGE_OFFSET + PHYS_OFFSET}.
     * On x86_64 an address in the kernel-image mapping gives {@code va - __START_KERNEL_map + phys_base}, as
     * {@code __phys_addr} does.
     */
    public long pa(long va) {
        long imageOff = va - kimageVaddr;
        if (Long.compareUnsigned(imageOff, kimageSize) < 0) {
            return imageOff; // phys_base is 0: the image runs where it was linked
        }
        long off = va - pageOffset;
        if (Long.compareUnsigned(off, linearSize) >= 0) {
            throw notLinearVa(va);
        }
        return off + physOffset;
    }

    /**
     * {@code __va(pa)}: {@code pa - PHYS_OFFSET + PAGE_OFFSET} (arm64 writes {@code | PAGE_OFFSET}, which is
     * the same sum inside the linear map). On arm only lowmem has a linear address.
     */
    public long va(long pa) {
        long off = pa - physOffset;
        if (Long.compareUnsigned(off, linearSize) >= 0) {
            throw notLinearPa(pa);
        }
        return off + pageOffset;
    }

    /**
     * {@code pfn_to_page(pfn)}: {@code vmemmap + pfn} under SPARSEMEM_VMEMMAP,
     * {@code mem_map + (pfn - ARCH_PFN_OFFSET)} under FLATMEM (include/asm-generic/memory_model.h).
     */
    public long pfnToPage(long pfn) {
        if (Long.compareUnsigned(pfn - firstPfn, nrPfns) >= 0) {
            throw badPfn(pfn);
        }
        return memMap + ((pfn - pfnOffset) << STRUCT_PAGE_SHIFT);
    }

    /** {@code page_to_pfn(page)}: {@code page - vmemmap}, or {@code page - mem_map + ARCH_PFN_OFFSET}. */
    public long pageToPfn(long page) {
        long off = page - (memMap + ((firstPfn - pfnOffset) << STRUCT_PAGE_SHIFT));
        if (Long.compareUnsigned(off, nrPfns << STRUCT_PAGE_SHIFT) >= 0 || (off & (SIZEOF_STRUCT_PAGE - 1)) != 0) {
            throw badPage(page);
        }
        return ((page - memMap) >>> STRUCT_PAGE_SHIFT) + pfnOffset;
    }

    /**
     * {@code virt_to_page(va)}: the struct page of a linear-map address. x86_64 and arm write it as
     * {@code pfn_to_page(__pa(va) >> PAGE_SHIFT)}; arm64 as {@code VMEMMAP_START + (va - PAGE_OFFSET) / PAGE_SIZE}
     * struct pages, which is the same address because memstart_addr is 1 GiB aligned.
     */
    public long virtToPage(long va) {
        return pfnToPage(pa(va) >>> PAGE_SHIFT);
    }

    /**
     * {@code page_address(page)}: {@code __va(PFN_PHYS(page_to_pfn(page)))} for lowmem pages. A highmem page
     * (arm, pfn at or above max_low_pfn) returns 0, as page_address() does for a page that has no kmap;
     * kmap is not modelled here.
     */
    public long pageAddress(long page) {
        long pfn = pageToPfn(page);
        if (pfn >= maxLowPfn) {
            return highmemPageAddress();
        }
        return va(pfn << PAGE_SHIFT);
    }

    private long highmemPageAddress() {
        if (armLowmemLimit == NOT_SET) {
            throw new IllegalStateException("page_address needs max_low_pfn: call withLowmem first");
        }
        return 0;
    }

    private IllegalArgumentException notLinearVa(long va) {
        return new IllegalArgumentException(String.format("__pa(0x%x): not in the %s linear map [0x%x, 0x%x)%s",
                va, arch, pageOffset, pageOffset + linearSize,
                kimageSize == 0 ? "" : String.format(" nor the kernel image [0x%x, 0x%x)",
                        kimageVaddr, kimageVaddr + kimageSize)));
    }

    private IllegalArgumentException notLinearPa(long pa) {
        return new IllegalArgumentException(String.format(
                "__va(0x%x): physical address outside the %s linear map's [0x%x, 0x%x)",
                pa, arch, physOffset, physOffset + linearSize));
    }

    private RuntimeException badPfn(long pfn) {
        if (nrPfns == 0) {
            return new IllegalStateException("pfn_to_page: mem_map is not allocated yet: call withMemMap first");
        }
        return new IllegalArgumentException(String.format("pfn_to_page(0x%x): pfn outside the %s memmap's [0x%x, 0x%x)",
                pfn, arch, firstPfn, firstPfn + nrPfns));
    }

    private RuntimeException badPage(long page) {
        if (nrPfns == 0) {
            return new IllegalStateException("page_to_pfn: mem_map is not allocated yet: call withMemMap first");
        }
        long start = memMap + ((firstPfn - pfnOffset) << STRUCT_PAGE_SHIFT);
        return new IllegalArgumentException(String.format(
                "page_to_pfn(0x%x): not a struct page of the %s memmap [0x%x, 0x%x)",
                page, arch, start, start + (nrPfns << STRUCT_PAGE_SHIFT)));
    }

    // ---- Bridge to simulated memory --------------------------------------------------------------------

    /**
     * The direct map of a RAM segment that starts at physical {@code ramPhysStart}, at VA
     * {@code __va(ramPhysStart)}. Only the part inside the linear map is mapped: on arm that is lowmem, and
     * highmem RAM stays out of the region as it stays out of the kernel's linear map.
     */
    public KernelMemory.Region linearRegion(MemorySegment ram, long ramPhysStart) {
        long startVa = va(ramPhysStart);
        long room = linearSize - (ramPhysStart - physOffset);
        return new KernelMemory.Region("linear", startVa, ram.asSlice(0, Math.min(ram.byteSize(), room)));
    }

    /**
     * SPARSEMEM_VMEMMAP: the memmap segment holding the struct pages of the pfns from {@code firstPfn} on, at
     * VA {@code pfn_to_page(firstPfn)}. FLATMEM has no vmemmap: its mem_map is at the address {@link #withMemMap} set.
     */
    public KernelMemory.Region vmemmapRegion(MemorySegment memmap, long firstPfn) {
        if (arch.memoryModel() != MemoryModel.SPARSEMEM_VMEMMAP) {
            throw absent("a vmemmap region", "FLATMEM's mem_map lies inside the linear map");
        }
        long size = memmap.byteSize();
        if (size == 0 || (size & (SIZEOF_STRUCT_PAGE - 1)) != 0) {
            throw new IllegalArgumentException("memmap size " + size + " is not a positive multiple of "
                    + SIZEOF_STRUCT_PAGE);
        }
        long start = pfnToPage(firstPfn);
        pfnToPage(firstPfn + (size >>> STRUCT_PAGE_SHIFT) - 1); // the last page must be in the memmap too
        return new KernelMemory.Region("vmemmap", start, memmap);
    }

    /**
     * SPARSEMEM_VMEMMAP: a {@link KernelMemory} over the memmap and the direct map. The memmap comes first:
     * the buddy allocator's inner loops (expand, __free_one_page's buddy checks) touch struct pages most.
     */
    public KernelMemory kernelMemory(MemorySegment ram, long ramPhysStart, MemorySegment memmap, long firstPfn) {
        return KernelMemory.of(vmemmapRegion(memmap, firstPfn), linearRegion(ram, ramPhysStart));
    }

    /**
     * FLATMEM: a {@link KernelMemory} over the direct map alone (a mem_map kept outside lowmem needs a region of its
     * own next to it).
     */
    public KernelMemory kernelMemory(MemorySegment ram, long ramPhysStart) {
        if (arch.memoryModel() != MemoryModel.FLATMEM) {
            throw absent("a memmap-less KernelMemory", "SPARSEMEM_VMEMMAP needs the vmemmap region too");
        }
        return KernelMemory.of(linearRegion(ram, ramPhysStart));
    }

    // ---- Layout dumps ----------------------------------------------------------------------------------

    /**
     * arm: the "Virtual kernel memory layout:" block that arch/arm/mm/init.c mem_init() printed, for a lowmem
     * that ends at physical {@code lowmemEndPhys}. Linux 6.1 no longer prints it (removed in 5.1 by "ARM:
     * 8820/1: mm: Stop printing the virtual memory layout"); this is 5.0's format filled with this profile's
     * values. The kernel-image lines (.text, .init, .data, .bss) are left out: kmm has no kernel image.
     */
    public String virtualKernelMemoryLayout(long lowmemEndPhys) {
        requireArch(Arch.ARM, "the arm boot-time layout block");
        return LayoutDump.arm(this, lowmemEndPhys);
    }

    /**
     * The layout of this address space: on arm the boot-time block of
     * {@link #virtualKernelMemoryLayout(long)} (needs {@link #withLowmem}); on x86_64 and arm64 a table in the
     * format of Documentation/arm64/memory.rst (start, inclusive end, size, use), with the mapped regions of
     * Documentation/x86/x86_64/mm.rst or arm64/memory.rst. A size is written in the largest unit (kB ... PB) not
     * above it when it is a whole number of that unit; else in the next smaller unit if that is a whole number below 10000
     * (1520MB, 512GB); else rounded to the larger unit (arm64's 124TB of vmalloc).
     */
    public String virtualKernelMemoryLayout() {
        return switch (arch) {
            case ARM -> LayoutDump.arm(this, armLowmemLimit());
            case ARM64 -> LayoutDump.arm64(this);
            case X86_64 -> LayoutDump.x86_64(this);
        };
    }

    // ---- Constants -------------------------------------------------------------------------------------

    public Arch arch() {
        return arch;
    }

    /** arm: which kernel's constants this profile uses. */
    public ArmLayoutVersion armLayoutVersion() {
        requireArch(Arch.ARM, "ArmLayoutVersion");
        return armVersion;
    }

    /** {@code PAGE_OFFSET}: the start of the linear map. */
    public long pageOffset() {
        return pageOffset;
    }

    /** {@code PHYS_OFFSET}: the physical address the linear map starts at (0 on x86_64; memstart_addr on arm64). */
    public long physOffset() {
        return physOffset;
    }

    /**
     * The top of user space: arm {@code TASK_SIZE = PAGE_OFFSET - SZ_16M}; arm64 {@code TASK_SIZE_64 =
     * 1 << VA_BITS}; x86_64 {@code TASK_SIZE_MAX = (1 << __VIRTUAL_MASK_SHIFT) - PAGE_SIZE}.
     */
    public long taskSize() {
        return switch (arch) {
            case ARM -> pageOffset - ArmLayout.SZ_16M;
            case ARM64 -> 1L << Arm64Layout.VA_BITS;
            case X86_64 -> (1L << 47) - PAGE_SIZE;
        };
    }

    /** {@code MODULES_VADDR}. */
    public long modulesVaddr() {
        return switch (arch) {
            case ARM -> pageOffset - ArmLayout.SZ_16M;
            case ARM64 -> Arm64Layout.MODULES_VADDR;
            case X86_64 -> X86_64Layout.MODULES_VADDR;
        };
    }

    /** {@code MODULES_END} (exclusive); on arm with HIGHMEM it is {@code PAGE_OFFSET - PMD_SIZE}. */
    public long modulesEnd() {
        return switch (arch) {
            case ARM -> pageOffset - ArmLayout.PMD_SIZE;
            case ARM64 -> Arm64Layout.MODULES_END;
            case X86_64 -> X86_64Layout.MODULES_END;
        };
    }

    /** {@code VMALLOC_START}; on arm it follows high_memory and needs {@link #withLowmem}. */
    public long vmallocStart() {
        return switch (arch) {
            case ARM -> vmallocStart(armLowmemLimit());
            case ARM64 -> Arm64Layout.VMALLOC_START;
            case X86_64 -> X86_64Layout.VMALLOC_START;
        };
    }

    /** {@code VMALLOC_END}: exclusive on arm and arm64, the last byte on x86_64. */
    public long vmallocEnd() {
        return switch (arch) {
            case ARM -> armVersion.vmallocEnd();
            case ARM64 -> Arm64Layout.VMALLOC_END;
            case X86_64 -> X86_64Layout.VMALLOC_END;
        };
    }

    /** {@code VMEMMAP_START} (x86_64, arm64). */
    public long vmemmapStart() {
        return switch (arch) {
            case ARM -> throw absent("VMEMMAP_START", "arm uses FLATMEM");
            case ARM64 -> Arm64Layout.VMEMMAP_START;
            case X86_64 -> X86_64Layout.VMEMMAP_BASE_L4;
        };
    }

    /** {@code VMEMMAP_END} (arm64 only). */
    public long vmemmapEnd() {
        requireArch(Arch.ARM64, "VMEMMAP_END");
        return Arm64Layout.VMEMMAP_END;
    }

    /** {@code vmemmap}: the struct page of pfn 0 under SPARSEMEM_VMEMMAP. */
    public long vmemmap() {
        if (arch.memoryModel() != MemoryModel.SPARSEMEM_VMEMMAP) {
            throw absent("vmemmap", "arm uses FLATMEM's mem_map");
        }
        return memMap;
    }

    /** FLATMEM's {@code mem_map}, once {@link #withMemMap} has set it. */
    public long memMap() {
        if (arch.memoryModel() != MemoryModel.FLATMEM) {
            throw absent("mem_map", "SPARSEMEM_VMEMMAP keeps the memmap at vmemmap");
        }
        if (memMap == NOT_SET) {
            throw new IllegalStateException("mem_map is not allocated yet: call withMemMap first");
        }
        return memMap;
    }

    /** {@code FIXADDR_TOP}. */
    public long fixaddrTop() {
        return switch (arch) {
            case ARM -> ArmLayout.FIXADDR_TOP;
            case ARM64 -> Arm64Layout.FIXADDR_TOP;
            case X86_64 -> X86_64Layout.FIXADDR_TOP;
        };
    }

    /**
     * {@code FIXADDR_START} (arm, x86_64). On arm64 it depends on the configuration's fixmap slots, which are
     * not modelled.
     */
    public long fixaddrStart() {
        return switch (arch) {
            case ARM -> armVersion.fixaddrStart();
            case ARM64 -> throw absent("FIXADDR_START", "arm64's fixmap size depends on its configuration");
            case X86_64 -> X86_64Layout.FIXADDR_START;
        };
    }

    /** {@code FIXADDR_END} (arm only). */
    public long fixaddrEnd() {
        requireArch(Arch.ARM, "FIXADDR_END");
        return ArmLayout.FIXADDR_END;
    }

    /** {@code PKMAP_BASE = PAGE_OFFSET - PMD_SIZE} (arm only: the 64-bit profiles have no highmem). */
    public long pkmapBase() {
        requireArch(Arch.ARM, "PKMAP_BASE");
        return pageOffset - ArmLayout.PMD_SIZE;
    }

    /** {@code VECTORS_BASE} (arm only). */
    public long vectorsBase() {
        requireArch(Arch.ARM, "VECTORS_BASE");
        return ArmLayout.VECTORS_BASE;
    }

    /**
     * arm: the lowest VA vmalloc may start at, {@code VMALLOC_END - vmalloc_size - VMALLOC_OFFSET} (4.14's
     * {@code vmalloc_min}); {@code vmalloc_size} is 240 MiB unless the profile was made with another.
     */
    public long vmallocMin() {
        requireArch(Arch.ARM, "vmalloc_min");
        return armVersion.vmallocEnd() - vmallocSize - ArmLayout.VMALLOC_OFFSET;
    }

    /** arm: {@code vmalloc_size}, the vmalloc reservation the lowmem limit leaves room for. */
    public long vmallocSize() {
        requireArch(Arch.ARM, "vmalloc_size");
        return vmallocSize;
    }

    /**
     * arm: adjust_lowmem_bounds()'s {@code vmalloc_limit}, the physical address of {@link #vmallocMin()},
     * computed in 64 bits as the kernel does so it may exceed 4 GiB. Every bank that starts below it is lowmem
     * up to {@code min(vmalloc_limit, bank end)}.
     */
    public long vmallocLimit() {
        return vmallocMin() - pageOffset + physOffset;
    }

    /** arm: {@code high_memory = __va(lowmemEndPhys - 1) + 1}, the VA just past lowmem. */
    public long highMemory(long lowmemEndPhys) {
        requireArch(Arch.ARM, "high_memory");
        if (lowmemEndPhys <= physOffset || lowmemEndPhys > vmallocLimit()) {
            throw new IllegalArgumentException(String.format(
                    "lowmem end 0x%x outside (PHYS_OFFSET 0x%x, vmalloc limit 0x%x]",
                    lowmemEndPhys, physOffset, vmallocLimit()));
        }
        return lowmemEndPhys - 1 - physOffset + pageOffset + 1;
    }

    /** arm: {@code high_memory} of the lowmem limit set by {@link #withLowmem}. */
    public long highMemory() {
        return highMemory(armLowmemLimit());
    }

    /**
     * arm: {@code VMALLOC_START = (high_memory + VMALLOC_OFFSET) & ~(VMALLOC_OFFSET - 1)} for a lowmem that
     * ends at physical {@code lowmemEndPhys}.
     */
    public long vmallocStart(long lowmemEndPhys) {
        return (highMemory(lowmemEndPhys) + ArmLayout.VMALLOC_OFFSET) & -ArmLayout.VMALLOC_OFFSET;
    }

    /** arm: {@code arm_lowmem_limit}, once {@link #withLowmem} has set it. */
    public long armLowmemLimit() {
        requireArch(Arch.ARM, "arm_lowmem_limit");
        if (armLowmemLimit == NOT_SET) {
            throw new IllegalStateException("arm_lowmem_limit is not known yet: call withLowmem first");
        }
        return armLowmemLimit;
    }

    /** arm: {@code max_low_pfn}, once {@link #withLowmem} has set it. */
    public long maxLowPfn() {
        armLowmemLimit();
        return maxLowPfn;
    }

    /** x86_64: {@code __START_KERNEL_map}. */
    public long startKernelMap() {
        requireArch(Arch.X86_64, "__START_KERNEL_map");
        return X86_64Layout.START_KERNEL_MAP;
    }

    /** x86_64: {@code KERNEL_IMAGE_SIZE}. */
    public long kernelImageSize() {
        requireArch(Arch.X86_64, "KERNEL_IMAGE_SIZE");
        return X86_64Layout.KERNEL_IMAGE_SIZE;
    }

    /** x86_64: {@code CPU_ENTRY_AREA_BASE}, the cpu_entry_area mapping. */
    public long cpuEntryAreaBase() {
        requireArch(Arch.X86_64, "CPU_ENTRY_AREA_BASE");
        return X86_64Layout.CPU_ENTRY_AREA_BASE;
    }

    /** arm64: {@code PAGE_END}, the end of the linear map. */
    public long pageEnd() {
        requireArch(Arch.ARM64, "PAGE_END");
        return Arm64Layout.PAGE_END;
    }

    /** arm64: {@code KIMAGE_VADDR}. */
    public long kimageVaddr() {
        requireArch(Arch.ARM64, "KIMAGE_VADDR");
        return Arm64Layout.KIMAGE_VADDR;
    }

    /** arm64: {@code PCI_IO_START}. */
    public long pciIoStart() {
        requireArch(Arch.ARM64, "PCI_IO_START");
        return Arm64Layout.PCI_IO_START;
    }

    /** arm64: {@code PCI_IO_END}. */
    public long pciIoEnd() {
        requireArch(Arch.ARM64, "PCI_IO_END");
        return Arm64Layout.PCI_IO_END;
    }

    private void requireArch(Arch wanted, String what) {
        if (arch != wanted) {
            throw absent(what, "it exists on " + wanted + " only");
        }
    }

    private UnsupportedOperationException absent(String what, String why) {
        return new UnsupportedOperationException(what + " does not exist on the " + arch + " profile: " + why);
    }

    @Override
    public String toString() {
        return String.format("KernelAddressSpace[%s, PAGE_OFFSET=0x%x, PHYS_OFFSET=0x%x]", arch, pageOffset, physOffset);
    }
}
