package dev.kmm.core.proc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.SequencedMap;

/**
 * One zone as {@code /proc/zoneinfo} shows it ({@code zoneinfo_show_print()}, mm/vmstat.c). Page counts are
 * unsigned. An unpopulated zone carries only the lines up to {@code protection}: its stat maps and pagesets
 * are empty.
 *
 * @param nodeId            {@code pgdat->node_id}
 * @param zoneName          {@code zone->name}
 * @param nodeStats         the node's counters by {@code vmstat_text} name, printed with the node's first
 *                          populated zone; empty for every other zone
 * @param pagesFree         {@code zone_page_state(zone, NR_FREE_PAGES)}
 * @param boost             {@code watermark_boost}
 * @param min               {@code min_wmark_pages()} (watermark plus boost)
 * @param low               {@code low_wmark_pages()}
 * @param high              {@code high_wmark_pages()}
 * @param spanned           {@code spanned_pages}
 * @param present           {@code present_pages}
 * @param managed           {@code zone_managed_pages()}
 * @param cma               {@code zone_cma_pages()}: the zone's {@code cma_pages}, the pages of the CMA areas
 *                          activated in it; 0 without CONFIG_CMA
 * @param protection        {@code lowmem_reserve[]}, one entry per zone type (signed)
 * @param zoneStats         the zone's counters by name; empty when unpopulated
 * @param numaStats         the zone's NUMA events by name (CONFIG_NUMA); empty when unpopulated
 * @param pagesets          one entry per online CPU; empty when unpopulated
 * @param nodeUnreclaimable {@code pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES}
 * @param startPfn          {@code zone_start_pfn}
 */
public record ZoneInfo(int nodeId, String zoneName, SequencedMap<String, Long> nodeStats, long pagesFree, long boost,
                       long min, long low, long high, long spanned, long present, long managed, long cma,
                       List<Long> protection, SequencedMap<String, Long> zoneStats, SequencedMap<String, Long> numaStats,
                       List<Pageset> pagesets, boolean nodeUnreclaimable, long startPfn) {

    /**
     * One CPU's pageset of the zone.
     *
     * @param cpu           the CPU id
     * @param count         {@code pcp->count}: pages on its lists
     * @param high          {@code pcp->high}
     * @param batch         {@code pcp->batch}
     * @param statThreshold the CPU's {@code per_cpu_zonestats->stat_threshold}
     */
    public record Pageset(int cpu, int count, int high, int batch, int statThreshold) {
    }

    public ZoneInfo {
        Objects.requireNonNull(zoneName, "zoneName");
        nodeStats = copy(nodeStats);
        protection = List.copyOf(protection);
        zoneStats = copy(zoneStats);
        numaStats = copy(numaStats);
        pagesets = List.copyOf(pagesets);
    }

    /** {@code populated_zone()}: the zone has present pages. */
    public boolean populated() {
        return present != 0;
    }

    static SequencedMap<String, Long> copy(SequencedMap<String, Long> map) {
        return Collections.unmodifiableSequencedMap(new LinkedHashMap<>(map));
    }
}
