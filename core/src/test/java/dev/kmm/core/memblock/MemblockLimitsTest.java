package dev.kmm.core.memblock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Memory limits ("mem=", crash kernels), the allocation window and {@code memblock_trim_memory}. */
class MemblockLimitsTest {
    private final Memblock mb = new Memblock(MemblockConfig.X86_64, (l, m) -> { }, (b, s) -> { });
    private final MemblockType memory = mb.memory();
    private final MemblockType reserved = mb.reserved();

    private void twoBanks() {
        mb.memblockAdd(0x100_0000L, 0x100_0000L);
        mb.memblockAdd(0x300_0000L, 0x100_0000L);
        mb.memblockReserve(0x180_0000L, 0x1000);
        mb.memblockReserve(0x370_0000L, 0x20_0000L);
    }

    @Test
    void enforceMemoryLimitTruncatesAboveTheLimitOfMemory() {
        twoBanks();
        // 24 MiB of memory end at 0x3800000
        mb.memblockEnforceMemoryLimit(0x180_0000L);
        assertEquals(2, memory.cnt());
        assertEquals(0x380_0000L, mb.memblockEndOfDRAM());
        assertEquals(0x180_0000L, mb.memblockPhysMemSize());
        assertEquals(0x370_0000L + 0x10_0000L, reserved.base(1) + reserved.size(1));

        // a limit beyond the memory, or 0, changes nothing
        mb.memblockEnforceMemoryLimit(0x1_0000_0000L);
        mb.memblockEnforceMemoryLimit(0);
        assertEquals(0x180_0000L, mb.memblockPhysMemSize());
    }

    @Test
    void capMemoryRangeKeepsOnlyTheRangeAndNomapRegions() {
        twoBanks();
        mb.memblockMarkNomap(0x100_0000L, 0x1000);
        mb.memblockCapMemoryRange(0x300_0000L, 0x80_0000L);

        assertEquals(2, memory.cnt());
        assertEquals(0x100_0000L, memory.base(0));
        assertEquals(0x1000, memory.size(0));
        assertEquals(0x300_0000L, memory.base(1));
        assertEquals(0x80_0000L, memory.size(1));
        // reserved keeps only what lies in the range
        assertEquals(1, reserved.cnt());
        assertEquals(0x370_0000L, reserved.base(0));
        assertEquals(0x10_0000L, reserved.size(0));
    }

    @Test
    void memLimitRemoveMapCapsAtTheLimitAddress() {
        twoBanks();
        mb.memblockMarkNomap(0x3f0_0000L, 0x10_0000L);
        mb.memblockMemLimitRemoveMap(0x180_0000L);
        // [0x1000000, 0x3800000) stays, and the nomap region above it
        assertEquals(3, memory.cnt());
        assertEquals(0x380_0000L, memory.base(1) + memory.size(1));
        assertEquals(0x3f0_0000L, memory.base(2));
        assertEquals(MemblockFlags.MEMBLOCK_NOMAP, memory.flags(2));
    }

    @Test
    void allocationsStayUnderTheCurrentLimitAndOffTheFirstPage() {
        mb.memblockAdd(0, 0x100_0000L);
        mb.memblockSetCurrentLimit(0x80_0000L);
        assertEquals(0x80_0000L, mb.memblockGetCurrentLimit());
        assertEquals(0x7f_f000L, mb.memblockAlloc(0x1000, 0x1000));
        // an explicit max_addr above the limit is capped to it
        assertEquals(0x7f_e000L, mb.memblockAllocTryNid(0x1000, 0x1000, 0, 0x100_0000L, Memblock.NUMA_NO_NODE));
        // but memblock_phys_alloc_range honours its end as given
        assertEquals(0xff_f000L, mb.memblockPhysAllocRange(0x1000, 0x1000, 0, 0x100_0000L));

        mb.memblockSetCurrentLimit(mb.memblockAllocAnywhere());
        mb.memblockSetBottomUp(true);
        // bottom-up starts above the first page
        assertEquals(0x1000, mb.memblockPhysAlloc(0x1000, 0x1000));
        mb.memblockReserve(0x2000, 0x100_0000L - 0x2000);
        // only page 0 is left, and it is never handed out
        assertEquals(0, mb.memblockPhysAlloc(0x1000, 0x1000));
    }

    @Test
    void alignZeroMeansSmpCacheBytes() {
        mb.memblockAdd(0x10_0000L, 0x10_0000L);
        // SMP_CACHE_BYTES is 64 on x86_64: round_down(0x200000 - 100, 64)
        assertEquals(0x1f_ff80L, mb.memblockPhysAlloc(100, 0));
    }

    @Test
    void allocLowStaysBelowArchLowAddressLimit() {
        mb.memblockAdd(0x8000_0000L, 0x1_0000_0000L);
        // ARCH_LOW_ADDRESS_LIMIT is 0xffffffff, an end that is not page aligned: the last page is lost
        assertEquals(0xffff_e000L, mb.memblockAllocLow(0x1000, 0x1000));
        assertEquals(0x1_7fff_f000L, mb.memblockAlloc(0x1000, 0x1000));
    }

    @Test
    void exactNidDoesNotFallBack() {
        mb.memblockAddNode(0x10_0000L, 0x10_0000L, 0, 0);
        mb.memblockAddNode(0x20_0000L, 0x1000, 1, 0);
        assertEquals(0, mb.memblockAllocExactNidRaw(0x2000, 0x1000, 0, Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, 1));
        assertEquals(0x1f_e000L, mb.memblockAllocTryNidRaw(0x2000, 0x1000, 0, Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, 1));
        assertEquals(0x20_0000L, mb.memblockAllocExactNidRaw(0x1000, 0x1000, 0, Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, 1));
        assertEquals(0x1f_d000L, mb.memblockPhysAllocTryNid(0x1000, 0x1000, 1));
    }

    @Test
    void trimMemoryKeepsTotalSizeOfShrunkRegionsAs61Does() {
        mb.memblockAdd(0x1010, 0x1ff0);   // trimmed to [0x2000, 0x3000)
        mb.memblockAdd(0x5000, 0x800);    // removed
        mb.memblockTrimMemory(0x1000);
        assertEquals(1, memory.cnt());
        assertEquals(0x2000, memory.base(0));
        assertEquals(0x1000, memory.size(0));
        // memblock_trim_memory() adjusts region bounds without touching total_size; only the
        // removed region is subtracted
        assertEquals(0x1ff0, mb.memblockPhysMemSize());
    }
}
