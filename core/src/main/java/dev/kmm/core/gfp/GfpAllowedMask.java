package dev.kmm.core.gfp;

/**
 * {@code gfp_allowed_mask} of one machine: the GFP bits allocations may use right now.
 *
 * <p>In 6.1 it starts as {@link Gfp#GFP_BOOT_MASK} ({@code mm/page_alloc.c}), so nothing allocated
 * during early boot may reclaim or do I/O, and becomes {@link Gfp#__GFP_BITS_MASK} in
 * {@code kernel_init_freeable()} once the scheduler can take blocking allocations. {@code __alloc_pages()}
 * applies it first: {@code gfp &= gfp_allowed_mask}.
 *
 * <p>Written rarely (boot) and read on every allocation from any CPU, hence a volatile plain int.
 */
public final class GfpAllowedMask {
    private volatile int mask = Gfp.GFP_BOOT_MASK;

    /** The current mask. */
    public int get() {
        return mask;
    }

    /** {@code gfp & gfp_allowed_mask}, as {@code __alloc_pages()} does before anything else. */
    public int apply(int gfpFlags) {
        return gfpFlags & mask;
    }

    /** Whether boot has not yet reached {@link #setSchedulerReady()}. */
    public boolean isBootMask() {
        return mask == Gfp.GFP_BOOT_MASK;
    }

    /**
     * {@code gfp_allowed_mask = __GFP_BITS_MASK} of {@code kernel_init_freeable()}: "the scheduler is fully
     * set up and can do blocking allocations".
     */
    public void setSchedulerReady() {
        mask = Gfp.__GFP_BITS_MASK;
    }
}
