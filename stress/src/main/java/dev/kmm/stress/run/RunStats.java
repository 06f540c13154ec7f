package dev.kmm.stress.run;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one worker counted. Only the worker's thread writes it: its own allocator calls, and the tracepoint
 * probes, which run on the allocating thread inside its CPU ({@link KmemCounters}). Merged after the run.
 */
final class RunStats {
    static final int MAX_MASKS = 32;

    final int maxOrder;
    final int migrateTypes;
    final int nrNodes;
    private final int[] masks = new int[MAX_MASKS];
    private int nrMasks;
    /** [mask index][order]. */
    final long[][] attempts;
    final long[][] failures;

    long steps;
    long ops;
    long allocs;
    long pagesAllocated;
    long frees;
    long pagesFreed;
    long remoteFrees;

    /** Successful allocations of order <= PAGE_ALLOC_COSTLY_ORDER, and those that took no zone->lock. */
    long pcpEligible;
    long pcpHits;
    /** Set by a {@code mm_page_alloc_zone_locked} event; the worker clears it before each call. */
    boolean zoneLocked;
    long zoneLockedRefill;
    long zoneLockedDirect;

    long fallbacks;
    long steals;
    /** [alloc migratetype][fallback migratetype]. */
    final long[][] fallbackTypes;
    final long[][] stealTypes;

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
        this.maxOrder = maxOrder;
        this.migrateTypes = migrateTypes;
        this.nrNodes = nrNodes;
        this.attempts = new long[MAX_MASKS][maxOrder];
        this.failures = new long[MAX_MASKS][maxOrder];
        this.fallbackTypes = new long[migrateTypes][migrateTypes];
        this.stealTypes = new long[migrateTypes][migrateTypes];
        this.nodeMatrix = new long[nrNodes][nrNodes + 1];
    }

    /** The index of {@code gfp} in this worker's mask table, registered on first use (outside the op loop). */
    int mask(int gfp) {
        for (int i = 0; i < nrMasks; i++) {
            if (masks[i] == gfp) {
                return i;
            }
        }
        if (nrMasks == MAX_MASKS) {
            throw new IllegalStateException("more than " + MAX_MASKS + " GFP masks in one workload");
        }
        masks[nrMasks] = gfp;
        return nrMasks++;
    }

    int nrMasks() {
        return nrMasks;
    }

    int maskAt(int i) {
        return masks[i];
    }

    void count(String name, long delta) {
        counters.merge(name, delta, Long::sum);
    }

    /** Adds {@code o}'s counts to this one's. */
    void add(RunStats o) {
        for (int i = 0; i < o.nrMasks; i++) {
            int m = mask(o.masks[i]);
            for (int order = 0; order < maxOrder; order++) {
                attempts[m][order] += o.attempts[i][order];
                failures[m][order] += o.failures[i][order];
            }
        }
        steps += o.steps;
        ops += o.ops;
        allocs += o.allocs;
        pagesAllocated += o.pagesAllocated;
        frees += o.frees;
        pagesFreed += o.pagesFreed;
        remoteFrees += o.remoteFrees;
        pcpEligible += o.pcpEligible;
        pcpHits += o.pcpHits;
        zoneLockedRefill += o.zoneLockedRefill;
        zoneLockedDirect += o.zoneLockedDirect;
        fallbacks += o.fallbacks;
        steals += o.steals;
        addAll(fallbackTypes, o.fallbackTypes);
        addAll(stealTypes, o.stealTypes);
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

    private static void addAll(long[][] into, long[][] from) {
        for (int i = 0; i < into.length; i++) {
            for (int j = 0; j < into[i].length; j++) {
                into[i][j] += from[i][j];
            }
        }
    }

    long totalFailures() {
        return Arrays.stream(failures).flatMapToLong(Arrays::stream).sum();
    }
}
