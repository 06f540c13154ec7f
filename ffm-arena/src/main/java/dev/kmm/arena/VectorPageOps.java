package dev.kmm.arena;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.kmm.arena.PageOps.PAGE_SIZE;
import static dev.kmm.arena.ScalarPageOps.PRIME64_1;
import static dev.kmm.arena.ScalarPageOps.PRIME64_2;

/**
 * The Vector API ({@code jdk.incubator.vector}) paths of {@link PageOps}, over the widest vectors
 * the CPU has ({@code LongVector.SPECIES_PREFERRED}). Same contracts and results as
 * {@link ScalarPageOps}; public so that benchmarks can set the two against each other. The JVM
 * must run with {@code --add-modules=jdk.incubator.vector} to load this class.
 */
public final class VectorPageOps {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    private static final int STEP = S.vectorByteSize();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // xxh64 runs four 64-bit accumulators over 32-byte stripes: exactly one 256-bit vector. On a
    // CPU without 256-bit vectors that species would be emulated (very slowly), so use the scalar loop.
    private static final VectorSpecies<Long> STRIPE = LongVector.SPECIES_256;
    private static final boolean STRIPE_IN_HARDWARE = S.vectorBitSize() >= 256;
    private static final LongVector SEED_OFFSETS = LongVector.fromArray(STRIPE,
            new long[] {PRIME64_1 + PRIME64_2, PRIME64_2, 0, -PRIME64_1}, 0);

    private VectorPageOps() {
    }

    /** As {@link ScalarPageOps#zeroPage}. */
    public static void zeroPage(MemorySegment page, long offset) {
        PageOps.checkPage(page, offset);
        LongVector zero = LongVector.zero(S);
        for (int i = 0; i < PAGE_SIZE; i += STEP) {
            zero.intoMemorySegment(page, offset + i, LE);
        }
    }

    /** As {@link ScalarPageOps#copyPage}. */
    public static void copyPage(MemorySegment dst, long dstOffset, MemorySegment src, long srcOffset) {
        PageOps.checkPage(dst, dstOffset);
        PageOps.checkPage(src, srcOffset);
        for (int i = 0; i < PAGE_SIZE; i += STEP) {
            LongVector.fromMemorySegment(S, src, srcOffset + i, LE).intoMemorySegment(dst, dstOffset + i, LE);
        }
    }

    /** As {@link ScalarPageOps#comparePage}. */
    public static int comparePage(MemorySegment a, long aOffset, MemorySegment b, long bOffset) {
        PageOps.checkPage(a, aOffset);
        PageOps.checkPage(b, bOffset);
        for (int i = 0; i < PAGE_SIZE; i += STEP) {
            LongVector x = LongVector.fromMemorySegment(S, a, aOffset + i, LE);
            LongVector y = LongVector.fromMemorySegment(S, b, bOffset + i, LE);
            VectorMask<Long> differ = x.compare(VectorOperators.NE, y);
            if (differ.anyTrue()) {
                int lane = differ.firstTrue();
                return ScalarPageOps.byteDifference(x.lane(lane), y.lane(lane));
            }
        }
        return 0;
    }

    /** As {@link ScalarPageOps#isZeroPage}. */
    public static boolean isZeroPage(MemorySegment page, long offset) {
        PageOps.checkPage(page, offset);
        // OR four vectors before each test: one branch per 4 vectors, and a non-zero page is
        // usually caught in the first few.
        for (int i = 0; i < PAGE_SIZE; i += 4 * STEP) {
            LongVector any = LongVector.fromMemorySegment(S, page, offset + i, LE)
                    .or(LongVector.fromMemorySegment(S, page, offset + i + STEP, LE))
                    .or(LongVector.fromMemorySegment(S, page, offset + i + 2 * STEP, LE))
                    .or(LongVector.fromMemorySegment(S, page, offset + i + 3 * STEP, LE));
            if (any.compare(VectorOperators.NE, 0L).anyTrue()) {
                return false;
            }
        }
        return true;
    }

    /** As {@link ScalarPageOps#xxh64}: the four stripe accumulators run as one 256-bit vector. */
    public static long xxh64(MemorySegment seg, long offset, long length, long seed) {
        if (length < 32 || !STRIPE_IN_HARDWARE) {
            return ScalarPageOps.xxh64(seg, offset, length, seed);
        }
        long p = offset;
        long end = offset + length;
        long limit = end - 32;
        LongVector acc = SEED_OFFSETS.add(seed);
        do {
            LongVector input = LongVector.fromMemorySegment(STRIPE, seg, p, LE);
            acc = acc.add(input.mul(PRIME64_2)).lanewise(VectorOperators.ROL, 31).mul(PRIME64_1);
            p += 32;
        } while (p <= limit);
        long h = ScalarPageOps.mergeAccumulators(acc.lane(0), acc.lane(1), acc.lane(2), acc.lane(3));
        return ScalarPageOps.finish(h + length, seg, p, end);
    }
}
