package dev.kmm.arena.bitmap;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Kernel bitmaps in simulated RAM: arrays of {@code unsigned long} at a kernel virtual address (8-byte
 * aligned), bit {@code nr} in word {@code nr / 64} at position {@code nr % 64}, the little-endian LP64
 * layout of {@code include/linux/bitmap.h}, {@code include/linux/bitops.h} and {@code lib/find_bit.c}
 * (Linux 6.1). Arguments come in the order (memory, bitmap address, bit or range); the kernel's
 * {@code set_bit(nr, addr)} puts the bit first.
 *
 * <p>Atomic and non-atomic forms, as in the kernel:
 * <ul>
 * <li>{@link #setBit}, {@link #clearBit}, {@link #testAndSetBit}, {@link #testAndClearBit} are atomic
 *     read-modify-writes of the whole word ({@code lock bts} on x86, an LL/SC or LSE loop on arm64), so
 *     CPUs may flip different bits of one word at once without losing each other's updates. The
 *     {@code test_and_*} forms are fully ordered; the void forms are unordered in the kernel and
 *     fully ordered here (Java offers no relaxed read-modify-write; stronger is safe).</li>
 * <li>{@link #setBitNonAtomic} and friends are the kernel's {@code __set_bit} family: a plain load and
 *     store of the word. Cheaper, but correct only when nobody else writes that word concurrently
 *     (the caller holds the lock, or owns the bitmap).</li>
 * <li>The range operations ({@link #bitmapSet}, {@link #bitmapClear}, {@link #bitmapZero},
 *     {@link #bitmapFill}) are non-atomic, like {@code __bitmap_set} and {@code memset}.</li>
 * </ul>
 *
 * <p>Searches scan a word at a time and, like the kernel, return {@code size} when nothing is found;
 * bits at or beyond {@code size} in the last word are ignored. Bit numbers and sizes are unsigned in the
 * kernel; here a negative one is rejected with {@link IllegalArgumentException}.
 */
public final class Bitmap {
    /** {@code BITS_PER_LONG} on LP64. */
    public static final int BITS_PER_LONG = 64;

    private Bitmap() {
    }

    /** {@code BITS_TO_LONGS}: words needed for {@code nbits} bits. */
    public static long bitsToLongs(long nbits) {
        requireNonNegative("nbits", nbits);
        return (nbits + BITS_PER_LONG - 1) >>> 6;
    }

    // BIT_WORD(nr), as an address.
    private static long wordVa(long addr, long nr) {
        return addr + ((nr >>> 6) << 3);
    }

    // BIT_MASK(nr): Java's long shift already takes nr % 64.
    private static long bitMask(long nr) {
        return 1L << nr;
    }

    // BITMAP_FIRST_WORD_MASK(start): bits start % 64 and up.
    private static long firstWordMask(long start) {
        return -1L << start;
    }

    // BITMAP_LAST_WORD_MASK(nbits): bits below nbits % 64, all 64 when nbits is a multiple of 64.
    private static long lastWordMask(long nbits) {
        return -1L >>> -nbits;
    }

    /** {@code set_bit}: atomic. */
    public static void setBit(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        mem.getAndBitwiseOrLong(wordVa(addr, nr), bitMask(nr));
    }

    /** {@code clear_bit}: atomic. */
    public static void clearBit(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        mem.getAndBitwiseAndLong(wordVa(addr, nr), ~bitMask(nr));
    }

    /** {@code test_bit}: one {@code READ_ONCE} of the word (the kernel reads it through a volatile pointer). */
    public static boolean testBit(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        return (mem.getLongOpaque(wordVa(addr, nr)) & bitMask(nr)) != 0;
    }

    /** {@code test_and_set_bit}: atomic and fully ordered; returns the old value of the bit. */
    public static boolean testAndSetBit(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        long mask = bitMask(nr);
        return (mem.getAndBitwiseOrLong(wordVa(addr, nr), mask) & mask) != 0;
    }

    /** {@code test_and_clear_bit}: atomic and fully ordered; returns the old value of the bit. */
    public static boolean testAndClearBit(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        long mask = bitMask(nr);
        return (mem.getAndBitwiseAndLong(wordVa(addr, nr), ~mask) & mask) != 0;
    }

    /** {@code __set_bit}: plain load and store; the word must not be written concurrently. */
    public static void setBitNonAtomic(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        long va = wordVa(addr, nr);
        mem.putLong(va, mem.getLong(va) | bitMask(nr));
    }

    /** {@code __clear_bit}: plain load and store; the word must not be written concurrently. */
    public static void clearBitNonAtomic(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        long va = wordVa(addr, nr);
        mem.putLong(va, mem.getLong(va) & ~bitMask(nr));
    }

    /** {@code __test_and_set_bit}: plain load and store; returns the old value of the bit. */
    public static boolean testAndSetBitNonAtomic(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        long va = wordVa(addr, nr);
        long mask = bitMask(nr);
        long old = mem.getLong(va);
        mem.putLong(va, old | mask);
        return (old & mask) != 0;
    }

    /** {@code __test_and_clear_bit}: plain load and store; returns the old value of the bit. */
    public static boolean testAndClearBitNonAtomic(KernelMemory mem, long addr, long nr) {
        requireNonNegative("nr", nr);
        long va = wordVa(addr, nr);
        long mask = bitMask(nr);
        long old = mem.getLong(va);
        mem.putLong(va, old & ~mask);
        return (old & mask) != 0;
    }

    /** {@code find_next_bit}: the first set bit in {@code [offset, size)}, else {@code size}. */
    public static long findNextBit(KernelMemory mem, long addr, long size, long offset) {
        requireNonNegative("size", size, "offset", offset);
        if (offset >= size) {
            return size;
        }
        long idx = offset >>> 6;
        long word = mem.getLong(addr + (idx << 3)) & firstWordMask(offset);
        while (word == 0) {
            if ((idx + 1) << 6 >= size) {
                return size;
            }
            idx++;
            word = mem.getLong(addr + (idx << 3));
        }
        return Math.min((idx << 6) + Long.numberOfTrailingZeros(word), size);
    }

    /** {@code find_next_zero_bit}: the first clear bit in {@code [offset, size)}, else {@code size}. */
    public static long findNextZeroBit(KernelMemory mem, long addr, long size, long offset) {
        requireNonNegative("size", size, "offset", offset);
        if (offset >= size) {
            return size;
        }
        long idx = offset >>> 6;
        long word = ~mem.getLong(addr + (idx << 3)) & firstWordMask(offset);
        while (word == 0) {
            if ((idx + 1) << 6 >= size) {
                return size;
            }
            idx++;
            word = ~mem.getLong(addr + (idx << 3));
        }
        return Math.min((idx << 6) + Long.numberOfTrailingZeros(word), size);
    }

    /** {@code find_first_bit}: the first set bit below {@code size}, else {@code size}. */
    public static long findFirstBit(KernelMemory mem, long addr, long size) {
        return findNextBit(mem, addr, size, 0);
    }

    /** {@code find_first_zero_bit}: the first clear bit below {@code size}, else {@code size}. */
    public static long findFirstZeroBit(KernelMemory mem, long addr, long size) {
        return findNextZeroBit(mem, addr, size, 0);
    }

    /** {@code find_last_bit}: the last set bit below {@code size}, else {@code size}. */
    public static long findLastBit(KernelMemory mem, long addr, long size) {
        requireNonNegative("size", size);
        if (size == 0) {
            return size;
        }
        long idx = (size - 1) >>> 6;
        long word = mem.getLong(addr + (idx << 3)) & lastWordMask(size);
        while (word == 0) {
            if (idx == 0) {
                return size;
            }
            idx--;
            word = mem.getLong(addr + (idx << 3));
        }
        return (idx << 6) + (BITS_PER_LONG - 1 - Long.numberOfLeadingZeros(word));
    }

    /** {@code bitmap_weight}: the number of set bits below {@code nbits}. */
    public static long weight(KernelMemory mem, long addr, long nbits) {
        requireNonNegative("nbits", nbits);
        long full = nbits >>> 6;
        long count = 0;
        for (long i = 0; i < full; i++) {
            count += Long.bitCount(mem.getLong(addr + (i << 3)));
        }
        if ((nbits & (BITS_PER_LONG - 1)) != 0) {
            count += Long.bitCount(mem.getLong(addr + (full << 3)) & lastWordMask(nbits));
        }
        return count;
    }

    /** {@code bitmap_set} ({@code __bitmap_set}): sets bits {@code [start, start + nbits)}; non-atomic. */
    public static void bitmapSet(KernelMemory mem, long map, long start, long nbits) {
        requireNonNegative("start", start, "nbits", nbits);
        if (nbits == 0) {
            return;
        }
        long end = start + nbits;
        long firstIdx = start >>> 6;
        long lastIdx = (end - 1) >>> 6;
        // One slice for the whole range: an unmapped tail fails before the first word is written.
        MemorySegment words = mem.slice(map + (firstIdx << 3), (lastIdx - firstIdx + 1) << 3);
        if (firstIdx == lastIdx) {
            or(words, 0, firstWordMask(start) & lastWordMask(end));
            return;
        }
        or(words, 0, firstWordMask(start));
        long lastOff = (lastIdx - firstIdx) << 3;
        if (lastOff > 8) {
            words.asSlice(8, lastOff - 8).fill((byte) 0xff);
        }
        or(words, lastOff, lastWordMask(end));
    }

    /** {@code bitmap_clear} ({@code __bitmap_clear}): clears bits {@code [start, start + nbits)}; non-atomic. */
    public static void bitmapClear(KernelMemory mem, long map, long start, long nbits) {
        requireNonNegative("start", start, "nbits", nbits);
        if (nbits == 0) {
            return;
        }
        long end = start + nbits;
        long firstIdx = start >>> 6;
        long lastIdx = (end - 1) >>> 6;
        MemorySegment words = mem.slice(map + (firstIdx << 3), (lastIdx - firstIdx + 1) << 3);
        if (firstIdx == lastIdx) {
            andNot(words, 0, firstWordMask(start) & lastWordMask(end));
            return;
        }
        andNot(words, 0, firstWordMask(start));
        long lastOff = (lastIdx - firstIdx) << 3;
        if (lastOff > 8) {
            words.asSlice(8, lastOff - 8).fill((byte) 0);
        }
        andNot(words, lastOff, lastWordMask(end));
    }

    /** {@code bitmap_zero}: clears every word that holds one of the {@code nbits} bits. */
    public static void bitmapZero(KernelMemory mem, long dst, long nbits) {
        long len = bitsToLongs(nbits) << 3;
        if (len != 0) {
            mem.slice(dst, len).fill((byte) 0);
        }
    }

    /**
     * {@code bitmap_fill}: sets every word that holds one of the {@code nbits} bits, including the bits
     * past {@code nbits} in the last word (a {@code memset} since 4.19; the searches ignore them).
     */
    public static void bitmapFill(KernelMemory mem, long dst, long nbits) {
        long len = bitsToLongs(nbits) << 3;
        if (len != 0) {
            mem.slice(dst, len).fill((byte) 0xff);
        }
    }

    private static void or(MemorySegment words, long off, long mask) {
        words.set(ValueLayout.JAVA_LONG, off, words.get(ValueLayout.JAVA_LONG, off) | mask);
    }

    private static void andNot(MemorySegment words, long off, long mask) {
        words.set(ValueLayout.JAVA_LONG, off, words.get(ValueLayout.JAVA_LONG, off) & ~mask);
    }

    private static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }

    private static void requireNonNegative(String name1, long value1, String name2, long value2) {
        requireNonNegative(name1, value1);
        requireNonNegative(name2, value2);
    }
}
