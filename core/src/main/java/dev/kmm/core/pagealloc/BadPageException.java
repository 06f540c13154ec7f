package dev.kmm.core.pagealloc;

/**
 * A page in a state the allocator must not accept: the kernel's {@code bad_page()} report ("BUG: Bad page state
 * in process ...", the page dump, then why), raised instead of leaking the page silently. The page was not freed
 * and its struct page was left as found.
 */
public final class BadPageException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long pfn;
    private final String reason;

    BadPageException(long pfn, String reason, String dump) {
        super(String.format("BUG: Bad page state in process %s  pfn:%05x%n%s%npage dumped because: %s",
                Thread.currentThread().getName(), pfn, dump, reason));
        this.pfn = pfn;
        this.reason = reason;
    }

    /** The pfn of the bad page. */
    public long pfn() {
        return pfn;
    }

    /** The kernel's "page dumped because" text, e.g. {@code "nonzero _refcount"}. */
    public String reason() {
        return reason;
    }
}
