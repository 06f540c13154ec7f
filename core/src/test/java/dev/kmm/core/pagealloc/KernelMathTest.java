package dev.kmm.core.pagealloc;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static dev.kmm.core.pagealloc.KernelMath.clamp;
import static dev.kmm.core.pagealloc.KernelMath.fls;
import static dev.kmm.core.pagealloc.KernelMath.intSqrt;
import static dev.kmm.core.pagealloc.KernelMath.multFrac;
import static dev.kmm.core.pagealloc.KernelMath.rounddownPowOfTwo;
import static dev.kmm.core.pagealloc.KernelMath.roundup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelMathTest {
    /** floor(sqrt(x)) of an unsigned 64-bit value, by BigInteger: an independent model. */
    private static long modelSqrt(long x) {
        return new BigInteger(Long.toUnsignedString(x)).sqrt().longValueExact();
    }

    @Test
    void intSqrtIsFloorOfSquareRoot() {
        for (long x = 0; x < 100_000; x++) {
            assertEquals(modelSqrt(x), intSqrt(x), "x=" + x);
        }
        SplittableRandom rnd = new SplittableRandom(61);
        for (int i = 0; i < 200_000; i++) {
            long x = rnd.nextLong();
            assertEquals(modelSqrt(x), intSqrt(x), "x=" + Long.toUnsignedString(x));
        }
        // Perfect squares and their neighbours, up to the largest unsigned long.
        for (long r = 1; r < 4_294_967_296L; r = r * 3 + 1) {
            assertEquals(r, intSqrt(r * r));
            assertEquals(r - 1, intSqrt(r * r - 1));
        }
        assertEquals(4_294_967_295L, intSqrt(-1L));
    }

    @Test
    void flsCountsBitPositions() {
        assertEquals(0, fls(0));
        assertEquals(1, fls(1));
        assertEquals(3, fls(4));
        assertEquals(3, fls(7));
        assertEquals(4, fls(8));
        assertEquals(32, fls(-1));
    }

    @Test
    void roundingHelpers() {
        assertEquals(64, rounddownPowOfTwo(96));
        assertEquals(1, rounddownPowOfTwo(1));
        assertEquals(16, rounddownPowOfTwo(31));
        assertThrows(IllegalArgumentException.class, () -> rounddownPowOfTwo(0));
        assertEquals(524288, roundup(524261, 1024));
        assertEquals(1024, roundup(1024, 1024));
        assertEquals(0, roundup(0, 1024));
        assertEquals(5, clamp(1, 5, 9));
        assertEquals(9, clamp(100, 5, 9));
        assertEquals(7, clamp(7, 5, 9));
    }

    @Test
    void multFracNeverOverflowsAndMatchesExactProduct() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            long x = rnd.nextLong(1L << 50);
            int numer = rnd.nextInt(1, 3001);
            // Splitting x into quotient and remainder gives exactly floor(x * numer / 10000).
            BigInteger exact = BigInteger.valueOf(x).multiply(BigInteger.valueOf(numer)).divide(BigInteger.valueOf(10000));
            assertEquals(exact.longValueExact(), multFrac(x, numer, 10000));
        }
        assertEquals(3, multFrac(3976, 10, 10000));
        // x * numer would overflow 64 bits here; mult_frac does not.
        assertEquals(BigInteger.valueOf(Long.MAX_VALUE).multiply(BigInteger.valueOf(3000)).divide(BigInteger.valueOf(10000))
                .longValueExact(), multFrac(Long.MAX_VALUE, 3000, 10000));
        assertEquals(755, multFrac(755116, 10, 10000));
    }
}
