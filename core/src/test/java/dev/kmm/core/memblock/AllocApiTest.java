package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.Harness.MEM_SIZE;
import static dev.kmm.core.memblock.Harness.SMP_CACHE_BYTES;
import static dev.kmm.core.memblock.Harness.SZ_128;
import static dev.kmm.core.memblock.Harness.SZ_16;
import static dev.kmm.core.memblock.Harness.SZ_1K;
import static dev.kmm.core.memblock.Harness.SZ_2;
import static dev.kmm.core.memblock.Harness.SZ_256;
import static dev.kmm.core.memblock.Harness.SZ_512;
import static dev.kmm.core.memblock.Harness.SZ_64;
import static dev.kmm.core.memblock.Harness.SZ_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Port of the kernel's {@code tools/testing/memblock/tests/alloc_api.c}: {@code memblock_alloc}
 * ({@code memblockAlloc}) top-down and bottom-up; the {@code *_generic_check} cases run in both
 * directions, as the kernel's wrappers do. Allocations return physical addresses here; 0 is the
 * kernel's NULL.
 */
class AllocApiTest {
    private final Harness h = new Harness();
    private final Memblock mb = h.mb;
    private final MemblockType reserved = mb.reserved();

    // ---- top-down ----

    @Test
    void allocTopDownSimpleCheck() {
        long size = SZ_2;
        h.setupMemblock();
        long expectedStart = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES;

        long allocated = mb.memblockAlloc(size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, false);
        assertEquals(size, reserved.size(0));
        assertEquals(expectedStart, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @Test
    void allocTopDownDisjointCheck() {
        long r2Size = SZ_16;
        long alignment = SMP_CACHE_BYTES * 2;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SZ_2, r1Size = SZ_2;
        long totalSize = r1Size + r2Size;
        long expectedStart = mb.memblockEndOfDRAM() - alignment;

        mb.memblockReserve(r1Base, r1Size);
        long allocated = mb.memblockAlloc(r2Size, alignment);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r2Size, false);
        // after allocation, region 1 is the "old" one
        assertEquals(r1Size, reserved.size(1));
        assertEquals(r1Base, reserved.base(1));
        assertEquals(r2Size, reserved.size(0));
        assertEquals(expectedStart, reserved.base(0));
        assertEquals(2, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void allocTopDownBeforeCheck() {
        // the first region ends at an aligned address, to test merging
        long r1Size = SMP_CACHE_BYTES;
        long r2Size = SZ_512;
        long totalSize = r1Size + r2Size;
        h.setupMemblock();

        mb.memblockReserve(mb.memblockEndOfDRAM() - totalSize, r1Size);
        long allocated = mb.memblockAlloc(r2Size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r2Size, false);
        assertEquals(totalSize, reserved.size(0));
        assertEquals(mb.memblockEndOfDRAM() - totalSize, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void allocTopDownAfterCheck() {
        long r2Size = SZ_512;
        h.setupMemblock();
        // the first region starts at an aligned address, to test merging
        long r1Base = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES, r1Size = SZ_8;
        long totalSize = r1Size + r2Size;

        mb.memblockReserve(r1Base, r1Size);
        long allocated = mb.memblockAlloc(r2Size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r2Size, false);
        assertEquals(totalSize, reserved.size(0));
        assertEquals(r1Base - r2Size, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void allocTopDownSecondFitCheck() {
        long r3Size = SZ_1K;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SZ_512, r1Size = SZ_512;
        long r2Base = r1Base - SZ_512, r2Size = SZ_256;
        long totalSize = r1Size + r2Size + r3Size;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = mb.memblockAlloc(r3Size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, false);
        assertEquals(r2Size + r3Size, reserved.size(0));
        assertEquals(r2Base - r3Size, reserved.base(0));
        assertEquals(2, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    // ---- generic: both directions ----

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocInBetweenGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long gapSize = SMP_CACHE_BYTES;
        long r3Size = SZ_64;
        // regions sized so there is just enough space for the new entry
        long rgnSize = (MEM_SIZE - (2 * gapSize + r3Size)) / 2;
        h.setupMemblock();
        long r1Size = rgnSize, r1Base = mb.memblockEndOfDRAM() - (gapSize + rgnSize);
        long r2Size = rgnSize, r2Base = mb.memblockStartOfDRAM() + gapSize;
        long totalSize = r1Size + r2Size + r3Size;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = mb.memblockAlloc(r3Size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, false);
        assertEquals(totalSize, reserved.size(0));
        assertEquals(r1Base - r2Size - r3Size, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocSmallGapsGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long regionSize = SZ_1K;
        long gapSize = SZ_256;
        h.setupMemblock();

        long regionEnd = mb.memblockStartOfDRAM();
        while (regionEnd < mb.memblockEndOfDRAM()) {
            mb.memblockReserve(regionEnd + gapSize, regionSize);
            regionEnd += gapSize + regionSize;
        }

        assertEquals(0, mb.memblockAlloc(regionSize, SMP_CACHE_BYTES));
    }

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocAllReservedGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        h.setupMemblock();
        // simulate full memory
        mb.memblockReserve(mb.memblockStartOfDRAM(), MEM_SIZE);

        assertEquals(0, mb.memblockAlloc(SZ_256, SMP_CACHE_BYTES));
    }

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocNoSpaceGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        h.setupMemblock();
        long availableSize = SZ_256;
        long reservedSize = MEM_SIZE - availableSize;
        // simulate almost-full memory
        mb.memblockReserve(mb.memblockStartOfDRAM(), reservedSize);

        assertEquals(0, mb.memblockAlloc(SZ_1K, SMP_CACHE_BYTES));
    }

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocLimitedSpaceGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long availableSize = SZ_256;
        long reservedSize = MEM_SIZE - availableSize;
        h.setupMemblock();
        // simulate almost-full memory
        mb.memblockReserve(mb.memblockStartOfDRAM(), reservedSize);

        long allocated = mb.memblockAlloc(availableSize, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, availableSize, false);
        assertEquals(MEM_SIZE, reserved.size(0));
        assertEquals(mb.memblockStartOfDRAM(), reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(MEM_SIZE, reserved.totalSize());
    }

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocNoMemoryGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        // memblock.memory holds only the dummy entry

        assertEquals(0, mb.memblockAlloc(SZ_1K, SMP_CACHE_BYTES));
        assertEquals(0, reserved.size(0));
        assertEquals(0, reserved.base(0));
        assertEquals(0, reserved.totalSize());
    }

    // ---- bottom-up ----

    @Test
    void allocBottomUpSimpleCheck() {
        mb.memblockSetBottomUp(true);
        h.setupMemblock();

        long allocated = mb.memblockAlloc(SZ_2, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, SZ_2, false);
        assertEquals(SZ_2, reserved.size(0));
        assertEquals(mb.memblockStartOfDRAM(), reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(SZ_2, reserved.totalSize());
    }

    @Test
    void allocBottomUpDisjointCheck() {
        mb.memblockSetBottomUp(true);
        long r2Size = SZ_16;
        long alignment = SMP_CACHE_BYTES * 2;
        h.setupMemblock();
        long r1Base = mb.memblockStartOfDRAM() + SZ_2, r1Size = SZ_2;
        long totalSize = r1Size + r2Size;
        long expectedStart = mb.memblockStartOfDRAM() + alignment;

        mb.memblockReserve(r1Base, r1Size);
        long allocated = mb.memblockAlloc(r2Size, alignment);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r2Size, false);
        assertEquals(r1Size, reserved.size(0));
        assertEquals(r1Base, reserved.base(0));
        assertEquals(r2Size, reserved.size(1));
        assertEquals(expectedStart, reserved.base(1));
        assertEquals(2, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void allocBottomUpBeforeCheck() {
        mb.memblockSetBottomUp(true);
        long r1Size = SZ_512;
        long r2Size = SZ_128;
        long totalSize = r1Size + r2Size;
        h.setupMemblock();

        mb.memblockReserve(mb.memblockStartOfDRAM() + r1Size, r2Size);
        long allocated = mb.memblockAlloc(r1Size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r1Size, false);
        assertEquals(totalSize, reserved.size(0));
        assertEquals(mb.memblockStartOfDRAM(), reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void allocBottomUpAfterCheck() {
        mb.memblockSetBottomUp(true);
        long r2Size = SZ_512;
        h.setupMemblock();
        // the first region starts at an aligned address, to test merging
        long r1Base = mb.memblockStartOfDRAM() + SMP_CACHE_BYTES, r1Size = SZ_64;
        long totalSize = r1Size + r2Size;

        mb.memblockReserve(r1Base, r1Size);
        long allocated = mb.memblockAlloc(r2Size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r2Size, false);
        assertEquals(totalSize, reserved.size(0));
        assertEquals(r1Base, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void allocBottomUpSecondFitCheck() {
        mb.memblockSetBottomUp(true);
        long r3Size = SZ_1K;
        h.setupMemblock();
        long r1Base = mb.memblockStartOfDRAM(), r1Size = SZ_512;
        long r2Base = r1Base + r1Size + SZ_512, r2Size = SZ_256;
        long totalSize = r1Size + r2Size + r3Size;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = mb.memblockAlloc(r3Size, SMP_CACHE_BYTES);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, false);
        assertEquals(r2Size + r3Size, reserved.size(1));
        assertEquals(r2Base, reserved.base(1));
        assertEquals(2, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }
}
