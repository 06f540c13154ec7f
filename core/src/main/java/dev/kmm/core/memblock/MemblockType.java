package dev.kmm.core.memblock;

import java.util.Arrays;
import java.util.Objects;

/**
 * {@code struct memblock_type}: a sorted collection of disjoint regions with the kernel's
 * {@code cnt}, {@code max} and {@code total_size}. The {@code struct memblock_region} array is
 * held as four parallel columns (see the package documentation).
 *
 * <p>Invariants (as in the kernel): regions are sorted by base, do not overlap, and neighbours
 * that touch and share flags and node are merged. An empty type holds one dummy region
 * {@code [0, 0)}, so {@code cnt} never drops below 1.
 */
public final class MemblockType {
    final String name;
    int cnt;
    int max;
    long totalSize;
    long[] base;
    long[] size;
    int[] flags;
    int[] nid;
    /** Physical address of the array when memblock allocated it; 0 for the static initial one. */
    long arrayPhys;

    MemblockType(String name, int max) {
        this.name = name;
        this.max = max;
        this.cnt = 1; // empty dummy entry
        this.base = new long[max];
        this.size = new long[max];
        this.flags = new int[max];
        this.nid = new int[max];
    }

    /** Grows the columns to {@code newMax}, keeping the first {@code max} entries (memcpy + memset). */
    void resize(int newMax) {
        base = Arrays.copyOf(base, newMax);
        size = Arrays.copyOf(size, newMax);
        flags = Arrays.copyOf(flags, newMax);
        nid = Arrays.copyOf(nid, newMax);
        max = newMax;
    }

    /** {@code name}: "memory" or "reserved". */
    public String name() {
        return name;
    }

    /** {@code cnt}: number of regions, 1 (the dummy) when empty. */
    public int cnt() {
        return cnt;
    }

    /** {@code max}: size of the region array. */
    public int max() {
        return max;
    }

    /** {@code total_size}: sum of region sizes. */
    public long totalSize() {
        return totalSize;
    }

    /** Base of region {@code i}. */
    public long base(int i) {
        return base[Objects.checkIndex(i, cnt)];
    }

    /** Size of region {@code i}. */
    public long size(int i) {
        return size[Objects.checkIndex(i, cnt)];
    }

    /** {@link MemblockFlags} of region {@code i}. */
    public int flags(int i) {
        return flags[Objects.checkIndex(i, cnt)];
    }

    /** {@code memblock_get_region_node}: node of region {@code i} (0 without NUMA). */
    public int nid(int i) {
        return nid[Objects.checkIndex(i, cnt)];
    }

    /**
     * Physical address of the region array when memblock allocated it by doubling, 0 while the
     * static initial array is in use.
     */
    public long arrayPhys() {
        return arrayPhys;
    }
}
