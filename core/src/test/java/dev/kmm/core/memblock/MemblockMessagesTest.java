package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.MemblockLog.KERN_WARNING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The text memblock produces, against the Linux 6.1 format strings: the debugfs files
 * ({@code memblock_debug_show}), the {@code memblock=debug} trace ({@code memblock_dbg}), the
 * configuration dump ({@code memblock_dump}) and the error and warning lines. Expected lines are
 * written out by hand from those format strings.
 */
class MemblockMessagesTest {
    private final List<String> lines = new ArrayList<>();

    private Memblock memblock(MemblockConfig config) {
        return new Memblock(config, (level, line) -> lines.add("<" + level + ">" + line), (b, s) -> { });
    }

    @Test
    void debugfsShowPrintsInclusiveEndsWith64BitPhysAddr() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.memblockAdd(0x8000_0000L, 0x4000_0000L);
        mb.memblockAdd(0x1_0000_0000L, 0x1000);

        assertEquals("""
                   0: 0x0000000080000000..0x00000000bfffffff
                   1: 0x0000000100000000..0x0000000100000fff
                """, Memblock.debugfsShow(mb.memory(), 64));
        // the empty type shows its dummy entry [0, 0): its "end" is 0 - 1
        assertEquals("   0: 0x0000000000000000..0xffffffffffffffff\n", Memblock.debugfsShow(mb.reserved(), 64));
    }

    @Test
    void debugfsShowPrints32BitPhysAddrOnArm() {
        Memblock mb = memblock(MemblockConfig.ARM_VEXPRESS);
        mb.memblockAdd(0x6000_0000L, 0x4000_0000L);
        mb.memblockReserve(0x6000_8000L, 0x8a_0000L);

        assertEquals("   0: 0x60000000..0x9fffffff\n", Memblock.debugfsShow(mb.memory(), 32));
        assertEquals("   0: 0x60008000..0x608a7fff\n", Memblock.debugfsShow(mb.reserved(), 32));
        assertEquals("   0: 0x00000000..0xffffffff\n", Memblock.debugfsShow(new Memblock(MemblockConfig.ARM_VEXPRESS,
                (l, m) -> { }, (b, s) -> { }).reserved(), 32));
    }

    @Test
    void debugfsShowPadsTheIndexToFourColumns() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        for (int i = 0; i < 11; i++) {
            mb.memblockReserve(0x10_0000L * (i + 1), 0x1000);
        }
        String[] rows = Memblock.debugfsShow(mb.reserved(), 64).split("\n");
        assertEquals(11, rows.length);
        assertEquals("   9: 0x0000000000a00000..0x0000000000a00fff", rows[9]);
        assertEquals("  10: 0x0000000000b00000..0x0000000000b00fff", rows[10]);
        assertThrows(IllegalArgumentException.class, () -> Memblock.debugfsShow(mb.reserved(), 48));
    }

    @Test
    void debugTraceNamesTheCaller() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.earlyMemblock("debug");
        mb.memblockAdd(0x1000, 0x2000);
        mb.memblockAddNode(0x10_0000L, 0x10_0000L, 1, MemblockFlags.MEMBLOCK_HOTPLUG);
        mb.memblockReserve(0x1000, 0x1000);
        mb.memblockPhysFree(0x1000, 0x1000);
        mb.memblockRemove(0x1000, 0x1000);

        assertEquals(List.of(
                "<6>memblock_add: [0x0000000000001000-0x0000000000002fff] debugTraceNamesTheCaller",
                "<6>memblock_add_node: [0x0000000000100000-0x00000000001fffff] nid=1 flags=1 debugTraceNamesTheCaller",
                "<6>memblock_reserve: [0x0000000000001000-0x0000000000001fff] debugTraceNamesTheCaller",
                "<6>memblock_phys_free: [0x0000000000001000-0x0000000000001fff] debugTraceNamesTheCaller",
                "<6>memblock_remove: [0x0000000000001000-0x0000000000001fff] debugTraceNamesTheCaller"), lines);
    }

    @Test
    void debugTraceOfAllocations() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.memblockAdd(0x100_0000L, 0x100_0000L);
        mb.earlyMemblock("foo,debug");

        long p = mb.memblockAlloc(0x1000, 0x1000);
        long q = mb.memblockPhysAllocRange(0x2000, 0x1000, 0x100_0000L, 0x180_0000L);
        mb.memblockFree(p, 0x1000);

        assertEquals(0x1ff_f000L, p);
        assertEquals(0x17f_e000L, q);
        assertEquals(List.of(
                // memblock_alloc() is inline: the trace names its caller
                "<6>memblock_alloc_try_nid: 4096 bytes align=0x1000 nid=-1 from=0x0000000000000000 "
                        + "max_addr=0x0000000000000000 debugTraceOfAllocations",
                "<6>memblock_reserve: [0x0000000001fff000-0x0000000001ffffff] memblockAllocRangeNid",
                "<6>memblock_phys_alloc_range: 8192 bytes align=0x1000 from=0x0000000001000000 "
                        + "max_addr=0x0000000001800000 debugTraceOfAllocations",
                "<6>memblock_reserve: [0x00000000017fe000-0x00000000017fffff] memblockAllocRangeNid",
                // memblock_free() is a function: the trace names it
                "<6>memblock_phys_free: [0x0000000001fff000-0x0000000001ffffff] memblockFree"), lines);
    }

    @Test
    void noTraceWithoutDebug() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.earlyMemblock("nodebg");
        mb.memblockAdd(0x100_0000L, 0x100_0000L);
        mb.memblockAlloc(0x1000, 0x1000);
        mb.memblockDumpAll();
        assertEquals(List.of(), lines);
    }

    @Test
    void doublingIsTracedAndFailureReported() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.memblockAllowResize();
        mb.memblockAdd(0x100_0000L, 0x20_0000L);
        for (int i = 0; i < Memblock.INIT_MEMBLOCK_REGIONS; i++) {
            mb.memblockReserve(0x100_0000L + i * 0x2000L, 0x1000);
        }
        mb.earlyMemblock("debug");
        lines.clear();

        // the 129th region: the doubled array (256 * 24 bytes, in 2 pages) goes to the top of
        // memory above the range being reserved
        assertEquals(0, mb.memblockReserve(0x110_0000L, 0x1000));
        assertEquals(List.of(
                "<6>memblock_reserve: [0x0000000001100000-0x0000000001100fff] doublingIsTracedAndFailureReported",
                "<6>memblock: reserved is doubled to 256 at [0x00000000011fe000-0x00000000011ff7ff]",
                "<6>memblock_reserve: [0x00000000011fe000-0x00000000011fffff] memblockDoubleArray"), lines);
        assertEquals(0x11f_e000L, mb.reserved().arrayPhys());
        assertEquals(Memblock.INIT_MEMBLOCK_REGIONS + 2, mb.reserved().cnt());

        // a memory array that cannot grow: nothing left to put the bigger array in
        Memblock full = memblock(MemblockConfig.X86_64);
        full.memblockAllowResize();
        lines.clear();
        for (int i = 0; i < Memblock.INIT_MEMBLOCK_REGIONS; i++) {
            assertEquals(0, full.memblockAdd(0x10_0000L + i * 0x2000L, 0x1000));
        }
        full.memblockReserve(0x10_0000L, 0x200_0000L);
        assertEquals(-Memblock.ENOMEM, full.memblockAdd(0x1000_0000L, 0x1000));
        assertEquals(List.of("<3>memblock: Failed to double memory array from 128 to 256 entries !"), lines);
        assertEquals(Memblock.INIT_MEMBLOCK_REGIONS, full.memory().cnt());
    }

    @Test
    void withoutResizeAFullArrayRefusesSilently() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        for (int i = 0; i < Memblock.INIT_MEMBLOCK_REGIONS; i++) {
            assertEquals(0, mb.memblockReserve(0x10_0000L + i * 0x2000L, 0x1000));
        }
        assertEquals(-Memblock.ENOMEM, mb.memblockReserve(0x1000_0000L, 0x1000));
        // splitting a region needs two free slots as well
        assertEquals(-Memblock.ENOMEM, mb.memblockPhysFree(0x10_0000L + 0x400, 0x100));
        assertEquals(Memblock.INIT_MEMBLOCK_REGIONS, mb.reserved().cnt());
        assertEquals(Memblock.INIT_MEMBLOCK_REGIONS * 0x1000L, mb.reserved().totalSize());
        assertEquals(List.of(), lines);
    }

    @Test
    void dumpAllPrintsTheConfiguration() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.memblockAdd(0x1000, 0x9e000);
        mb.memblockAddNode(0x10_0000L, 0x7ff0_0000L, 0, MemblockFlags.MEMBLOCK_HOTPLUG);
        mb.earlyMemblock("debug");
        lines.clear();
        mb.memblockDumpAll();

        assertEquals(List.of(
                "<6>MEMBLOCK configuration:",
                "<6> memory size = 0x000000007ff9e000 reserved size = 0x0000000000000000",
                "<6> memory.cnt  = 0x2",
                "<6> memory[0x0]\t[0x0000000000001000-0x000000000009efff], 0x000000000009e000 bytes flags: 0x0",
                "<6> memory[0x1]\t[0x0000000000100000-0x000000007fffffff], 0x000000007ff00000 bytes on node 0 flags: 0x1",
                "<6> reserved.cnt  = 0x1",
                // the static dummy entry is zeroed, so it reads as node 0
                "<6> reserved[0x0]\t[0x0000000000000000-0xffffffffffffffff], 0x0000000000000000 bytes on node 0 flags: 0x0"),
                lines);
    }

    @Test
    void dumpWithoutNumaHasNoNodes() {
        Memblock mb = memblock(MemblockConfig.ARM_VEXPRESS);
        mb.memblockAdd(0x6000_0000L, 0x4000_0000L);
        mb.earlyMemblock("debug");
        lines.clear();
        mb.memblockDumpAll();
        assertEquals("<6> memory[0x0]\t[0x60000000-0x9fffffff], 0x40000000 bytes flags: 0x0", lines.get(3));
    }

    @Test
    void capMemoryRangeWithoutMemoryWarns() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.memblockCapMemoryRange(0, 0x1000);
        assertEquals(List.of("<" + KERN_WARNING + ">memblock_cap_memory_range: No memory registered yet"), lines);
    }

    @Test
    void mirroredMemoryIsPreferredThenDropped() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.memblockAdd(0x100_0000L, 0x100_0000L);
        // without kernelcore=mirror marking does nothing
        mb.memblockMarkMirror(0x100_0000L, 0x1000);
        assertEquals(0, mb.memory().flags(0));

        mb.setMirroredKernelcore(true);
        mb.memblockMarkMirror(0x100_0000L, 0x2000);
        assertEquals(MemblockFlags.MEMBLOCK_MIRROR, mb.memory().flags(0));

        // mirrored memory first, even though top-down would pick the top
        assertEquals(0x100_1000L, mb.memblockPhysAlloc(0x1000, 0x1000));
        assertEquals(List.of(), lines);
        // too big for the mirror: warn and fall back
        assertEquals(0x1ff_e000L, mb.memblockPhysAlloc(0x2000, 0x1000));
        assertEquals(List.of("<4>Could not allocate 0x0000000000002000 bytes of mirrored memory"), lines);
    }

    @Test
    void maxNumnodesSelectorIsDeprecatedOnce() {
        Memblock mb = memblock(MemblockConfig.X86_64);
        mb.memblockAddNode(0x100_0000L, 0x100_0000L, 3, 0);
        // MAX_NUMNODES as a selector means any node, with a one-time warning per site
        assertEquals(0x1ff_f000L, mb.memblockPhysAllocTryNid(0x1000, 0x1000, mb.maxNumNodes()));
        long warnings = lines.stream().filter(l -> l.equals(
                "<4>Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE instead")).count();
        mb.memblockPhysAllocTryNid(0x1000, 0x1000, mb.maxNumNodes());
        assertEquals(warnings, lines.stream().filter(l -> l.startsWith("<4>Usage of MAX_NUMNODES")).count());
        assertTrue(warnings >= 1);
        assertTrue(lines.stream().allMatch(l -> l.startsWith("<" + KERN_WARNING + ">")));
    }
}
