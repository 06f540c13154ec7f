package dev.kmm.bench;

import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.Machines;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole simulated boot, {@link Kernel#boot(Machine)} to {@code close()}: setup_arch with its memblock work,
 * sparse_init, free_area_init and memmap_init over every struct page, the per-CPU areas, zonelists,
 * memblock_free_all into the buddy lists, the watermarks and the late frees.
 *
 * <ul>
 * <li>{@code bootPc}: a QEMU-like PC with {@code gib} GiB ({@link Machines#pcX86_64(long, int)}, 8 CPUs,
 * x86_64_defconfig). At 64 GiB that is 16.8M struct pages of memmap_init and some 1M order-10 blocks freed; the
 * memmap (1 GiB) and RAM are MAP_NORESERVE host mappings, so only what the boot touches is paid for. The issue's
 * budget is "memmap init well under a second" for 64 GiB; on the 2-CPU build machine the whole boot took
 * 629 ± 52 ms, of which memmap_init is about 136 ms and memmap_init plus memblock_free_all about 280 ms
 * ({@link MemmapInitBench}).</li>
 * <li>{@code bootVexpress}: the default machine (1 GiB arm, FLATMEM), for scale.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BootBench {
    @Param({"64"})
    public int gib;

    private Machine pc;
    private Machine vexpress;

    @Setup
    public void machines() {
        pc = Machines.pcX86_64((long) gib << 30, 8);
        vexpress = Machines.vexpressA9();
    }

    /** Boots the PC and returns its managed pages (so the boot cannot be optimised away). */
    @Benchmark
    public long bootPc() {
        try (Kernel k = Kernel.boot(pc)) {
            return k.zones().stream().mapToLong(z -> z.managed()).sum();
        }
    }

    /** Boots the default Versatile Express. */
    @Benchmark
    public long bootVexpress() {
        try (Kernel k = Kernel.boot(vexpress)) {
            return k.zones().stream().mapToLong(z -> z.managed()).sum();
        }
    }
}
