package dev.kmm.core.proc;

/**
 * The build options that change what the memory views print: which {@code vmstat_text[]} items exist,
 * which {@code /proc/meminfo} lines appear, which migrate types {@code /proc/pagetypeinfo} lists. The
 * zone options ({@code CONFIG_ZONE_DMA}, {@code CONFIG_ZONE_DMA32}, {@code CONFIG_HIGHMEM},
 * {@code CONFIG_ZONE_DEVICE}) live in {@link dev.kmm.core.pagealloc.ZoneTypes}. Every kernel kmm
 * simulates is SMP with {@code CONFIG_VM_EVENT_COUNTERS}, so those two are not options here.
 */
public enum Kconfig {
    /** {@code CONFIG_NUMA}: the numa_* counters, {@code zone_reclaim_failed}. */
    NUMA,
    /** {@code CONFIG_CMA}: the CMA migrate type, {@code cma_alloc_*} events, CmaTotal/CmaFree. */
    CMA,
    /** {@code CONFIG_MEMORY_ISOLATION}: the Isolate migrate type. */
    MEMORY_ISOLATION,
    /** {@code IS_ENABLED(CONFIG_ZSMALLOC)} (built in or a module): {@code nr_zspages}. */
    ZSMALLOC,
    /** {@code CONFIG_SHADOW_CALL_STACK}: {@code nr_shadow_call_stack}, ShadowCallStack. */
    SHADOW_CALL_STACK,
    /** {@code CONFIG_SWAP}: {@code nr_swapcached}, {@code swap_ra*}. */
    SWAP,
    /** {@code CONFIG_NUMA_BALANCING}: {@code pgpromote_*}, {@code numa_pte_updates} and the like. */
    NUMA_BALANCING,
    /** {@code CONFIG_MIGRATION}: {@code pgmigrate_*}, {@code thp_migration_*}. */
    MIGRATION,
    /** {@code CONFIG_COMPACTION}: {@code compact_*}. */
    COMPACTION,
    /** {@code CONFIG_HUGETLB_PAGE}: {@code htlb_buddy_alloc_*}, the HugePages_* lines. */
    HUGETLB_PAGE,
    /** {@code CONFIG_TRANSPARENT_HUGEPAGE}: {@code thp_*} events, THP counters printed in huge pages. */
    TRANSPARENT_HUGEPAGE,
    /** {@code CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD} (x86_64): {@code thp_split_pud}. */
    HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD,
    /** {@code CONFIG_MEMORY_BALLOON}: {@code balloon_inflate}, {@code balloon_deflate}. */
    MEMORY_BALLOON,
    /** {@code CONFIG_BALLOON_COMPACTION}: {@code balloon_migrate}. */
    BALLOON_COMPACTION,
    /** {@code CONFIG_DEBUG_TLBFLUSH}: the {@code nr_tlb_*} events. */
    DEBUG_TLBFLUSH,
    /** {@code CONFIG_KSM}: {@code ksm_swpin_copy} (with SWAP), {@code cow_ksm}. */
    KSM,
    /** {@code CONFIG_ZSWAP}: {@code zswpin}, {@code zswpout}, Zswap/Zswapped. */
    ZSWAP,
    /** {@code CONFIG_MEMORY_FAILURE}: HardwareCorrupted. */
    MEMORY_FAILURE,
    /** {@code CONFIG_X86}: {@code direct_map_level*_splits} and the DirectMap lines. */
    X86
}
