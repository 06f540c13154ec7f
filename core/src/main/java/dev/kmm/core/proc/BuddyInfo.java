package dev.kmm.core.proc;

import java.util.List;
import java.util.Objects;

/**
 * One populated zone's row of {@code /proc/buddyinfo} ({@code frag_show_print()}, mm/vmstat.c).
 *
 * @param nodeId   {@code pgdat->node_id}
 * @param zoneName {@code zone->name}
 * @param nrFree   {@code free_area[order].nr_free} for each order: free blocks, not pages
 */
public record BuddyInfo(int nodeId, String zoneName, List<Long> nrFree) {
    public BuddyInfo {
        Objects.requireNonNull(zoneName, "zoneName");
        nrFree = List.copyOf(nrFree);
    }
}
