package dev.kmm.arena.layout;

/**
 * The Linux 6.1 constants that kmm's structure layouts and allocators are built on, in one place.
 *
 * <p>Values are those of the reference kernel: Linux 6.1.192, Debian amd64 config (x86_64, 4 KiB pages,
 * NUMA, no CMA, THP and hugetlb on). Each group names the header it comes from. Quantities that change
 * with the kernel config (array lengths inside {@code struct zone}, {@code struct pglist_data}, ...) are
 * also described by {@link LayoutConfig}; the constants here are its reference values.
 */
public final class KernelConstants {
    private KernelConstants() {
    }

    // ---- arch/x86/include/asm/page_types.h ----

    /** log2 of the page size: 4 KiB pages. */
    public static final int PAGE_SHIFT = 12;
    /** Bytes per page. */
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** Mask that clears the offset within a page. */
    public static final long PAGE_MASK = ~(PAGE_SIZE - 1);

    // ---- arch/x86/include/asm/cache.h, include/linux/cache.h ----

    /** {@code L1_CACHE_BYTES}: {@code ____cacheline_aligned_in_smp} aligns to this. */
    public static final int L1_CACHE_BYTES = 64;
    /**
     * {@code INTERNODE_CACHE_BYTES}: {@code CACHELINE_PADDING} and {@code ____cacheline_internodealigned_in_smp}
     * align to this; on x86_64 without vSMP it equals the L1 line.
     */
    public static final int INTERNODE_CACHE_BYTES = L1_CACHE_BYTES;

    // ---- include/linux/mmzone.h ----

    /**
     * {@code MAX_ORDER} in 6.1's meaning: the number of buddy orders, so orders run {@code 0..MAX_ORDER-1}
     * (6.4 later redefined MAX_ORDER as the largest order). The default when
     * {@code CONFIG_ARCH_FORCE_MAX_ORDER} is unset.
     */
    public static final int MAX_ORDER = 11;
    /** Pages in the largest buddy block: {@code 1 << (MAX_ORDER - 1)}. */
    public static final int MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1);
    /** Orders above this are "costly": the allocator stops retrying so hard, and pcp lists stop. */
    public static final int PAGE_ALLOC_COSTLY_ORDER = 3;

    /** {@code enum migratetype}: movable-grouping types. The first three have pcp lists. */
    public static final int MIGRATE_UNMOVABLE = 0;
    /** Pages that can be migrated (user memory, page cache). */
    public static final int MIGRATE_MOVABLE = 1;
    /** Pages that can be reclaimed but not moved (slab caches with shrinkers). */
    public static final int MIGRATE_RECLAIMABLE = 2;
    /** Number of migrate types that have per-cpu page lists. */
    public static final int MIGRATE_PCPTYPES = 3;
    /** High-order atomic reserve; shares the value of {@link #MIGRATE_PCPTYPES} (it has no pcp list). */
    public static final int MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES;
    /**
     * Isolated pageblocks (CONFIG_MEMORY_ISOLATION), in the reference config without CONFIG_CMA.
     * With CMA, MIGRATE_CMA takes 4 and MIGRATE_ISOLATE moves to 5.
     */
    public static final int MIGRATE_ISOLATE = 4;
    /** Number of migrate types in the reference config (no CMA, with MEMORY_ISOLATION). */
    public static final int MIGRATE_TYPES = 5;

    /**
     * {@code NR_PCP_THP} of 6.1.192 with CONFIG_TRANSPARENT_HUGEPAGE: two THP pcp lists (movable, and
     * unmovable+reclaimable), from the stable backport of upstream bf14ed81f571 "mm/page_alloc: Separate THP
     * PCP into movable and non-movable categories". 6.1.0 up to that backport had one; without THP, none.
     */
    public static final int NR_PCP_THP = 2;
    /** One pcp list per pcp migrate type and order up to the costly order. */
    public static final int NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
    /** {@code per_cpu_pages.lists[]} length: 14 in the reference kernel. */
    public static final int NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + NR_PCP_THP;

    /** {@code enum zone_type} of the reference config (ZONE_DMA, ZONE_DMA32, ZONE_DEVICE on; no HIGHMEM). */
    public static final int ZONE_DMA = 0;
    /** Memory below 4 GiB. */
    public static final int ZONE_DMA32 = 1;
    /** Normal addressable memory. */
    public static final int ZONE_NORMAL = 2;
    /** Memory that holds only movable allocations. */
    public static final int ZONE_MOVABLE = 3;
    /** Device memory (ZONE_DEVICE). */
    public static final int ZONE_DEVICE = 4;
    /** {@code MAX_NR_ZONES} of the reference config. */
    public static final int MAX_NR_ZONES = 5;

    /** {@code enum zone_watermarks}. */
    public static final int WMARK_MIN = 0;
    /** Low watermark: kswapd wakes below it. */
    public static final int WMARK_LOW = 1;
    /** High watermark: kswapd sleeps above it. */
    public static final int WMARK_HIGH = 2;
    /** Promotion watermark for memory tiering. */
    public static final int WMARK_PROMO = 3;
    /** Number of watermarks in {@code zone._watermark[]}. */
    public static final int NR_WMARK = 4;

    /** Fallback zonelist index (all nodes). */
    public static final int ZONELIST_FALLBACK = 0;
    /** Zonelist of the own node only (__GFP_THISNODE). */
    public static final int ZONELIST_NOFALLBACK = 1;
    /** {@code MAX_ZONELISTS} with CONFIG_NUMA: {@code pglist_data.node_zonelists[]} length. */
    public static final int MAX_ZONELISTS = 2;

    /** {@code CONFIG_NODES_SHIFT} of the reference config. */
    public static final int NODES_SHIFT = 10;
    /** {@code MAX_NUMNODES = 1 << NODES_SHIFT}. */
    public static final int MAX_NUMNODES = 1 << NODES_SHIFT;

    /** {@code NR_VM_ZONE_STAT_ITEMS} of the reference config (enum zone_stat_item). */
    public static final int NR_VM_ZONE_STAT_ITEMS = 11;
    /** {@code NR_VM_NUMA_EVENT_ITEMS} with CONFIG_NUMA (enum numa_stat_item). */
    public static final int NR_VM_NUMA_EVENT_ITEMS = 6;
    /** {@code NR_VM_NODE_STAT_ITEMS} of the reference config (enum node_stat_item). */
    public static final int NR_VM_NODE_STAT_ITEMS = 43;

    /** {@code enum lru_list}: inactive anonymous pages. */
    public static final int LRU_INACTIVE_ANON = 0;
    /** Active anonymous pages. */
    public static final int LRU_ACTIVE_ANON = 1;
    /** Inactive file pages. */
    public static final int LRU_INACTIVE_FILE = 2;
    /** Active file pages. */
    public static final int LRU_ACTIVE_FILE = 3;
    /** Pages that cannot be evicted (mlocked, ramfs, ...). */
    public static final int LRU_UNEVICTABLE = 4;
    /** Number of LRU lists in a lruvec. */
    public static final int NR_LRU_LISTS = 5;
    /** Anon and file: the two LRU types. */
    public static final int ANON_AND_FILE = 2;
    /** {@code NR_VMSCAN_THROTTLE}: reclaim throttling reasons, one wait queue each in {@code pglist_data}. */
    public static final int NR_VMSCAN_THROTTLE = 4;
    /** Compaction scanner kinds in {@code zone.compact_cached_migrate_pfn[]}. */
    public static final int ASYNC_AND_SYNC = 2;

    /** Multi-gen LRU (CONFIG_LRU_GEN): generations per lruvec. */
    public static final int MAX_NR_GENS = 4;
    /** Multi-gen LRU: refault tiers per generation. */
    public static final int MAX_NR_TIERS = 4;
    /** Multi-gen LRU: generations of kept history without CONFIG_LRU_GEN_STATS. */
    public static final int NR_HIST_GENS = 1;
    /** Multi-gen LRU: page-table walk statistics ({@code NR_MM_STATS}). */
    public static final int NR_MM_STATS = 6;
    /** Multi-gen LRU: Bloom filters per mm walk state. */
    public static final int NR_BLOOM_FILTERS = 2;

    // ---- include/linux/pageblock-flags.h ----

    /** {@code enum pageblock_bits}: first migrate-type bit of a pageblock. */
    public static final int PB_MIGRATE = 0;
    /** Last migrate-type bit (three bits hold the type). */
    public static final int PB_MIGRATE_END = 2;
    /** Compaction skip hint. */
    public static final int PB_MIGRATE_SKIP = 3;
    /** Bits of pageblock flags per pageblock. */
    public static final int NR_PAGEBLOCK_BITS = 4;

    /** x86_64 {@code HUGETLB_PAGE_ORDER = HPAGE_SHIFT - PAGE_SHIFT} with 2 MiB huge pages (PMD_SHIFT 21). */
    public static final int HUGETLB_PAGE_ORDER = 21 - PAGE_SHIFT;
    /** Pageblock order of the reference kernel (hugetlb on): 9, i.e. 2 MiB pageblocks. */
    public static final int PAGEBLOCK_ORDER = pageblockOrder(true, HUGETLB_PAGE_ORDER, MAX_ORDER);
    /** Pages per pageblock of the reference kernel. */
    public static final int PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;

    /**
     * {@code pageblock_order} as 6.1 defines it: with CONFIG_HUGETLB_PAGE (and a fixed huge page size)
     * {@code min(HUGETLB_PAGE_ORDER, MAX_ORDER - 1)}, otherwise {@code MAX_ORDER - 1}, so a pageblock never
     * exceeds the largest buddy block. (32-bit ARM without LPAE has no hugetlb: its pageblock is MAX_ORDER-1.)
     *
     * @param hugetlbPage      whether CONFIG_HUGETLB_PAGE is set
     * @param hugetlbPageOrder the arch's HUGETLB_PAGE_ORDER (ignored without hugetlb)
     * @param maxOrder         MAX_ORDER in 6.1's meaning (number of orders)
     */
    public static int pageblockOrder(boolean hugetlbPage, int hugetlbPageOrder, int maxOrder) {
        if (maxOrder < 1) {
            throw new IllegalArgumentException("maxOrder must be at least 1, got " + maxOrder);
        }
        if (!hugetlbPage) {
            return maxOrder - 1;
        }
        if (hugetlbPageOrder < 0) {
            throw new IllegalArgumentException("hugetlbPageOrder must not be negative, got " + hugetlbPageOrder);
        }
        return Math.min(hugetlbPageOrder, maxOrder - 1);
    }

    // ---- include/linux/poison.h ----

    /** {@code POISON_POINTER_DELTA = CONFIG_ILLEGAL_POINTER_VALUE} (x86_64 and arm64): a non-canonical base. */
    public static final long POISON_POINTER_DELTA = 0xdead000000000000L;
    /** {@code list_del()} leaves this in {@code next}: any use faults. */
    public static final long LIST_POISON1 = 0x100L + POISON_POINTER_DELTA;
    /** {@code list_del()} leaves this in {@code prev}. */
    public static final long LIST_POISON2 = 0x122L + POISON_POINTER_DELTA;
}
