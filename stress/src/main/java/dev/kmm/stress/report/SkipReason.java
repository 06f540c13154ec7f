package dev.kmm.stress.report;

/**
 * Why a traced page event was not replayed on the kmm machine, in a replay's report ({@link Report.Replay}). The
 * allocation reasons have a matching free reason ({@link #whenFreed()}): a later free of a page whose allocation
 * was skipped is skipped too, for the same cause.
 */
public enum SkipReason {
    /** The traced order is at least the machine's {@code MAX_ORDER}: the trace came from another configuration. */
    ALLOC_ORDER_TOO_LARGE("mm_page_alloc of an order >= the machine's MAX_ORDER"),
    /** {@code gfp_flags} absent, or names that are not Linux 6.1's (an older or newer kernel's flags). */
    ALLOC_GFP_UNKNOWN("mm_page_alloc with gfp_flags kmm cannot read (not Linux 6.1's names)"),
    /** The traced kernel got a page and kmm did not: the machine is smaller or more fragmented. */
    ALLOC_KMM_FAILED("mm_page_alloc that kmm failed where the trace succeeded"),

    /**
     * No traced allocation of the pfn: allocated before the trace began (or by the bulk allocator's per-CPU
     * path, which 6.1 does not trace).
     */
    FREE_BEFORE_TRACE("free of a page allocated before the trace began"),
    /** The pfn's last traced event was already a free (a lost allocation, or a kernel that traced twice). */
    FREE_AGAIN("free of a page the trace had already freed"),
    /** The pfn lies inside a larger traced block: the kernel split it ({@code split_page}) before freeing. */
    FREE_PART_OF_BLOCK("free of part of a larger traced block (split_page)"),
    /** The traced free names another order than the traced allocation. */
    FREE_ORDER_MISMATCH("free with an order other than its allocation's"),
    /** The page's allocation was skipped as {@link #ALLOC_ORDER_TOO_LARGE}. */
    FREE_ORDER_TOO_LARGE("free of a block of an order >= the machine's MAX_ORDER"),
    /** The page's allocation was skipped as {@link #ALLOC_GFP_UNKNOWN}. */
    FREE_GFP_UNKNOWN("free of a page allocated with gfp_flags kmm cannot read"),
    /** The page's allocation was skipped as {@link #ALLOC_KMM_FAILED}: kmm has no page to free. */
    FREE_KMM_FAILED("free of a page kmm failed to allocate");

    private final String description;

    SkipReason(String description) {
        this.description = description;
    }

    /** One line for the report. */
    public String description() {
        return description;
    }

    /** Whether this reason applies to allocations (else to frees). */
    public boolean isAlloc() {
        return name().startsWith("ALLOC_");
    }

    /** The reason a free of a page gets when its allocation was skipped for this reason. */
    public SkipReason whenFreed() {
        return switch (this) {
            case ALLOC_ORDER_TOO_LARGE -> FREE_ORDER_TOO_LARGE;
            case ALLOC_GFP_UNKNOWN -> FREE_GFP_UNKNOWN;
            case ALLOC_KMM_FAILED -> FREE_KMM_FAILED;
            default -> throw new IllegalStateException(this + " is not an allocation reason");
        };
    }
}
