package dev.kmm.core.faultinject;

import dev.kmm.core.gfp.Gfp;

/**
 * {@code failslab} of Linux 6.1 ({@code mm/failslab.c}, {@code CONFIG_FAILSLAB}): fault injection for slab
 * allocations, consulted by {@code should_failslab()}.
 *
 * <p>Which requests may be failed: never from the bootstrap {@code kmem_cache} cache; never
 * {@code __GFP_NOFAIL}; not requests that may direct-reclaim while {@code ignore-gfp-wait} (default on);
 * and, with {@code cache-filter} on, only caches created with {@code SLAB_FAILSLAB}. The rest go to
 * {@link FaultAttr#shouldFailEx} with size {@code s->object_size}, silently for {@code __GFP_NOWARN}.
 */
public final class FailSlab {
    private final FaultAttr attr;
    private volatile boolean ignoreGfpReclaim = true;
    private volatile boolean cacheFilter;

    /** {@code failslab} with the kernel's defaults, reporting as {@code name failslab}. */
    public FailSlab(FaultRandom random, FaultLog log) {
        this.attr = new FaultAttr("failslab", random, log);
    }

    /** The shared attributes (probability, interval, times, space, verbose). */
    public FaultAttr attr() {
        return attr;
    }

    /** The boot parameter {@code failslab=<interval>,<probability>,<space>,<times>}. */
    public boolean setupFailslab(String str) {
        return attr.setupFaultAttr(str);
    }

    /**
     * {@code __should_failslab()}.
     *
     * @param current         the allocating task's {@code fail_nth}, or null outside task context
     * @param gfpFlags        the request's GFP flags
     * @param objectSize      the cache's {@code object_size}
     * @param cacheIsFailslab whether the cache has {@code SLAB_FAILSLAB}
     * @param bootstrapCache  whether the cache is {@code kmem_cache} itself
     * @return true when the allocation should fail
     */
    public boolean shouldFailslab(FailNth current, int gfpFlags, long objectSize, boolean cacheIsFailslab,
                                  boolean bootstrapCache) {
        if (bootstrapCache) {
            return false;
        }
        if ((gfpFlags & Gfp.__GFP_NOFAIL) != 0) {
            return false;
        }
        if (ignoreGfpReclaim && (gfpFlags & Gfp.__GFP_DIRECT_RECLAIM) != 0) {
            return false;
        }
        if (cacheFilter && !cacheIsFailslab) {
            return false;
        }
        int flags = (gfpFlags & Gfp.__GFP_NOWARN) != 0 ? FaultAttr.FAULT_NOWARN : 0;
        return attr.shouldFailEx(current, objectSize, flags);
    }

    /** debugfs {@code ignore-gfp-wait} (field {@code ignore_gfp_reclaim}). */
    public boolean ignoreGfpReclaim() {
        return ignoreGfpReclaim;
    }

    /** Sets {@link #ignoreGfpReclaim()}. */
    public void setIgnoreGfpReclaim(boolean ignore) {
        this.ignoreGfpReclaim = ignore;
    }

    /** debugfs {@code cache-filter}. */
    public boolean cacheFilter() {
        return cacheFilter;
    }

    /** Sets {@link #cacheFilter()}. */
    public void setCacheFilter(boolean cacheFilter) {
        this.cacheFilter = cacheFilter;
    }
}
