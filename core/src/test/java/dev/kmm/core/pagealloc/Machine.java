package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.addr.VmSplit;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.LayoutConfig;
import dev.kmm.arena.layout.PglistDataLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockConfig;
import dev.kmm.core.memblock.MemblockFreeAll;
import dev.kmm.core.memblock.MemblockType;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.sparse.FlatMem;
import dev.kmm.core.sparse.MemoryModel;
import dev.kmm.core.sparse.Sparse;
import dev.kmm.core.sparse.SparseConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A small simulated machine for the memory-model and buddy tests: RAM banks in an Arena segment, memblock, one
 * node whose pglist_data comes from memblock, the zones the test asks for, the memory model and memmap init.
 * Building it stops before memblock_free_all(), which {@link #freeAll()} runs.
 */
public final class Machine implements AutoCloseable {
    public static final String[] X86_ZONE_NAMES = {"DMA", "DMA32", "Normal", "Movable", "Device"};
    public static final String[] ARM_ZONE_NAMES = {"Normal", "HighMem", "Movable"};
    /** The ARM profile: 32-bit flags word, 22 page flags, 3 zones, no NUMA, no NUMA balancing, no MGLRU. */
    public static final PageFlagsLayout ARM_FLAGS = PageFlagsLayout.of(32, 22, 3, 0, false, 1, false, false, -1);
    public static final long ARM_PHYS_OFFSET = 0x6000_0000L;

    public final Arena arena = Arena.ofShared();
    public final boolean sparse;
    public final KernelAddressSpace space;
    public final KernelLayouts layouts;
    public final PageFlagsLayout flagsLayout;
    public final int pageblockOrder;
    public final MemorySegment ram;
    public final long ramBase;
    public final Memblock memblock;
    public final List<String> log = new ArrayList<>();
    public final long pgdatPhys;
    public final long pgdat;
    public final MemoryModel model;
    public final KernelMemory mem;
    public final Buddy buddy;
    public final MemmapInit memmapInit;
    public final long unavailable;
    public final long reservedAfterModel;

    /** A zone of the test machine: index and pfn span. */
    public record ZoneSpec(int idx, long startPfn, long endPfn) {
    }

    /** A physical range. */
    public record Range(long base, long size) {
        long end() {
            return base + size;
        }
    }

    private Machine(boolean sparse, List<Range> banks, List<Range> reserves, List<ZoneSpec> zones, SparseConfig sc) {
        this.sparse = sparse;
        LayoutConfig config = sparse ? LayoutConfig.LINUX_6_1_X86_64
                : LayoutConfig.LINUX_6_1_X86_64.withMaxNrZones(3).withNodesShift(0);
        this.layouts = KernelLayouts.of(config);
        this.flagsLayout = sparse ? PageFlagsLayout.LINUX_6_1_X86_64 : ARM_FLAGS;
        this.pageblockOrder = sparse ? 9 : 10;
        this.ramBase = sparse ? 0 : ARM_PHYS_OFFSET;
        long ramEnd = banks.stream().mapToLong(Range::end).max().orElseThrow();
        this.ram = arena.allocate(ramEnd - ramBase, 4096);
        this.space = sparse ? KernelAddressSpace.x86_64() : KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, ramBase);
        this.memblock = new Memblock(sparse ? MemblockConfig.X86_64 : MemblockConfig.ARM_VEXPRESS,
                (level, line) -> log.add(line), (b, s) -> ram.asSlice(b - ramBase, s).fill((byte) 0));
        for (Range bank : banks) {
            memblock.memblockAddNode(bank.base, bank.size, 0, 0);
        }
        for (Range r : reserves) {
            memblock.memblockReserve(r.base, r.size);
        }
        KernelMemory ramMem = KernelMemory.of(space.linearRegion(ram, ramBase));
        PglistDataLayout pl = layouts.pglistData();
        this.pgdatPhys = memblock.memblockPhysAllocTryNid(pl.size, 64, 0);
        ram.asSlice(pgdatPhys - ramBase, pl.size).fill((byte) 0);
        this.pgdat = space.va(pgdatPhys);
        long nodeStart = zones.stream().mapToLong(ZoneSpec::startPfn).min().orElseThrow();
        long nodeEnd = zones.stream().mapToLong(ZoneSpec::endPfn).max().orElseThrow();
        if (sparse) {
            Sparse s = Sparse.sparseInit(sc, memblock, space, ramMem, pageblockOrder, new long[] {pgdatPhys}, log::add);
            MemorySegment memmap = arena.allocate(s.memmapBytes(), 64);
            this.mem = KernelMemory.of(s.vmemmapRegion(space, memmap), space.linearRegion(ram, ramBase));
            this.model = s;
        } else {
            // The arm kernel reserves 32-byte struct pages; kmm keeps its 64-byte ones apart, above 4 GiB.
            MemorySegment memmap = arena.allocate(FlatMem.memmapStorageBytes(nodeStart, nodeEnd - nodeStart,
                    config.maxOrder()), 64);
            this.mem = KernelMemory.of(new KernelMemory.Region("memmap", FlatMem.MEM_MAP_VA, memmap),
                    space.linearRegion(ram, ramBase));
            FlatMem flat = FlatMem.allocNodeMemMap(memblock, space, mem, flagsLayout, 32, config.maxOrder(),
                    config.maxNrZones(), pageblockOrder, nodeStart, nodeEnd - nodeStart, 0);
            for (ZoneSpec z : zones) {
                flat.setupUsemap(z.idx, ARM_ZONE_NAMES[z.idx], z.startPfn, z.endPfn - z.startPfn, 0);
            }
            this.model = flat;
        }
        this.reservedAfterModel = memblock.reserved().totalSize();
        initNode(zones, nodeStart, nodeEnd);
        long[] nodeData = {pgdat};
        this.buddy = new Buddy(mem, layouts, flagsLayout, model, pageblockOrder, nodeData);
        for (ZoneSpec z : zones) {
            buddy.freeArea().zoneInitFreeLists(zone(z.idx));
        }
        this.memmapInit = new MemmapInit(buddy, sparse ? X86_ZONE_NAMES : ARM_ZONE_NAMES, log::add);
        this.unavailable = memmapInit.memmapInit(memblock);
    }

    private void initNode(List<ZoneSpec> zones, long nodeStart, long nodeEnd) {
        PglistDataLayout pl = layouts.pglistData();
        ZoneLayout zl = layouts.zone();
        mem.putInt(pgdat + pl.nodeId, 0);
        mem.putLong(pgdat + pl.nodeStartPfn, nodeStart);
        mem.putLong(pgdat + pl.nodeSpannedPages, nodeEnd - nodeStart);
        long nodePresent = 0;
        for (int i = 0; i < zl.maxNrZones; i++) {
            long zone = pgdat + pl.nodeZoneOffset(i);
            mem.putInt(zone + zl.node, 0);
            mem.putLong(zone + zl.zonePgdat, pgdat);
        }
        for (ZoneSpec z : zones) {
            long zone = pgdat + pl.nodeZoneOffset(z.idx);
            long present = presentPages(z.startPfn, z.endPfn);
            nodePresent += present;
            mem.putLong(zone + zl.zoneStartPfn, z.startPfn);
            mem.putLong(zone + zl.spannedPages, z.endPfn - z.startPfn);
            mem.putLong(zone + zl.presentPages, present);
            mem.putLong(zone + zl.managedPages, present);
            mem.putInt(zone + zl.initialized, 1);
        }
        mem.putLong(pgdat + pl.nodePresentPages, nodePresent);
    }

    private long presentPages(long startPfn, long endPfn) {
        long[] n = {0};
        memblock.forEachMemPfnRange(memblock.maxNumNodes(), (s, e, nid) ->
                n[0] += Math.max(0, Math.min(e, endPfn) - Math.max(s, startPfn)));
        return n[0];
    }

    /** An x86_64 SPARSEMEM_VMEMMAP machine. */
    public static Machine x86(List<Range> banks, List<Range> reserves, List<ZoneSpec> zones) {
        return new Machine(true, banks, reserves, zones, SparseConfig.X86_64);
    }

    /** A 32-bit ARM FLATMEM machine; RAM starts at {@link #ARM_PHYS_OFFSET}. */
    public static Machine arm(List<Range> banks, List<Range> reserves, List<ZoneSpec> zones) {
        return new Machine(false, banks, reserves, zones, null);
    }

    /** {@code &NODE_DATA(0)->node_zones[idx]}. */
    public long zone(int idx) {
        return buddy.zone(0, idx);
    }

    /** memblock_free_all() with {@code max_low_pfn} at the end of RAM. */
    public long freeAll() {
        long maxLowPfn = (ramBase + ram.byteSize()) >>> 12;
        return MemblockFreeAll.memblockFreeAll(memblock, buddy, memmapInit, maxLowPfn);
    }

    /**
     * The pfns memblock_free_all() must free, derived from memblock's final state page by page: whole pages of
     * memory that overlap no reservation.
     */
    public BitSet expectedFreePfns() {
        BitSet free = new BitSet();
        MemblockType memory = memblock.memory();
        for (int i = 0; i < memory.cnt(); i++) {
            long first = (memory.base(i) + 4095) >>> 12;
            long end = (memory.base(i) + memory.size(i)) >>> 12;
            free.set((int) first, (int) end);
        }
        MemblockType reserved = memblock.reserved();
        for (int i = 0; i < reserved.cnt(); i++) {
            long first = reserved.base(i) >>> 12;
            long end = (reserved.base(i) + reserved.size(i) + 4095) >>> 12;
            free.clear((int) first, (int) end);
        }
        return free;
    }

    @Override
    public void close() {
        arena.close();
    }
}
