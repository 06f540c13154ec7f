package dev.kmm.core.proc;

/**
 * The counts of one huge page size ({@code struct hstate}, mm/hugetlb.c) that {@code /proc/meminfo} prints.
 *
 * @param size             {@code huge_page_size(h)} in bytes
 * @param nrHugePages      {@code nr_huge_pages}: the pool size
 * @param freeHugePages    {@code free_huge_pages}
 * @param resvHugePages    {@code resv_huge_pages}: reserved for mappings, not yet faulted in
 * @param surplusHugePages {@code surplus_huge_pages}: allocated above the pool size by overcommit
 */
public record Hstate(long size, long nrHugePages, long freeHugePages, long resvHugePages, long surplusHugePages) {
    public Hstate {
        if (size <= 0 || Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("huge page size must be a power of two, got " + size);
        }
        if (nrHugePages < 0 || freeHugePages < 0 || resvHugePages < 0 || surplusHugePages < 0) {
            throw new IllegalArgumentException("negative huge page count in " + this);
        }
    }

    /** An empty pool of {@code size}-byte pages: what a kernel reports before any are reserved. */
    public static Hstate empty(long size) {
        return new Hstate(size, 0, 0, 0, 0);
    }
}
