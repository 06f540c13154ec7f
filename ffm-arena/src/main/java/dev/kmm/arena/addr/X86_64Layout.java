package dev.kmm.arena.addr;

/**
 * Linux 6.1 x86_64 kernel address-space constants for 4-level paging without KASLR
 * (CONFIG_RANDOMIZE_BASE=n, CONFIG_DYNAMIC_MEMORY_LAYOUT=n, CONFIG_X86_5LEVEL=n), so every base is the
 * compile-time {@code _L4} value. Each constant carries the kernel's name and is written as the kernel's
 * expression; the header is named on each.
 */
public final class X86_64Layout {
    private X86_64Layout() {
    }

    /** {@code __PAGE_OFFSET_BASE_L4}, arch/x86/include/asm/page_64_types.h. */
    public static final long PAGE_OFFSET_BASE_L4 = 0xffff_8880_0000_0000L;

    /** {@code __START_KERNEL_map}: the kernel image mapping, page_64_types.h. */
    public static final long START_KERNEL_MAP = 0xffff_ffff_8000_0000L;

    /** {@code KERNEL_IMAGE_SIZE} without CONFIG_RANDOMIZE_BASE (1 GiB with it), page_64_types.h. */
    public static final long KERNEL_IMAGE_SIZE = 512L * 1024 * 1024;

    /** {@code PGDIR_SHIFT} for 4-level paging; P4D is folded so {@code P4D_SHIFT} equals it. pgtable_64_types.h. */
    public static final int PGDIR_SHIFT = 39;

    /** {@code PGDIR_SIZE}: what one top-level entry maps (512 GiB), pgtable_64_types.h. */
    public static final long PGDIR_SIZE = 1L << PGDIR_SHIFT;

    /** {@code PMD_SHIFT}, pgtable_64_types.h. */
    public static final int PMD_SHIFT = 21;

    /** {@code __VIRTUAL_MASK_SHIFT} with 4-level paging: user space is the low 128 TiB, page_64_types.h. */
    public static final int VIRTUAL_MASK_SHIFT = 47;

    /** {@code MAX_PHYSMEM_BITS} with 4-level paging, arch/x86/include/asm/sparsemem.h. */
    public static final int MAX_PHYSMEM_BITS = 46;

    /** {@code MAXMEM = 1UL << MAX_PHYSMEM_BITS}: the size of the direct map, pgtable_64_types.h. */
    public static final long MAXMEM = 1L << MAX_PHYSMEM_BITS;

    /** {@code GUARD_HOLE_BASE_ADDR = GUARD_HOLE_PGD_ENTRY << PGDIR_SHIFT} with entry -256, pgtable_64_types.h. */
    public static final long GUARD_HOLE_BASE_ADDR = -256L << PGDIR_SHIFT;

    /** {@code GUARD_HOLE_SIZE = 16UL << PGDIR_SHIFT}, pgtable_64_types.h. */
    public static final long GUARD_HOLE_SIZE = 16L << PGDIR_SHIFT;

    /** {@code LDT_BASE_ADDR = LDT_PGD_ENTRY << PGDIR_SHIFT} with entry -240; it spans one PGDIR_SIZE. */
    public static final long LDT_BASE_ADDR = -240L << PGDIR_SHIFT;

    /** {@code __VMALLOC_BASE_L4}, pgtable_64_types.h. */
    public static final long VMALLOC_BASE_L4 = 0xffff_c900_0000_0000L;

    /** {@code VMALLOC_SIZE_TB_L4}, pgtable_64_types.h. */
    public static final long VMALLOC_SIZE_TB_L4 = 32;

    /** {@code VMALLOC_START}, pgtable_64_types.h. */
    public static final long VMALLOC_START = VMALLOC_BASE_L4;

    /**
     * {@code VMALLOC_END = VMALLOC_START + (VMALLOC_SIZE_TB << 40) - 1}, pgtable_64_types.h (no KMSAN).
     * Unlike arm and arm64, x86_64's VMALLOC_END is the <em>last</em> byte, not one past it.
     */
    public static final long VMALLOC_END = VMALLOC_START + (VMALLOC_SIZE_TB_L4 << 40) - 1;

    /** {@code __VMEMMAP_BASE_L4}, which is {@code VMEMMAP_START} and {@code vmemmap}, pgtable_64_types.h. */
    public static final long VMEMMAP_BASE_L4 = 0xffff_ea00_0000_0000L;

    /** {@code MODULES_VADDR = __START_KERNEL_map + KERNEL_IMAGE_SIZE}, pgtable_64_types.h. */
    public static final long MODULES_VADDR = START_KERNEL_MAP + KERNEL_IMAGE_SIZE;

    /** {@code MODULES_END} without CONFIG_DEBUG_KMAP_LOCAL_FORCE_MAP (exclusive), pgtable_64_types.h. */
    public static final long MODULES_END = 0xffff_ffff_ff00_0000L;

    /** {@code CPU_ENTRY_AREA_BASE = CPU_ENTRY_AREA_PGD << P4D_SHIFT} with PGD entry -4, pgtable_64_types.h. */
    public static final long CPU_ENTRY_AREA_BASE = -4L << PGDIR_SHIFT;

    /** {@code ESPFIX_BASE_ADDR = ESPFIX_PGD_ENTRY << P4D_SHIFT} with entry -2, pgtable_64_types.h. */
    public static final long ESPFIX_BASE_ADDR = -2L << PGDIR_SHIFT;

    /** {@code EFI_VA_START = -4 * (1UL << 30)}: EFI runtime mappings grow down from here, pgtable_64_types.h. */
    public static final long EFI_VA_START = -4L * (1L << 30);

    /** {@code EFI_VA_END = -68 * (1UL << 30)}, pgtable_64_types.h. */
    public static final long EFI_VA_END = -68L * (1L << 30);

    /** {@code VSYSCALL_ADDR = -10UL << 20}, arch/x86/include/uapi/asm/vsyscall.h. */
    public static final long VSYSCALL_ADDR = -10L << 20;

    /**
     * {@code FIXADDR_TOP = round_up(VSYSCALL_ADDR + PAGE_SIZE, 1 << PMD_SHIFT) - PAGE_SIZE},
     * arch/x86/include/asm/fixmap.h.
     */
    public static final long FIXADDR_TOP = roundUp(VSYSCALL_ADDR + KernelAddressSpace.PAGE_SIZE, 1L << PMD_SHIFT)
            - KernelAddressSpace.PAGE_SIZE;

    /**
     * {@code __end_of_permanent_fixed_addresses} of {@code enum fixed_addresses} (fixmap.h). The enum depends
     * on the configuration; 646 is the value in the BTF of Debian's 6.1.0-56-amd64 kernel (VSYSCALL_PAGE=511,
     * then DBGP, EARLYCON, APIC, 128 IO-APIC slots, PARAVIRT_BOOTMAP and two APEI GHES slots).
     */
    public static final long END_OF_PERMANENT_FIXED_ADDRESSES = 646;

    /** {@code FIXADDR_START = FIXADDR_TOP - (__end_of_permanent_fixed_addresses << PAGE_SHIFT)}, fixmap.h. */
    public static final long FIXADDR_START = FIXADDR_TOP
            - (END_OF_PERMANENT_FIXED_ADDRESSES << KernelAddressSpace.PAGE_SHIFT);

    private static long roundUp(long x, long align) {
        return (x + align - 1) & -align;
    }
}
