package dev.kmm.bench;

import dev.kmm.arena.PageOps;
import dev.kmm.arena.PhysicalMemory;
import dev.kmm.arena.ScalarPageOps;
import dev.kmm.arena.VectorPageOps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import static dev.kmm.arena.PageOps.PAGE_SIZE;

/**
 * One 4 KiB page of simulated RAM zeroed, copied, compared, tested for zero and checksummed: the
 * scalar and Vector API paths of {@link PageOps} against the JDK's own bulk operations
 * ({@code MemorySegment.fill}, {@code copy}, {@code mismatch}).
 *
 * <p>Compare and zero-test run over pages that are equal (zero) throughout, the full-length case
 * KSM meets for every page it merges.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PageOpsBench {
    private PhysicalMemory ram;
    private MemorySegment seg;
    private MemorySegment zeroPage;
    private long random;
    private long same;
    private long dst;
    private long zero;

    @Setup
    public void setup() {
        ram = PhysicalMemory.create(new PhysicalMemory.Bank(0, 5L * PAGE_SIZE));
        seg = ram.segment();
        random = 0;
        same = PAGE_SIZE;
        dst = 2L * PAGE_SIZE;
        zero = 3L * PAGE_SIZE;
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < PAGE_SIZE; i += Long.BYTES) {
            long v = rnd.nextLong();
            seg.set(ValueLayout.JAVA_LONG, random + i, v);
            seg.set(ValueLayout.JAVA_LONG, same + i, v);
            seg.set(ValueLayout.JAVA_LONG, dst + i, v);
        }
        // A second zero page, the reference mismatch compares against. Both are touched so they are
        // real memory, not the host's shared zero page.
        zeroPage = seg.asSlice(4L * PAGE_SIZE, PAGE_SIZE);
        seg.asSlice(zero, 2L * PAGE_SIZE).fill((byte) 1);
        seg.asSlice(zero, 2L * PAGE_SIZE).fill((byte) 0);
    }

    @TearDown
    public void tearDown() {
        ram.close();
    }

    @Benchmark
    public void zeroScalar() {
        ScalarPageOps.zeroPage(seg, dst);
    }

    @Benchmark
    public void zeroVector() {
        VectorPageOps.zeroPage(seg, dst);
    }

    @Benchmark
    public void zeroFill() {
        seg.asSlice(dst, PAGE_SIZE).fill((byte) 0);
    }

    @Benchmark
    public void copyScalar() {
        ScalarPageOps.copyPage(seg, dst, seg, random);
    }

    @Benchmark
    public void copyVector() {
        VectorPageOps.copyPage(seg, dst, seg, random);
    }

    @Benchmark
    public void copySegmentCopy() {
        MemorySegment.copy(seg, random, seg, dst, PAGE_SIZE);
    }

    @Benchmark
    public int compareScalar() {
        return ScalarPageOps.comparePage(seg, random, seg, same);
    }

    @Benchmark
    public int compareVector() {
        return VectorPageOps.comparePage(seg, random, seg, same);
    }

    @Benchmark
    public long compareMismatch() {
        return MemorySegment.mismatch(seg, random, random + PAGE_SIZE, seg, same, same + PAGE_SIZE);
    }

    @Benchmark
    public boolean isZeroScalar() {
        return ScalarPageOps.isZeroPage(seg, zero);
    }

    @Benchmark
    public boolean isZeroVector() {
        return VectorPageOps.isZeroPage(seg, zero);
    }

    @Benchmark
    public long isZeroMismatch() {
        return MemorySegment.mismatch(seg, zero, zero + PAGE_SIZE, zeroPage, 0, PAGE_SIZE);
    }

    @Benchmark
    public long checksumScalar() {
        return ScalarPageOps.xxh64(seg, random, PAGE_SIZE, 0);
    }

    @Benchmark
    public long checksumVector() {
        return VectorPageOps.xxh64(seg, random, PAGE_SIZE, 0);
    }
}
