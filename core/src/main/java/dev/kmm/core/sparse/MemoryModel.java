package dev.kmm.core.sparse;

/**
 * How the kernel finds the {@code struct page} of a pfn and the pageblock flags of its block: the runtime half of
 * include/asm-generic/memory_model.h and of {@code get_pageblock_bitmap}/{@code pfn_to_bitidx} in mm/page_alloc.c.
 * The buddy allocator and memmap init use only this interface.
 *
 * <p>{@link Sparse} is SPARSEMEM_VMEMMAP (x86_64, arm64); {@link FlatMem} is FLATMEM (32-bit ARM). Which one an
 * architecture uses is {@link dev.kmm.arena.addr.Arch#memoryModel()}.
 *
 * <p>The conversions are the kernel's pointer arithmetic and do not check that a page exists; {@link #pfnValid}
 * does, as the kernel's {@code pfn_valid} does.
 */
public sealed interface MemoryModel permits Sparse, FlatMem {
    /** {@code pfn_to_page}: the kernel virtual address of the pfn's struct page. */
    long pfnToPage(long pfn);

    /** {@code page_to_pfn}. */
    long pageToPfn(long page);

    /** {@code pfn_valid}: whether the pfn has a struct page the kernel may look at. */
    boolean pfnValid(long pfn);

    /**
     * {@code get_pageblock_bitmap(page, pfn)}: the kernel virtual address of the {@code unsigned long} array that
     * holds the pageblock flags of {@code pfn}'s block (the section's usemap, or the zone's pageblock_flags).
     *
     * @throws IllegalArgumentException when the pfn has no pageblock flags
     */
    long pageblockBitmap(long page, long pfn);

    /** {@code pfn_to_bitidx(page, pfn)}: the first bit of {@code pfn}'s block in {@link #pageblockBitmap}. */
    long pfnToBitidx(long page, long pfn);

    /** The lowest pfn whose struct page exists in memory. */
    long memmapStartPfn();

    /** One past the highest pfn whose struct page exists in memory. */
    long memmapEndPfn();
}
