package dev.kmm.stress.run;

import dev.kmm.stress.report.AllocStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one worker counted: the allocator calls every report has ({@link AllocStats}), and what only some workloads
 * count (bulk bursts, nodes, watermarks, the workload's own counters). Only the worker's thread writes it: its own
 * allocator calls, and the tracepoint probes, which run on the allocating thread inside its CPU. Merged after the run.
 */
final class RunStats extends AllocStats {
    final int nrNodes;

    long bursts;
    long bulkAsked;
    long bulkGot;
    long shortBursts;
    long emptyBursts;
    long lockedBursts;

    /** Single allocations by [preferred node][node of the page]; failures in column nrNodes. */
    final long[][] nodeMatrix;
    /** Pages on the allocating CPU's node, and on another. */
    long pageLocal;
    long pageRemote;

    /**
     * Per zone (in {@code Kernel.zones()} order): the fewest free pages seen, steps below low and below min (plus
     * the boost), the largest {@code watermark_boost} seen.
     */
    long[] lowestFree;
    long[] belowLow;
    long[] belowMin;
    long[] maxBoost;

    /** Workload-specific counts, in the order the workload reports them. */
    final Map<String, Long> counters = new LinkedHashMap<>();

    RunStats(int maxOrder, int migrateTypes, int nrNodes) {
        super(maxOrder, migrateTypes);
        this.nrNodes = nrNodes;
        this.nodeMatrix = new long[nrNodes][nrNodes + 1];
    }

    void count(String name, long delta) {
        counters.merge(name, delta, Long::sum);
    }

    /** Adds {@code o}'s counts to this one's. */
    void add(RunStats o) {
        super.add(o);
        bursts += o.bursts;
        bulkAsked += o.bulkAsked;
        bulkGot += o.bulkGot;
        shortBursts += o.shortBursts;
        emptyBursts += o.emptyBursts;
        lockedBursts += o.lockedBursts;
        addAll(nodeMatrix, o.nodeMatrix);
        pageLocal += o.pageLocal;
        pageRemote += o.pageRemote;
        if (o.lowestFree != null) {
            if (lowestFree == null) {
                lowestFree = o.lowestFree.clone();
                belowLow = new long[o.belowLow.length];
                belowMin = new long[o.belowMin.length];
                maxBoost = new long[o.maxBoost.length];
            }
            for (int z = 0; z < lowestFree.length; z++) {
                lowestFree[z] = Math.min(lowestFree[z], o.lowestFree[z]);
                belowLow[z] += o.belowLow[z];
                belowMin[z] += o.belowMin[z];
                maxBoost[z] = Math.max(maxBoost[z], o.maxBoost[z]);
            }
        }
        o.counters.forEach(this::count);
    }
}
