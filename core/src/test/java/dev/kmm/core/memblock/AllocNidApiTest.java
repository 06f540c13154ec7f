package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.Harness.MEM_SIZE;
import static dev.kmm.core.memblock.Harness.NUMA_NODES;
import static dev.kmm.core.memblock.Harness.SMP_CACHE_BYTES;
import static dev.kmm.core.memblock.Harness.SZ_128;
import static dev.kmm.core.memblock.Harness.SZ_1K;
import static dev.kmm.core.memblock.Harness.SZ_2;
import static dev.kmm.core.memblock.Harness.SZ_256;
import static dev.kmm.core.memblock.Harness.SZ_4;
import static dev.kmm.core.memblock.Harness.SZ_512;
import static dev.kmm.core.memblock.Harness.SZ_64;
import static dev.kmm.core.memblock.Harness.SZ_8;
import static dev.kmm.core.memblock.Harness.regionEnd;
import static dev.kmm.core.memblock.Memblock.NUMA_NO_NODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Port of the kernel's {@code tools/testing/memblock/tests/alloc_nid_api.c}: the range tests and
 * the NUMA tests of {@code memblock_alloc_try_nid} and {@code memblock_alloc_try_nid_raw}
 * (the kernel runs the file once per function, {@code TEST_F_NONE} and {@code TEST_F_RAW});
 * the {@code *_generic_check} cases run in both directions.
 */
class AllocNidApiTest {
    /** The allocation function under test ({@code alloc_nid_test_flags}). */
    enum AllocNid {
        TRY_NID, TRY_NID_RAW;

        long run(Memblock mb, long size, long align, long minAddr, long maxAddr, int nid) {
            return this == TRY_NID
                    ? mb.memblockAllocTryNid(size, align, minAddr, maxAddr, nid)
                    : mb.memblockAllocTryNidRaw(size, align, minAddr, maxAddr, nid);
        }

        boolean raw() {
            return this == TRY_NID_RAW;
        }
    }

    /** Fraction of MEM_SIZE in each node, in basis points. */
    private static final int[] NODE_FRACTIONS = {2500, 625, 1250, 1250, 625, 625, 2500, 625};

    private final Harness h = new Harness();
    private final Memblock mb = h.mb;
    private final MemblockType memory = mb.memory();
    private final MemblockType reserved = mb.reserved();

    static Stream<Arguments> bothDirections() {
        return Stream.of(AllocNid.values()).flatMap(f -> Stream.of(Arguments.of(f, false), Arguments.of(f, true)));
    }

    private long run(AllocNid f, long size, long minAddr, long maxAddr, int nid) {
        return f.run(mb, size, SMP_CACHE_BYTES, minAddr, maxAddr, nid);
    }

    // ---- range tests, top-down ----

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownSimpleCheck(AllocNid f) {
        long size = SZ_128;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + SMP_CACHE_BYTES * 2;
        long maxAddr = minAddr + SZ_512;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(maxAddr - size, reserved.base(0));
        assertEquals(maxAddr, regionEnd(reserved, 0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownEndMisalignedCheck(AllocNid f) {
        long size = SZ_128;
        long misalign = SZ_2;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + SMP_CACHE_BYTES * 2;
        long maxAddr = minAddr + SZ_512 + misalign;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(maxAddr - size - misalign, reserved.base(0));
        assertTrue(regionEnd(reserved, 0) < maxAddr);
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNarrowRangeCheck(AllocNid f) {
        long size = SZ_256;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + SZ_512;
        long maxAddr = minAddr + SMP_CACHE_BYTES;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(maxAddr - size, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownReservedWithSpaceCheck(AllocNid f) {
        long r3Size = SZ_64;
        long gapSize = SMP_CACHE_BYTES;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES * 2, r1Size = SMP_CACHE_BYTES;
        long r2Size = SZ_128, r2Base = r1Base - (r3Size + gapSize + r2Size);
        long totalSize = r1Size + r2Size + r3Size;
        long minAddr = r2Base + r2Size;
        long maxAddr = r1Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = run(f, r3Size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, f.raw());
        assertEquals(r1Size + r3Size, reserved.size(1));
        assertEquals(maxAddr - r3Size, reserved.base(1));
        assertEquals(r2Size, reserved.size(0));
        assertEquals(r2Base, reserved.base(0));
        assertEquals(2, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownReservedNoSpaceCheck(AllocNid f) {
        long r3Size = SZ_256;
        long gapSize = SMP_CACHE_BYTES;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES * 2, r1Size = SMP_CACHE_BYTES;
        long r2Size = SZ_128, r2Base = r1Base - (r2Size + gapSize);
        long totalSize = r1Size + r2Size + r3Size;
        long minAddr = r2Base + r2Size;
        long maxAddr = r1Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = run(f, r3Size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, f.raw());
        assertEquals(r1Size, reserved.size(1));
        assertEquals(r1Base, reserved.base(1));
        assertEquals(r2Size + r3Size, reserved.size(0));
        assertEquals(r2Base - r3Size, reserved.base(0));
        assertEquals(2, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownCapMaxCheck(AllocNid f) {
        long size = SZ_256;
        h.setupMemblock();
        long minAddr = mb.memblockEndOfDRAM() - SZ_1K;
        long maxAddr = mb.memblockEndOfDRAM() + SZ_256;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(mb.memblockEndOfDRAM() - size, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownCapMinCheck(AllocNid f) {
        long size = SZ_1K;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() - SZ_256;
        long maxAddr = mb.memblockEndOfDRAM();

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(mb.memblockEndOfDRAM() - size, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    // ---- range tests, bottom-up ----

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpSimpleCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        long size = SZ_128;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + SMP_CACHE_BYTES * 2;
        long maxAddr = minAddr + SZ_512;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(minAddr, reserved.base(0));
        assertTrue(regionEnd(reserved, 0) < maxAddr);
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpStartMisalignedCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        long size = SZ_128;
        long misalign = SZ_2;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + misalign;
        long maxAddr = minAddr + SZ_512;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(minAddr + (SMP_CACHE_BYTES - misalign), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) < maxAddr);
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNarrowRangeCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        long size = SZ_256;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + SZ_512;
        long maxAddr = minAddr + SMP_CACHE_BYTES;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(mb.memblockStartOfDRAM(), reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpReservedWithSpaceCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        long r3Size = SZ_64;
        long gapSize = SMP_CACHE_BYTES;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES * 2, r1Size = SMP_CACHE_BYTES;
        long r2Size = SZ_128, r2Base = r1Base - (r3Size + gapSize + r2Size);
        long totalSize = r1Size + r2Size + r3Size;
        long minAddr = r2Base + r2Size;
        long maxAddr = r1Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = run(f, r3Size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, f.raw());
        assertEquals(r1Size, reserved.size(1));
        assertEquals(maxAddr, reserved.base(1));
        assertEquals(r2Size + r3Size, reserved.size(0));
        assertEquals(r2Base, reserved.base(0));
        assertEquals(2, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpReservedNoSpaceCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        long r3Size = SZ_256;
        long gapSize = SMP_CACHE_BYTES;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES * 2, r1Size = SMP_CACHE_BYTES;
        long r2Size = SZ_128, r2Base = r1Base - (r2Size + gapSize);
        long totalSize = r1Size + r2Size + r3Size;
        long minAddr = r2Base + r2Size;
        long maxAddr = r1Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = run(f, r3Size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, f.raw());
        assertEquals(r3Size, reserved.size(0));
        assertEquals(mb.memblockStartOfDRAM(), reserved.base(0));
        assertEquals(r2Size, reserved.size(1));
        assertEquals(r2Base, reserved.base(1));
        assertEquals(r1Size, reserved.size(2));
        assertEquals(r1Base, reserved.base(2));
        assertEquals(3, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpCapMaxCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        long size = SZ_256;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + SZ_1K;
        long maxAddr = mb.memblockEndOfDRAM() + SZ_256;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(minAddr, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpCapMinCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        long size = SZ_1K;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM() - SZ_256;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(mb.memblockStartOfDRAM(), reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    // ---- range tests, both directions ----

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidExactAddressGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long size = SZ_1K;
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM() + SMP_CACHE_BYTES;
        long maxAddr = minAddr + size;

        long allocated = run(f, size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(minAddr, reserved.base(0));
        assertEquals(maxAddr, regionEnd(reserved, 0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidLowMaxGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        h.setupMemblock();
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = minAddr + SMP_CACHE_BYTES;

        assertEquals(0, run(f, SZ_1K, minAddr, maxAddr, NUMA_NO_NODE));
    }

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidMinReservedGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long r1Size = SZ_128;
        long r2Size = SZ_64;
        long totalSize = r1Size + r2Size;
        h.setupMemblock();
        long maxAddr = mb.memblockEndOfDRAM();
        long minAddr = maxAddr - r2Size;
        long reservedBase = minAddr - r1Size;

        mb.memblockReserve(reservedBase, r1Size);
        long allocated = run(f, r2Size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r2Size, f.raw());
        assertEquals(totalSize, reserved.size(0));
        assertEquals(reservedBase, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidMaxReservedGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long r1Size = SZ_64;
        long r2Size = SZ_128;
        long totalSize = r1Size + r2Size;
        h.setupMemblock();
        long maxAddr = mb.memblockEndOfDRAM() - r1Size;
        long minAddr = maxAddr - r2Size;

        mb.memblockReserve(maxAddr, r1Size);
        long allocated = run(f, r2Size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r2Size, f.raw());
        assertEquals(totalSize, reserved.size(0));
        assertEquals(minAddr, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidReservedFullMergeGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long r3Size = SZ_64;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES * 2, r1Size = SMP_CACHE_BYTES;
        long r2Size = SZ_128, r2Base = r1Base - (r3Size + r2Size);
        long totalSize = r1Size + r2Size + r3Size;
        long minAddr = r2Base + r2Size;
        long maxAddr = r1Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = run(f, r3Size, minAddr, maxAddr, NUMA_NO_NODE);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, r3Size, f.raw());
        assertEquals(totalSize, reserved.size(0));
        assertEquals(r2Base, reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidReservedAllGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        long r3Size = SZ_256;
        long gapSize = SMP_CACHE_BYTES;
        h.setupMemblock();
        long r1Base = mb.memblockEndOfDRAM() - SMP_CACHE_BYTES, r1Size = SMP_CACHE_BYTES;
        long r2Size = MEM_SIZE - (r1Size + gapSize), r2Base = mb.memblockStartOfDRAM();
        long minAddr = r2Base + r2Size;
        long maxAddr = r1Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);

        assertEquals(0, run(f, r3Size, minAddr, maxAddr, NUMA_NO_NODE));
    }

    // ---- NUMA tests, top-down ----

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaSimpleCheck(AllocNid f) {
        int nidReq = 3;
        h.setupNumaMemblock(NODE_FRACTIONS);
        assertTrue(SZ_4 <= memory.size(nidReq));
        long size = memory.size(nidReq) / SZ_4;
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(regionEnd(memory, nidReq) - size, reserved.base(0));
        assertTrue(memory.base(nidReq) <= reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaSmallNodeCheck(AllocNid f) {
        int nidReq = 1;
        int nidExp = 6;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long size = SZ_2 * memory.size(nidReq);
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(regionEnd(memory, nidExp) - size, reserved.base(0));
        assertTrue(memory.base(nidExp) <= reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaNodeReservedCheck(AllocNid f) {
        int nidReq = 2;
        int nidExp = 6;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long size = memory.size(nidReq);
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        mb.memblockReserve(memory.base(nidReq), memory.size(nidReq));
        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(1));
        assertEquals(regionEnd(memory, nidExp) - size, reserved.base(1));
        assertTrue(memory.base(nidExp) <= reserved.base(1));
        assertEquals(2, reserved.cnt());
        assertEquals(size + memory.size(nidReq), reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaPartReservedCheck(AllocNid f) {
        int nidReq = 4;
        h.setupNumaMemblock(NODE_FRACTIONS);
        assertTrue(SZ_8 <= memory.size(nidReq));
        long r1Base = memory.base(nidReq);
        long r1Size = memory.size(nidReq) / SZ_2;
        long size = r1Size / SZ_4;
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        mb.memblockReserve(r1Base, r1Size);
        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(1));
        assertEquals(regionEnd(memory, nidReq) - size, reserved.base(1));
        assertTrue(memory.base(nidReq) <= reserved.base(1));
        assertEquals(2, reserved.cnt());
        assertEquals(size + r1Size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaPartReservedFallbackCheck(AllocNid f) {
        int nidReq = 4;
        int nidExp = NUMA_NODES - 1;
        h.setupNumaMemblock(NODE_FRACTIONS);
        assertTrue(SZ_4 <= memory.size(nidReq));
        long size = memory.size(nidReq) / SZ_2;
        long r1Base = memory.base(nidReq) + (size / SZ_2);
        long r1Size = size;
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        mb.memblockReserve(r1Base, r1Size);
        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(1));
        assertEquals(regionEnd(memory, nidExp) - size, reserved.base(1));
        assertTrue(memory.base(nidExp) <= reserved.base(1));
        assertEquals(2, reserved.cnt());
        assertEquals(size + r1Size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaSplitRangeLowCheck(AllocNid f) {
        int nidReq = 2;
        long size = SZ_512;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long reqNodeEnd = regionEnd(memory, nidReq);
        long minAddr = reqNodeEnd - SZ_256;
        long maxAddr = minAddr + size;

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(reqNodeEnd - size, reserved.base(0));
        assertTrue(memory.base(nidReq) <= reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaSplitRangeHighCheck(AllocNid f) {
        int nidReq = 3;
        int nidExp = nidReq - 1;
        long size = SZ_512;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long expNodeEnd = regionEnd(memory, nidExp);
        long minAddr = expNodeEnd - SZ_256;
        long maxAddr = minAddr + size;

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(expNodeEnd - size, reserved.base(0));
        assertTrue(memory.base(nidExp) <= reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaNoOverlapSplitCheck(AllocNid f) {
        int nidReq = 2;
        int node2 = 6;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long size = SZ_512;
        long minAddr = memory.base(node2) - SZ_256;
        long maxAddr = minAddr + size;

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(regionEnd(memory, nidReq) - size, reserved.base(0));
        assertTrue(memory.base(nidReq) <= reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaNoOverlapLowCheck(AllocNid f) {
        int nidReq = 0;
        int minNode = 2;
        int maxNode = 5;
        long size = SZ_64;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long minAddr = memory.base(minNode);
        long maxAddr = regionEnd(memory, maxNode);

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(maxAddr - size, reserved.base(0));
        assertTrue(memory.base(maxNode) <= reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidTopDownNumaNoOverlapHighCheck(AllocNid f) {
        int nidReq = 7;
        int minNode = 2;
        int maxNode = 5;
        long size = SZ_64;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long minAddr = memory.base(minNode);
        long maxAddr = regionEnd(memory, maxNode);

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(maxAddr - size, reserved.base(0));
        assertTrue(memory.base(maxNode) <= reserved.base(0));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    // ---- NUMA tests, bottom-up ----

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaSimpleCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 3;
        h.setupNumaMemblock(NODE_FRACTIONS);
        assertTrue(SZ_4 <= memory.size(nidReq));
        long size = memory.size(nidReq) / SZ_4;
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(memory.base(nidReq), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, nidReq));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaSmallNodeCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 1;
        int nidExp = 0;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long size = SZ_2 * memory.size(nidReq);
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(memory.base(nidExp), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, nidExp));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaNodeReservedCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 2;
        int nidExp = 0;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long size = memory.size(nidReq);
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        mb.memblockReserve(memory.base(nidReq), memory.size(nidReq));
        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(memory.base(nidExp), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, nidExp));
        assertEquals(2, reserved.cnt());
        assertEquals(size + memory.size(nidReq), reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaPartReservedCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 4;
        h.setupNumaMemblock(NODE_FRACTIONS);
        assertTrue(SZ_8 <= memory.size(nidReq));
        long r1Base = memory.base(nidReq);
        long r1Size = memory.size(nidReq) / SZ_2;
        long size = r1Size / SZ_4;
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();
        long totalSize = size + r1Size;

        mb.memblockReserve(r1Base, r1Size);
        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(totalSize, reserved.size(0));
        assertEquals(memory.base(nidReq), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, nidReq));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaPartReservedFallbackCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 4;
        int nidExp = 0;
        h.setupNumaMemblock(NODE_FRACTIONS);
        assertTrue(SZ_4 <= memory.size(nidReq));
        long size = memory.size(nidReq) / SZ_2;
        long r1Base = memory.base(nidReq) + (size / SZ_2);
        long r1Size = size;
        long minAddr = mb.memblockStartOfDRAM();
        long maxAddr = mb.memblockEndOfDRAM();

        mb.memblockReserve(r1Base, r1Size);
        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(memory.base(nidExp), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, nidExp));
        assertEquals(2, reserved.cnt());
        assertEquals(size + r1Size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaSplitRangeLowCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 2;
        long size = SZ_512;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long reqNodeEnd = regionEnd(memory, nidReq);
        long minAddr = reqNodeEnd - SZ_256;
        long maxAddr = minAddr + size;

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(memory.base(nidReq), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= reqNodeEnd);
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaSplitRangeHighCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 3;
        int nidExp = 0;
        long size = SZ_512;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long expNodeEnd = regionEnd(memory, nidReq);
        long minAddr = memory.base(nidReq) - SZ_256;
        long maxAddr = minAddr + size;

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(memory.base(nidExp), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= expNodeEnd);
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaNoOverlapSplitCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 2;
        int node2 = 6;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long size = SZ_512;
        long minAddr = memory.base(node2) - SZ_256;
        long maxAddr = minAddr + size;

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(memory.base(nidReq), reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, nidReq));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaNoOverlapLowCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 0;
        int minNode = 2;
        int maxNode = 5;
        long size = SZ_64;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long minAddr = memory.base(minNode);
        long maxAddr = regionEnd(memory, maxNode);

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(minAddr, reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, minNode));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    @ParameterizedTest
    @EnumSource(AllocNid.class)
    void allocNidBottomUpNumaNoOverlapHighCheck(AllocNid f) {
        mb.memblockSetBottomUp(true);
        int nidReq = 7;
        int minNode = 2;
        int maxNode = 5;
        long size = SZ_64;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long minAddr = memory.base(minNode);
        long maxAddr = regionEnd(memory, maxNode);

        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(size, reserved.size(0));
        assertEquals(minAddr, reserved.base(0));
        assertTrue(regionEnd(reserved, 0) <= regionEnd(memory, minNode));
        assertEquals(1, reserved.cnt());
        assertEquals(size, reserved.totalSize());
    }

    // ---- NUMA tests, both directions ----

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidNumaLargeRegionGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        int nidReq = 3;
        long size = MEM_SIZE / SZ_2;
        h.setupNumaMemblock(NODE_FRACTIONS);

        assertEquals(0, run(f, size, mb.memblockStartOfDRAM(), mb.memblockEndOfDRAM(), nidReq));
    }

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidNumaReservedFullMergeGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        int nidReq = 6;
        int nidNext = nidReq + 1;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long size = memory.size(nidReq);
        long r1Base = memory.base(nidNext), r1Size = SZ_128;
        long r2Size = SZ_128, r2Base = r1Base - (size + r2Size);
        long totalSize = r1Size + r2Size + size;
        long minAddr = r2Base + r2Size;
        long maxAddr = r1Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        long allocated = run(f, size, minAddr, maxAddr, nidReq);

        assertNotEquals(0, allocated);
        h.assertMemContent(allocated, size, f.raw());
        assertEquals(totalSize, reserved.size(0));
        assertEquals(r2Base, reserved.base(0));
        assertTrue(reserved.base(0) <= memory.base(nidReq));
        assertTrue(regionEnd(memory, nidReq) <= regionEnd(reserved, 0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @ParameterizedTest
    @MethodSource("bothDirections")
    void allocNidNumaSplitAllReservedGenericCheck(AllocNid f, boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        int nextNode = 7;
        long size = SZ_256;
        h.setupNumaMemblock(NODE_FRACTIONS);
        long r2Base = memory.base(nextNode) + SZ_128;
        long r2Size = mb.memblockEndOfDRAM() - r2Base;
        long r1Size = MEM_SIZE - (r2Size + size);
        long r1Base = mb.memblockStartOfDRAM();
        long minAddr = r1Base + r1Size;
        long maxAddr = r2Base;

        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);

        assertEquals(0, run(f, size, minAddr, maxAddr, NUMA_NO_NODE));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void allocNodeOnCorrectNid(boolean bottomUp) {
        mb.memblockSetBottomUp(bottomUp);
        int nidReq = 2;
        long size = SZ_512;
        h.setupNumaMemblock(NODE_FRACTIONS);

        long allocated = mb.memblockAllocNode(size, SMP_CACHE_BYTES, nidReq);

        assertNotEquals(0, allocated);
        assertEquals(nidReq, memory.nid(nidReq));
        // and the block does lie in that node
        assertTrue(memory.base(nidReq) <= allocated && allocated + size <= regionEnd(memory, nidReq));
    }
}
