package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.Memblock.NUMA_NO_NODE;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_DRIVER_MANAGED;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_HOTPLUG;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_NOMAP;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The range iterators ({@code for_each_*_range}, {@code for_each_mem_pfn_range}) and address queries. */
class MemblockIterationTest {
    private final Memblock mb = new Memblock(MemblockConfig.X86_64, (l, m) -> { }, (b, s) -> { });

    private record R(long start, long end, int nid) {
    }

    private static List<R> collect(java.util.function.Consumer<MemblockRangeConsumer> walk) {
        List<R> out = new ArrayList<>();
        walk.accept((s, e, n) -> out.add(new R(s, e, n)));
        return out;
    }

    @Test
    void freeRangesAreMemoryMinusReservedAsInTheKernelDocExample() {
        // __next_mem_range's comment: type_b 0:[0-16), 1:[32-48), 2:[128-130) leaves the gaps
        // [0-0), [16-32), [48-128), [130-MAX)
        mb.memblockAdd(0, 200);
        mb.memblockReserve(0, 16);
        mb.memblockReserve(32, 16);
        mb.memblockReserve(128, 2);
        int noNode = mb.maxNumNodes();

        assertEquals(List.of(new R(16, 32, noNode), new R(48, 128, noNode), new R(130, 200, noNode)),
                collect(c -> mb.forEachFreeMemRange(NUMA_NO_NODE, MEMBLOCK_NONE, c)));
        assertEquals(List.of(new R(130, 200, noNode), new R(48, 128, noNode), new R(16, 32, noNode)),
                collect(c -> mb.forEachFreeMemRangeReverse(NUMA_NO_NODE, MEMBLOCK_NONE, c)));
        assertEquals(List.of(new R(0, 16, noNode), new R(32, 48, noNode), new R(128, 130, noNode)),
                collect(mb::forEachReservedMemRange));
    }

    @Test
    void freeRangesSplitAtRegionBoundariesAndFollowFlagsAndNodes() {
        mb.memblockAddNode(0x10_0000L, 0x10_0000L, 0, MEMBLOCK_NONE);
        mb.memblockAddNode(0x20_0000L, 0x10_0000L, 1, MEMBLOCK_HOTPLUG);
        mb.memblockAddNode(0x30_0000L, 0x10_0000L, 1, MEMBLOCK_NONE);
        mb.memblockAddNode(0x40_0000L, 0x10_0000L, 2, MEMBLOCK_DRIVER_MANAGED);
        mb.memblockMarkNomap(0x38_0000L, 0x8_0000L);
        mb.memblockReserve(0x1f_f000L, 0x2000);

        // nomap and driver-managed memory is skipped unless asked for
        assertEquals(List.of(new R(0x10_0000L, 0x1f_f000L, 0), new R(0x20_1000L, 0x30_0000L, 1),
                        new R(0x30_0000L, 0x38_0000L, 1)),
                collect(c -> mb.forEachFreeMemRange(NUMA_NO_NODE, MEMBLOCK_NONE, c)));
        assertEquals(List.of(new R(0x20_1000L, 0x30_0000L, 1), new R(0x30_0000L, 0x38_0000L, 1),
                        new R(0x38_0000L, 0x40_0000L, 1)),
                collect(c -> mb.forEachFreeMemRange(1, MEMBLOCK_NOMAP, c)));
        assertEquals(List.of(new R(0x40_0000L, 0x50_0000L, 2)),
                collect(c -> mb.forEachFreeMemRange(2, MEMBLOCK_DRIVER_MANAGED, c)));
        // for_each_mem_range includes hotplug and driver-managed memory, not nomap
        assertEquals(4, collect(mb::forEachMemRange).size());
        assertEquals(new R(0x40_0000L, 0x50_0000L, 2), collect(mb::forEachMemRangeRev).get(0));

        // with movable_node, hotpluggable memory is not free for allocations
        mb.setMovableNode(true);
        assertEquals(List.of(new R(0x10_0000L, 0x1f_f000L, 0), new R(0x30_0000L, 0x38_0000L, 1)),
                collect(c -> mb.forEachFreeMemRange(NUMA_NO_NODE, MEMBLOCK_NONE, c)));
        assertEquals(0x37_f000L, mb.memblockPhysAlloc(0x1000, 0x1000));
    }

    @Test
    void lowLevelCursorWalksLikeTheMacro() {
        mb.memblockAdd(0x1000, 0x3000);
        mb.memblockReserve(0x2000, 0x1000);
        MemblockRange r = new MemblockRange();
        long i = mb.nextMemRange(0, NUMA_NO_NODE, MEMBLOCK_NONE, mb.memory(), mb.reserved(), r);
        assertEquals(0x1000, r.start());
        assertEquals(0x2000, r.end());
        i = mb.nextMemRange(i, NUMA_NO_NODE, MEMBLOCK_NONE, mb.memory(), mb.reserved(), r);
        assertEquals(0x3000, r.start());
        assertEquals(0x4000, r.end());
        assertEquals(-1L, mb.nextMemRange(i, NUMA_NO_NODE, MEMBLOCK_NONE, mb.memory(), mb.reserved(), r));
    }

    @Test
    void pfnRangesAreWholePagesPerRegion() {
        mb.memblockAddNode(0x1800, 0x2800, 0, MEMBLOCK_NONE);     // pfns 2..4
        mb.memblockAddNode(0x10_0100L, 0x800, 1, MEMBLOCK_NONE);  // no whole page
        mb.memblockAddNode(0x20_0000L, 0x4000, 1, MEMBLOCK_NONE); // pfns 0x200..0x204

        assertEquals(List.of(new R(2, 4, 0), new R(0x200, 0x204, 1)),
                collect(c -> mb.forEachMemPfnRange(mb.maxNumNodes(), c)));
        assertEquals(List.of(new R(0x200, 0x204, 1)), collect(c -> mb.forEachMemPfnRange(1, c)));

        MemblockRange r = new MemblockRange();
        assertEquals(1, mb.memblockSearchPfnNid(0x202, r));
        assertEquals(0x200, r.start());
        assertEquals(0x204, r.end());
        assertEquals(-1, mb.memblockSearchPfnNid(0x300, r));
    }

    @Test
    void addressQueries() {
        mb.memblockAdd(0x10_0000L, 0x10_0000L);
        mb.memblockAdd(0x40_0000L, 0x10_0000L);
        mb.memblockMarkNomap(0x48_0000L, 0x1000);
        mb.memblockReserve(0x10_8000L, 0x100);

        assertEquals(0x10_0000L, mb.memblockStartOfDRAM());
        assertEquals(0x50_0000L, mb.memblockEndOfDRAM());
        assertEquals(0x20_0000L, mb.memblockPhysMemSize());
        assertEquals(0x100, mb.memblockReservedSize());

        assertTrue(mb.memblockIsMemory(0x10_0000L));
        assertFalse(mb.memblockIsMemory(0x20_0000L));
        assertTrue(mb.memblockIsMemory(0x48_0000L));
        assertFalse(mb.memblockIsMapMemory(0x48_0000L));
        assertTrue(mb.memblockIsMapMemory(0x48_1000L));
        assertTrue(mb.memblockIsReserved(0x10_80ffL));
        assertFalse(mb.memblockIsReserved(0x10_8100L));

        assertTrue(mb.memblockIsRegionMemory(0x10_0000L, 0x10_0000L));
        assertFalse(mb.memblockIsRegionMemory(0x10_0000L, 0x10_0001L));
        // the nomap split makes [0x400000, 0x500000) three regions: a range across them is not "in a region"
        assertFalse(mb.memblockIsRegionMemory(0x47_f000L, 0x2000));
        assertTrue(mb.memblockIsRegionReserved(0x10_0000L, 0x8001));
        assertFalse(mb.memblockIsRegionReserved(0x10_0000L, 0x8000));
    }
}
