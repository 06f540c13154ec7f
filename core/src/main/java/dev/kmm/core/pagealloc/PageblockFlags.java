package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.core.sparse.MemoryModel;
import java.util.Objects;

/**
 * The pageblock flags of Linux 6.1 (mm/page_alloc.c, include/linux/pageblock-flags.h): {@code NR_PAGEBLOCK_BITS}
 * (4) bits per pageblock, three for its migrate type and one compaction skip hint, packed into
 * {@code unsigned long} words of a section's usemap (SPARSEMEM) or a zone's {@code pageblock_flags} (FLATMEM),
 * which the {@link MemoryModel} locates.
 *
 * <p>Readers are lock-free ({@code READ_ONCE} of the word); writers update the word with a compare-and-swap loop,
 * as {@code set_pfnblock_flags_mask} does, so concurrent writers of neighbouring blocks never lose bits.
 */
public final class PageblockFlags {
    /** {@code PB_migratetype_bits}: bits of a pageblock's migrate type. */
    public static final int PB_MIGRATETYPE_BITS = 3;
    /** {@code MIGRATETYPE_MASK}. */
    public static final long MIGRATETYPE_MASK = (1L << PB_MIGRATETYPE_BITS) - 1;

    private final KernelMemory mem;
    private final MemoryModel model;
    private final int pageblockOrder;
    private boolean pageGroupByMobilityDisabled;

    /**
     * @param mem            where the bitmaps live (the linear map)
     * @param model          locates the bitmap of a pfn
     * @param pageblockOrder {@code pageblock_order}
     */
    public PageblockFlags(KernelMemory mem, MemoryModel model, int pageblockOrder) {
        this.mem = Objects.requireNonNull(mem, "mem");
        this.model = Objects.requireNonNull(model, "model");
        if (pageblockOrder < 0 || pageblockOrder > 20) {
            throw new IllegalArgumentException("pageblock_order " + pageblockOrder + " is out of range");
        }
        this.pageblockOrder = pageblockOrder;
    }

    /** {@code pageblock_order}. */
    public int pageblockOrder() {
        return pageblockOrder;
    }

    /** {@code pageblock_nr_pages}. */
    public long pageblockNrPages() {
        return 1L << pageblockOrder;
    }

    /**
     * {@code page_group_by_mobility_disabled}: set by build_all_zonelists() on machines too small for grouping by
     * mobility; then every pcp migrate type is recorded as UNMOVABLE.
     */
    public void setPageGroupByMobilityDisabled(boolean disabled) {
        this.pageGroupByMobilityDisabled = disabled;
    }

    /** Whether grouping by mobility is disabled. */
    public boolean pageGroupByMobilityDisabled() {
        return pageGroupByMobilityDisabled;
    }

    /** {@code get_pfnblock_flags_mask}: the requested bits of {@code pfn}'s pageblock. */
    public long getPfnblockFlagsMask(long page, long pfn, long mask) {
        long bitmap = model.pageblockBitmap(page, pfn);
        long bitidx = model.pfnToBitidx(page, pfn);
        long word = mem.getLongOpaque(bitmap + (bitidx >>> 6) * Long.BYTES);
        return word >>> (bitidx & 63) & mask;
    }

    /** {@code get_pfnblock_migratetype}. */
    public int getPfnblockMigratetype(long page, long pfn) {
        return (int) getPfnblockFlagsMask(page, pfn, MIGRATETYPE_MASK);
    }

    /** {@code get_pageblock_migratetype(page)}. */
    public int getPageblockMigratetype(long page) {
        return getPfnblockMigratetype(page, model.pageToPfn(page));
    }

    /** {@code set_pfnblock_flags_mask}: replaces the bits under {@code mask} with {@code flags}, atomically. */
    public void setPfnblockFlagsMask(long page, long flags, long pfn, long mask) {
        if ((flags & ~mask) != 0) {
            throw new IllegalArgumentException(String.format("pageblock flags 0x%x outside mask 0x%x", flags, mask));
        }
        long bitmap = model.pageblockBitmap(page, pfn);
        long bitidx = model.pfnToBitidx(page, pfn);
        long wordVa = bitmap + (bitidx >>> 6) * Long.BYTES;
        int shift = (int) (bitidx & 63);
        long m = mask << shift;
        long f = flags << shift;
        long word = mem.getLongOpaque(wordVa);
        long witness;
        while ((witness = mem.compareAndExchangeLong(wordVa, word, (word & ~m) | f)) != word) {
            word = witness;
        }
    }

    /**
     * {@code set_pageblock_migratetype}: with grouping by mobility disabled, the pcp types collapse to
     * {@code MIGRATE_UNMOVABLE}.
     */
    public void setPageblockMigratetype(long page, int migratetype) {
        if (migratetype < 0 || migratetype > MIGRATETYPE_MASK) {
            throw new IllegalArgumentException("migratetype " + migratetype + " does not fit "
                    + PB_MIGRATETYPE_BITS + " bits");
        }
        if (pageGroupByMobilityDisabled && migratetype < KernelConstants.MIGRATE_PCPTYPES) {
            migratetype = KernelConstants.MIGRATE_UNMOVABLE;
        }
        setPfnblockFlagsMask(page, migratetype, model.pageToPfn(page), MIGRATETYPE_MASK);
    }

    /** {@code get_pageblock_skip}: the compaction skip hint. */
    public boolean getPageblockSkip(long page) {
        return getPfnblockFlagsMask(page, model.pageToPfn(page), 1L << KernelConstants.PB_MIGRATE_SKIP) != 0;
    }

    /** {@code set_pageblock_skip}. */
    public void setPageblockSkip(long page) {
        long bit = 1L << KernelConstants.PB_MIGRATE_SKIP;
        setPfnblockFlagsMask(page, bit, model.pageToPfn(page), bit);
    }

    /** {@code clear_pageblock_skip}. */
    public void clearPageblockSkip(long page) {
        setPfnblockFlagsMask(page, 0, model.pageToPfn(page), 1L << KernelConstants.PB_MIGRATE_SKIP);
    }
}
