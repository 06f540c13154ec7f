package dev.kmm.stress.report;

import java.util.Arrays;

/**
 * The allocator calls of a run's worker or of a replay, and what the tracepoints said of them: attempts and failures
 * by GFP mask and order, pages allocated and freed, pcp hits, fallbacks and steals. One thread writes it: the one
 * making the calls, on whose CPU the tracepoint probes ({@link KmemCounters}) run too, so nothing is atomic. Merged
 * with {@link #add} when the work is done; {@link Observation#report} turns the sum into the report's sections.
 */
public class AllocStats {
    /** Orders the per-CPU lists serve: up to {@code PAGE_ALLOC_COSTLY_ORDER}. */
    public static final int PCP_MAX_ORDER = 3;
    private static final int INITIAL_MASKS = 16;

    final int maxOrder;
    final int migrateTypes;
    private int[] masks = new int[INITIAL_MASKS];
    private int nrMasks;
    /** [mask index][order]. */
    long[][] attempts;
    long[][] failures;

    long steps;
    long ops;
    long allocs;
    long pagesAllocated;
    long frees;
    long pagesFreed;
    long remoteFrees;

    /** Successful allocations of order <= PCP_MAX_ORDER, and those that took no zone->lock. */
    long pcpEligible;
    long pcpHits;
    /** Set by a {@code mm_page_alloc_zone_locked} event; cleared by {@link #beforeAllocation()}. */
    boolean zoneLocked;
    long zoneLockedRefill;
    long zoneLockedDirect;

    long fallbacks;
    long steals;
    /** [alloc migratetype][fallback migratetype]. */
    final long[][] fallbackTypes;
    final long[][] stealTypes;

    public AllocStats(int maxOrder, int migrateTypes) {
        this.maxOrder = maxOrder;
        this.migrateTypes = migrateTypes;
        this.attempts = new long[INITIAL_MASKS][maxOrder];
        this.failures = new long[INITIAL_MASKS][maxOrder];
        this.fallbackTypes = new long[migrateTypes][migrateTypes];
        this.stealTypes = new long[migrateTypes][migrateTypes];
    }

    /** The index of {@code gfp} in the mask table, registered on first use (a workload does so before its loop). */
    public final int mask(int gfp) {
        for (int i = 0; i < nrMasks; i++) {
            if (masks[i] == gfp) {
                return i;
            }
        }
        if (nrMasks == masks.length) {
            int n = 2 * nrMasks;
            masks = Arrays.copyOf(masks, n);
            attempts = grow(attempts, n);
            failures = grow(failures, n);
        }
        masks[nrMasks] = gfp;
        return nrMasks++;
    }

    private long[][] grow(long[][] table, int n) {
        long[][] t = Arrays.copyOf(table, n);
        for (int i = table.length; i < n; i++) {
            t[i] = new long[maxOrder];
        }
        return t;
    }

    final int nrMasks() {
        return nrMasks;
    }

    final int maskAt(int i) {
        return masks[i];
    }

    /** Counts one allocator call and returns the calls so far. */
    public final long call() {
        return ++ops;
    }

    /** Allocator calls so far. */
    public final long calls() {
        return ops;
    }

    /** Adds {@code n} steps: a run's steps, or a replay's page events. */
    public final void addSteps(long n) {
        steps += n;
    }

    /** Before a call that allocates: forgets whether the last one took {@code zone->lock}. */
    public final void beforeAllocation() {
        zoneLocked = false;
    }

    /** Whether a {@code mm_page_alloc_zone_locked} event fired since {@link #beforeAllocation()}. */
    public final boolean zoneLocked() {
        return zoneLocked;
    }

    /**
     * One block of {@code order} asked for with mask {@code mask}, given or not; a block the per-CPU lists could
     * serve is a pcp hit when no {@code zone->lock} was taken for it.
     */
    public final void allocation(int mask, int order, boolean given) {
        attempts[mask][order]++;
        if (!given) {
            failures[mask][order]++;
            return;
        }
        allocs++;
        pagesAllocated += 1L << order;
        if (order <= PCP_MAX_ORDER) {
            pcpEligible++;
            if (!zoneLocked) {
                pcpHits++;
            }
        }
    }

    /** A bulk call: {@code asked} order-0 pages with mask {@code mask}, {@code given} of them given. */
    public final void bulkAllocation(int mask, int asked, int given) {
        attempts[mask][0] += asked;
        failures[mask][0] += asked - given;
        allocs += given;
        pagesAllocated += given;
    }

    /** A block of {@code order} freed, {@code remote} when on another CPU than the one that allocated it. */
    public final void free(int order, boolean remote) {
        frees++;
        pagesFreed += 1L << order;
        if (remote) {
            remoteFrees++;
        }
    }

    /** Successful allocations so far (a bulk call counts its pages). */
    public final long allocations() {
        return allocs;
    }

    /** {@code mm_page_alloc_extfrag} events so far. */
    public final long fallbacks() {
        return fallbacks;
    }

    /** Of those, the pageblock steals ({@code change_ownership=1}). */
    public final long steals() {
        return steals;
    }

    /** Adds {@code o}'s counts to this one's. */
    public void add(AllocStats o) {
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
    }

    /** Adds {@code from} into {@code into}, cell by cell. */
    protected static void addAll(long[][] into, long[][] from) {
        for (int i = 0; i < into.length; i++) {
            for (int j = 0; j < into[i].length; j++) {
                into[i][j] += from[i][j];
            }
        }
    }

    final long totalFailures() {
        long n = 0;
        for (int m = 0; m < nrMasks; m++) {
            for (long f : failures[m]) {
                n += f;
            }
        }
        return n;
    }
}
