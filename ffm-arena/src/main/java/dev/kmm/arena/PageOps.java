package dev.kmm.arena;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Page-granular operations on simulated RAM: what the kernel does with {@code clear_page},
 * {@code copy_page}, ksm's {@code memcmp_pages} and {@code calc_checksum}.
 *
 * <p>Each operation has a plain-Java path ({@link ScalarPageOps}) and a Vector API path
 * ({@link VectorPageOps}); this class calls whichever measured fastest in {@code PageOpsBench}
 * (bench/RESULTS.md), or the JDK's own {@code MemorySegment.copy} where that won. The choice is a
 * {@code static final}, so the JIT compiles only the chosen path. Without
 * {@code --add-modules=jdk.incubator.vector} the scalar paths serve.
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

    /** Where an operation's work is done. */
    private enum Path { SCALAR, VECTOR, JDK }

    // Each operation's path, chosen from PageOpsBench on the development machine (bench/RESULTS.md,
    // ns per 4 KiB page, means of the runs there). static final, so the JIT folds the choice away.
    /** The word loop, which C2 auto-vectorizes: 17.7 ns, level with explicit vectors (17.0-20.3) and steadier. */
    private static final Path ZERO = Path.SCALAR;
    /** {@code MemorySegment.copy}: 17.5 ns against 19.9 (vector) and 82-137 (scalar). */
    private static final Path COPY = Path.JDK;
    /** Vector: 35-58 ns against 134-163 (scalar) and 106-187 ({@code MemorySegment.mismatch}). */
    private static final Path COMPARE = vectorIfPresent();
    /** Vector: 20-44 ns against 85-186 (scalar) and 103-140 ({@code mismatch} with a zero page). */
    private static final Path IS_ZERO = vectorIfPresent();
    /** Scalar: 297-410 ns against 519-938 (vector: its 64-bit lane multiply sits on xxh64's dependency chain). */
    private static final Path XXH64 = Path.SCALAR;

    private static Path vectorIfPresent() {
        return VECTOR_API_PRESENT ? Path.VECTOR : Path.SCALAR;
    }

    private PageOps() {
    }

    /** Fails unless the page at {@code offset} lies inside {@code seg}: checked first, so a bad page changes nothing. */
    static void checkPage(MemorySegment seg, long offset) {
        Objects.checkFromIndexSize(offset, PAGE_SIZE, seg.byteSize());
    }

    /** Fills the page with zeros ({@code clear_page}). */
    public static void zeroPage(MemorySegment page, long offset) {
        if (ZERO == Path.VECTOR) {
            VectorPageOps.zeroPage(page, offset);
        } else {
            ScalarPageOps.zeroPage(page, offset);
        }
    }

    /** Copies page {@code src} to page {@code dst} ({@code copy_page}); the two must not partly overlap. */
    public static void copyPage(MemorySegment dst, long dstOffset, MemorySegment src, long srcOffset) {
        if (COPY == Path.JDK) {
            MemorySegment.copy(src, srcOffset, dst, dstOffset, PAGE_SIZE);
        } else if (COPY == Path.VECTOR) {
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
        return COMPARE == Path.VECTOR
                ? VectorPageOps.comparePage(a, aOffset, b, bOffset)
                : ScalarPageOps.comparePage(a, aOffset, b, bOffset);
    }

    /** True when every byte of the page is zero. */
    public static boolean isZeroPage(MemorySegment page, long offset) {
        return IS_ZERO == Path.VECTOR ? VectorPageOps.isZeroPage(page, offset) : ScalarPageOps.isZeroPage(page, offset);
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
        return XXH64 == Path.VECTOR
                ? VectorPageOps.xxh64(seg, offset, length, seed)
                : ScalarPageOps.xxh64(seg, offset, length, seed);
    }
}
