package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelConstants.ASYNC_AND_SYNC;
import static dev.kmm.arena.layout.KernelConstants.NR_WMARK;
import static dev.kmm.arena.layout.KernelTypes.ATOMIC_LONG_T;
import static dev.kmm.arena.layout.KernelTypes.BYTE;
import static dev.kmm.arena.layout.KernelTypes.INT;
import static dev.kmm.arena.layout.KernelTypes.LONG;
import static dev.kmm.arena.layout.KernelTypes.POINTER;
import static dev.kmm.arena.layout.KernelTypes.SEQLOCK_T;
import static dev.kmm.arena.layout.KernelTypes.SPINLOCK_T;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct zone} of Linux 6.1 (include/linux/mmzone.h) with the reference config's members (NUMA,
 * MEMORY_ISOLATION, MEMORY_HOTPLUG, COMPACTION), plus {@code cma_pages} under CONFIG_CMA. Three
 * {@code CACHELINE_PADDING}s split it into read-mostly fields, the page allocator's free areas and lock, the
 * compaction fields, and the counters, so the hot lock and the counters never share a line; the struct is
 * internode-cacheline aligned. 1536 bytes in the reference kernel.
 */
public final class ZoneLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct zone)}: the stride of {@code pglist_data.node_zones[]}. */
    public final long size;
    /** The layout of each {@code free_area[]} element. */
    public final FreeAreaLayout freeAreaLayout;
    /** Number of buddy orders ({@code MAX_ORDER}). */
    public final int maxOrder;
    /** Number of zone types ({@code MAX_NR_ZONES}). */
    public final int maxNrZones;
    /** Number of zone vmstat items. */
    public final int nrVmZoneStatItems;

    /** Offset of {@code _watermark[NR_WMARK]}. */
    public final long watermark;
    /** Offset of {@code watermark_boost}. */
    public final long watermarkBoost;
    /** Offset of {@code nr_reserved_highatomic}. */
    public final long nrReservedHighatomic;
    /** Offset of {@code lowmem_reserve[MAX_NR_ZONES]}. */
    public final long lowmemReserve;
    /** Offset of {@code node}: the node id. */
    public final long node;
    /** Offset of {@code zone_pgdat}: address of the owning pglist_data. */
    public final long zonePgdat;
    /** Offset of {@code per_cpu_pageset}: percpu address of the per_cpu_pages. */
    public final long perCpuPageset;
    /** Offset of {@code per_cpu_zonestats}: percpu address of the per_cpu_zonestat. */
    public final long perCpuZonestats;
    /** Offset of {@code pageset_high}. */
    public final long pagesetHigh;
    /** Offset of {@code pageset_batch}. */
    public final long pagesetBatch;
    /** Offset of {@code zone_start_pfn}. */
    public final long zoneStartPfn;
    /** Offset of {@code managed_pages} (atomic_long_t). */
    public final long managedPages;
    /** Offset of {@code spanned_pages}. */
    public final long spannedPages;
    /** Offset of {@code present_pages}. */
    public final long presentPages;
    /** Offset of {@code present_early_pages}. */
    public final long presentEarlyPages;
    /** Offset of {@code cma_pages}, or -1 without CONFIG_CMA (the reference config has none). */
    public final long cmaPages;
    /** Offset of {@code name}: address of the zone's name string. */
    public final long name;
    /** Offset of {@code nr_isolate_pageblock}. */
    public final long nrIsolatePageblock;
    /** Offset of {@code span_seqlock} (seqlock_t). */
    public final long spanSeqlock;
    /** Offset of {@code initialized}. */
    public final long initialized;
    /** Offset of {@code free_area[MAX_ORDER]}: starts a cache line. */
    public final long freeArea;
    /** Offset of {@code flags} (enum zone_flags bits). */
    public final long flags;
    /** Offset of {@code lock}: the zone spinlock. */
    public final long lock;
    /** Offset of {@code percpu_drift_mark}: starts a cache line. */
    public final long percpuDriftMark;
    /** Offset of {@code compact_cached_free_pfn}. */
    public final long compactCachedFreePfn;
    /** Offset of {@code compact_cached_migrate_pfn[ASYNC_AND_SYNC]}. */
    public final long compactCachedMigratePfn;
    /** Offset of {@code compact_init_migrate_pfn}. */
    public final long compactInitMigratePfn;
    /** Offset of {@code compact_init_free_pfn}. */
    public final long compactInitFreePfn;
    /** Offset of {@code compact_considered}. */
    public final long compactConsidered;
    /** Offset of {@code compact_defer_shift}. */
    public final long compactDeferShift;
    /** Offset of {@code compact_order_failed}. */
    public final long compactOrderFailed;
    /** Offset of {@code compact_blockskip_flush} (bool). */
    public final long compactBlockskipFlush;
    /** Offset of {@code contiguous} (bool). */
    public final long contiguous;
    /** Offset of {@code vm_stat[NR_VM_ZONE_STAT_ITEMS]} (atomic_long_t each): starts a cache line. */
    public final long vmStat;
    /** Offset of {@code vm_numa_event[NR_VM_NUMA_EVENT_ITEMS]} (atomic_long_t each). */
    public final long vmNumaEvent;

    private ZoneLayout(LayoutConfig config) {
        freeAreaLayout = FreeAreaLayout.of(config);
        maxOrder = config.maxOrder();
        maxNrZones = config.maxNrZones();
        nrVmZoneStatItems = config.nrVmZoneStatItems();
        CStruct zone = CStruct.struct("zone")
                .field("_watermark", CStruct.array(LONG, NR_WMARK))
                .field("watermark_boost", LONG)
                .field("nr_reserved_highatomic", LONG)
                .field("lowmem_reserve", CStruct.array(LONG, maxNrZones))
                .field("node", INT)
                .field("zone_pgdat", POINTER)
                .field("per_cpu_pageset", POINTER)
                .field("per_cpu_zonestats", POINTER)
                .field("pageset_high", INT)
                .field("pageset_batch", INT)
                .field("zone_start_pfn", LONG)
                .field("managed_pages", ATOMIC_LONG_T)
                .field("spanned_pages", LONG)
                .field("present_pages", LONG)
                .field("present_early_pages", LONG);
        if (config.cma()) {
            zone.field("cma_pages", LONG);
        }
        layout = zone.field("name", POINTER)
                .field("nr_isolate_pageblock", LONG)
                .field("span_seqlock", SEQLOCK_T)
                .field("initialized", INT)
                .cachelinePadding("_pad1_")
                .field("free_area", CStruct.array(freeAreaLayout.layout, maxOrder))
                .field("flags", LONG)
                .field("lock", SPINLOCK_T)
                .cachelinePadding("_pad2_")
                .field("percpu_drift_mark", LONG)
                .field("compact_cached_free_pfn", LONG)
                .field("compact_cached_migrate_pfn", CStruct.array(LONG, ASYNC_AND_SYNC))
                .field("compact_init_migrate_pfn", LONG)
                .field("compact_init_free_pfn", LONG)
                .field("compact_considered", INT)
                .field("compact_defer_shift", INT)
                .field("compact_order_failed", INT)
                .field("compact_blockskip_flush", BYTE)
                .field("contiguous", BYTE)
                .cachelinePadding("_pad3_")
                .field("vm_stat", CStruct.array(ATOMIC_LONG_T, nrVmZoneStatItems))
                .field("vm_numa_event", CStruct.array(ATOMIC_LONG_T, config.nrVmNumaEventItems()))
                .aligned(KernelConstants.INTERNODE_CACHE_BYTES)
                .build();
        size = layout.byteSize();
        watermark = CStruct.offsetOf(layout, "_watermark");
        watermarkBoost = CStruct.offsetOf(layout, "watermark_boost");
        nrReservedHighatomic = CStruct.offsetOf(layout, "nr_reserved_highatomic");
        lowmemReserve = CStruct.offsetOf(layout, "lowmem_reserve");
        node = CStruct.offsetOf(layout, "node");
        zonePgdat = CStruct.offsetOf(layout, "zone_pgdat");
        perCpuPageset = CStruct.offsetOf(layout, "per_cpu_pageset");
        perCpuZonestats = CStruct.offsetOf(layout, "per_cpu_zonestats");
        pagesetHigh = CStruct.offsetOf(layout, "pageset_high");
        pagesetBatch = CStruct.offsetOf(layout, "pageset_batch");
        zoneStartPfn = CStruct.offsetOf(layout, "zone_start_pfn");
        managedPages = CStruct.offsetOf(layout, "managed_pages");
        spannedPages = CStruct.offsetOf(layout, "spanned_pages");
        presentPages = CStruct.offsetOf(layout, "present_pages");
        presentEarlyPages = CStruct.offsetOf(layout, "present_early_pages");
        cmaPages = config.cma() ? CStruct.offsetOf(layout, "cma_pages") : -1;
        name = CStruct.offsetOf(layout, "name");
        nrIsolatePageblock = CStruct.offsetOf(layout, "nr_isolate_pageblock");
        spanSeqlock = CStruct.offsetOf(layout, "span_seqlock");
        initialized = CStruct.offsetOf(layout, "initialized");
        freeArea = CStruct.offsetOf(layout, "free_area");
        flags = CStruct.offsetOf(layout, "flags");
        lock = CStruct.offsetOf(layout, "lock");
        percpuDriftMark = CStruct.offsetOf(layout, "percpu_drift_mark");
        compactCachedFreePfn = CStruct.offsetOf(layout, "compact_cached_free_pfn");
        compactCachedMigratePfn = CStruct.offsetOf(layout, "compact_cached_migrate_pfn");
        compactInitMigratePfn = CStruct.offsetOf(layout, "compact_init_migrate_pfn");
        compactInitFreePfn = CStruct.offsetOf(layout, "compact_init_free_pfn");
        compactConsidered = CStruct.offsetOf(layout, "compact_considered");
        compactDeferShift = CStruct.offsetOf(layout, "compact_defer_shift");
        compactOrderFailed = CStruct.offsetOf(layout, "compact_order_failed");
        compactBlockskipFlush = CStruct.offsetOf(layout, "compact_blockskip_flush");
        contiguous = CStruct.offsetOf(layout, "contiguous");
        vmStat = CStruct.offsetOf(layout, "vm_stat");
        vmNumaEvent = CStruct.offsetOf(layout, "vm_numa_event");
    }

    /** The zone layout of {@code config}. */
    public static ZoneLayout of(LayoutConfig config) {
        return new ZoneLayout(Objects.requireNonNull(config, "config"));
    }

    /** Offset of {@code _watermark[wmark]} (see {@link KernelConstants#WMARK_MIN} and following). */
    public long watermarkOffset(int wmark) {
        return watermark + Objects.checkIndex(wmark, NR_WMARK) * Long.BYTES;
    }

    /** Offset of {@code lowmem_reserve[zoneIdx]}. */
    public long lowmemReserveOffset(int zoneIdx) {
        return lowmemReserve + Objects.checkIndex(zoneIdx, maxNrZones) * Long.BYTES;
    }

    /** Offset of {@code free_area[order]}. */
    public long freeAreaOffset(int order) {
        return freeArea + Objects.checkIndex(order, maxOrder) * freeAreaLayout.size;
    }

    /** Offset of {@code free_area[order].free_list[migratetype]}. */
    public long freeListOffset(int order, int migratetype) {
        return freeAreaOffset(order) + freeAreaLayout.freeListOffset(migratetype);
    }

    /** Offset of {@code free_area[order].nr_free}. */
    public long nrFreeOffset(int order) {
        return freeAreaOffset(order) + freeAreaLayout.nrFree;
    }

    /** Offset of {@code vm_stat[item]} (enum zone_stat_item). */
    public long vmStatOffset(int item) {
        return vmStat + Objects.checkIndex(item, nrVmZoneStatItems) * Long.BYTES;
    }
}
