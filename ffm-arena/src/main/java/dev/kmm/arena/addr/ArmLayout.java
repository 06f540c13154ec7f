package dev.kmm.arena.addr;

/**
 * Linux 32-bit ARM kernel address-space constants (CONFIG_MMU, no LPAE, CONFIG_HIGHMEM, not Thumb-2, no
 * KASAN). Constants that depend on the split are functions of {@code PAGE_OFFSET} and live on
 * {@link KernelAddressSpace}; the two that moved between 4.14 and 6.1 come in both versions.
 */
public final class ArmLayout {
    private ArmLayout() {
    }

    /** Without LPAE, {@code phys_addr_t} is 32 bits wide. */
    public static final int PHYS_ADDR_BITS = 32;

    /** {@code PMD_SHIFT} of the 2-level tables (a Linux PMD maps two 1 MiB sections), pgtable-2level.h. */
    public static final int PMD_SHIFT = 21;

    /** {@code PMD_SIZE = 1UL << PMD_SHIFT}, pgtable-2level.h. */
    public static final long PMD_SIZE = 1L << PMD_SHIFT;

    /** {@code PTRS_PER_PTE}: Linux PTEs in one PTE table, pgtable-2level.h. */
    public static final int PTRS_PER_PTE = 512;

    /** {@code LAST_PKMAP = PTRS_PER_PTE}: pkmap slots, arch/arm/include/asm/highmem.h. */
    public static final int LAST_PKMAP = PTRS_PER_PTE;

    /** {@code SZ_16M}: the distance from TASK_SIZE and MODULES_VADDR to PAGE_OFFSET, memory.h. */
    public static final long SZ_16M = 16L << 20;

    /** {@code VECTORS_BASE = UL(0xffff0000)}: the high vector page, arch/arm/include/asm/memory.h. */
    public static final long VECTORS_BASE = 0xffff_0000L;

    /** {@code VMALLOC_OFFSET = 8*1024*1024}: the guard hole after lowmem, arch/arm/include/asm/pgtable.h. */
    public static final long VMALLOC_OFFSET = 8L << 20;

    /** {@code VMALLOC_END} of Linux 6.1, arch/arm/include/asm/pgtable.h (Documentation/arm/memory.rst). */
    public static final long VMALLOC_END = 0xff80_0000L;

    /**
     * {@code VMALLOC_END} of the 4.14-era kernel whose Versatile Express boot (1 GiB at 0x60000000) the project
     * reproduces: with it vmalloc_min is 0xef800000 and lowmem stops at 0x8f800000 (max_low_pfn 0x8f800), as
     * that boot logged. 4.0's pgtable.h has this value; mainline had moved to 0xff800000 by 4.19.
     */
    public static final long VMALLOC_END_4_14 = 0xff00_0000L;

    /**
     * {@code FIXADDR_START} of Linux 6.1, arch/arm/include/asm/fixmap.h: 512 KiB above 4.14's, which left
     * room for the guard below it once the device tree moved to 0xff800000 (commit "ARM: 9012/1: move
     * device tree mapping out of linear region", v5.11).
     */
    public static final long FIXADDR_START = 0xffc8_0000L;

    /** {@code FIXADDR_START} of 4.14, fixmap.h. */
    public static final long FIXADDR_START_4_14 = 0xffc0_0000L;

    /** {@code FIXADDR_END} (unchanged from 4.14 to 6.1), fixmap.h. */
    public static final long FIXADDR_END = 0xfff0_0000L;

    /** {@code FIXADDR_TOP = FIXADDR_END - PAGE_SIZE}, fixmap.h. */
    public static final long FIXADDR_TOP = FIXADDR_END - KernelAddressSpace.PAGE_SIZE;

    /**
     * The default vmalloc reservation: {@code vmalloc_size = 240 * SZ_1M} in 6.1's arch/arm/mm/mmu.c,
     * {@code 240 << 20} inside 4.14's {@code vmalloc_min}. kmm does not model the {@code vmalloc=} parameter.
     */
    public static final long VMALLOC_SIZE_DEFAULT = 240L << 20;
}
