package dev.kmm.arena.addr;

/**
 * The architectures kmm simulates, with the facts of the configuration each profile models.
 *
 * <p>Every profile keeps the LP64 structure layouts of Linux 6.1 ({@code sizeof(struct page) == 64}),
 * including the 32-bit {@link #ARM} profile: its pointers are 32-bit values, but the structures that
 * hold them keep their x86_64/arm64 sizes and offsets.
 */
public enum Arch {
    /** 32-bit ARMv7, short-descriptor (2-level) page tables, no LPAE, CONFIG_HIGHMEM=y. */
    ARM(32, 2, MemoryModel.FLATMEM),
    /** AArch64 with 4 KiB pages and VA_BITS=48: 4-level page tables. */
    ARM64(64, 4, MemoryModel.SPARSEMEM_VMEMMAP),
    /** x86_64 with 4-level paging (no LA57). */
    X86_64(64, 4, MemoryModel.SPARSEMEM_VMEMMAP);

    private final int pointerBits;
    private final int pageTableLevels;
    private final MemoryModel memoryModel;

    Arch(int pointerBits, int pageTableLevels, MemoryModel memoryModel) {
        this.pointerBits = pointerBits;
        this.pageTableLevels = pageTableLevels;
        this.memoryModel = memoryModel;
    }

    /** Width of a virtual address (and of {@code unsigned long}) on the simulated architecture. */
    public int pointerBits() {
        return pointerBits;
    }

    /** Page-table levels the kernel walks (CONFIG_PGTABLE_LEVELS). */
    public int pageTableLevels() {
        return pageTableLevels;
    }

    public MemoryModel memoryModel() {
        return memoryModel;
    }
}
