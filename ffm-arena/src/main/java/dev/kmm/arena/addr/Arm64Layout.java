package dev.kmm.arena.addr;

/**
 * Linux 6.1 arm64 kernel address-space constants for 4 KiB pages, VA_BITS=48, 4 levels, without KASAN:
 * arch/arm64/include/asm/memory.h and pgtable.h. Each constant carries the kernel's name and expression.
 */
public final class Arm64Layout {
    private Arm64Layout() {
    }

    /** {@code CONFIG_ARM64_VA_BITS}; {@code VA_BITS_MIN} equals it for 48 bits. */
    public static final int VA_BITS = 48;

    /** {@code CONFIG_ARM64_PA_BITS}, which is {@code MAX_PHYSMEM_BITS} (arch/arm64/include/asm/sparsemem.h). */
    public static final int PA_BITS = 48;

    /** {@code STRUCT_PAGE_MAX_SHIFT = order_base_2(sizeof(struct page))}, include/linux/mm_types.h. */
    public static final int STRUCT_PAGE_MAX_SHIFT = 6;

    /** {@code VMEMMAP_SHIFT = PAGE_SHIFT - STRUCT_PAGE_MAX_SHIFT}, memory.h. */
    public static final int VMEMMAP_SHIFT = KernelAddressSpace.PAGE_SHIFT - STRUCT_PAGE_MAX_SHIFT;

    /** {@code PAGE_OFFSET = _PAGE_OFFSET(VA_BITS) = -(1UL << VA_BITS)}, memory.h. */
    public static final long PAGE_OFFSET = -(1L << VA_BITS);

    /** {@code PAGE_END = _PAGE_END(VA_BITS_MIN) = -(1UL << (VA_BITS_MIN - 1))}: end of the linear map, memory.h. */
    public static final long PAGE_END = -(1L << (VA_BITS - 1));

    /** {@code MODULES_VADDR = _PAGE_END(VA_BITS_MIN)}, memory.h. */
    public static final long MODULES_VADDR = PAGE_END;

    /** {@code MODULES_VSIZE = SZ_128M}, memory.h. */
    public static final long MODULES_VSIZE = 128L << 20;

    /** {@code MODULES_END = MODULES_VADDR + MODULES_VSIZE}, memory.h. */
    public static final long MODULES_END = MODULES_VADDR + MODULES_VSIZE;

    /** {@code KIMAGE_VADDR = MODULES_END}: where the (unrandomised) kernel image is linked, memory.h. */
    public static final long KIMAGE_VADDR = MODULES_END;

    /** {@code VMEMMAP_START = -(1UL << (VA_BITS - VMEMMAP_SHIFT))}, memory.h. */
    public static final long VMEMMAP_START = -(1L << (VA_BITS - VMEMMAP_SHIFT));

    /** {@code VMEMMAP_SIZE = (_PAGE_END(VA_BITS_MIN) - PAGE_OFFSET) >> VMEMMAP_SHIFT}, memory.h. */
    public static final long VMEMMAP_SIZE = (PAGE_END - PAGE_OFFSET) >>> VMEMMAP_SHIFT;

    /** {@code VMEMMAP_END = VMEMMAP_START + VMEMMAP_SIZE}, memory.h. */
    public static final long VMEMMAP_END = VMEMMAP_START + VMEMMAP_SIZE;

    /** {@code PCI_IO_SIZE = SZ_16M}, memory.h. */
    public static final long PCI_IO_SIZE = 16L << 20;

    /** {@code PCI_IO_END = VMEMMAP_START - SZ_8M}, memory.h. */
    public static final long PCI_IO_END = VMEMMAP_START - (8L << 20);

    /** {@code PCI_IO_START = PCI_IO_END - PCI_IO_SIZE}, memory.h. */
    public static final long PCI_IO_START = PCI_IO_END - PCI_IO_SIZE;

    /** {@code FIXADDR_TOP = VMEMMAP_START - SZ_32M}, memory.h. */
    public static final long FIXADDR_TOP = VMEMMAP_START - (32L << 20);

    /** {@code VMALLOC_START = MODULES_END}, pgtable.h. */
    public static final long VMALLOC_START = MODULES_END;

    /** {@code VMALLOC_END = VMEMMAP_START - SZ_256M} (exclusive), pgtable.h. */
    public static final long VMALLOC_END = VMEMMAP_START - (256L << 20);

    /** {@code PUD_SHIFT} with 4 KiB pages and 4 levels (arch/arm64/include/asm/pgtable-hwdef.h). */
    public static final int PUD_SHIFT = 30;

    /** {@code SECTION_SIZE_BITS} for 4 KiB pages, arch/arm64/include/asm/sparsemem.h. */
    public static final int SECTION_SIZE_BITS = 27;

    /**
     * {@code ARM64_MEMSTART_ALIGN}: {@code 1 << max(ARM64_MEMSTART_SHIFT, SECTION_SIZE_BITS)} with
     * {@code ARM64_MEMSTART_SHIFT = PUD_SHIFT} for 4 KiB pages (arch/arm64/include/asm/kernel-pgtable.h): 1 GiB.
     */
    public static final long MEMSTART_ALIGN = 1L << Math.max(PUD_SHIFT, SECTION_SIZE_BITS);

    /**
     * {@code memstart_addr} as arm64_memblock_init() (arch/arm64/mm/init.c) selects it:
     * {@code round_down(memblock_start_of_DRAM(), ARM64_MEMSTART_ALIGN)}. The later correction for RAM that
     * does not fit the 128 TiB linear map is not modelled.
     */
    public static long memstartAddr(long memblockStartOfDram) {
        if (memblockStartOfDram < 0 || memblockStartOfDram >= 1L << PA_BITS) {
            throw new IllegalArgumentException(String.format(
                    "start of DRAM 0x%x is outside the %d-bit physical address space", memblockStartOfDram, PA_BITS));
        }
        return memblockStartOfDram & -MEMSTART_ALIGN;
    }
}
