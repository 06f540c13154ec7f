package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.KernelLayouts;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PagetypeinfoTest {
    /**
     * /proc/pagetypeinfo of a real x86_64 host with the Debian-like config (5 migrate types, pageblock order
     * 9; 4 CPUs, 16 GiB), from a public Markdown note on Linux memory management ("Linux memory manage
     * introduction", section "the buddy allocator"); the note's copy lost each row's trailing blank.
     */
    private static final String SAMPLE = """
            Page block order: 9
            Pages per block:  512

            Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10
            Node    0, zone      DMA, type    Unmovable      0      0      0      0      0      0      0      0      1      0      0
            Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0      1      2      2
            Node    0, zone      DMA, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0
            Node    0, zone      DMA, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0
            Node    0, zone      DMA, type      Isolate      0      0      0      0      0      0      0      0      0      0      0
            Node    0, zone    DMA32, type    Unmovable      0      1      0      1      1      0      1      0      1      0      7
            Node    0, zone    DMA32, type      Movable      1      1      0      1      0      0      1      1      1      1    859
            Node    0, zone    DMA32, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0
            Node    0, zone    DMA32, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0
            Node    0, zone    DMA32, type      Isolate      0      0      0      0      0      0      0      0      0      0      0
            Node    0, zone   Normal, type    Unmovable     62    273     41    130     45     25     17      5      3      1    103
            Node    0, zone   Normal, type      Movable  10531  18222   9941   5397   2338    853    321    191     43      3   1372
            Node    0, zone   Normal, type  Reclaimable     87     83     75     54     33     15      2      2      1      0      0
            Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0
            Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0

            Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate
            Node 0, zone      DMA            1            7            0            0            0
            Node 0, zone    DMA32           32         1752            0            0            0
            Node 0, zone   Normal          501         5811           80            0            0
            """;

    private static long[] row(String line) {
        String counts = line.substring(line.indexOf("type") + 18).trim();
        return Arrays.stream(counts.split(" +")).mapToLong(Long::parseLong).toArray();
    }

    @Test
    void realPagetypeinfoIsReproduced() {
        List<String> free = SAMPLE.lines().filter(l -> l.startsWith("Node    0")).toList();
        long entries = free.stream().flatMapToLong(l -> Arrays.stream(row(l))).sum();
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, KernelLayouts.LINUX_6_1_X86_64, 1, 4, entries)) {
            k.zoneSpan(0, 0, 1, 4095, 3743, 3584);
            k.zoneSpan(0, 1, 4096, 1044480, 913355, 896971);
            k.zoneSpan(0, 2, 1048576, 3272704, 3272704, 3188192);
            for (int i = 0; i < free.size(); i++) {
                long[] counts = row(free.get(i));
                for (int order = 0; order < counts.length; order++) {
                    k.freeBlocks(0, i / 5, order, i % 5, counts[order]);
                }
            }
            // Pageblocks from pfn 0: DMA's 8 blocks, DMA32's 2040 of which the last 256 are holes, Normal's 6392.
            int[] types = new int[(1048576 + 3272704) / 512];
            int b = 0;
            b = fill(types, b, 1, KernelConstants.MIGRATE_UNMOVABLE);
            b = fill(types, b, 7, KernelConstants.MIGRATE_MOVABLE);
            b = fill(types, b, 32, KernelConstants.MIGRATE_UNMOVABLE);
            b = fill(types, b, 1752, KernelConstants.MIGRATE_MOVABLE);
            b = fill(types, b, 256, -1);
            b = fill(types, b, 501, KernelConstants.MIGRATE_UNMOVABLE);
            b = fill(types, b, 5811, KernelConstants.MIGRATE_MOVABLE);
            b = fill(types, b, 80, KernelConstants.MIGRATE_RECLAIMABLE);
            assertEquals(types.length, b);
            k.pageblocks(types);

            String text = ProcPagetypeinfo.show(k);
            String trimmed = text.lines().map(String::stripTrailing).collect(Collectors.joining("\n", "", "\n"));
            assertEquals(SAMPLE, trimmed);
            // 6.1 ends every counted row, and the headers, with the blank of "%6lu " / "%12s ".
            assertTrue(text.contains("\nNode    0, zone   Normal, type      Movable  10531  18222   9941   5397   2338"
                    + "    853    321    191     43      3   1372 \n"));
            assertTrue(text.contains("order       0      1      2      3      4      5      6      7      8      9     10 \n"));
            assertTrue(text.contains("\nNumber of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"));
            assertTrue(text.endsWith("Node 0, zone   Normal          501         5811           80            0            0 \n"));

            PageTypeInfo info = ProcPagetypeinfo.read(k).getFirst();
            assertEquals(512, info.pagesPerBlock());
            assertEquals(List.of(32L, 1752L, 0L, 0L, 0L), info.blocks().get(1).counts());
            assertEquals(18222L, info.free().get(11).counts().get(1));
            assertEquals(ProcPagetypeinfo.render(List.of(info)), text);
        }
    }

    private static int fill(int[] types, int from, int n, int type) {
        Arrays.fill(types, from, from + n, type);
        return from + n;
    }

    /** 6.1 stops counting a list at 100000 entries and prints such a list as {@code >100000}. */
    @Test
    void longFreeListsPrintCapped() {
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, KernelLayouts.LINUX_6_1_X86_64, 1, 1, 300_000)) {
            k.zoneSpan(0, 2, 0, 512, 512, 512).pageblocks(new int[]{KernelConstants.MIGRATE_MOVABLE});
            k.freeBlocks(0, 2, 0, KernelConstants.MIGRATE_MOVABLE, 99_999);
            k.freeBlocks(0, 2, 1, KernelConstants.MIGRATE_MOVABLE, 100_000);
            k.freeBlocks(0, 2, 2, KernelConstants.MIGRATE_MOVABLE, 100_001);
            String text = ProcPagetypeinfo.show(k);
            assertTrue(text.contains("\nNode    0, zone   Normal, type      Movable  99999 >100000 >100000      0 "), text);
            assertEquals(List.of(99_999L, 100_000L, 100_000L),
                    ProcPagetypeinfo.read(k).getFirst().free().get(1).counts().subList(0, 3));
        }
    }

    /** Blocks of another zone inside this zone's span (interleaved nodes) and holes are not counted. */
    @Test
    void blocksOfOtherZonesAndHolesAreSkipped() {
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 2, 1)) {
            k.zoneSpan(0, 2, 0, 4 * 512, 3 * 512, 3 * 512);
            k.zoneSpan(1, 1, 512, 512, 512, 512); // node 1's DMA32 sits inside node 0's Normal span
            k.pageblocks(new int[]{KernelConstants.MIGRATE_MOVABLE, KernelConstants.MIGRATE_UNMOVABLE, -1,
                    KernelConstants.MIGRATE_RECLAIMABLE});
            List<PageTypeInfo> nodes = ProcPagetypeinfo.read(k);
            assertEquals(2, nodes.size());
            assertEquals(List.of(0L, 1L, 1L, 0L, 0L), nodes.get(0).blocks().getFirst().counts());
            assertEquals("DMA32", nodes.get(1).blocks().getFirst().zoneName());
            assertEquals(List.of(1L, 0L, 0L, 0L, 0L), nodes.get(1).blocks().getFirst().counts());
        }
    }
}
