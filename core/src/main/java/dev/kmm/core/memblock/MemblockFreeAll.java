package dev.kmm.core.memblock;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.MemmapInit;
import dev.kmm.core.sparse.FlatMem;
import java.util.Objects;

/**
 * {@code memblock_free_all} of Linux 6.1 mm/memblock.c: the end of boot-time allocation, when every page memblock
 * has not reserved goes to the buddy allocator. Reserved (and NOMAP) ranges get PG_reserved; the free ranges are
 * cut into naturally aligned blocks of up to {@code MAX_ORDER - 1} and freed, which fills the free lists with the
 * largest blocks the ranges allow.
 */
public final class MemblockFreeAll {
    private MemblockFreeAll() {
    }

    /**
     * {@code memblock_free_all}: frees the unused memmap of FLATMEM holes, zeroes every zone's managed pages, then
     * releases memblock's free memory below {@code maxLowPfn}. Call once, after memmap init and after the last
     * memblock allocation.
     *
     * @param maxLowPfn {@code max_low_pfn}: the end of lowmem; pages above it (32-bit highmem) are freed by the
     *                  architecture's own code
     * @return the pages released: what the kernel then adds to {@code _totalram_pages}
     */
    public static long memblockFreeAll(Memblock memblock, Buddy buddy, MemmapInit memmapInit, long maxLowPfn) {
        Objects.requireNonNull(memblock, "memblock");
        Objects.requireNonNull(buddy, "buddy");
        Objects.requireNonNull(memmapInit, "memmapInit");
        if (buddy.model() instanceof FlatMem flat) {
            flat.freeUnusedMemmap();
        }
        resetAllZonesManagedPages(buddy);
        return freeLowMemoryCoreEarly(memblock, buddy, memmapInit, maxLowPfn);
    }

    /** {@code reset_all_zones_managed_pages}: managed_pages of every zone of every node back to 0. */
    public static void resetAllZonesManagedPages(Buddy buddy) {
        for (int nid = 0; nid < buddy.nrNodeIds(); nid++) {
            if (buddy.nodeData(nid) == 0) {
                continue;
            }
            for (int z = 0; z < buddy.zoneLayout().maxNrZones; z++) {
                buddy.mem().putLongVolatile(buddy.zone(nid, z) + buddy.zoneLayout().managedPages, 0);
            }
        }
    }

    /**
     * {@code free_low_memory_core_early}: hotplug marks cleared, reserved pages marked, then every free range
     * (all nodes, so a node without low memory does not stop the rest) freed.
     */
    static long freeLowMemoryCoreEarly(Memblock memblock, Buddy buddy, MemmapInit memmapInit, long maxLowPfn) {
        memblock.memblockClearHotplug(0, memblock.config().physAddrMax()); // (phys_addr_t)-1
        memmapInitReservedPages(memblock, memmapInit);
        long[] count = {0};
        memblock.forEachFreeMemRange(Memblock.NUMA_NO_NODE, MemblockFlags.MEMBLOCK_NONE,
                (start, end, nid) -> count[0] += freeMemoryCore(buddy, start, end, maxLowPfn));
        return count[0];
    }

    /**
     * {@code memmap_init_reserved_pages}: the struct pages of reserved ranges, and of NOMAP memory, get
     * PG_reserved.
     */
    static void memmapInitReservedPages(Memblock memblock, MemmapInit memmapInit) {
        memblock.forEachReservedMemRange((start, end, nid) -> memmapInit.reserveBootmemRegion(start, end));
        MemblockType memory = memblock.memory();
        for (int i = 0; i < memory.cnt(); i++) {
            if ((memory.flags(i) & MemblockFlags.MEMBLOCK_NOMAP) != 0) {
                memmapInit.reserveBootmemRegion(memory.base(i), memory.base(i) + memory.size(i));
            }
        }
    }

    /** {@code __free_memory_core}: the whole pages of {@code [start, end)} below {@code maxLowPfn}. */
    static long freeMemoryCore(Buddy buddy, long start, long end, long maxLowPfn) {
        long startPfn = (start + KernelConstants.PAGE_SIZE - 1) >>> KernelConstants.PAGE_SHIFT;
        long endPfn = Math.min(end >>> KernelConstants.PAGE_SHIFT, maxLowPfn);
        if (startPfn >= endPfn) {
            return 0;
        }
        freePagesMemory(buddy, startPfn, endPfn);
        return endPfn - startPfn;
    }

    /**
     * {@code __free_pages_memory}: the largest naturally aligned blocks, {@code min(MAX_ORDER - 1, __ffs(start))},
     * shrunk to fit the range's end.
     */
    static void freePagesMemory(Buddy buddy, long start, long end) {
        while (start < end) {
            int order = Math.min(buddy.maxOrder() - 1, Long.numberOfTrailingZeros(start));
            while (start + (1L << order) > end) {
                order--;
            }
            buddy.memblockFreePages(buddy.model().pfnToPage(start), start, order);
            start += 1L << order;
        }
    }
}
