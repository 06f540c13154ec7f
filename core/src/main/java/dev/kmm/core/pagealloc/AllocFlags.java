package dev.kmm.core.pagealloc;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.core.gfp.Gfp;

/**
 * The allocator's internal {@code ALLOC_*} flags (mm/internal.h) and how a GFP mask turns into them
 * ({@code gfp_to_alloc_flags}, {@code gfp_to_alloc_flags_cma}).
 *
 * <p>The values are those of the 6.1 LTS stable series as Debian ships it (6.1.192): the 6.3 rework of the atomic
 * reserves was backported to 6.1.y as a dependency of "mm/page_alloc: let GFP_ATOMIC order-0 allocs access
 * highatomic reserves", so {@code ALLOC_HARDER} (0x10) became {@link #ALLOC_NON_BLOCK}, {@code ALLOC_HIGH} (0x20)
 * became {@link #ALLOC_MIN_RESERVE}, and {@link #ALLOC_HIGHATOMIC} (0x200) and {@link #ALLOC_RESERVES} appeared,
 * while {@code __GFP_ATOMIC} itself stayed in 6.1's gfp_types.h.
 */
public final class AllocFlags {
    private AllocFlags() {
    }

    /** Check the min watermark ({@code WMARK_MIN}). */
    public static final int ALLOC_WMARK_MIN = 0;
    /** Check the low watermark. */
    public static final int ALLOC_WMARK_LOW = 1;
    /** Check the high watermark. */
    public static final int ALLOC_WMARK_HIGH = 2;
    /** Don't check watermarks at all. */
    public static final int ALLOC_NO_WATERMARKS = 0x04;
    /** The watermark index bits. */
    public static final int ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
    /** OOM victims may dig deeper into the reserves (CONFIG_MMU). */
    public static final int ALLOC_OOM = 0x08;
    /** The caller cannot block: access to 25% of the min watermark, 62.5% with __GFP_HIGH. */
    public static final int ALLOC_NON_BLOCK = 0x10;
    /** __GFP_HIGH: access to 50% of the min watermark. */
    public static final int ALLOC_MIN_RESERVE = 0x20;
    /** Check for the correct cpuset. */
    public static final int ALLOC_CPUSET = 0x40;
    /** Allow allocations from CMA areas. */
    public static final int ALLOC_CMA = 0x80;
    /** Avoid mixing pageblock types (CONFIG_ZONE_DMA32 only; 0 otherwise, see {@link #allocNofragment}). */
    public static final int ALLOC_NOFRAGMENT = 0x100;
    /** Allows access to MIGRATE_HIGHATOMIC. */
    public static final int ALLOC_HIGHATOMIC = 0x200;
    /** Allow waking kswapd: the same bit as {@code __GFP_KSWAPD_RECLAIM}. */
    public static final int ALLOC_KSWAPD = 0x800;
    /** Flags that allow allocations below the min watermark. */
    public static final int ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

    static {
        // gfp_to_alloc_flags copies these bits straight from the mask
        if (Gfp.__GFP_HIGH != ALLOC_MIN_RESERVE || Gfp.__GFP_KSWAPD_RECLAIM != ALLOC_KSWAPD) {
            throw new AssertionError("__GFP_HIGH/__GFP_KSWAPD_RECLAIM no longer match ALLOC_MIN_RESERVE/ALLOC_KSWAPD");
        }
    }

    /** {@code ALLOC_NOFRAGMENT} of a config: the flag with {@code CONFIG_ZONE_DMA32}, else 0. */
    public static int allocNofragment(boolean zoneDma32) {
        return zoneDma32 ? ALLOC_NOFRAGMENT : 0;
    }

    /**
     * {@code gfp_to_alloc_flags}: the slow path's flags. Callers that cannot direct-reclaim may dip into the
     * reserves ({@code ALLOC_NON_BLOCK}, and {@code ALLOC_HIGHATOMIC} above order 0) unless
     * {@code __GFP_NOMEMALLOC}; non-blocking {@code __GFP_HIGH} ignores cpusets. A task has no real-time policy in
     * kmm, so the {@code rt_task(current)} boost does not apply.
     *
     * @param cma whether CONFIG_CMA is set
     */
    public static int gfpToAllocFlags(int gfpMask, int order, boolean cma) {
        int allocFlags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
        allocFlags |= gfpMask & (Gfp.__GFP_HIGH | Gfp.__GFP_KSWAPD_RECLAIM);
        if ((gfpMask & Gfp.__GFP_DIRECT_RECLAIM) == 0) {
            if ((gfpMask & Gfp.__GFP_NOMEMALLOC) == 0) {
                allocFlags |= ALLOC_NON_BLOCK;
                if (order > 0) {
                    allocFlags |= ALLOC_HIGHATOMIC;
                }
            }
            if ((allocFlags & ALLOC_MIN_RESERVE) != 0) {
                allocFlags &= ~ALLOC_CPUSET;
            }
        }
        return gfpToAllocFlagsCma(gfpMask, allocFlags, cma);
    }

    /** {@code gfp_to_alloc_flags_cma}: movable allocations may use CMA areas. */
    public static int gfpToAllocFlagsCma(int gfpMask, int allocFlags, boolean cma) {
        if (cma && Gfp.gfpMigratetype(gfpMask) == KernelConstants.MIGRATE_MOVABLE) {
            allocFlags |= ALLOC_CMA;
        }
        return allocFlags;
    }

    /**
     * {@code __gfp_pfmemalloc_flags}: {@code __GFP_MEMALLOC} (unless {@code __GFP_NOMEMALLOC}) ignores watermarks.
     * kmm has no task flags (PF_MEMALLOC) nor OOM victims, so that is the only way to the full reserves.
     */
    public static int gfpPfmemallocFlags(int gfpMask) {
        if ((gfpMask & Gfp.__GFP_NOMEMALLOC) != 0) {
            return 0;
        }
        return (gfpMask & Gfp.__GFP_MEMALLOC) != 0 ? ALLOC_NO_WATERMARKS : 0;
    }
}
