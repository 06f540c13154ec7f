package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.Harness.MEM_SIZE;
import static dev.kmm.core.memblock.Harness.SMP_CACHE_BYTES;
import static dev.kmm.core.memblock.Harness.SZ_16;
import static dev.kmm.core.memblock.Harness.SZ_2;
import static dev.kmm.core.memblock.Harness.SZ_32;
import static dev.kmm.core.memblock.Harness.SZ_64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Port of the kernel's {@code tools/testing/memblock/tests/alloc_helpers_api.c}:
 * {@code memblock_alloc_from} ({@code memblockAllocFrom}).
 */
class AllocHelpersApiTest {
    private final Harness h = new Harness();
    private final Memblock mb = h.mb;
    private final MemblockType reserved = mb.reserved();

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocFromSimpleGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long size = SZ_16;
        h.setupMemblock();
        long minAddr = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES;

        long allocated = mb.memblockAllocFrom(size, SMP_CACHE_BYTES, minAddr);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, false);
        assertEquals(size, reserved.size(0));
        assertEquals(minAddr, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest(name = "bottomUp={0}")
    @ValueSource(booleans = {false, true})
    void allocFromMisalignedGenericCheck(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long size = SZ_32;
        h.setupMemblock();
        // a misaligned address
        long minAddr = mb.memblockEndOfDRAM() - (SMP_CACHE_BYTES * 2 - 1);

        long allocated = mb.memblockAllocFrom(size, SMP_CACHE_BYTES, minAddr);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, false);
        assertEquals(size, reserved.size(0));
        assertEquals(mb.memblockEndOfDRAM() - SMP_CACHE_BYTES, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @Test
    void allocFromTopDownHighAddrCheck() {
        long size = SZ_32;
        h.setupMemblock();
        // the address is too close to the end of the memory
        long minAddr = mb.memblockEndOfDRAM() - SZ_16;

        long allocated = mb.memblockAllocFrom(size, SMP_CACHE_BYTES, minAddr);

        assertNotEquals(0, allocated);
        assertEquals(size, reserved.size(0));
        assertEquals(mb.memblockEndOfDRAM() - SMP_CACHE_BYTES, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @Test
    void allocFromTopDownNoSpaceAboveCheck() {
        long r1Size = SZ_64;
        long r2Size = SZ_2;
        long totalSize = r1Size + r2Size;
        h.setupMemblock();
        long minAddr = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES * 2;

        // no space above this address
        mb.memblockReserve(minAddr, r2Size);
        long allocated = mb.memblockAllocFrom(r1Size, SMP_CACHE_BYTES, minAddr);

        assertNotEquals(0, allocated);
        assertEquals(minAddr - r1Size, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void allocFromTopDownMinAddrCapCheck() {
        long r1Size = SZ_64;
        h.setupMemblock();
        long startAddr = mb.memblockStartOfDRAM();
        long minAddr = startAddr - SMP_CACHE_BYTES * 3;

        mb.memblockReserve(startAddr + r1Size, MEM_SIZE - r1Size);
        long allocated = mb.memblockAllocFrom(r1Size, SMP_CACHE_BYTES, minAddr);

        assertNotEquals(0, allocated);
        assertEquals(startAddr, reserved.base(0));
        assertEquals(MEM_SIZE, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(MEM_SIZE, reserved.totalSize());
    }
}
