package dev.kmm.core.pagealloc;

/**
 * The kernel's integer helpers that the sizing formulas use, with the kernel's
 * {@code unsigned long} semantics on 64-bit values.
 *
 * <p>Sources (Linux 6.1): {@code lib/math/int_sqrt.c}, {@code include/linux/log2.h},
 * {@code include/asm-generic/bitops/fls.h}, {@code include/linux/math.h}.
 */
public final class KernelMath {
    private KernelMath() {
    }

    /**
     * {@code int_sqrt()}: floor of the square root of {@code x}, read as an unsigned long, by the
     * kernel's shift-and-subtract loop (so even inputs above 2^63 give the kernel's answer).
     */
    public static long intSqrt(long x) {
        if (Long.compareUnsigned(x, 1) <= 0) {
            return x;
        }
        long m = 1L << ((63 - Long.numberOfLeadingZeros(x)) & ~1);
        long y = 0;
        while (m != 0) {
            long b = y + m;
            y >>>= 1;
            if (Long.compareUnsigned(x, b) >= 0) {
                x -= b;
                y += m;
            }
            m >>>= 2;
        }
        return y;
    }

    /** {@code fls()}: 1-based position of the most significant set bit of a 32-bit word, 0 for 0. */
    public static int fls(int x) {
        return 32 - Integer.numberOfLeadingZeros(x);
    }

    /** {@code rounddown_pow_of_two(n)} for an unsigned {@code n > 0}. */
    public static long rounddownPowOfTwo(long n) {
        if (n == 0) {
            throw new IllegalArgumentException("rounddown_pow_of_two(0) is undefined");
        }
        return Long.highestOneBit(n);
    }

    /**
     * {@code mult_frac(x, numer, denom)}: {@code x * numer / denom} computed as quotient and
     * remainder so that the product cannot overflow, exactly as the macro does.
     */
    public static long multFrac(long x, long numer, long denom) {
        long quot = Long.divideUnsigned(x, denom);
        long rem = Long.remainderUnsigned(x, denom);
        return quot * numer + Long.divideUnsigned(rem * numer, denom);
    }

    /** {@code roundup(x, y)}: {@code x} rounded up to a multiple of {@code y} (any positive y). */
    public static long roundup(long x, long y) {
        return Long.divideUnsigned(x + y - 1, y) * y;
    }

    /** {@code clamp(val, lo, hi)} of unsigned longs: {@code min(max(val, lo), hi)}. */
    public static long clamp(long val, long lo, long hi) {
        long v = Long.compareUnsigned(val, lo) < 0 ? lo : val;
        return Long.compareUnsigned(v, hi) > 0 ? hi : v;
    }

    /** {@code min()} of two unsigned longs. */
    public static long minUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    /** {@code max()} of two unsigned longs. */
    public static long maxUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }
}
