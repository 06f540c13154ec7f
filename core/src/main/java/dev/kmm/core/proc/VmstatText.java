package dev.kmm.core.proc;

import static dev.kmm.core.proc.Kconfig.BALLOON_COMPACTION;
import static dev.kmm.core.proc.Kconfig.CMA;
import static dev.kmm.core.proc.Kconfig.COMPACTION;
import static dev.kmm.core.proc.Kconfig.DEBUG_TLBFLUSH;
import static dev.kmm.core.proc.Kconfig.HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD;
import static dev.kmm.core.proc.Kconfig.HUGETLB_PAGE;
import static dev.kmm.core.proc.Kconfig.KSM;
import static dev.kmm.core.proc.Kconfig.MEMORY_BALLOON;
import static dev.kmm.core.proc.Kconfig.MIGRATION;
import static dev.kmm.core.proc.Kconfig.NUMA;
import static dev.kmm.core.proc.Kconfig.NUMA_BALANCING;
import static dev.kmm.core.proc.Kconfig.SHADOW_CALL_STACK;
import static dev.kmm.core.proc.Kconfig.SWAP;
import static dev.kmm.core.proc.Kconfig.TRANSPARENT_HUGEPAGE;
import static dev.kmm.core.proc.Kconfig.X86;
import static dev.kmm.core.proc.Kconfig.ZSMALLOC;
import static dev.kmm.core.proc.Kconfig.ZSWAP;

import dev.kmm.core.pagealloc.ZoneTypes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The counter names of Linux 6.1's {@code vmstat_text[]} (mm/vmstat.c) for one config, each with the enum
 * constant it names: {@code enum zone_stat_item}, {@code numa_stat_item}, {@code node_stat_item},
 * {@code writeback_stat_item} and {@code vm_event_item} (include/linux/mmzone.h, vm_event_item.h). The
 * text differs from the enum in places ({@code NR_ANON_MAPPED} prints as {@code nr_anon_pages},
 * {@code PGSCAN_SKIP_*} as {@code pgskip_*}), and both lists change with the config in the same
 * {@code #ifdef}s, so one table carries both; an item's index in its list is its enum value.
 */
public final class VmstatText {
    /** One counter: its enum constant and the name {@code /proc/vmstat} and zoneinfo print. */
    public record Item(String enumName, String text) {
    }

    private final List<Item> zoneStat;
    private final List<Item> numaStat;
    private final List<Item> nodeStat;
    private final List<Item> writebackStat;
    private final List<Item> vmEvent;

    private VmstatText(ZoneTypes zones, Set<Kconfig> on) {
        zoneStat = zoneStatItems(on);
        numaStat = numaStatItems(on);
        nodeStat = nodeStatItems(on);
        writebackStat = List.of(new Item("NR_DIRTY_THRESHOLD", "nr_dirty_threshold"),
                new Item("NR_DIRTY_BG_THRESHOLD", "nr_dirty_background_threshold"));
        vmEvent = vmEventItems(zones, on);
    }

    /** The names of a kernel with these zones and options. */
    public static VmstatText of(ZoneTypes zones, Set<Kconfig> options) {
        return new VmstatText(zones, options.isEmpty() ? EnumSet.noneOf(Kconfig.class) : EnumSet.copyOf(options));
    }

    /** {@code enum zone_stat_item}, {@code NR_VM_ZONE_STAT_ITEMS} long. */
    public List<Item> zoneStatItems() {
        return zoneStat;
    }

    /** {@code enum numa_stat_item} ({@code NR_VM_NUMA_EVENT_ITEMS}); empty without CONFIG_NUMA. */
    public List<Item> numaStatItems() {
        return numaStat;
    }

    /** {@code enum node_stat_item}, {@code NR_VM_NODE_STAT_ITEMS} long. */
    public List<Item> nodeStatItems() {
        return nodeStat;
    }

    /** {@code enum writeback_stat_item}: the two dirty thresholds. */
    public List<Item> writebackStatItems() {
        return writebackStat;
    }

    /** {@code enum vm_event_item}, {@code NR_VM_EVENT_ITEMS} long. */
    public List<Item> vmEventItems() {
        return vmEvent;
    }

    /**
     * The index of a {@code vm_event_item} constant, e.g. {@code vmEventIndex("PGFREE")}, for code that counts
     * events into {@code vm_event_states}.
     *
     * @throws IllegalArgumentException if this config has no such event
     */
    public int vmEventIndex(String enumName) {
        for (int i = 0; i < vmEvent.size(); i++) {
            if (vmEvent.get(i).enumName().equals(enumName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no vm_event_item " + enumName + " in this config");
    }

    /** The whole {@code vmstat_text[]} in order: zone, numa, node, writeback, event names. */
    public List<String> vmstatText() {
        List<String> all = new ArrayList<>();
        for (List<Item> l : List.of(zoneStat, numaStat, nodeStat, writebackStat, vmEvent)) {
            l.forEach(i -> all.add(i.text()));
        }
        return List.copyOf(all);
    }

    private static List<Item> zoneStatItems(Set<Kconfig> on) {
        Table t = new Table(on);
        t.add("NR_FREE_PAGES", "nr_free_pages");
        t.add("NR_ZONE_INACTIVE_ANON", "nr_zone_inactive_anon");
        t.add("NR_ZONE_ACTIVE_ANON", "nr_zone_active_anon");
        t.add("NR_ZONE_INACTIVE_FILE", "nr_zone_inactive_file");
        t.add("NR_ZONE_ACTIVE_FILE", "nr_zone_active_file");
        t.add("NR_ZONE_UNEVICTABLE", "nr_zone_unevictable");
        t.add("NR_ZONE_WRITE_PENDING", "nr_zone_write_pending");
        t.add("NR_MLOCK", "nr_mlock");
        t.add("NR_BOUNCE", "nr_bounce");
        t.add(ZSMALLOC, "NR_ZSPAGES", "nr_zspages");
        t.add("NR_FREE_CMA_PAGES", "nr_free_cma");
        return t.items();
    }

    private static List<Item> numaStatItems(Set<Kconfig> on) {
        Table t = new Table(on);
        t.add(NUMA, "NUMA_HIT", "numa_hit");
        t.add(NUMA, "NUMA_MISS", "numa_miss");
        t.add(NUMA, "NUMA_FOREIGN", "numa_foreign");
        t.add(NUMA, "NUMA_INTERLEAVE_HIT", "numa_interleave");
        t.add(NUMA, "NUMA_LOCAL", "numa_local");
        t.add(NUMA, "NUMA_OTHER", "numa_other");
        return t.items();
    }

    private static List<Item> nodeStatItems(Set<Kconfig> on) {
        Table t = new Table(on);
        t.add("NR_INACTIVE_ANON", "nr_inactive_anon");
        t.add("NR_ACTIVE_ANON", "nr_active_anon");
        t.add("NR_INACTIVE_FILE", "nr_inactive_file");
        t.add("NR_ACTIVE_FILE", "nr_active_file");
        t.add("NR_UNEVICTABLE", "nr_unevictable");
        t.add("NR_SLAB_RECLAIMABLE_B", "nr_slab_reclaimable");
        t.add("NR_SLAB_UNRECLAIMABLE_B", "nr_slab_unreclaimable");
        t.add("NR_ISOLATED_ANON", "nr_isolated_anon");
        t.add("NR_ISOLATED_FILE", "nr_isolated_file");
        t.add("WORKINGSET_NODES", "workingset_nodes");
        t.add("WORKINGSET_REFAULT_ANON", "workingset_refault_anon");
        t.add("WORKINGSET_REFAULT_FILE", "workingset_refault_file");
        t.add("WORKINGSET_ACTIVATE_ANON", "workingset_activate_anon");
        t.add("WORKINGSET_ACTIVATE_FILE", "workingset_activate_file");
        t.add("WORKINGSET_RESTORE_ANON", "workingset_restore_anon");
        t.add("WORKINGSET_RESTORE_FILE", "workingset_restore_file");
        t.add("WORKINGSET_NODERECLAIM", "workingset_nodereclaim");
        t.add("NR_ANON_MAPPED", "nr_anon_pages");
        t.add("NR_FILE_MAPPED", "nr_mapped");
        t.add("NR_FILE_PAGES", "nr_file_pages");
        t.add("NR_FILE_DIRTY", "nr_dirty");
        t.add("NR_WRITEBACK", "nr_writeback");
        t.add("NR_WRITEBACK_TEMP", "nr_writeback_temp");
        t.add("NR_SHMEM", "nr_shmem");
        t.add("NR_SHMEM_THPS", "nr_shmem_hugepages");
        t.add("NR_SHMEM_PMDMAPPED", "nr_shmem_pmdmapped");
        t.add("NR_FILE_THPS", "nr_file_hugepages");
        t.add("NR_FILE_PMDMAPPED", "nr_file_pmdmapped");
        t.add("NR_ANON_THPS", "nr_anon_transparent_hugepages");
        t.add("NR_VMSCAN_WRITE", "nr_vmscan_write");
        t.add("NR_VMSCAN_IMMEDIATE", "nr_vmscan_immediate_reclaim");
        t.add("NR_DIRTIED", "nr_dirtied");
        t.add("NR_WRITTEN", "nr_written");
        t.add("NR_THROTTLED_WRITTEN", "nr_throttled_written");
        t.add("NR_KERNEL_MISC_RECLAIMABLE", "nr_kernel_misc_reclaimable");
        t.add("NR_FOLL_PIN_ACQUIRED", "nr_foll_pin_acquired");
        t.add("NR_FOLL_PIN_RELEASED", "nr_foll_pin_released");
        t.add("NR_KERNEL_STACK_KB", "nr_kernel_stack");
        t.add(SHADOW_CALL_STACK, "NR_KERNEL_SCS_KB", "nr_shadow_call_stack");
        t.add("NR_PAGETABLE", "nr_page_table_pages");
        t.add("NR_SECONDARY_PAGETABLE", "nr_sec_page_table_pages");
        t.add(SWAP, "NR_SWAPCACHE", "nr_swapcached");
        t.add(NUMA_BALANCING, "PGPROMOTE_SUCCESS", "pgpromote_success");
        t.add(NUMA_BALANCING, "PGPROMOTE_CANDIDATE", "pgpromote_candidate");
        return t.items();
    }

    private static List<Item> vmEventItems(ZoneTypes zones, Set<Kconfig> on) {
        Table t = new Table(on);
        t.add("PGPGIN", "pgpgin");
        t.add("PGPGOUT", "pgpgout");
        t.add("PSWPIN", "pswpin");
        t.add("PSWPOUT", "pswpout");
        t.forAllZones(zones, "PGALLOC", "pgalloc");
        t.forAllZones(zones, "ALLOCSTALL", "allocstall");
        t.forAllZones(zones, "PGSCAN_SKIP", "pgskip");
        t.add("PGFREE", "pgfree");
        t.add("PGACTIVATE", "pgactivate");
        t.add("PGDEACTIVATE", "pgdeactivate");
        t.add("PGLAZYFREE", "pglazyfree");
        t.add("PGFAULT", "pgfault");
        t.add("PGMAJFAULT", "pgmajfault");
        t.add("PGLAZYFREED", "pglazyfreed");
        t.add("PGREFILL", "pgrefill");
        t.add("PGREUSE", "pgreuse");
        t.add("PGSTEAL_KSWAPD", "pgsteal_kswapd");
        t.add("PGSTEAL_DIRECT", "pgsteal_direct");
        t.add("PGDEMOTE_KSWAPD", "pgdemote_kswapd");
        t.add("PGDEMOTE_DIRECT", "pgdemote_direct");
        t.add("PGSCAN_KSWAPD", "pgscan_kswapd");
        t.add("PGSCAN_DIRECT", "pgscan_direct");
        t.add("PGSCAN_DIRECT_THROTTLE", "pgscan_direct_throttle");
        t.add("PGSCAN_ANON", "pgscan_anon");
        t.add("PGSCAN_FILE", "pgscan_file");
        t.add("PGSTEAL_ANON", "pgsteal_anon");
        t.add("PGSTEAL_FILE", "pgsteal_file");
        t.add(NUMA, "PGSCAN_ZONE_RECLAIM_FAILED", "zone_reclaim_failed");
        t.add("PGINODESTEAL", "pginodesteal");
        t.add("SLABS_SCANNED", "slabs_scanned");
        t.add("KSWAPD_INODESTEAL", "kswapd_inodesteal");
        t.add("KSWAPD_LOW_WMARK_HIT_QUICKLY", "kswapd_low_wmark_hit_quickly");
        t.add("KSWAPD_HIGH_WMARK_HIT_QUICKLY", "kswapd_high_wmark_hit_quickly");
        t.add("PAGEOUTRUN", "pageoutrun");
        t.add("PGROTATED", "pgrotated");
        t.add("DROP_PAGECACHE", "drop_pagecache");
        t.add("DROP_SLAB", "drop_slab");
        t.add("OOM_KILL", "oom_kill");
        t.add(NUMA_BALANCING, "NUMA_PTE_UPDATES", "numa_pte_updates");
        t.add(NUMA_BALANCING, "NUMA_HUGE_PTE_UPDATES", "numa_huge_pte_updates");
        t.add(NUMA_BALANCING, "NUMA_HINT_FAULTS", "numa_hint_faults");
        t.add(NUMA_BALANCING, "NUMA_HINT_FAULTS_LOCAL", "numa_hint_faults_local");
        t.add(NUMA_BALANCING, "NUMA_PAGE_MIGRATE", "numa_pages_migrated");
        t.add(MIGRATION, "PGMIGRATE_SUCCESS", "pgmigrate_success");
        t.add(MIGRATION, "PGMIGRATE_FAIL", "pgmigrate_fail");
        t.add(MIGRATION, "THP_MIGRATION_SUCCESS", "thp_migration_success");
        t.add(MIGRATION, "THP_MIGRATION_FAIL", "thp_migration_fail");
        t.add(MIGRATION, "THP_MIGRATION_SPLIT", "thp_migration_split");
        t.add(COMPACTION, "COMPACTMIGRATE_SCANNED", "compact_migrate_scanned");
        t.add(COMPACTION, "COMPACTFREE_SCANNED", "compact_free_scanned");
        t.add(COMPACTION, "COMPACTISOLATED", "compact_isolated");
        t.add(COMPACTION, "COMPACTSTALL", "compact_stall");
        t.add(COMPACTION, "COMPACTFAIL", "compact_fail");
        t.add(COMPACTION, "COMPACTSUCCESS", "compact_success");
        t.add(COMPACTION, "KCOMPACTD_WAKE", "compact_daemon_wake");
        t.add(COMPACTION, "KCOMPACTD_MIGRATE_SCANNED", "compact_daemon_migrate_scanned");
        t.add(COMPACTION, "KCOMPACTD_FREE_SCANNED", "compact_daemon_free_scanned");
        t.add(HUGETLB_PAGE, "HTLB_BUDDY_PGALLOC", "htlb_buddy_alloc_success");
        t.add(HUGETLB_PAGE, "HTLB_BUDDY_PGALLOC_FAIL", "htlb_buddy_alloc_fail");
        t.add(CMA, "CMA_ALLOC_SUCCESS", "cma_alloc_success");
        t.add(CMA, "CMA_ALLOC_FAIL", "cma_alloc_fail");
        t.add("UNEVICTABLE_PGCULLED", "unevictable_pgs_culled");
        t.add("UNEVICTABLE_PGSCANNED", "unevictable_pgs_scanned");
        t.add("UNEVICTABLE_PGRESCUED", "unevictable_pgs_rescued");
        t.add("UNEVICTABLE_PGMLOCKED", "unevictable_pgs_mlocked");
        t.add("UNEVICTABLE_PGMUNLOCKED", "unevictable_pgs_munlocked");
        t.add("UNEVICTABLE_PGCLEARED", "unevictable_pgs_cleared");
        t.add("UNEVICTABLE_PGSTRANDED", "unevictable_pgs_stranded");
        t.add(TRANSPARENT_HUGEPAGE, "THP_FAULT_ALLOC", "thp_fault_alloc");
        t.add(TRANSPARENT_HUGEPAGE, "THP_FAULT_FALLBACK", "thp_fault_fallback");
        t.add(TRANSPARENT_HUGEPAGE, "THP_FAULT_FALLBACK_CHARGE", "thp_fault_fallback_charge");
        t.add(TRANSPARENT_HUGEPAGE, "THP_COLLAPSE_ALLOC", "thp_collapse_alloc");
        t.add(TRANSPARENT_HUGEPAGE, "THP_COLLAPSE_ALLOC_FAILED", "thp_collapse_alloc_failed");
        t.add(TRANSPARENT_HUGEPAGE, "THP_FILE_ALLOC", "thp_file_alloc");
        t.add(TRANSPARENT_HUGEPAGE, "THP_FILE_FALLBACK", "thp_file_fallback");
        t.add(TRANSPARENT_HUGEPAGE, "THP_FILE_FALLBACK_CHARGE", "thp_file_fallback_charge");
        t.add(TRANSPARENT_HUGEPAGE, "THP_FILE_MAPPED", "thp_file_mapped");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SPLIT_PAGE", "thp_split_page");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SPLIT_PAGE_FAILED", "thp_split_page_failed");
        t.add(TRANSPARENT_HUGEPAGE, "THP_DEFERRED_SPLIT_PAGE", "thp_deferred_split_page");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SPLIT_PMD", "thp_split_pmd");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SCAN_EXCEED_NONE_PTE", "thp_scan_exceed_none_pte");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SCAN_EXCEED_SWAP_PTE", "thp_scan_exceed_swap_pte");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SCAN_EXCEED_SHARED_PTE", "thp_scan_exceed_share_pte");
        t.add(EnumSet.of(TRANSPARENT_HUGEPAGE, HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD), "THP_SPLIT_PUD", "thp_split_pud");
        t.add(TRANSPARENT_HUGEPAGE, "THP_ZERO_PAGE_ALLOC", "thp_zero_page_alloc");
        t.add(TRANSPARENT_HUGEPAGE, "THP_ZERO_PAGE_ALLOC_FAILED", "thp_zero_page_alloc_failed");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SWPOUT", "thp_swpout");
        t.add(TRANSPARENT_HUGEPAGE, "THP_SWPOUT_FALLBACK", "thp_swpout_fallback");
        t.add(MEMORY_BALLOON, "BALLOON_INFLATE", "balloon_inflate");
        t.add(MEMORY_BALLOON, "BALLOON_DEFLATE", "balloon_deflate");
        t.add(EnumSet.of(MEMORY_BALLOON, BALLOON_COMPACTION), "BALLOON_MIGRATE", "balloon_migrate");
        t.add(DEBUG_TLBFLUSH, "NR_TLB_REMOTE_FLUSH", "nr_tlb_remote_flush");
        t.add(DEBUG_TLBFLUSH, "NR_TLB_REMOTE_FLUSH_RECEIVED", "nr_tlb_remote_flush_received");
        t.add(DEBUG_TLBFLUSH, "NR_TLB_LOCAL_FLUSH_ALL", "nr_tlb_local_flush_all");
        t.add(DEBUG_TLBFLUSH, "NR_TLB_LOCAL_FLUSH_ONE", "nr_tlb_local_flush_one");
        t.add(SWAP, "SWAP_RA", "swap_ra");
        t.add(SWAP, "SWAP_RA_HIT", "swap_ra_hit");
        t.add(EnumSet.of(SWAP, KSM), "KSM_SWPIN_COPY", "ksm_swpin_copy");
        t.add(KSM, "COW_KSM", "cow_ksm");
        t.add(ZSWAP, "ZSWPIN", "zswpin");
        t.add(ZSWAP, "ZSWPOUT", "zswpout");
        t.add(X86, "DIRECT_MAP_LEVEL2_SPLIT", "direct_map_level2_splits");
        t.add(X86, "DIRECT_MAP_LEVEL3_SPLIT", "direct_map_level3_splits");
        return t.items();
    }

    /** Collects the items whose {@code #ifdef}s hold in one config. */
    private static final class Table {
        private final Set<Kconfig> on;
        private final List<Item> items = new ArrayList<>();

        Table(Set<Kconfig> on) {
            this.on = on;
        }

        void add(String enumName, String text) {
            items.add(new Item(enumName, text));
        }

        void add(Kconfig needs, String enumName, String text) {
            if (on.contains(needs)) {
                add(enumName, text);
            }
        }

        void add(Set<Kconfig> needsAll, String enumName, String text) {
            if (on.containsAll(needsAll)) {
                add(enumName, text);
            }
        }

        /**
         * {@code FOR_ALL_ZONES(xx)} and {@code TEXTS_FOR_ZONES(xx)}: one item per configured zone, suffixed
         * _DMA/_dma, _DMA32/_dma32, _NORMAL/_normal, _HIGH/_high, _MOVABLE/_movable, _DEVICE/_device.
         */
        void forAllZones(ZoneTypes zones, String enumPrefix, String textPrefix) {
            for (int i = 0; i < zones.maxNrZones(); i++) {
                String suffix = switch (zones.name(i)) {
                    case "DMA" -> "dma";
                    case "DMA32" -> "dma32";
                    case "Normal" -> "normal";
                    case "HighMem" -> "high";
                    case "Movable" -> "movable";
                    case "Device" -> "device";
                    default -> throw new IllegalStateException("unknown zone " + zones.name(i));
                };
                add(enumPrefix + "_" + suffix.toUpperCase(java.util.Locale.ROOT), textPrefix + "_" + suffix);
            }
        }

        List<Item> items() {
            return List.copyOf(items);
        }
    }
}
