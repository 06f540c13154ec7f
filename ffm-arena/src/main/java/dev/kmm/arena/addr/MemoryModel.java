package dev.kmm.arena.addr;

/**
 * How the kernel finds the {@code struct page} of a pfn (include/asm-generic/memory_model.h).
 */
public enum MemoryModel {
    /**
     * One {@code mem_map} array for the whole node, allocated at boot inside lowmem:
     * {@code pfn_to_page(pfn) = mem_map + (pfn - ARCH_PFN_OFFSET)}.
     */
    FLATMEM,
    /**
     * A virtually contiguous memmap at a fixed VA, populated section by section:
     * {@code pfn_to_page(pfn) = vmemmap + pfn}.
     */
    SPARSEMEM_VMEMMAP
}
