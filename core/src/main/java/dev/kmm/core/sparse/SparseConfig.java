package dev.kmm.core.sparse;

/**
 * The architecture constants SPARSEMEM_VMEMMAP depends on (arch/&lt;arch&gt;/include/asm/sparsemem.h, pgtable, dma.h).
 *
 * @param sectionSizeBits {@code SECTION_SIZE_BITS}: log2 of a memory section's bytes
 * @param maxPhysmemBits  {@code MAX_PHYSMEM_BITS}: sizes {@code NR_MEM_SECTIONS}
 * @param memSectionSize  {@code sizeof(struct mem_section)}: 32 with CONFIG_PAGE_EXTENSION, else 16; sets
 *                        {@code SECTIONS_PER_ROOT = PAGE_SIZE / sizeof(struct mem_section)}
 * @param maxDmaPhys      {@code __pa(MAX_DMA_ADDRESS)}: the lower limit the memmap buffer and vmemmap
 *                        page-table allocations ask memblock for
 * @param pgdirShift      {@code PGDIR_SHIFT}: one PUD-table page maps this much vmemmap
 * @param pudShift        {@code PUD_SHIFT}: one PMD-table page maps this much vmemmap
 * @param pmdShift        {@code PMD_SHIFT}: the vmemmap is mapped with PMD-sized blocks
 */
public record SparseConfig(int sectionSizeBits, int maxPhysmemBits, int memSectionSize, long maxDmaPhys,
                           int pgdirShift, int pudShift, int pmdShift) {

    /**
     * x86_64, 4-level paging, Linux 6.1: {@code SECTION_SIZE_BITS} 27, {@code MAX_PHYSMEM_BITS} 46 (52 only
     * with LA57 enabled), PAGE_EXTENSION on (Debian), {@code MAX_DMA_ADDRESS} = {@code __va(16 MiB)}.
     */
    public static final SparseConfig X86_64 = new SparseConfig(27, 46, 32, 16L << 20, 39, 30, 21);

    /**
     * arm64, 4 KiB pages, 48-bit PA, Linux 6.1: {@code SECTION_SIZE_BITS} 27, {@code MAX_PHYSMEM_BITS}
     * {@code CONFIG_ARM64_PA_BITS} 48. arm64's {@code MAX_DMA_ADDRESS} is {@code ~0UL}, whose {@code __pa()}
     * lies above any RAM: memblock's first try fails and it retries without a lower limit
     * ({@code memblock_alloc_internal}), which is what a limit of 0 gives directly.
     */
    public static final SparseConfig ARM64 = new SparseConfig(27, 48, 32, 0, 39, 30, 21);

    public SparseConfig {
        if (sectionSizeBits < 21 || sectionSizeBits > 31) {
            throw new IllegalArgumentException("SECTION_SIZE_BITS " + sectionSizeBits
                    + " must be in 21..31 (a section holds at least one PMD of memmap)");
        }
        if (maxPhysmemBits <= sectionSizeBits || maxPhysmemBits > 52) {
            throw new IllegalArgumentException("MAX_PHYSMEM_BITS " + maxPhysmemBits + " must be in "
                    + (sectionSizeBits + 1) + "..52");
        }
        if (memSectionSize != 16 && memSectionSize != 32) {
            throw new IllegalArgumentException("sizeof(struct mem_section) is 16 or 32, not " + memSectionSize);
        }
        if (maxDmaPhys < 0) {
            throw new IllegalArgumentException("__pa(MAX_DMA_ADDRESS) must not be negative");
        }
        if (!(pmdShift < pudShift && pudShift < pgdirShift && pgdirShift < 64)) {
            throw new IllegalArgumentException("page-table shifts must grow: PMD " + pmdShift + " PUD " + pudShift
                    + " PGDIR " + pgdirShift);
        }
    }
}
