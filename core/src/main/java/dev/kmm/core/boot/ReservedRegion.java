package dev.kmm.core.boot;

import java.util.Objects;

/**
 * A child of the device tree's {@code /reserved-memory} node (drivers/of/of_reserved_mem.c): static
 * ({@code reg}) or dynamic ({@code size}, placed by memblock).
 *
 * @param name       the node name, e.g. {@code linux,cma}
 * @param compatible its {@code compatible} (empty when it has none): {@code shared-dma-pool} regions become
 *                   a CMA pool when {@code reusable}, else a coherent DMA pool
 * @param base       static placement; -1 for a dynamic region
 * @param size       size in bytes
 * @param alignment  dynamic alignment (0: none)
 * @param allocStart dynamic {@code alloc-ranges} start (0 with allocEnd 0: anywhere)
 * @param allocEnd   dynamic {@code alloc-ranges} end, exclusive
 * @param noMap      {@code no-map}: removed from the linear map ({@code memblock_mark_nomap})
 * @param reusable   {@code reusable}: a CMA pool whose pages the buddy allocator may lend out
 * @param cmaDefault {@code linux,cma-default}: the pool becomes the default CMA area
 */
public record ReservedRegion(String name, String compatible, long base, long size, long alignment, long allocStart,
                             long allocEnd,
                             boolean noMap, boolean reusable, boolean cmaDefault) {
    /** The compatible string of DMA and CMA pools. */
    public static final String SHARED_DMA_POOL = "shared-dma-pool";

    public ReservedRegion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(compatible, "compatible");
        if (size <= 0) {
            throw new IllegalArgumentException("reserved region " + name + " has no size");
        }
        if (base < -1 || alignment < 0 || (alignment != 0 && Long.bitCount(alignment) != 1)) {
            throw new IllegalArgumentException("reserved region " + name + ": bad base " + base + " or alignment "
                    + alignment);
        }
        if (allocEnd < allocStart) {
            throw new IllegalArgumentException("reserved region " + name + ": alloc-ranges end before start");
        }
        if (cmaDefault && !reusable) {
            throw new IllegalArgumentException("reserved region " + name + ": linux,cma-default needs reusable");
        }
    }

    /** A static {@code /reserved-memory} child with the given {@code compatible} (may be empty). */
    public static ReservedRegion fixed(String name, String compatible, long base, long size, boolean noMap) {
        return new ReservedRegion(name, compatible, base, size, 0, 0, 0, noMap, false, false);
    }

    /** A dynamic {@code shared-dma-pool} with {@code reusable} and {@code linux,cma-default}: the default CMA area. */
    public static ReservedRegion defaultCma(String name, long size, long alignment, long allocStart, long allocEnd) {
        return new ReservedRegion(name, SHARED_DMA_POOL, -1, size, alignment, allocStart, allocEnd, false, true, true);
    }

    /** Whether it is a {@code shared-dma-pool}. */
    public boolean sharedDmaPool() {
        return compatible.equalsIgnoreCase(SHARED_DMA_POOL);
    }

    /** Whether placed by memblock rather than by {@code reg}. */
    public boolean isDynamic() {
        return base < 0;
    }
}
