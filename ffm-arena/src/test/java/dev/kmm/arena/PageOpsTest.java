package dev.kmm.arena;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.kmm.arena.PageOps.PAGE_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every path of {@link PageOps} (scalar, vector, and the chosen default) against independent
 * byte-at-a-time reference versions written here, plus published xxh64 test vectors.
 */
class PageOpsTest {
    /** The three entry points under test. */
    enum Impl {
        SCALAR, VECTOR, DEFAULT;

        void zeroPage(MemorySegment s, long off) {
            switch (this) {
                case SCALAR -> ScalarPageOps.zeroPage(s, off);
                case VECTOR -> VectorPageOps.zeroPage(s, off);
                case DEFAULT -> PageOps.zeroPage(s, off);
            }
        }

        void copyPage(MemorySegment d, long dOff, MemorySegment s, long sOff) {
            switch (this) {
                case SCALAR -> ScalarPageOps.copyPage(d, dOff, s, sOff);
                case VECTOR -> VectorPageOps.copyPage(d, dOff, s, sOff);
                case DEFAULT -> PageOps.copyPage(d, dOff, s, sOff);
            }
        }

        int comparePage(MemorySegment a, long aOff, MemorySegment b, long bOff) {
            return switch (this) {
                case SCALAR -> ScalarPageOps.comparePage(a, aOff, b, bOff);
                case VECTOR -> VectorPageOps.comparePage(a, aOff, b, bOff);
                case DEFAULT -> PageOps.comparePage(a, aOff, b, bOff);
            };
        }

        boolean isZeroPage(MemorySegment s, long off) {
            return switch (this) {
                case SCALAR -> ScalarPageOps.isZeroPage(s, off);
                case VECTOR -> VectorPageOps.isZeroPage(s, off);
                case DEFAULT -> PageOps.isZeroPage(s, off);
            };
        }

        long xxh64(MemorySegment s, long off, long len, long seed) {
            return switch (this) {
                case SCALAR -> ScalarPageOps.xxh64(s, off, len, seed);
                case VECTOR -> VectorPageOps.xxh64(s, off, len, seed);
                case DEFAULT -> PageOps.xxh64(s, off, len, seed);
            };
        }
    }

    /** Offsets of the page under test: aligned, and deliberately unaligned. */
    private static final long[] OFFSETS = {PAGE_SIZE, PAGE_SIZE + 3};

    /** Byte positions that exercise every place a difference can hide: word and vector edges, ends, middle. */
    private static final int[] POSITIONS = {0, 1, 7, 8, 31, 32, 63, 64, 65, 127, 128, 2047, 2048, 2049, 4031, 4032, 4088, 4094, 4095};

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        a = arena.allocate(4L * PAGE_SIZE, PAGE_SIZE);
        b = arena.allocate(4L * PAGE_SIZE, PAGE_SIZE);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    private static void fillRandom(MemorySegment s, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        }
    }

    private static List<Integer> positionsWithRandom(long seed) {
        List<Integer> ps = new ArrayList<>(IntStream.of(POSITIONS).boxed().toList());
        new SplittableRandom(seed).ints(16, 0, PAGE_SIZE).forEach(ps::add);
        return ps;
    }

    // ---- reference versions, one byte at a time ----

    private static int memcmpReference(MemorySegment x, long xOff, MemorySegment y, long yOff, long len) {
        for (long i = 0; i < len; i++) {
            int p = x.get(ValueLayout.JAVA_BYTE, xOff + i) & 0xff;
            int q = y.get(ValueLayout.JAVA_BYTE, yOff + i) & 0xff;
            if (p != q) {
                return p - q;
            }
        }
        return 0;
    }

    /** xxh64 as the xxHash specification describes it, assembling little-endian words from single bytes. */
    static long xxh64Reference(byte[] in, long seed) {
        final long p1 = 0x9E3779B185EBCA87L, p2 = 0xC2B2AE3D27D4EB4FL, p3 = 0x165667B19E3779F9L;
        final long p4 = 0x85EBCA77C2B2AE63L, p5 = 0x27D4EB2F165667C5L;
        int n = in.length;
        int i = 0;
        long acc;
        if (n >= 32) {
            long[] v = {seed + p1 + p2, seed + p2, seed, seed - p1};
            for (; i + 32 <= n; i += 32) {
                for (int lane = 0; lane < 4; lane++) {
                    v[lane] = Long.rotateLeft(v[lane] + leWord(in, i + 8 * lane, 8) * p2, 31) * p1;
                }
            }
            acc = Long.rotateLeft(v[0], 1) + Long.rotateLeft(v[1], 7) + Long.rotateLeft(v[2], 12) + Long.rotateLeft(v[3], 18);
            for (long lane : v) {
                acc ^= Long.rotateLeft(lane * p2, 31) * p1;
                acc = acc * p1 + p4;
            }
        } else {
            acc = seed + p5;
        }
        acc += n;
        for (; i + 8 <= n; i += 8) {
            acc ^= Long.rotateLeft(leWord(in, i, 8) * p2, 31) * p1;
            acc = Long.rotateLeft(acc, 27) * p1 + p4;
        }
        if (i + 4 <= n) {
            acc ^= leWord(in, i, 4) * p1;
            acc = Long.rotateLeft(acc, 23) * p2 + p3;
            i += 4;
        }
        for (; i < n; i++) {
            acc ^= (in[i] & 0xffL) * p5;
            acc = Long.rotateLeft(acc, 11) * p1;
        }
        acc ^= acc >>> 33;
        acc *= p2;
        acc ^= acc >>> 29;
        acc *= p3;
        acc ^= acc >>> 32;
        return acc;
    }

    private static long leWord(byte[] in, int at, int bytes) {
        long w = 0;
        for (int k = bytes - 1; k >= 0; k--) {
            w = (w << 8) | (in[at + k] & 0xff);
        }
        return w;
    }

    /** xxHash's sanity buffer (cli/xsum_sanity_check.c): byte i is the top byte of PRIME32 * PRIME64^i mod 2^64. */
    private static byte[] sanityBuffer(int length) {
        byte[] buf = new byte[length];
        long gen = 2654435761L;
        for (int i = 0; i < length; i++) {
            buf[i] = (byte) (gen >>> 56);
            gen *= 0x9E3779B185EBCA8DL; // xsum's PRIME64, 11400714785074694797
        }
        return buf;
    }

    // ---- zero, copy ----

    @ParameterizedTest
    @EnumSource(Impl.class)
    void zeroPageClearsExactlyOnePage(Impl impl) {
        for (long off : OFFSETS) {
            fillRandom(a, off);
            byte[] before = a.toArray(ValueLayout.JAVA_BYTE);
            impl.zeroPage(a, off);
            byte[] after = a.toArray(ValueLayout.JAVA_BYTE);
            for (int i = 0; i < after.length; i++) {
                boolean inPage = i >= off && i < off + PAGE_SIZE;
                assertEquals(inPage ? 0 : before[i], after[i], impl + " offset " + off + " byte " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void copyPageCopiesExactlyOnePage(Impl impl) {
        for (long off : OFFSETS) {
            fillRandom(a, 1000 + off);
            fillRandom(b, 2000 + off);
            byte[] dstBefore = b.toArray(ValueLayout.JAVA_BYTE);
            impl.copyPage(b, off + 5, a, off);
            byte[] dst = b.toArray(ValueLayout.JAVA_BYTE);
            for (int i = 0; i < dst.length; i++) {
                long k = i - (off + 5);
                byte expected = k >= 0 && k < PAGE_SIZE ? a.get(ValueLayout.JAVA_BYTE, off + k) : dstBefore[i];
                assertEquals(expected, dst[i], impl + " offset " + off + " byte " + i);
            }
        }
    }

    // ---- compare ----

    @ParameterizedTest
    @EnumSource(Impl.class)
    void equalPagesCompareZero(Impl impl) {
        for (long seed = 0; seed < 8; seed++) {
            fillRandom(a, seed);
            MemorySegment.copy(a, 0, b, 0, a.byteSize());
            for (long off : OFFSETS) {
                assertEquals(0, impl.comparePage(a, off, b, off));
            }
            assertEquals(memcmpReference(a, 0, a, 5, PAGE_SIZE), impl.comparePage(a, 0, a, 5), "overlapping pages");
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void oneByteDifferenceAtEveryPositionClass(Impl impl) {
        for (long off : OFFSETS) {
            fillRandom(a, 7 + off);
            for (int pos : positionsWithRandom(off)) {
                // Both directions, and bytes whose signed order differs from their unsigned order.
                for (int[] pair : new int[][] {{0x7f, 0x80}, {0x80, 0x7f}, {0x00, 0xff}, {0x41, 0x40}}) {
                    MemorySegment.copy(a, 0, b, 0, a.byteSize());
                    a.set(ValueLayout.JAVA_BYTE, off + pos, (byte) pair[0]);
                    b.set(ValueLayout.JAVA_BYTE, off + pos, (byte) pair[1]);
                    int expected = memcmpReference(a, off, b, off, PAGE_SIZE);
                    assertEquals(pair[0] - pair[1], expected, "reference sanity");
                    assertEquals(expected, impl.comparePage(a, off, b, off), impl + " offset " + off + " pos " + pos);
                    assertEquals(-expected, impl.comparePage(b, off, a, off), impl + " swapped, pos " + pos);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void firstDifferenceDecides(Impl impl) {
        fillRandom(a, 99);
        SplittableRandom rnd = new SplittableRandom(5);
        for (int round = 0; round < 200; round++) {
            MemorySegment.copy(a, 0, b, 0, a.byteSize());
            int first = rnd.nextInt(PAGE_SIZE - 1);
            int later = first + 1 + rnd.nextInt(PAGE_SIZE - 1 - first);
            b.set(ValueLayout.JAVA_BYTE, first, (byte) (a.get(ValueLayout.JAVA_BYTE, first) + 1 + rnd.nextInt(255)));
            b.set(ValueLayout.JAVA_BYTE, later, (byte) (a.get(ValueLayout.JAVA_BYTE, later) + 1 + rnd.nextInt(255)));
            assertEquals(memcmpReference(a, 0, b, 0, PAGE_SIZE), impl.comparePage(a, 0, b, 0),
                    impl + " differences at " + first + " and " + later);
        }
    }

    @Test
    void scalarAndVectorAgreeOnRandomPages() {
        SplittableRandom rnd = new SplittableRandom(2024);
        for (int round = 0; round < 100; round++) {
            fillRandom(a, rnd.nextLong());
            MemorySegment.copy(a, 0, b, 0, a.byteSize());
            // Random pages differ in many bytes, or (half the time) in few.
            int changes = rnd.nextBoolean() ? 1 + rnd.nextInt(3) : 0;
            for (int c = 0; c < changes; c++) {
                b.set(ValueLayout.JAVA_BYTE, PAGE_SIZE + rnd.nextInt(PAGE_SIZE), (byte) rnd.nextInt(256));
            }
            assertEquals(ScalarPageOps.comparePage(a, PAGE_SIZE, b, PAGE_SIZE), VectorPageOps.comparePage(a, PAGE_SIZE, b, PAGE_SIZE));
            assertEquals(ScalarPageOps.comparePage(a, 0, b, PAGE_SIZE), VectorPageOps.comparePage(a, 0, b, PAGE_SIZE));
            assertEquals(ScalarPageOps.xxh64(b, PAGE_SIZE, PAGE_SIZE, 0), VectorPageOps.xxh64(b, PAGE_SIZE, PAGE_SIZE, 0));
        }
    }

    // ---- zero test ----

    @ParameterizedTest
    @EnumSource(Impl.class)
    void isZeroPageFindsAnySingleNonZeroByte(Impl impl) {
        for (long off : OFFSETS) {
            a.fill((byte) 0xee);
            a.asSlice(off, PAGE_SIZE).fill((byte) 0);
            assertTrue(impl.isZeroPage(a, off), "neighbouring bytes are not part of the page");
            for (int pos : positionsWithRandom(31 + off)) {
                for (byte v : new byte[] {1, (byte) 0x80, (byte) 0xff}) {
                    a.set(ValueLayout.JAVA_BYTE, off + pos, v);
                    assertFalse(impl.isZeroPage(a, off), impl + " offset " + off + " pos " + pos + " value " + v);
                    a.set(ValueLayout.JAVA_BYTE, off + pos, (byte) 0);
                }
            }
            assertTrue(impl.isZeroPage(a, off));
        }
    }

    // ---- xxh64 and the ksm checksum ----

    @ParameterizedTest
    @EnumSource(Impl.class)
    void xxh64MatchesPublishedVectors(Impl impl) {
        long prime32 = 2654435761L;
        // xxHash's own sanity vectors (cli/xsum_sanity_check.c, XSUM_XXH64_testdata) ...
        Object[][] sanity = {
                {0, 0L, 0xEF46DB3751D8E999L}, {0, prime32, 0xAC75FDA2929B17EFL},
                {1, 0L, 0xE934A84ADB052768L}, {1, prime32, 0x5014607643A9B4C3L},
                {4, 0L, 0x9136A0DCA57457EEL},
                {14, 0L, 0x8282DCC4994E35C8L}, {14, prime32, 0xC3BD6BF63DEB6DF0L},
                {222, 0L, 0xB641AE8CB691C174L}, {222, prime32, 0x20CB8AB7AE10C14AL},
                // ... and more lengths of the same buffer, from the xxhsum 0.8.1 command (xxhsum -H1).
                {32, 0L, 0x18B216492BB44B70L}, {33, 0L, 0x55C8DC3E578F5B59L}, {100, 0L, 0x4BFE019CD91D9EA4L},
                {2367, 0L, 0xA82418DDEC0EA581L}, {4096, 0L, 0xAB77F4AF85F4E70BL},
                {4097, 0L, 0xF617DE30F1C0ABB6L}, {8192, 0L, 0x161A47248085699BL},
        };
        for (Object[] v : sanity) {
            byte[] data = sanityBuffer((Integer) v[0]);
            assertEquals((long) v[2], xxh64Of(impl, data, (Long) v[1]), impl + " length " + v[0] + " seed " + v[1]);
            assertEquals((long) v[2], xxh64Reference(data, (Long) v[1]), "reference, length " + v[0]);
        }
        assertEquals(0x44BC2CF5AD770999L, xxh64Of(impl, "abc".getBytes(StandardCharsets.US_ASCII), 0));
        assertEquals(0xAC869B6F32D8BBDBL, xxh64Of(impl, new byte[PAGE_SIZE], 0), "xxhsum -H1 of a zero page");
    }

    private static long xxh64Of(Impl impl, byte[] data, long seed) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment s = scratch.allocate(data.length + 3L);
            MemorySegment.copy(data, 0, s, ValueLayout.JAVA_BYTE, 3, data.length);
            return impl.xxh64(s, 3, data.length, seed);
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void xxh64MatchesReferenceOnRandomInput(Impl impl) {
        SplittableRandom rnd = new SplittableRandom(77);
        fillRandom(a, 77);
        byte[] all = a.toArray(ValueLayout.JAVA_BYTE);
        for (int round = 0; round < 400; round++) {
            int len = round < 300 ? round : rnd.nextInt(3 * PAGE_SIZE);
            int off = rnd.nextInt(all.length - len + 1);
            long seed = round % 3 == 0 ? 0 : rnd.nextLong();
            byte[] slice = Arrays.copyOfRange(all, off, off + len);
            assertEquals(xxh64Reference(slice, seed), impl.xxh64(a, off, len, seed), impl + " len " + len + " seed " + seed);
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void checksumIsKsmsLow32BitsOfXxh64(Impl impl) {
        assertEquals(0x32D8BBDB, PageOps.checksum(b, 0), "ksm's zero_checksum: low half of xxh64(zero page)");
        for (long seed = 0; seed < 10; seed++) {
            fillRandom(a, seed);
            int sum = PageOps.checksum(a, PAGE_SIZE);
            assertEquals((int) xxh64Reference(a.asSlice(PAGE_SIZE, PAGE_SIZE).toArray(ValueLayout.JAVA_BYTE), 0), sum);
            assertEquals(sum, (int) impl.xxh64(a, PAGE_SIZE, PAGE_SIZE, 0));
        }
    }

    // ---- bad input ----

    @ParameterizedTest
    @EnumSource(Impl.class)
    void pagesOutsideTheSegmentAreRejectedBeforeAnyWrite(Impl impl) {
        MemorySegment one = a.asSlice(0, PAGE_SIZE);
        long bad = 8;
        fillRandom(a, 3);
        fillRandom(b, 4);
        byte[] aBefore = a.toArray(ValueLayout.JAVA_BYTE);
        byte[] bBefore = b.toArray(ValueLayout.JAVA_BYTE);
        Stream.<Runnable>of(
                () -> impl.zeroPage(one, bad),
                () -> impl.copyPage(one, bad, b, 0),
                () -> impl.copyPage(b, 0, one, bad),
                () -> impl.comparePage(one, bad, b, 0),
                () -> impl.isZeroPage(one, -8),
                () -> impl.xxh64(one, bad, PAGE_SIZE, 0)
        ).forEach(op -> assertThrows(IndexOutOfBoundsException.class, op::run, impl.toString()));
        var e = assertThrows(IllegalArgumentException.class, () -> impl.xxh64(one, 0, -1, 0));
        assertEquals("xxh64: negative length -1", e.getMessage());
        assertArrayEquals(aBefore, a.toArray(ValueLayout.JAVA_BYTE), "a failed zeroPage or copyPage wrote nothing");
        assertArrayEquals(bBefore, b.toArray(ValueLayout.JAVA_BYTE));
    }
}
