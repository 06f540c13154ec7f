package dev.kmm.core.memblock;

/**
 * The out-parameters of the kernel's range iterators ({@code *out_start, *out_end, *out_nid}):
 * one reusable holder, so a walk allocates nothing per step.
 */
public final class MemblockRange {
    private long start;
    private long end;
    private int nid;

    /** Start of the range (an address, or a pfn for the pfn iterators). */
    public long start() {
        return start;
    }

    /** End of the range, exclusive. */
    public long end() {
        return end;
    }

    /** NUMA node of the range. */
    public int nid() {
        return nid;
    }

    void set(long start, long end, int nid) {
        this.start = start;
        this.end = end;
        this.nid = nid;
    }
}
