package dev.kmm.core.pagealloc;

import java.util.Objects;

/**
 * The build-time constants the zone-sizing formulas depend on. {@code PAGE_SHIFT} is 12 on every
 * profile kmm simulates.
 *
 * @param zoneTypes       the configured zones
 * @param maxOrder        {@code MAX_ORDER} (orders {@code 0..MAX_ORDER-1}); {@code MAX_ORDER_NR_PAGES} is
 *                        {@code 1 << (MAX_ORDER - 1)}
 * @param pageblockOrder  {@code pageblock_order}: {@code HUGETLB_PAGE_ORDER} (9) with
 *                        {@code CONFIG_HUGETLB_PAGE}, else {@code MAX_ORDER - 1}
 * @param sectionSizeBits {@code SECTION_SIZE_BITS} for {@code CONFIG_SPARSEMEM}; 0 for FLATMEM, which
 *                        only the 32-bit ARM profile uses, with ARM's own {@code pfn_valid()}
 * @param structPageSize  {@code sizeof(struct page)}: 64 on every profile, because kmm keeps the LP64
 *                        layout even where it simulates 32-bit ARM (whose real {@code struct page} is 32
 *                        bytes, so its memmap counts come out twice the real ARM kernel's)
 * @param bitsPerLong     {@code BITS_PER_LONG}, which bounds {@code unsigned long} arithmetic
 */
public record PageAllocConfig(ZoneTypes zoneTypes, int maxOrder, int pageblockOrder, int sectionSizeBits,
                              int structPageSize, int bitsPerLong) {
    /** {@code PAGE_SHIFT}. */
    public static final int PAGE_SHIFT = 12;
    /** {@code PAGE_SIZE}. */
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;

    /** x86_64, Debian 6.1 config: SPARSEMEM with 128 MiB sections, 2 MiB pageblocks. */
    public static final PageAllocConfig X86_64 = new PageAllocConfig(ZoneTypes.X86_64, 11, 9, 27, 64, 64);
    /** arm64 defconfig, 4 KiB pages: SPARSEMEM with 128 MiB sections, 2 MiB pageblocks. */
    public static final PageAllocConfig ARM64 = new PageAllocConfig(ZoneTypes.ARM64, 11, 9, 27, 64, 64);
    /**
     * 32-bit ARM Versatile Express ({@code vexpress_defconfig} plus {@code CONFIG_HIGHMEM}): FLATMEM, no
     * {@code CONFIG_HUGETLB_PAGE} without LPAE so {@code pageblock_order = MAX_ORDER - 1 = 10}.
     */
    public static final PageAllocConfig ARM_VEXPRESS = new PageAllocConfig(ZoneTypes.ARM_HIGHMEM, 11, 10, 0, 64, 32);

    public PageAllocConfig {
        Objects.requireNonNull(zoneTypes, "zoneTypes");
        if (maxOrder < 1 || maxOrder > 20) {
            throw new IllegalArgumentException("MAX_ORDER " + maxOrder + " outside 1..20");
        }
        if (pageblockOrder < 0 || pageblockOrder > maxOrder - 1) {
            throw new IllegalArgumentException("pageblock_order " + pageblockOrder + " outside 0..MAX_ORDER-1");
        }
        if (sectionSizeBits != 0 && (sectionSizeBits < PAGE_SHIFT + maxOrder - 1 || sectionSizeBits > 40)) {
            throw new IllegalArgumentException("SECTION_SIZE_BITS " + sectionSizeBits
                    + " must hold a MAX_ORDER block and be at most 40 (0 selects FLATMEM)");
        }
        if (structPageSize <= 0) {
            throw new IllegalArgumentException("sizeof(struct page) must be positive: " + structPageSize);
        }
        if (bitsPerLong != 32 && bitsPerLong != 64) {
            throw new IllegalArgumentException("BITS_PER_LONG must be 32 or 64: " + bitsPerLong);
        }
    }

    /** {@code MAX_ORDER_NR_PAGES}. */
    public long maxOrderNrPages() {
        return 1L << (maxOrder - 1);
    }

    /** {@code pageblock_nr_pages}. */
    public long pageblockNrPages() {
        return 1L << pageblockOrder;
    }

    /** {@code IS_ENABLED(CONFIG_SPARSEMEM)}. */
    public boolean sparsemem() {
        return sectionSizeBits != 0;
    }

    /** {@code PAGES_PER_SECTION} (SPARSEMEM only). */
    public long pagesPerSection() {
        return 1L << (sectionSizeBits - PAGE_SHIFT);
    }

    /** Truncates {@code x} to an {@code unsigned long} of this build. */
    public long ulong(long x) {
        return bitsPerLong == 64 ? x : x & 0xffff_ffffL;
    }
}
