package dev.kmm.core.pagealloc;

/**
 * The allocated non-compound blocks of order above 0, by head pfn: the allocator's debug bookkeeping (with
 * {@link PageAlloc.Builder#debugVm}) that lets a check tell their tail pages from leaked pages. The kernel marks
 * nothing in such a tail (refcount 0, no flag, not PageBuddy), so only the allocator can say which pages they are.
 *
 * <p>One byte per pfn of the memory map holds the order of the block whose head is there (0: none). Each slot is
 * written by the CPU that allocates or frees the block, and read by a check on a quiescent machine.
 */
final class HighOrderBlocks {
    private final long startPfn;
    private final byte[] order;

    HighOrderBlocks(long startPfn, long endPfn) {
        if (endPfn - startPfn > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(String.format(
                    "the memory map's %d pfns are too many to track non-compound blocks", endPfn - startPfn));
        }
        this.startPfn = startPfn;
        this.order = new byte[(int) (endPfn - startPfn)];
    }

    /** A non-compound block of {@code order} was allocated at {@code pfn}. */
    void allocated(long pfn, int order) {
        this.order[(int) (pfn - startPfn)] = (byte) order;
    }

    /** The page at {@code pfn} is freed, or keeps only itself of its block: it heads no block any more. */
    void freed(long pfn) {
        order[(int) (pfn - startPfn)] = 0;
    }

    /** The order of the live non-compound block headed at {@code pfn}, 0 when none is. */
    int order(long pfn) {
        return pfn < startPfn || pfn - startPfn >= order.length ? 0 : order[(int) (pfn - startPfn)];
    }
}
