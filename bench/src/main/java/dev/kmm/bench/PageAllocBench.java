package dev.kmm.bench;

import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.PageAlloc;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The page allocator on the booted Versatile Express kernel (1 GiB, ZONE_NORMAL, HighMem and a CMA area), one
 * CPU, GFP_KERNEL from ZONE_NORMAL, {@code init_on_alloc} off (the kernel default), no tracing:
 *
 * <ul>
 * <li>{@code order0Pcp}: {@code alloc_pages} + {@code __free_pages} of one page through the per-cpu list (the
 *     hot path: trylock, list pop, checks, prep, and back);</li>
 * <li>{@code order0Buddy}: the same with the pcp made transparent (high 0, batch 1, as a boot pageset), so each
 *     page comes from and returns to the buddy lists under the zone lock;</li>
 * <li>{@code order3}: an order-3 block, still through the pcp lists;</li>
 * <li>{@code order9}: an order-9 block, through the buddy (no THP on this machine): split and merge;</li>
 * <li>{@code bulk32}: {@code alloc_pages_bulk_array} of 32 pages, then 32 {@code __free_pages}; per page.</li>
 * </ul>
 * Peers in the same run: Netty's pooled direct buffer of 4 KiB ({@code directBuffer(4096)} + {@code release()}),
 * glibc {@code malloc(4096)} + {@code free} through an FFM downcall; the floor is {@link FloorBench}
 * ({@code kernelVaListAddDel}), run alongside.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PageAllocBench {
    /** A booted kernel with the allocator on CPU 0. */
    @State(Scope.Thread)
    public static class Booted {
        Kernel kernel;
        PageAlloc alloc;
        Cpu cpu;
        long[] pages = new long[32];

        @Setup
        public void setup() {
            kernel = Kernel.boot(Machines.vexpressA9(), CpuContexts.Mode.PARALLEL);
            alloc = kernel.pageAlloc();
            cpu = kernel.cpus().enter(0);
        }

        @TearDown
        public void tearDown() {
            cpu.exit();
            kernel.close();
        }
    }

    /** The same kernel with ZONE_NORMAL's per-cpu lists made transparent. */
    @State(Scope.Thread)
    public static class BuddyOnly extends Booted {
        /** Runs after {@link Booted#setup} (JMH calls a superclass's setup first). */
        @Setup
        public void bypassPcp() {
            alloc.pcp().zoneSetPagesetHighAndBatch(kernel.zone(0, "Normal").address(), 0, 1);
        }
    }

    @Benchmark
    public long order0Pcp(Booted s) {
        long page = s.alloc.allocPages(s.cpu, Gfp.GFP_KERNEL, 0);
        s.alloc.__freePages(s.cpu, page, 0);
        return page;
    }

    @Benchmark
    public long order0Buddy(BuddyOnly s) {
        long page = s.alloc.allocPages(s.cpu, Gfp.GFP_KERNEL, 0);
        s.alloc.__freePages(s.cpu, page, 0);
        return page;
    }

    @Benchmark
    public long order3(Booted s) {
        long page = s.alloc.allocPages(s.cpu, Gfp.GFP_KERNEL, 3);
        s.alloc.__freePages(s.cpu, page, 3);
        return page;
    }

    @Benchmark
    public long order9(Booted s) {
        long page = s.alloc.allocPages(s.cpu, Gfp.GFP_KERNEL, 9);
        s.alloc.__freePages(s.cpu, page, 9);
        return page;
    }

    @Benchmark
    @OperationsPerInvocation(32)
    public long bulk32(Booted s) {
        long[] pages = s.pages;
        int n = s.alloc.allocPagesBulk(s.cpu, Gfp.GFP_KERNEL, 0, null, 32, pages);
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += pages[i];
            s.alloc.__freePages(s.cpu, pages[i], 0);
            pages[i] = 0;
        }
        return sum;
    }

    /** Netty's pooled allocator, the JVM's usual answer to "give me 4 KiB of native memory". */
    @State(Scope.Thread)
    public static class Netty {
        PooledByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    }

    @Benchmark
    public int nettyDirect4k(Netty n) {
        ByteBuf buf = n.allocator.directBuffer(4096);
        int cap = buf.capacity();
        buf.release();
        return cap;
    }

    /** glibc malloc/free through FFM downcalls. */
    @State(Scope.Thread)
    public static class Libc {
        static final MethodHandle MALLOC;
        static final MethodHandle FREE;

        static {
            Linker linker = Linker.nativeLinker();
            MALLOC = linker.downcallHandle(linker.defaultLookup().find("malloc").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            FREE = linker.downcallHandle(linker.defaultLookup().find("free").orElseThrow(),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        }
    }

    @Benchmark
    public long mallocFree4k(Libc l) throws Throwable {
        MemorySegment p = (MemorySegment) Libc.MALLOC.invokeExact(4096L);
        long address = p.address();
        Libc.FREE.invokeExact(p);
        return address;
    }
}
