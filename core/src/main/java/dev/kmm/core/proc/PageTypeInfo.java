package dev.kmm.core.proc;

import java.util.List;
import java.util.Objects;

/**
 * One node's part of {@code /proc/pagetypeinfo} ({@code pagetypeinfo_show()}, mm/vmstat.c): free blocks per
 * migrate type and order, and pageblocks per migrate type, for each populated zone.
 *
 * @param nodeId         {@code pgdat->node_id}
 * @param pageblockOrder {@code pageblock_order}
 * @param maxOrder       {@code MAX_ORDER}: the orders of the free-list table
 * @param migratetypes   {@code migratetype_names[]}
 * @param free           one row per (populated zone, migrate type)
 * @param blocks         one row per populated zone
 */
public record PageTypeInfo(int nodeId, int pageblockOrder, int maxOrder, List<String> migratetypes, List<FreeCounts> free,
                           List<BlockCounts> blocks) {

    /**
     * {@code pagetypeinfo_showfree_print()} counts list entries up to this many and prints a larger list
     * as {@code >100000}: the walk runs under the zone lock.
     */
    public static final long FREECOUNT_CAP = 100_000;

    /**
     * The free blocks on one zone's free lists of one migrate type.
     *
     * @param zoneName    {@code zone->name}
     * @param migratetype the type's name
     * @param counts      per order, the list length capped at {@link #FREECOUNT_CAP}
     */
    public record FreeCounts(String zoneName, String migratetype, List<Long> counts) {
        public FreeCounts {
            Objects.requireNonNull(zoneName, "zoneName");
            Objects.requireNonNull(migratetype, "migratetype");
            counts = List.copyOf(counts);
        }
    }

    /**
     * The pageblocks of one zone per migrate type.
     *
     * @param zoneName {@code zone->name}
     * @param counts   per migrate type
     */
    public record BlockCounts(String zoneName, List<Long> counts) {
        public BlockCounts {
            Objects.requireNonNull(zoneName, "zoneName");
            counts = List.copyOf(counts);
        }
    }

    public PageTypeInfo {
        migratetypes = List.copyOf(migratetypes);
        free = List.copyOf(free);
        blocks = List.copyOf(blocks);
        for (FreeCounts f : free) {
            if (f.counts().size() != maxOrder) {
                throw new IllegalArgumentException("free counts of " + f.zoneName() + "/" + f.migratetype() + " have "
                        + f.counts().size() + " orders, not " + maxOrder);
            }
        }
        for (BlockCounts b : blocks) {
            if (b.counts().size() != migratetypes.size()) {
                throw new IllegalArgumentException("block counts of " + b.zoneName() + " have " + b.counts().size()
                        + " types, not " + migratetypes.size());
            }
        }
    }

    /** {@code pageblock_nr_pages}. */
    public long pagesPerBlock() {
        return 1L << pageblockOrder;
    }
}
