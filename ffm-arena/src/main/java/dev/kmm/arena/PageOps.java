package dev.kmm.arena;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Page-granular operations on simulated RAM: what the kernel does with {@code clear_page},
 * {@code copy_page}, ksm's {@code memcmp_pages} and {@code calc_checksum}.
 *
 * <p>Each operation has a plain-Java path ({@link ScalarPageOps}) and a Vector API path
 * ({@link VectorPageOps}); this class calls the one that measured faster (bench/RESULTS.md,
 * {@code PageOpsBench}). The choice is a {@code static final}, so the JIT compiles only the chosen
 * path. Without {@code --add-modules=jdk.incubator.vector} the scalar paths serve.
 *
 * <p>Every method takes a page as a segment and the offset of the page in it; the whole page
 * must lie inside the segment ({@link IndexOutOfBoundsException} otherwise, raised before
 * anything is written).
 */
public final class PageOps {
    /** The kernel's {@code PAGE_SHIFT}. */
    public static final int PAGE_SHIFT = 12;
    /** The kernel's {@code PAGE_SIZE}: 4 KiB. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    /** True when this JVM resolved {@code jdk.incubator.vector}, so {@link VectorPageOps} can load. */
    public static final boolean VECTOR_API_PRESENT =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    // Chosen from PageOpsBench on the development machine; see bench/RESULTS.md.
    private static final boolean VECTOR_ZERO = VECTOR_API_PRESENT && true;
    private static final boolean VECTOR_COPY = VECTOR_API_PRESENT && true;
    private static final boolean VECTOR_COMPARE = VECTOR_API_PRESENT && true;
    private static final boolean VECTOR_IS_ZERO = VECTOR_API_PRESENT && true;
    private static final boolean VECTOR_XXH64 = VECTOR_API_PRESENT && true;

    private PageOps() {
    }

    /** Fails unless the page at {@code offset} lies inside {@code seg}: checked first, so a bad page changes nothing. */
    static void checkPage(MemorySegment seg, long offset) {
        Objects.checkFromIndexSize(offset, PAGE_SIZE, seg.byteSize());
    }

    /** Fills the page with zeros ({@code clear_page}). */
    public static void zeroPage(MemorySegment page, long offset) {
        if (VECTOR_ZERO) {
            VectorPageOps.zeroPage(page, offset);
        } else {
            ScalarPageOps.zeroPage(page, offset);
        }
    }

    /** Copies page {@code src} to page {@code dst} ({@code copy_page}); the two must not partly overlap. */
    public static void copyPage(MemorySegment dst, long dstOffset, MemorySegment src, long srcOffset) {
        if (VECTOR_COPY) {
            VectorPageOps.copyPage(dst, dstOffset, src, srcOffset);
        } else {
            ScalarPageOps.copyPage(dst, dstOffset, src, srcOffset);
        }
    }

    /**
     * Compares two pages like {@code memcmp(a, b, PAGE_SIZE)} (ksm's {@code memcmp_pages}): zero
     * when equal, else the difference of the first differing bytes taken as unsigned values, so
     * its sign orders pages as the kernel's stable and unstable trees do.
     */
    public static int comparePage(MemorySegment a, long aOffset, MemorySegment b, long bOffset) {
        return VECTOR_COMPARE
                ? VectorPageOps.comparePage(a, aOffset, b, bOffset)
                : ScalarPageOps.comparePage(a, aOffset, b, bOffset);
    }

    /** True when every byte of the page is zero. */
    public static boolean isZeroPage(MemorySegment page, long offset) {
        return VECTOR_IS_ZERO ? VectorPageOps.isZeroPage(page, offset) : ScalarPageOps.isZeroPage(page, offset);
    }

    /**
     * ksm's {@code calc_checksum}: {@code xxhash(addr, PAGE_SIZE, 0)} stored in a {@code u32}, so
     * the low 32 bits of the page's xxh64 with seed 0 (64-bit kernels' {@code xxhash} is xxh64).
     */
    public static int checksum(MemorySegment page, long offset) {
        return (int) xxh64(page, offset, PAGE_SIZE, 0);
    }

    /**
     * The xxh64 hash of {@code [offset, offset+length)} with the given seed, as the kernel's
     * {@code xxh64()} computes it.
     *
     * @throws IllegalArgumentException when {@code length} is negative
     */
    public static long xxh64(MemorySegment seg, long offset, long length, long seed) {
        return VECTOR_XXH64
                ? VectorPageOps.xxh64(seg, offset, length, seed)
                : ScalarPageOps.xxh64(seg, offset, length, seed);
    }
}
