package dev.kmm.jcstress.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.LayoutConfig;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.layout.PglistDataLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.arena.layout.ZonerefLayout;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockConfig;
import dev.kmm.core.memblock.MemblockFreeAll;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.MemmapInit;
import dev.kmm.core.pagealloc.PageFrames;
import dev.kmm.core.sparse.Sparse;
import dev.kmm.core.sparse.SparseConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * A small x86_64 machine booted once per JVM and kept as bytes, so that each jcstress state gets a running
 * allocator for the price of two copies: 8 MiB of RAM at physical 0 in one ZONE_NORMAL (2048 pages, four
 * pageblocks, two MAX_ORDER blocks), SPARSEMEM_VMEMMAP with x86_64's 6.1 constants, two CPUs.
 *
 * <p>Boot is the kernel's order, as the core tests' machines do it: memblock, the node's pglist_data, the
 * per-cpu chunk, sparse_init, the zone's span, memmap init, memblock_free_all (the memmap buffer sparse_init
 * reserves takes a 2 MiB block, so about 1470 pages end up free), zonelists, then the pagesets with the
 * {@code high} and {@code batch} the test asks for. A test's {@code prepare} step then brings the machine to its
 * starting state.
 *
 * <p>What a state copies is what the allocator touches: the zone's struct pages (128 KiB), and the top of RAM
 * where memblock placed the pglist_data, the pageblock bitmap and the per-cpu units (about 200 KiB, most of it
 * the pglist_data). The copies live in heap arrays, which the GC takes back cheaply: a state costs about 50 us
 * that way, and over ten times as much in fresh native memory (freed only through the cleaner). The memory model
 * is shared: after boot {@link Sparse} is plain arithmetic over values fixed at boot.
 */
final class ZoneImage {
    static final long RAM = 8L << 20;
    static final int PAGEBLOCK_ORDER = 9;
    static final long UNIT_SIZE = 16 * 1024;
    private static final String[] ZONE_NAMES = {"DMA", "DMA32", "Normal", "Movable", "Device"};

    private final KernelLayouts layouts = KernelLayouts.of(LayoutConfig.LINUX_6_1_X86_64);
    private final PageFlagsLayout flagsLayout = PageFlagsLayout.LINUX_6_1_X86_64;
    private final KernelAddressSpace space = KernelAddressSpace.x86_64();
    private final Sparse model;
    private final long pgdat;
    private final long perCpuBase;
    private final long perCpuInUse;
    /** The struct pages of the zone's pfns [0, RAM >> PAGE_SHIFT). */
    private final MemorySegment memmap;
    /** The top of RAM from physical {@link #windowPhys}: pglist_data, pageblock bitmap, per-cpu units. */
    private final MemorySegment window;
    private final long windowPhys;

    private ZoneImage(int high, int batch, Consumer<SmallMachine> prepare) {
        Arena arena = Arena.ofAuto();
        MemorySegment ram = arena.allocate(RAM, KernelConstants.PAGE_SIZE);
        Memblock memblock = new Memblock(MemblockConfig.X86_64, (level, line) -> { },
                (base, size) -> ram.asSlice(base, size).fill((byte) 0));
        memblock.memblockAddNode(0, RAM, 0, 0);
        PglistDataLayout pl = layouts.pglistData();
        long pgdatPhys = memblock.memblockPhysAllocTryNid(pl.size, KernelConstants.L1_CACHE_BYTES, 0);
        ram.asSlice(pgdatPhys, pl.size).fill((byte) 0);
        long perCpuPhys = memblock.memblockPhysAlloc(UNIT_SIZE * SmallMachine.NR_CPUS, KernelConstants.PAGE_SIZE);
        KernelMemory ramMem = KernelMemory.of(space.linearRegion(ram, 0));
        this.model = Sparse.sparseInit(SparseConfig.X86_64, memblock, space, ramMem, PAGEBLOCK_ORDER,
                new long[] {pgdatPhys}, line -> {
                    throw new IllegalStateException("the image's sparse_init failed: " + line);
                });
        MemorySegment fullMemmap = arena.allocate(model.memmapBytes(), PageLayout.SIZE);
        KernelMemory mem = KernelMemory.of(model.vmemmapRegion(space, fullMemmap), space.linearRegion(ram, 0));
        this.pgdat = space.va(pgdatPhys);
        long nrPages = RAM >>> KernelConstants.PAGE_SHIFT;
        long zone = initNode(mem, nrPages);
        Buddy bootBuddy = new Buddy(mem, layouts, flagsLayout, model, PAGEBLOCK_ORDER, new long[] {pgdat});
        bootBuddy.freeArea().zoneInitFreeLists(zone);
        MemmapInit memmapInit = new MemmapInit(bootBuddy, ZONE_NAMES, line -> { });
        memmapInit.memmapInit(memblock);
        MemblockFreeAll.memblockFreeAll(memblock, bootBuddy, memmapInit, nrPages);
        ZoneLayout zl = layouts.zone();
        mem.putInt(zone + zl.pagesetHigh, high);
        mem.putInt(zone + zl.pagesetBatch, batch);
        writeZonelists(mem, zone);

        this.perCpuBase = space.va(perCpuPhys);
        SmallMachine m = new SmallMachine(mem, layouts, flagsLayout, model, PAGEBLOCK_ORDER, pgdat, space,
                PageFrames.of(ram, 0), perCpuBase, UNIT_SIZE, 0, false);
        prepare.accept(m);
        m.alloc.vmstat().foldZone(zone);
        this.perCpuInUse = m.cpus.areas().reserved();

        long usemapPhys = space.pa(model.pageblockBitmap(m.page(0), 0));
        this.windowPhys = Math.min(Math.min(pgdatPhys, perCpuPhys), usemapPhys) & KernelConstants.PAGE_MASK;
        this.window = ram.asSlice(windowPhys, RAM - windowPhys);
        this.memmap = mem.slice(m.page(0), nrPages * PageLayout.SIZE);
    }

    /**
     * Boots the machine with pagesets of {@code high} and {@code batch}, runs {@code prepare} on it (its thread
     * must enter a CPU to allocate, and leave it), and freezes the result.
     */
    static ZoneImage boot(int high, int batch, Consumer<SmallMachine> prepare) {
        return new ZoneImage(high, batch, prepare);
    }

    /** A running allocator over a fresh copy of the image. */
    SmallMachine copy() {
        MemorySegment pages = MemorySegment.ofArray(new long[(int) (memmap.byteSize() / Long.BYTES)]);
        MemorySegment top = MemorySegment.ofArray(new long[(int) (window.byteSize() / Long.BYTES)]);
        pages.copyFrom(memmap);
        top.copyFrom(window);
        KernelMemory mem = KernelMemory.of(space.vmemmapRegion(pages, 0), space.linearRegion(top, windowPhys));
        return new SmallMachine(mem, layouts, flagsLayout, model, PAGEBLOCK_ORDER, pgdat, space,
                PageFrames.of(top, windowPhys), perCpuBase, UNIT_SIZE, perCpuInUse, true);
    }

    @Override
    public String toString() {
        return String.format("ZoneImage[%d KiB of struct pages, %d KiB of RAM from 0x%x]", memmap.byteSize() >> 10,
                window.byteSize() >> 10, windowPhys);
    }

    /** The node and its one zone, ZONE_NORMAL over pfns [0, nrPages), as free_area_init_node leaves them. */
    private long initNode(KernelMemory mem, long nrPages) {
        PglistDataLayout pl = layouts.pglistData();
        ZoneLayout zl = layouts.zone();
        mem.putInt(pgdat + pl.nodeId, 0);
        mem.putLong(pgdat + pl.nodeStartPfn, 0);
        mem.putLong(pgdat + pl.nodeSpannedPages, nrPages);
        mem.putLong(pgdat + pl.nodePresentPages, nrPages);
        for (int i = 0; i < zl.maxNrZones; i++) {
            long z = pgdat + pl.nodeZoneOffset(i);
            mem.putInt(z + zl.node, 0);
            mem.putLong(z + zl.zonePgdat, pgdat);
        }
        long zone = pgdat + pl.nodeZoneOffset(KernelConstants.ZONE_NORMAL);
        mem.putLong(zone + zl.zoneStartPfn, 0);
        mem.putLong(zone + zl.spannedPages, nrPages);
        mem.putLong(zone + zl.presentPages, nrPages);
        mem.putLong(zone + zl.managedPages, nrPages);
        mem.putInt(zone + zl.initialized, 1);
        return zone;
    }

    /** {@code build_all_zonelists} for the one node: both zonelists hold ZONE_NORMAL alone. */
    private void writeZonelists(KernelMemory mem, long zone) {
        for (int list = 0; list < KernelConstants.MAX_ZONELISTS; list++) {
            long zl = pgdat + layouts.pglistData().nodeZonelistOffset(list);
            long ref = zl + layouts.zonelist().zonerefOffset(0);
            mem.putLong(ref + ZonerefLayout.ZONE, zone);
            mem.putInt(ref + ZonerefLayout.ZONE_IDX, KernelConstants.ZONE_NORMAL);
            long end = zl + layouts.zonelist().zonerefOffset(1);
            mem.putLong(end + ZonerefLayout.ZONE, 0);
            mem.putInt(end + ZonerefLayout.ZONE_IDX, 0);
        }
    }
}
