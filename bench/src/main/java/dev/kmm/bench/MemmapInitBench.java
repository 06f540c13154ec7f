package dev.kmm.bench;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockConfig;
import dev.kmm.core.memblock.MemblockFreeAll;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.MemmapInit;
import dev.kmm.core.sparse.Sparse;
import dev.kmm.core.sparse.SparseConfig;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Boot-time memmap work on a 64 GiB x86_64 machine (SPARSEMEM_VMEMMAP, 16M struct pages in 512 sections): RAM
 * [1 MiB, 3 GiB) and [4 GiB, 65 GiB) on node 0, zones DMA, DMA32 and Normal, the kernel image reserved. Both the
 * simulated RAM and the memmap are anonymous {@code MAP_NORESERVE} mappings, so the host pays only for what is
 * touched: the 1 GiB memmap and a few pages of RAM.
 *
 * <p>{@code memmapInit} is memmap_init() alone; {@code memmapInitAndFreeAll} adds memblock_free_all(), which frees
 * the free memory in order-10 blocks to the buddy lists. Each invocation starts from empty free lists.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
public class MemmapInitBench {
    private static final long G = 1L << 30;
    private static final long M = 1L << 20;
    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x2 | 0x20 | 0x4000;

    private MemorySegment ram;
    private MemorySegment memmap;
    private Memblock memblock;
    private Buddy buddy;
    private MemmapInit memmapInit;
    private long[] zones;

    private static MemorySegment mmap(long size) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MemorySegment p = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS_NORESERVE, -1, 0L);
        if (p.address() == -1L) {
            throw new IllegalStateException("mmap of " + size + " bytes failed");
        }
        return p.reinterpret(size);
    }

    private static void munmap(MemorySegment seg) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle munmap = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        int rc = (int) munmap.invokeExact(seg, seg.byteSize());
        if (rc != 0) {
            throw new IllegalStateException("munmap failed");
        }
    }

    @Setup
    public void boot() throws Throwable {
        ram = mmap(65 * G);
        KernelAddressSpace space = KernelAddressSpace.x86_64();
        KernelLayouts layouts = KernelLayouts.LINUX_6_1_X86_64;
        memblock = new Memblock(MemblockConfig.X86_64, (level, line) -> { },
                (base, size) -> ram.asSlice(base, size).fill((byte) 0));
        memblock.memblockAddNode(M, 3 * G - M, 0, 0);
        memblock.memblockAddNode(4 * G, 61 * G, 0, 0);
        memblock.memblockReserve(16 * M, 64 * M);
        KernelMemory ramMem = KernelMemory.of(space.linearRegion(ram, 0));
        long pgdatPhys = memblock.memblockPhysAllocTryNid(layouts.pglistData().size, 64, 0);
        long pgdat = space.va(pgdatPhys);
        Sparse sparse = Sparse.sparseInit(SparseConfig.X86_64, memblock, space, ramMem,
                KernelConstants.PAGEBLOCK_ORDER, new long[] {pgdatPhys}, line -> { });
        memmap = mmap(sparse.memmapBytes());
        KernelMemory mem = KernelMemory.of(sparse.vmemmapRegion(space, memmap), space.linearRegion(ram, 0));
        long[][] spans = {{256, 4096}, {4096, 1L << 20}, {1L << 20, 65 * G >>> 12}};
        long[] present = {4096 - 256, (3 * G >>> 12) - 4096, 61 * G >>> 12};
        ZoneLayout zl = layouts.zone();
        zones = new long[3];
        mem.putLong(pgdat + layouts.pglistData().nodeStartPfn, 256);
        mem.putLong(pgdat + layouts.pglistData().nodeSpannedPages, (65 * G >>> 12) - 256);
        for (int z = 0; z < KernelConstants.MAX_NR_ZONES; z++) {
            long zone = pgdat + layouts.pglistData().nodeZoneOffset(z);
            mem.putLong(zone + zl.zonePgdat, pgdat);
            if (z < 3) {
                zones[z] = zone;
                mem.putLong(zone + zl.zoneStartPfn, spans[z][0]);
                mem.putLong(zone + zl.spannedPages, spans[z][1] - spans[z][0]);
                mem.putLong(zone + zl.presentPages, present[z]);
                mem.putInt(zone + zl.initialized, 1);
            }
        }
        buddy = new Buddy(mem, layouts, PageFlagsLayout.LINUX_6_1_X86_64, sparse, KernelConstants.PAGEBLOCK_ORDER,
                new long[] {pgdat});
        memmapInit = new MemmapInit(buddy, new String[] {"DMA", "DMA32", "Normal", "Movable", "Device"}, line -> { });
    }

    private void emptyZones() {
        ZoneLayout zl = buddy.zoneLayout();
        for (long zone : zones) {
            buddy.freeArea().zoneInitFreeLists(zone);
            buddy.mem().putLong(zone + zl.vmStatOffset(Buddy.NR_FREE_PAGES), 0);
        }
    }

    /** memmap_init(): 16M struct pages, holes included. */
    @Benchmark
    public long memmapInit() {
        emptyZones();
        return memmapInit.memmapInit(memblock);
    }

    /** memmap_init() then memblock_free_all(): the boot-time path from memblock to filled buddy lists. */
    @Benchmark
    public long memmapInitAndFreeAll() {
        emptyZones();
        memmapInit.memmapInit(memblock);
        return MemblockFreeAll.memblockFreeAll(memblock, buddy, memmapInit, 65 * G >>> 12);
    }

    @TearDown
    public void unmap() throws Throwable {
        munmap(memmap);
        munmap(ram);
    }
}
