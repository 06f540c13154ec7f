package dev.kmm.core.proc;

import java.util.List;
import java.util.Objects;

/**
 * One populated zone's rows of debugfs {@code extfrag/unusable_index} and {@code extfrag/extfrag_index}
 * (mm/vmstat.c): per order, the index in thousandths, as the kernel computes it before printing.
 *
 * @param nodeId             {@code pgdat->node_id}
 * @param zoneName           {@code zone->name}
 * @param unusableIndex      {@code unusable_free_index(order)}: 0 (all free memory usable for the order) to 1000
 *                           (none is, or nothing is free)
 * @param fragmentationIndex {@code __fragmentation_index(order)}: -1000 where an allocation of the order would
 *                           succeed; else towards 0 for a lack of memory, towards 1000 for fragmentation
 */
public record ExtfragInfo(int nodeId, String zoneName, List<Integer> unusableIndex, List<Integer> fragmentationIndex) {
    public ExtfragInfo {
        Objects.requireNonNull(zoneName, "zoneName");
        unusableIndex = List.copyOf(unusableIndex);
        fragmentationIndex = List.copyOf(fragmentationIndex);
        if (unusableIndex.size() != fragmentationIndex.size()) {
            throw new IllegalArgumentException("one index of each kind per order");
        }
    }
}
