package dev.kmm.arena;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.kmm.arena.PageOps.PAGE_SIZE;

/**
 * The plain-Java paths of {@link PageOps}: loops over 8-byte words. Public so that benchmarks can
 * set them against {@link VectorPageOps}; kmm code calls {@link PageOps}, which picks the faster.
 *
 * <p>Every method takes a page as a segment and the offset of the page in it; the whole page must
 * lie inside the segment ({@link IndexOutOfBoundsException} otherwise). Offsets need not be aligned.
 */
public final class ScalarPageOps {
    // Little-endian words: memcmp order and xxh64's XXH_readLE64 both mean "lowest address first".
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // xxh64's primes (lib/xxhash.c).
    static final long PRIME64_1 = 0x9E3779B185EBCA87L;
    static final long PRIME64_2 = 0xC2B2AE3D27D4EB4FL;
    static final long PRIME64_3 = 0x165667B19E3779F9L;
    static final long PRIME64_4 = 0x85EBCA77C2B2AE63L;
    static final long PRIME64_5 = 0x27D4EB2F165667C5L;

    private ScalarPageOps() {
    }

    /** Fills the page with zeros (the kernel's {@code clear_page}). */
    public static void zeroPage(MemorySegment page, long offset) {
        PageOps.checkPage(page, offset);
        for (int i = 0; i < PAGE_SIZE; i += Long.BYTES) {
            page.set(LE_LONG, offset + i, 0L);
        }
    }

    /** Copies page {@code src} to page {@code dst} (the kernel's {@code copy_page}); the two must not partly overlap. */
    public static void copyPage(MemorySegment dst, long dstOffset, MemorySegment src, long srcOffset) {
        PageOps.checkPage(dst, dstOffset);
        PageOps.checkPage(src, srcOffset);
        for (int i = 0; i < PAGE_SIZE; i += Long.BYTES) {
            dst.set(LE_LONG, dstOffset + i, src.get(LE_LONG, srcOffset + i));
        }
    }

    /**
     * Compares two pages like {@code memcmp(a, b, PAGE_SIZE)} (ksm's {@code memcmp_pages}): zero when
     * equal, else the difference of the first differing bytes taken as unsigned values.
     */
    public static int comparePage(MemorySegment a, long aOffset, MemorySegment b, long bOffset) {
        PageOps.checkPage(a, aOffset);
        PageOps.checkPage(b, bOffset);
        for (int i = 0; i < PAGE_SIZE; i += Long.BYTES) {
            long x = a.get(LE_LONG, aOffset + i);
            long y = b.get(LE_LONG, bOffset + i);
            if (x != y) {
                return byteDifference(x, y);
            }
        }
        return 0;
    }

    /** True when every byte of the page is zero. */
    public static boolean isZeroPage(MemorySegment page, long offset) {
        PageOps.checkPage(page, offset);
        for (int i = 0; i < PAGE_SIZE; i += Long.BYTES) {
            if (page.get(LE_LONG, offset + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The xxh64 hash of {@code [offset, offset+length)} with the given seed, exactly as the
     * kernel's {@code xxh64()} (lib/xxhash.c) and the reference xxHash compute it.
     *
     * @throws IllegalArgumentException when {@code length} is negative
     */
    public static long xxh64(MemorySegment seg, long offset, long length, long seed) {
        if (length < 0) {
            throw new IllegalArgumentException("xxh64: negative length " + length);
        }
        long p = offset;
        long end = offset + length;
        long h;
        if (length >= 32) {
            long v1 = seed + PRIME64_1 + PRIME64_2;
            long v2 = seed + PRIME64_2;
            long v3 = seed;
            long v4 = seed - PRIME64_1;
            long limit = end - 32;
            do {
                v1 = round(v1, seg.get(LE_LONG, p));
                v2 = round(v2, seg.get(LE_LONG, p + 8));
                v3 = round(v3, seg.get(LE_LONG, p + 16));
                v4 = round(v4, seg.get(LE_LONG, p + 24));
                p += 32;
            } while (p <= limit);
            h = mergeAccumulators(v1, v2, v3, v4);
        } else {
            h = seed + PRIME64_5;
        }
        return finish(h + length, seg, p, end);
    }

    /** The lowest-addressed byte where two little-endian words differ, as memcmp reports it. */
    static int byteDifference(long x, long y) {
        int shift = Long.numberOfTrailingZeros(x ^ y) & ~7;
        return (int) ((x >>> shift) & 0xff) - (int) ((y >>> shift) & 0xff);
    }

    static long round(long acc, long input) {
        acc += input * PRIME64_2;
        acc = Long.rotateLeft(acc, 31);
        return acc * PRIME64_1;
    }

    private static long mergeRound(long acc, long val) {
        acc ^= round(0, val);
        return acc * PRIME64_1 + PRIME64_4;
    }

    /** Folds the four stripe accumulators into one (xxh64 for inputs of 32 bytes or more). */
    static long mergeAccumulators(long v1, long v2, long v3, long v4) {
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = mergeRound(h, v1);
        h = mergeRound(h, v2);
        h = mergeRound(h, v3);
        return mergeRound(h, v4);
    }

    /** Consumes the tail {@code [p, end)} (under 32 bytes) into {@code h} and avalanches. */
    static long finish(long h, MemorySegment seg, long p, long end) {
        while (p + 8 <= end) {
            h ^= round(0, seg.get(LE_LONG, p));
            h = Long.rotateLeft(h, 27) * PRIME64_1 + PRIME64_4;
            p += 8;
        }
        if (p + 4 <= end) {
            h ^= (seg.get(LE_INT, p) & 0xFFFF_FFFFL) * PRIME64_1;
            h = Long.rotateLeft(h, 23) * PRIME64_2 + PRIME64_3;
            p += 4;
        }
        while (p < end) {
            h ^= (seg.get(ValueLayout.JAVA_BYTE, p) & 0xFFL) * PRIME64_5;
            h = Long.rotateLeft(h, 11) * PRIME64_1;
            p++;
        }
        h ^= h >>> 33;
        h *= PRIME64_2;
        h ^= h >>> 29;
        h *= PRIME64_3;
        h ^= h >>> 32;
        return h;
    }
}
