package dev.kmm.core.percpu;

import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** pcpu_build_alloc_info() and pcpu_embed_first_chunk() of mm/percpu.c against real boot lines. */
class PcpuFirstChunkTest {
    /**
     * A 32-bit MIPS router with 4 CPUs (openwrt/mt76 issue #440): "percpu: Embedded 18 pages/cpu s43344
     * r8192 d22192 u73728". size_sum = PFN_ALIGN(43344 + 8192 + 20480) = 73728; the dynamic part takes
     * what is left.
     */
    @Test
    void thirtyTwoBitLine() {
        PcpuAllocInfo ai = PcpuFirstChunk.pcpuBuildAllocInfo(43344, 8192, PcpuFirstChunk.percpuDynamicReserve(32),
                4096, 4, null);
        assertEquals(73728, ai.unitSize());
        assertEquals(22192, ai.dynSize());
        assertEquals(18 * 4096, ai.sizeSum());
        assertEquals(1, ai.groups().size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, ai.groups().getFirst().cpuMap());
    }

    /** A 2-CPU ipq806x (openwrt/openwrt PR #4036): "percpu: Embedded 15 pages/cpu s31244 r8192 d22004 u61440". */
    @Test
    void twoCpus() {
        PcpuAllocInfo ai = PcpuFirstChunk.pcpuBuildAllocInfo(31244, 8192, 20 << 10, 4096, 2, null);
        assertEquals(61440, ai.unitSize());
        assertEquals(22004, ai.dynSize());
    }

    /**
     * x86_64 with a 2 MiB atom: a unit of 64 pages fits 8 to an atom. With 3 CPUs, 8 units per allocation
     * would waste 5 > 3/3 units, so upa shrinks to 4 (wastes 1): alloc_size stays 2 MiB, unit 512 KiB.
     */
    @Test
    void largeAtomsShrinkTheUnitsPerAllocation() {
        PcpuAllocInfo ai = PcpuFirstChunk.pcpuBuildAllocInfo(221184, 8192, 28 << 10, 2 << 20, 3, null);
        assertEquals(258048, ai.sizeSum()); // 63 pages
        assertEquals(2 << 20, ai.allocSize());
        // max_upa: 2 MiB / 258048 = 8 units of 256 KiB; wasted 8 - 3 = 5 > 1, 4 wastes 1 <= 1, 2 takes more allocs.
        assertEquals(4, ai.unitsPerAlloc());
        assertEquals(512 << 10, ai.unitSize());
        assertArrayEquals(new int[] {0, 1, 2, PcpuAllocInfo.NO_CPU}, ai.groups().getFirst().cpuMap());
    }

    /** CPUs are grouped by LOCAL_DISTANCE both ways: two nodes make two groups, each whole atoms. */
    @Test
    void numaGroups() {
        int[] node = {0, 1, 0, 1};
        PcpuAllocInfo ai = PcpuFirstChunk.pcpuBuildAllocInfo(221184, 8192, 28 << 10, 2 << 20, 4,
                (a, b) -> node[a] == node[b] ? 10 : 20);
        assertEquals(2, ai.groups().size());
        assertArrayEquals(new int[] {0, 2}, compact(ai.groups().get(0).cpuMap()));
        assertArrayEquals(new int[] {1, 3}, compact(ai.groups().get(1).cpuMap()));
    }

    /**
     * The embed: groups from memblock at the atom size, each unit's unused tail (and spare units) given
     * back, the info and areas pages freed at the end.
     */
    @Test
    void embedReturnsUnusedParts() {
        Memblock mb = new Memblock(MemblockConfig.X86_64, (l, s) -> { }, (b, s) -> { });
        mb.memblockAdd(0, 1L << 30);
        List<String> log = new ArrayList<>();
        PcpuFirstChunk.Result r = PcpuFirstChunk.pcpuEmbedFirstChunk(mb, new PcpuFirstChunk.Build(8, false, 64),
                221184, 8192, 28 << 10, 2 << 20, 3, null, n -> 0, 16 << 20, l -> log.add(l.text()));
        assertEquals("percpu: Embedded 63 pages/cpu s221184 r8192 d28672 u524288", log.getFirst());
        long base = r.base();
        assertEquals(0, base & ((2 << 20) - 1)); // atom aligned
        for (int cpu = 0; cpu < 3; cpu++) {
            long unit = r.unitPhys(cpu);
            assertEquals(base + cpu * (512L << 10), unit);
            assertEquals(true, mb.memblockIsRegionReserved(unit, 258048));
            assertEquals(false, mb.memblockIsReserved(unit + 258048)); // the unit's tail went back
        }
        assertEquals(false, mb.memblockIsReserved(base + 3 * (512L << 10))); // the spare unit went back whole
    }

    private static int[] compact(int[] map) {
        return java.util.Arrays.stream(map).filter(c -> c != PcpuAllocInfo.NO_CPU).toArray();
    }
}
