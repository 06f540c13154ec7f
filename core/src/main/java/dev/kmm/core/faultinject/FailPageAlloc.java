package dev.kmm.core.faultinject;

import dev.kmm.core.gfp.Gfp;

/**
 * {@code fail_page_alloc} of Linux 6.1 ({@code mm/page_alloc.c}, {@code CONFIG_FAIL_PAGE_ALLOC}): fault
 * injection for the page allocator, consulted by {@code should_fail_alloc_page()} at the start of every
 * allocation.
 *
 * <p>Which requests may be failed: never {@code __GFP_NOFAIL}; not below {@code min-order} (default 1,
 * so order-0 allocations are spared); not {@code __GFP_HIGHMEM} requests while {@code ignore-gfp-highmem}
 * (default on); not requests that may direct-reclaim while {@code ignore-gfp-wait} (default on; the
 * kernel field is {@code ignore_gfp_reclaim}). The rest go to {@link FaultAttr#shouldFailEx} with size
 * {@code 1 << order} pages, silently when the request has {@code __GFP_NOWARN}.
 */
public final class FailPageAlloc {
    private final FaultAttr attr;
    private volatile boolean ignoreGfpHighmem = true;
    private volatile boolean ignoreGfpReclaim = true;
    private volatile int minOrder = 1;

    /** {@code fail_page_alloc} with the kernel's defaults, reporting as {@code name fail_page_alloc}. */
    public FailPageAlloc(FaultRandom random, FaultLog log) {
        this.attr = new FaultAttr("fail_page_alloc", random, log);
    }

    /** The shared attributes (probability, interval, times, space, verbose). */
    public FaultAttr attr() {
        return attr;
    }

    /** The boot parameter {@code fail_page_alloc=<interval>,<probability>,<space>,<times>}. */
    public boolean setupFailPageAlloc(String str) {
        return attr.setupFaultAttr(str);
    }

    /** {@code should_fail_alloc_page()} for a request outside task context. */
    public boolean shouldFailAllocPage(int gfpMask, int order) {
        return shouldFailAllocPage(null, gfpMask, order);
    }

    /**
     * {@code should_fail_alloc_page()}.
     *
     * @param current the allocating task's {@code fail_nth}, or null outside task context
     * @param gfpMask the request's GFP flags
     * @param order   the request's order
     * @return true when the allocation should fail
     */
    public boolean shouldFailAllocPage(FailNth current, int gfpMask, int order) {
        if (Integer.compareUnsigned(order, minOrder) < 0) {
            return false;
        }
        if ((gfpMask & Gfp.__GFP_NOFAIL) != 0) {
            return false;
        }
        if (ignoreGfpHighmem && (gfpMask & Gfp.__GFP_HIGHMEM) != 0) {
            return false;
        }
        if (ignoreGfpReclaim && (gfpMask & Gfp.__GFP_DIRECT_RECLAIM) != 0) {
            return false;
        }
        int flags = (gfpMask & Gfp.__GFP_NOWARN) != 0 ? FaultAttr.FAULT_NOWARN : 0;
        return attr.shouldFailEx(current, 1L << order, flags);
    }

    /** debugfs {@code ignore-gfp-highmem}. */
    public boolean ignoreGfpHighmem() {
        return ignoreGfpHighmem;
    }

    /** Sets {@link #ignoreGfpHighmem()}. */
    public void setIgnoreGfpHighmem(boolean ignore) {
        this.ignoreGfpHighmem = ignore;
    }

    /** debugfs {@code ignore-gfp-wait} (field {@code ignore_gfp_reclaim}). */
    public boolean ignoreGfpReclaim() {
        return ignoreGfpReclaim;
    }

    /** Sets {@link #ignoreGfpReclaim()}. */
    public void setIgnoreGfpReclaim(boolean ignore) {
        this.ignoreGfpReclaim = ignore;
    }

    /** debugfs {@code min-order} (a {@code u32}). */
    public int minOrder() {
        return minOrder;
    }

    /** Sets {@link #minOrder()}. */
    public void setMinOrder(int minOrder) {
        this.minOrder = minOrder;
    }
}
