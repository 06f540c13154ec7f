package dev.kmm.arena.bitmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kmm.arena.BadAddressException;
import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bitmap operations against java.util.BitSet. The model holds every bit of every word the bitmap owns
 * (so bitmap_fill's bits past {@code size} are modelled too); searches are answered by the model with
 * BitSet's own methods, clipped to {@code size} as the kernel specifies.
 */
class BitmapModelTest {
    static final long BASE = 0xffff888000000000L;
    static final long GUARD = 0x6b6b6b6b6b6b6b6bL; // POISON_FREE bytes around each bitmap

    @ParameterizedTest
    @ValueSource(longs = {0xb17L, 6_1L, 20221211L})
    void randomOperationsMatchBitSet(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(1 << 16, 4096);
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, ram));
            for (int round = 0; round < 50; round++) {
                // sizes that are rarely a multiple of 64, from a single bit to ~20 words
                long size = 1 + rnd.nextInt(1300);
                long words = Bitmap.bitsToLongs(size);
                long addr = BASE + 8 + 8 * rnd.nextInt(64); // a guard word below, and a varying start
                ram.fill((byte) 0x6b);
                Bitmap.bitmapZero(mem, addr, size);
                BitSet model = new BitSet();
                for (int op = 0; op < 3_000; op++) {
                    String where = "seed " + seed + " round " + round + " size " + size + " op #" + op;
                    step(mem, addr, size, words, model, rnd, where);
                    if (op % 16 == 0) {
                        assertWords(mem, addr, words, model, where);
                    }
                }
                assertWords(mem, addr, words, model, "seed " + seed + " round " + round);
                assertEquals(GUARD, mem.getLong(addr - 8), "word below the bitmap written");
                assertEquals(GUARD, mem.getLong(addr + words * 8), "word above the bitmap written");
            }
        }
    }

    private static void step(KernelMemory mem, long addr, long size, long words, BitSet model, SplittableRandom rnd,
            String where) {
        long nr = rnd.nextLong(size);
        long offset = rnd.nextLong(size + 130); // past the end too: the kernel answers size
        int op = rnd.nextInt(22);
        switch (op) {
            case 0 -> { Bitmap.setBit(mem, addr, nr); model.set((int) nr); }
            case 1 -> { Bitmap.clearBit(mem, addr, nr); model.clear((int) nr); }
            case 2 -> { Bitmap.setBitNonAtomic(mem, addr, nr); model.set((int) nr); }
            case 3 -> { Bitmap.clearBitNonAtomic(mem, addr, nr); model.clear((int) nr); }
            case 4 -> { assertEquals(model.get((int) nr), Bitmap.testAndSetBit(mem, addr, nr), where); model.set((int) nr); }
            case 5 -> { assertEquals(model.get((int) nr), Bitmap.testAndClearBit(mem, addr, nr), where); model.clear((int) nr); }
            case 6 -> { assertEquals(model.get((int) nr), Bitmap.testAndSetBitNonAtomic(mem, addr, nr), where); model.set((int) nr); }
            case 7 -> { assertEquals(model.get((int) nr), Bitmap.testAndClearBitNonAtomic(mem, addr, nr), where); model.clear((int) nr); }
            case 8 -> assertEquals(model.get((int) nr), Bitmap.testBit(mem, addr, nr), where);
            case 9, 10 -> { // ranges make runs for the searches to cross
                long start = rnd.nextLong(size + 1);
                long nbits = rnd.nextLong(size - start + 1);
                if (op == 9) {
                    Bitmap.bitmapSet(mem, addr, start, nbits);
                    model.set((int) start, (int) (start + nbits));
                } else {
                    Bitmap.bitmapClear(mem, addr, start, nbits);
                    model.clear((int) start, (int) (start + nbits));
                }
            }
            case 11 -> {
                if (rnd.nextInt(20) == 0) {
                    Bitmap.bitmapZero(mem, addr, size);
                    model.clear();
                }
            }
            case 12 -> {
                if (rnd.nextInt(20) == 0) {
                    Bitmap.bitmapFill(mem, addr, size);
                    model.set(0, (int) (words * 64)); // whole words, as memset does
                }
            }
            case 13, 14 -> assertEquals(nextSet(model, size, offset), Bitmap.findNextBit(mem, addr, size, offset), where);
            case 15, 16 -> assertEquals(nextClear(model, size, offset), Bitmap.findNextZeroBit(mem, addr, size, offset), where);
            case 17 -> assertEquals(nextSet(model, size, 0), Bitmap.findFirstBit(mem, addr, size), where);
            case 18 -> assertEquals(nextClear(model, size, 0), Bitmap.findFirstZeroBit(mem, addr, size), where);
            case 19 -> {
                long n = rnd.nextLong(size + 1); // a shorter view of the same bitmap
                int last = n == 0 ? -1 : model.previousSetBit((int) n - 1);
                assertEquals(last < 0 ? n : last, Bitmap.findLastBit(mem, addr, n), where);
            }
            case 20 -> {
                long n = rnd.nextLong(size + 1);
                assertEquals(model.get(0, (int) n).cardinality(), Bitmap.weight(mem, addr, n), where);
            }
            default -> { // search a view shorter than the bitmap: bits past that size must not count
                long n = rnd.nextLong(size + 1);
                long off = rnd.nextLong(n + 1);
                assertEquals(nextSet(model, n, off), Bitmap.findNextBit(mem, addr, n, off), where);
                assertEquals(nextClear(model, n, off), Bitmap.findNextZeroBit(mem, addr, n, off), where);
            }
        }
    }

    private static long nextSet(BitSet model, long size, long offset) {
        if (offset >= size) {
            return size;
        }
        int i = model.nextSetBit((int) offset);
        return i < 0 || i >= size ? size : i;
    }

    private static long nextClear(BitSet model, long size, long offset) {
        if (offset >= size) {
            return size;
        }
        int i = model.nextClearBit((int) offset);
        return i >= size ? size : i;
    }

    private static void assertWords(KernelMemory mem, long addr, long words, BitSet model, String where) {
        long[] expected = model.toLongArray();
        for (int w = 0; w < words; w++) {
            long e = w < expected.length ? expected[w] : 0;
            long a = mem.getLong(addr + 8L * w);
            if (a != e) {
                fail(where + ": word " + w + " is " + Long.toHexString(a) + ", model " + Long.toHexString(e));
            }
        }
    }

    @Test
    void searchesOfAnEmptyOrFullBitmapReturnSize() {
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, arena.allocate(4096, 4096)));
            assertEquals(200, Bitmap.findFirstBit(mem, BASE, 200));
            assertEquals(200, Bitmap.findLastBit(mem, BASE, 200));
            assertEquals(0, Bitmap.findLastBit(mem, BASE, 0));
            assertEquals(0, Bitmap.findNextBit(mem, BASE, 0, 0));
            Bitmap.bitmapFill(mem, BASE, 200);
            assertEquals(200, Bitmap.findFirstZeroBit(mem, BASE, 200));
            assertEquals(199, Bitmap.findLastBit(mem, BASE, 200));
            assertEquals(200, Bitmap.weight(mem, BASE, 200));
            assertEquals(-1L, mem.getLong(BASE + 24), "bitmap_fill fills the whole last word");
            assertEquals(0, mem.getLong(BASE + 32), "bitmap_fill stops at BITS_TO_LONGS");
        }
    }

    @Test
    void badArgumentsAreRejectedAndChangeNothing() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(4096, 4096);
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, ram));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bitmap.setBit(mem, BASE, -1));
            assertEquals("nr must not be negative: -1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Bitmap.findNextBit(mem, BASE, 100, -5));
            assertEquals("offset must not be negative: -5", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Bitmap.bitmapSet(mem, BASE, 3, -2));
            assertEquals("nbits must not be negative: -2", e.getMessage());
            // a range running off the end of simulated RAM: refused before the first word is written
            byte[] before = ram.toArray(ValueLayout.JAVA_BYTE);
            assertThrows(BadAddressException.class, () -> Bitmap.bitmapSet(mem, BASE + 4096 - 16, 0, 200));
            assertThrows(BadAddressException.class, () -> Bitmap.bitmapClear(mem, BASE + 4096 - 16, 0, 200));
            assertThrows(BadAddressException.class, () -> Bitmap.bitmapFill(mem, BASE + 4096 - 16, 200));
            assertThrows(BadAddressException.class, () -> Bitmap.setBit(mem, BASE + 4096, 0));
            assertArrayEquals(before, ram.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * Two threads claim bits of one 4096-bit bitmap with test_and_set_bit, from opposite ends so they meet
     * in the same words: every bit is won exactly once. Two more set interleaved bits of the same words
     * with set_bit: none is lost.
     */
    @Test
    void atomicBitOpsLoseNoUpdateUnderContention() throws InterruptedException {
        final int bits = 4096;
        try (Arena arena = Arena.ofShared()) {
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, arena.allocate(4096, 4096)));
            long claimed = BASE;
            long painted = BASE + bits / 8;
            AtomicInteger wins = new AtomicInteger();
            Thread up = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < bits; i++) {
                    if (!Bitmap.testAndSetBit(mem, claimed, i)) {
                        wins.incrementAndGet();
                    }
                    Bitmap.setBit(mem, painted, 2L * (i % (bits / 2)));
                }
            });
            Thread down = Thread.ofPlatform().start(() -> {
                for (int i = bits - 1; i >= 0; i--) {
                    if (!Bitmap.testAndSetBit(mem, claimed, i)) {
                        wins.incrementAndGet();
                    }
                    Bitmap.setBit(mem, painted, 2L * (i % (bits / 2)) + 1);
                }
            });
            up.join();
            down.join();
            assertEquals(bits, wins.get());
            assertEquals(bits, Bitmap.weight(mem, claimed, bits));
            assertEquals(bits, Bitmap.weight(mem, painted, bits));
            for (int i = 0; i < bits; i += 2) {
                assertTrue(Bitmap.testAndClearBit(mem, painted, i));
            }
            assertEquals(bits / 2, Bitmap.weight(mem, painted, bits));
        }
    }
}
