package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelConstants.ANON_AND_FILE;
import static dev.kmm.arena.layout.KernelConstants.MAX_NR_GENS;
import static dev.kmm.arena.layout.KernelConstants.MAX_ZONELISTS;
import static dev.kmm.arena.layout.KernelConstants.NR_MM_STATS;
import static dev.kmm.arena.layout.KernelConstants.NR_VMSCAN_THROTTLE;
import static dev.kmm.arena.layout.KernelTypes.ATOMIC_LONG_T;
import static dev.kmm.arena.layout.KernelTypes.ATOMIC_T;
import static dev.kmm.arena.layout.KernelTypes.BYTE;
import static dev.kmm.arena.layout.KernelTypes.INT;
import static dev.kmm.arena.layout.KernelTypes.LONG;
import static dev.kmm.arena.layout.KernelTypes.MUTEX;
import static dev.kmm.arena.layout.KernelTypes.POINTER;
import static dev.kmm.arena.layout.KernelTypes.SPINLOCK_T;
import static dev.kmm.arena.layout.KernelTypes.WAIT_QUEUE_HEAD_T;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct pglist_data} ({@code pg_data_t}) of Linux 6.1 (include/linux/mmzone.h): one NUMA node, with
 * its zones, zonelists, kswapd/kcompactd state, node lruvec and node counters. Members follow the reference
 * config (MEMORY_HOTPLUG, COMPACTION, NUMA, DEFERRED_STRUCT_PAGE_INIT, TRANSPARENT_HUGEPAGE, NUMA_BALANCING,
 * LRU_GEN, MEMCG). Kernel objects kmm does not run (task_struct, wait queues, the mutex) are kept as words
 * and structs of their exact size. 174208 bytes in the reference kernel, most of it the two zonelists.
 */
public final class PglistDataLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct pglist_data)}. */
    public final long size;
    /** The layout of each {@code node_zones[]} element. */
    public final ZoneLayout zoneLayout;
    /** The layout of each {@code node_zonelists[]} element. */
    public final ZonelistLayout zonelistLayout;
    /** The layout of {@code __lruvec}. */
    public final LruvecLayout lruvecLayout;
    /** Number of node vmstat items. */
    public final int nrVmNodeStatItems;

    /** Offset of {@code node_zones[MAX_NR_ZONES]}. */
    public final long nodeZones;
    /** Offset of {@code node_zonelists[MAX_ZONELISTS]}. */
    public final long nodeZonelists;
    /** Offset of {@code nr_zones}: index of the highest populated zone plus one. */
    public final long nrZones;
    /** Offset of {@code node_size_lock} (spinlock_t): guards the node span during hotplug. */
    public final long nodeSizeLock;
    /** Offset of {@code node_start_pfn}. */
    public final long nodeStartPfn;
    /** Offset of {@code node_present_pages}. */
    public final long nodePresentPages;
    /** Offset of {@code node_spanned_pages}. */
    public final long nodeSpannedPages;
    /** Offset of {@code node_id}. */
    public final long nodeId;
    /** Offset of {@code kswapd_wait} (wait_queue_head_t). */
    public final long kswapdWait;
    /** Offset of {@code pfmemalloc_wait} (wait_queue_head_t). */
    public final long pfmemallocWait;
    /** Offset of {@code kswapd}: task_struct address, a plain word in kmm. */
    public final long kswapd;
    /** Offset of {@code kswapd_order}. */
    public final long kswapdOrder;
    /** Offset of {@code kswapd_highest_zoneidx} (enum zone_type). */
    public final long kswapdHighestZoneidx;
    /** Offset of {@code kswapd_failures}. */
    public final long kswapdFailures;
    /** Offset of {@code kcompactd_max_order}. */
    public final long kcompactdMaxOrder;
    /** Offset of {@code kcompactd_highest_zoneidx} (enum zone_type). */
    public final long kcompactdHighestZoneidx;
    /** Offset of {@code kcompactd_wait} (wait_queue_head_t). */
    public final long kcompactdWait;
    /** Offset of {@code kcompactd}: task_struct address, a plain word in kmm. */
    public final long kcompactd;
    /** Offset of {@code totalreserve_pages}. */
    public final long totalreservePages;
    /** Offset of {@code min_unmapped_pages}. */
    public final long minUnmappedPages;
    /** Offset of {@code min_slab_pages}. */
    public final long minSlabPages;
    /** Offset of {@code first_deferred_pfn}: starts a cache line. */
    public final long firstDeferredPfn;
    /** Offset of {@code __lruvec}: the node's lruvec (without memcg). */
    public final long lruvec;
    /** Offset of {@code flags} (enum pgdat_flags bits). */
    public final long flags;
    /** Offset of {@code per_cpu_nodestats}: percpu address of the per_cpu_nodestat; starts a cache line. */
    public final long perCpuNodestats;
    /** Offset of {@code vm_stat[NR_VM_NODE_STAT_ITEMS]} (atomic_long_t each). */
    public final long vmStat;

    private PglistDataLayout(LayoutConfig config) {
        zoneLayout = ZoneLayout.of(config);
        zonelistLayout = ZonelistLayout.of(config);
        lruvecLayout = LruvecLayout.of(config);
        nrVmNodeStatItems = config.nrVmNodeStatItems();
        StructLayout deferredSplit = CStruct.struct("deferred_split")
                .field("split_queue_lock", SPINLOCK_T)
                .field("split_queue", ListHeadLayout.LAYOUT)
                .field("split_queue_len", LONG)
                .build();
        StructLayout lruGenMmWalk = CStruct.struct("lru_gen_mm_walk")
                .field("lruvec", POINTER)
                .field("max_seq", LONG)
                .field("next_addr", LONG)
                .field("nr_pages", CStruct.array(INT, MAX_NR_GENS, ANON_AND_FILE, config.maxNrZones()))
                .field("mm_stats", CStruct.array(INT, NR_MM_STATS))
                .field("batched", INT)
                .field("can_swap", BYTE)
                .field("force_scan", BYTE)
                .build();
        layout = CStruct.struct("pglist_data")
                .field("node_zones", CStruct.array(zoneLayout.layout, config.maxNrZones()))
                .field("node_zonelists", CStruct.array(zonelistLayout.layout, MAX_ZONELISTS))
                .field("nr_zones", INT)
                .field("node_size_lock", SPINLOCK_T)
                .field("node_start_pfn", LONG)
                .field("node_present_pages", LONG)
                .field("node_spanned_pages", LONG)
                .field("node_id", INT)
                .field("kswapd_wait", WAIT_QUEUE_HEAD_T)
                .field("pfmemalloc_wait", WAIT_QUEUE_HEAD_T)
                .field("reclaim_wait", CStruct.array(WAIT_QUEUE_HEAD_T, NR_VMSCAN_THROTTLE))
                .field("nr_writeback_throttled", ATOMIC_T)
                .field("nr_reclaim_start", LONG)
                .field("kswapd_lock", MUTEX)
                .field("kswapd", POINTER)
                .field("kswapd_order", INT)
                .field("kswapd_highest_zoneidx", INT)
                .field("kswapd_failures", INT)
                .field("kcompactd_max_order", INT)
                .field("kcompactd_highest_zoneidx", INT)
                .field("kcompactd_wait", WAIT_QUEUE_HEAD_T)
                .field("kcompactd", POINTER)
                .field("proactive_compact_trigger", BYTE)
                .field("totalreserve_pages", LONG)
                .field("min_unmapped_pages", LONG)
                .field("min_slab_pages", LONG)
                .cachelinePadding("_pad1_")
                .field("first_deferred_pfn", LONG)
                .field("deferred_split_queue", deferredSplit)
                .field("nbp_rl_start", INT)
                .field("nbp_rl_nr_cand", LONG)
                .field("nbp_threshold", INT)
                .field("nbp_th_start", INT)
                .field("nbp_th_nr_cand", LONG)
                .field("__lruvec", lruvecLayout.layout)
                .field("flags", LONG)
                .field("mm_walk", lruGenMmWalk)
                .cachelinePadding("_pad2_")
                .field("per_cpu_nodestats", POINTER)
                .field("vm_stat", CStruct.array(ATOMIC_LONG_T, nrVmNodeStatItems))
                .field("memtier", POINTER)
                .build();
        size = layout.byteSize();
        nodeZones = CStruct.offsetOf(layout, "node_zones");
        nodeZonelists = CStruct.offsetOf(layout, "node_zonelists");
        nrZones = CStruct.offsetOf(layout, "nr_zones");
        nodeSizeLock = CStruct.offsetOf(layout, "node_size_lock");
        nodeStartPfn = CStruct.offsetOf(layout, "node_start_pfn");
        nodePresentPages = CStruct.offsetOf(layout, "node_present_pages");
        nodeSpannedPages = CStruct.offsetOf(layout, "node_spanned_pages");
        nodeId = CStruct.offsetOf(layout, "node_id");
        kswapdWait = CStruct.offsetOf(layout, "kswapd_wait");
        pfmemallocWait = CStruct.offsetOf(layout, "pfmemalloc_wait");
        kswapd = CStruct.offsetOf(layout, "kswapd");
        kswapdOrder = CStruct.offsetOf(layout, "kswapd_order");
        kswapdHighestZoneidx = CStruct.offsetOf(layout, "kswapd_highest_zoneidx");
        kswapdFailures = CStruct.offsetOf(layout, "kswapd_failures");
        kcompactdMaxOrder = CStruct.offsetOf(layout, "kcompactd_max_order");
        kcompactdHighestZoneidx = CStruct.offsetOf(layout, "kcompactd_highest_zoneidx");
        kcompactdWait = CStruct.offsetOf(layout, "kcompactd_wait");
        kcompactd = CStruct.offsetOf(layout, "kcompactd");
        totalreservePages = CStruct.offsetOf(layout, "totalreserve_pages");
        minUnmappedPages = CStruct.offsetOf(layout, "min_unmapped_pages");
        minSlabPages = CStruct.offsetOf(layout, "min_slab_pages");
        firstDeferredPfn = CStruct.offsetOf(layout, "first_deferred_pfn");
        lruvec = CStruct.offsetOf(layout, "__lruvec");
        flags = CStruct.offsetOf(layout, "flags");
        perCpuNodestats = CStruct.offsetOf(layout, "per_cpu_nodestats");
        vmStat = CStruct.offsetOf(layout, "vm_stat");
    }

    /** The pglist_data layout of {@code config}. */
    public static PglistDataLayout of(LayoutConfig config) {
        return new PglistDataLayout(Objects.requireNonNull(config, "config"));
    }

    /** Offset of {@code node_zones[zoneIdx]}. */
    public long nodeZoneOffset(int zoneIdx) {
        return nodeZones + Objects.checkIndex(zoneIdx, zoneLayout.maxNrZones) * zoneLayout.size;
    }

    /** Offset of {@code node_zonelists[i]} ({@link KernelConstants#ZONELIST_FALLBACK} or NOFALLBACK). */
    public long nodeZonelistOffset(int i) {
        return nodeZonelists + Objects.checkIndex(i, MAX_ZONELISTS) * zonelistLayout.size;
    }

    /** Offset of {@code vm_stat[item]} (enum node_stat_item). */
    public long vmStatOffset(int item) {
        return vmStat + Objects.checkIndex(item, nrVmNodeStatItems) * Long.BYTES;
    }
}
