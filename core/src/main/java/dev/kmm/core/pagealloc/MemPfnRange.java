package dev.kmm.core.pagealloc;

/**
 * One range that {@code for_each_mem_pfn_range()} yields: the page frames {@code [startPfn, endPfn)}
 * of a {@code memblock.memory} region (its base rounded up and its end rounded down to pages) and the
 * node it belongs to. Regions that round to no whole page are skipped by the kernel and must be left
 * out here.
 */
public record MemPfnRange(long startPfn, long endPfn, int nid) {
    public MemPfnRange {
        if (startPfn < 0 || endPfn <= startPfn) {
            throw new IllegalArgumentException("memory pfn range [" + startPfn + ", " + endPfn + ") is empty or negative");
        }
        if (nid < 0) {
            throw new IllegalArgumentException("negative node id " + nid);
        }
    }

    /**
     * The pfn range of a memblock region of {@code size} bytes at {@code base} ({@code PFN_UP(base)} to
     * {@code PFN_DOWN(base + size)}), as {@code __next_mem_pfn_range()} computes it.
     *
     * @throws IllegalArgumentException if the region holds no whole page (the kernel skips it)
     */
    public static MemPfnRange ofRegion(long base, long size, int nid) {
        long start = (base + PageAllocConfig.PAGE_SIZE - 1) >>> PageAllocConfig.PAGE_SHIFT;
        long end = (base + size) >>> PageAllocConfig.PAGE_SHIFT;
        return new MemPfnRange(start, end, nid);
    }

    /** Number of pages in the range. */
    public long pages() {
        return endPfn - startPfn;
    }
}
