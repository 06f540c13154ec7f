package dev.kmm.core.of;

import java.util.List;
import java.util.OptionalInt;

/**
 * One child of {@code /reserved-memory} that {@code fdt_scan_reserved_mem} saved: either static (placed by
 * {@code reg}) or dynamic (placed later by the allocator from {@code size}, {@code alignment} and
 * {@code alloc-ranges}).
 *
 * @param name        node name with unit address ({@code fdt_get_name}), as {@code reserved_mem.name}
 * @param path        node path
 * @param reg         static placement: every {@code reg} entry with a non-zero size (all are reserved in
 *                    memblock; the first is what {@code reserved_mem} records); empty for a dynamic region
 * @param size        dynamic size in bytes; 0 for a static region
 * @param alignment   dynamic alignment as written (0: none). The allocator raises it to
 *                    {@code CMA_MIN_ALIGNMENT_BYTES} when {@link #cmaAlignmentApplies()}
 * @param allocRanges dynamic {@code alloc-ranges}, tried in order; empty means anywhere
 * @param noMap       {@code no-map}: removed from the linear map ({@code memblock_mark_nomap})
 * @param reusable    {@code reusable}: the kernel may use it while the owner does not (CMA)
 * @param compatible  {@code compatible}, e.g. {@code shared-dma-pool}
 * @param phandle     the node's phandle, through which devices refer to it ({@code memory-region})
 * @param cmaDefault  {@code linux,cma-default}: the pool becomes the default CMA area
 */
public record ReservedMemRegion(String name, String path, List<FdtReg> reg, long size, long alignment,
                                List<FdtReg> allocRanges, boolean noMap, boolean reusable, List<String> compatible,
                                OptionalInt phandle, boolean cmaDefault) {

    /** True when placed by the allocator rather than by {@code reg}. */
    public boolean isDynamic() {
        return reg.isEmpty();
    }

    /** Whether {@code compatible} holds {@code compat} (ignoring case, as {@code of_compat_cmp}). */
    public boolean isCompatible(String compat) {
        for (String c : compatible) {
            if (c.equalsIgnoreCase(compat)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code __reserved_mem_alloc_size}'s CMA rule: a reusable {@code shared-dma-pool} without {@code no-map}
     * is aligned to at least {@code CMA_MIN_ALIGNMENT_BYTES} (one pageblock).
     */
    public boolean cmaAlignmentApplies() {
        return isDynamic() && isCompatible("shared-dma-pool") && reusable && !noMap;
    }
}
