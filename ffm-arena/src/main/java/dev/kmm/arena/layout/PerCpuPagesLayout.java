package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelTypes.INT;
import static dev.kmm.arena.layout.KernelTypes.SHORT;
import static dev.kmm.arena.layout.KernelTypes.SPINLOCK_T;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct per_cpu_pages} of 6.1 (include/linux/mmzone.h): one CPU's page cache of a zone, with a list
 * per (pcp migrate type, order up to PAGE_ALLOC_COSTLY_ORDER) plus the THP lists. Cache-line aligned;
 * 256 bytes in the reference kernel.
 */
public final class PerCpuPagesLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct per_cpu_pages)}. */
    public final long size;
    /** {@code NR_PCP_LISTS}. */
    public final int nrPcpLists;
    /** Offset of {@code lock}, taken with trylock by remote drains. */
    public final long lock;
    /** Offset of {@code count}: pages on all lists. */
    public final long count;
    /** Offset of {@code high}: drain above this. */
    public final long high;
    /** Offset of {@code batch}: pages moved per refill or drain. */
    public final long batch;
    /** Offset of {@code free_factor}: scales batch for free-heavy CPUs. */
    public final long freeFactor;
    /** Offset of {@code expire}: remote-node pages to drain (NUMA). */
    public final long expire;
    /** Offset of {@code lists[NR_PCP_LISTS]}. */
    public final long lists;

    private PerCpuPagesLayout(LayoutConfig config) {
        nrPcpLists = config.nrPcpLists();
        layout = CStruct.struct("per_cpu_pages")
                .field("lock", SPINLOCK_T)
                .field("count", INT)
                .field("high", INT)
                .field("batch", INT)
                .field("free_factor", SHORT)
                .field("expire", SHORT)
                .field("lists", CStruct.array(ListHeadLayout.LAYOUT, nrPcpLists))
                .aligned(KernelConstants.L1_CACHE_BYTES)
                .build();
        size = layout.byteSize();
        lock = CStruct.offsetOf(layout, "lock");
        count = CStruct.offsetOf(layout, "count");
        high = CStruct.offsetOf(layout, "high");
        batch = CStruct.offsetOf(layout, "batch");
        freeFactor = CStruct.offsetOf(layout, "free_factor");
        expire = CStruct.offsetOf(layout, "expire");
        lists = CStruct.offsetOf(layout, "lists");
    }

    /** The per_cpu_pages layout of {@code config}. */
    public static PerCpuPagesLayout of(LayoutConfig config) {
        return new PerCpuPagesLayout(Objects.requireNonNull(config, "config"));
    }

    /** Offset of {@code lists[pindex]}. */
    public long listOffset(int pindex) {
        return lists + Objects.checkIndex(pindex, nrPcpLists) * ListHeadLayout.SIZE;
    }
}
