package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZoneinfoTest {
    private static final List<String> ZONES = List.of("DMA", "DMA32", "Normal", "Movable", "Device");

    /** One x86_64 node, 2 CPUs: DMA and Normal populated, DMA32, Movable and Device empty. */
    private static FakeKernel twoZoneMachine() {
        FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 1, 2);
        k.zoneSpan(0, 0, 1, 4095, 3998, 3840).watermarks(0, 0, 8, 11, 14, 0).protection(0, 0, 0, 2911, 7863, 7863, 7863)
                .zoneStat(0, 0, "nr_free_pages", 3840).zoneStat(0, 0, "nr_mlock", 5)
                .zoneStat(0, 0, "nr_zone_write_pending", -7)
                .numaEvent(0, 0, "numa_hit", 100, 3, 4).numaEvent(0, 0, "numa_local", 90, 1, 0)
                .pageset(0, 0, 0, 0, 0, 1, 8).pageset(0, 0, 1, 0, 0, 1, 8);
        k.protection(0, 1, 0, 0, 4952, 4952, 4952);
        k.zoneSpan(0, 2, 1048576, 1310720, 1310720, 1267632).watermarks(0, 2, 8500, 10625, 12750, 100)
                .zoneStat(0, 2, "nr_free_pages", 500000).zoneStat(0, 2, "nr_zone_active_file", 4242)
                .numaEvent(0, 2, "numa_miss", 7)
                .pageset(0, 2, 0, 300, 378, 63, 40).pageset(0, 2, 1, 17, 378, 63, -3);
        k.nodeStat(0, "nr_inactive_anon", 1234).nodeStat(0, "nr_anon_transparent_hugepages", 1024)
                .nodeStat(0, "nr_shmem_hugepages", 512).nodeStat(0, "nr_kernel_stack", 2768)
                .nodeStat(0, "nr_file_pages", -3).kswapdFailures(0, 16);
        return k;
    }

    /**
     * The text of the machine above, built with {@link String#format} from the format strings of 6.1's
     * zoneinfo_show_print() and the values set, independently of the view's own formatting.
     */
    private static String expected(ProcConfig c) {
        Map<String, Long> node = new LinkedHashMap<>();
        c.vmstatText().nodeStatItems().forEach(i -> node.put(i.text(), 0L));
        node.put("nr_inactive_anon", 1234L);
        node.put("nr_anon_transparent_hugepages", 2L); // 1024 pages in 2 MiB huge pages
        node.put("nr_shmem_hugepages", 1L);
        node.put("nr_kernel_stack", 2768L);
        StringBuilder e = new StringBuilder();
        long[][] head = {
                {3840, 0, 8, 11, 14, 4095, 3998, 3840, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0},
                {500000, 100, 8600, 10725, 12850, 1310720, 1310720, 1267632, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0},
                {0, 0, 0, 0, 0, 0, 0, 0, 0}};
        long[][] protection = {{0, 2911, 7863, 7863, 7863}, {0, 0, 4952, 4952, 4952}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0},
                {0, 0, 0, 0, 0}};
        for (int z = 0; z < 5; z++) {
            e.append(String.format("Node %d, zone %8s", 0, ZONES.get(z)));
            if (z == 0) {
                e.append("\n  per-node stats");
                node.forEach((n, v) -> e.append(String.format("\n      %-12s %d", n, v)));
            }
            long[] h = head[z];
            e.append(String.format("\n  pages free     %d\n        boost    %d\n        min      %d\n        low      %d"
                    + "\n        high     %d\n        spanned  %d\n        present  %d\n        managed  %d\n        cma      %d",
                    h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]));
            e.append(String.format("\n        protection: (%d", protection[z][0]));
            for (int i = 1; i < 5; i++) {
                e.append(String.format(", %d", protection[z][i]));
            }
            e.append(')');
            if (z == 1 || z > 2) {
                e.append('\n');
                continue;
            }
            Map<String, Long> zone = new LinkedHashMap<>();
            c.vmstatText().zoneStatItems().forEach(i -> zone.put(i.text(), 0L));
            Map<String, Long> numa = new LinkedHashMap<>();
            c.vmstatText().numaStatItems().forEach(i -> numa.put(i.text(), 0L));
            int[][] pcp;
            if (z == 0) {
                zone.put("nr_free_pages", 3840L);
                zone.put("nr_mlock", 5L);
                numa.put("numa_hit", 107L);
                numa.put("numa_local", 91L);
                pcp = new int[][]{{0, 0, 1, 8}, {0, 0, 1, 8}};
            } else {
                zone.put("nr_free_pages", 500000L);
                zone.put("nr_zone_active_file", 4242L);
                numa.put("numa_miss", 7L);
                pcp = new int[][]{{300, 378, 63, 40}, {17, 378, 63, -3}};
            }
            zone.forEach((n, v) -> e.append(String.format("\n      %-12s %d", n, v)));
            numa.forEach((n, v) -> e.append(String.format("\n      %-12s %d", n, v)));
            e.append("\n  pagesets");
            for (int cpu = 0; cpu < 2; cpu++) {
                e.append(String.format("\n    cpu: %d\n              count: %d\n              high:  %d\n              batch: %d",
                        cpu, pcp[cpu][0], pcp[cpu][1], pcp[cpu][2]));
                e.append(String.format("\n  vm stats threshold: %d", pcp[cpu][3]));
            }
            e.append(String.format("\n  node_unreclaimable:  %d\n  start_pfn:           %d", 1, z == 0 ? 1 : 1048576));
            e.append('\n');
        }
        return e.toString();
    }

    @Test
    void textIsTheKernelFormat() {
        try (FakeKernel k = twoZoneMachine()) {
            String text = ProcZoneinfo.show(k);
            assertEquals(expected(k.config), text);
            // A few lines spelled out, padding included.
            assertTrue(text.startsWith("Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 1234\n"
                    + "      nr_active_anon 0\n"));
            assertTrue(text.contains("\n      nr_mlock     5\n      nr_bounce    0\n      nr_zspages   0\n"
                    + "      nr_free_cma  0\n      numa_hit     107\n"));
            assertTrue(text.contains("Node 0, zone    DMA32\n  pages free     0\n        boost    0\n        min      0\n"
                    + "        low      0\n        high     0\n        spanned  0\n        present  0\n        managed  0\n"
                    + "        cma      0\n        protection: (0, 0, 4952, 4952, 4952)\nNode 0, zone   Normal\n"));
            assertTrue(text.contains("\n    cpu: 1\n              count: 17\n              high:  378\n"
                    + "              batch: 63\n  vm stats threshold: -3\n  node_unreclaimable:  1\n"
                    + "  start_pfn:           1048576\nNode 0, zone  Movable\n"));
        }
    }

    @Test
    void recordsCarryTheSameValues() {
        try (FakeKernel k = twoZoneMachine()) {
            List<ZoneInfo> zones = ProcZoneinfo.read(k);
            assertEquals(ZONES, zones.stream().map(ZoneInfo::zoneName).toList());
            ZoneInfo dma = zones.get(0);
            assertTrue(dma.populated());
            assertEquals(2L, dma.nodeStats().get("nr_anon_transparent_hugepages"));
            assertEquals(0L, dma.nodeStats().get("nr_file_pages"));
            assertEquals(0L, dma.zoneStats().get("nr_zone_write_pending"));
            assertEquals(107L, dma.numaStats().get("numa_hit"));
            assertEquals(List.of(0L, 2911L, 7863L, 7863L, 7863L), dma.protection());
            assertTrue(zones.get(2).nodeStats().isEmpty(), "node stats go with the first populated zone only");
            assertEquals(new ZoneInfo.Pageset(0, 300, 378, 63, 40), zones.get(2).pagesets().get(0));
            assertEquals(8600, zones.get(2).min());
            ZoneInfo dma32 = zones.get(1);
            assertFalse(dma32.populated());
            assertTrue(dma32.zoneStats().isEmpty() && dma32.pagesets().isEmpty());
            assertEquals(ProcZoneinfo.render(zones), ProcZoneinfo.show(k));
        }
    }

    @Test
    void readingLeavesPerCpuCountsWhereTheyWere() {
        try (FakeKernel k = twoZoneMachine()) {
            String first = ProcZoneinfo.show(k);
            assertEquals(first, ProcZoneinfo.show(k));
            long zs = k.mem.getLong(k.zone(0, 0) + k.layouts.zone().perCpuZonestats);
            assertEquals(4, k.mem.getLong(zs + k.perCpuOffset(1) + k.layouts.perCpuZonestat().vmNumaEvent));
        }
    }

    @Test
    void firstPopulatedZoneCarriesNodeStats() {
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 2, 1)) {
            k.zoneSpan(0, 0, 1, 4095, 3998, 3840);
            k.zoneSpan(1, 2, 0x240000, 0x100000, 0x100000, 0x100000).nodeStat(1, "nr_dirty", 9);
            String text = ProcZoneinfo.show(k);
            assertTrue(text.startsWith("Node 0, zone      DMA\n  per-node stats\n"));
            assertTrue(text.contains("Node 1, zone      DMA\n  pages free     0\n"));
            assertTrue(text.contains("Node 1, zone   Normal\n  per-node stats\n"));
            assertTrue(text.contains("\n      nr_dirty     9\n"));
            assertEquals(2, text.split("per-node stats", -1).length - 1);
        }
    }

    /**
     * x86_64 host, Debian-like config (5 zones, 4 CPUs), from a public Markdown note on Linux memory
     * management ("Linux memory manage introduction") whose zoneinfo shows every zone's header block: the
     * empty Movable and Device zones appear whole, byte for byte; the populated zones' header lines appear
     * in our text as one block (the note left out their counters).
     */
    @Test
    void realZoneHeadersAreReproduced() {
        String movableAndDevice = """
                Node 0, zone  Movable
                  pages free     0
                        boost    0
                        min      0
                        low      0
                        high     0
                        spanned  0
                        present  0
                        managed  0
                        cma      0
                        protection: (0, 0, 0, 0, 0)
                Node 0, zone   Device
                  pages free     0
                        boost    0
                        min      0
                        low      0
                        high     0
                        spanned  0
                        present  0
                        managed  0
                        cma      0
                        protection: (0, 0, 0, 0, 0)
                """;
        String dma32 = """
                  pages free     888101
                        boost    0
                        min      3681
                        low      4601
                        high     5521
                        spanned  1044480
                        present  913355
                        managed  896971
                        cma      0
                        protection: (0, 0, 12453, 12453, 12453)
                """;
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 1, 4)) {
            k.zoneSpan(0, 0, 1, 4095, 3743, 3584).watermarks(0, 0, 14, 17, 20, 0).zoneStat(0, 0, "nr_free_pages", 3584)
                    .protection(0, 0, 0, 3503, 15957, 15957, 15957);
            k.zoneSpan(0, 1, 4096, 1044480, 913355, 896971).watermarks(0, 1, 3681, 4601, 5521, 0)
                    .zoneStat(0, 1, "nr_free_pages", 888101).protection(0, 1, 0, 0, 12453, 12453, 12453);
            k.zoneSpan(0, 2, 1048576, 3272704, 3272704, 3188192).watermarks(0, 2, 13199, 16498, 19797, 0)
                    .zoneStat(0, 2, "nr_free_pages", 1773789);
            String text = ProcZoneinfo.show(k);
            assertTrue(text.endsWith("\n" + movableAndDevice), text);
            assertTrue(text.contains("Node 0, zone    DMA32\n" + dma32.stripTrailing() + "\n      nr_free_pages 888101\n"));
            assertTrue(text.contains("\n  pages free     3584\n        boost    0\n        min      14\n        low      17\n"
                    + "        high     20\n        spanned  4095\n        present  3743\n        managed  3584\n"
                    + "        cma      0\n        protection: (0, 3503, 15957, 15957, 15957)\n"));
        }
    }

    /**
     * The tail of a populated Normal zone of a real 4-CPU x86_64 zoneinfo, from performancecopilot/pcp issue
     * #1615 ("Not able to see some metrics for zoneinfo"); the pageset lines are unchanged in 6.1.
     */
    @Test
    void realPagesetBlockIsReproduced() {
        String sample = """
                  pagesets
                    cpu: 0
                              count: 203
                              high:  378
                              batch: 63
                  vm stats threshold: 48
                    cpu: 1
                              count: 325
                              high:  378
                              batch: 63
                  vm stats threshold: 48
                    cpu: 2
                              count: 285
                              high:  378
                              batch: 63
                  vm stats threshold: 48
                    cpu: 3
                              count: 350
                              high:  378
                              batch: 63
                  vm stats threshold: 48
                  node_unreclaimable:  0
                  start_pfn:           1048576
                """;
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 1, 4)) {
            k.zoneSpan(0, 2, 1048576, 1310720, 1310720, 1267632);
            int[] counts = {203, 325, 285, 350};
            for (int cpu = 0; cpu < 4; cpu++) {
                k.pageset(0, 2, cpu, counts[cpu], 378, 63, 48);
            }
            String text = ProcZoneinfo.show(k);
            assertTrue(text.contains("\n" + sample + "Node 0, zone  Movable\n"), text);
        }
    }

    /** Under CONFIG_CMA the cma line is the zone's cma_pages; a zone without a CMA area shows 0. */
    @Test
    void cmaLineIsTheZonesCmaPages() {
        try (FakeKernel k = new FakeKernel(ProcConfig.ARM_VEXPRESS, MeminfoTest.vexpressLayouts(), 1, 4, 0)) {
            k.zoneSpan(0, 0, 0x60000, 196608, 196608, 188416).zoneCmaPages(0, 0, 4096);
            k.zoneSpan(0, 1, 0x90000, 65536, 65536, 65536);
            List<ZoneInfo> zones = ProcZoneinfo.read(k);
            assertEquals(List.of(4096L, 0L, 0L), zones.stream().map(ZoneInfo::cma).toList());
            assertTrue(ProcZoneinfo.show(k).contains(
                    "\n        managed  188416\n        cma      4096\n        protection: ("));
        }
    }

    @Test
    void noZonesNoText() {
        List<ZoneInfo> none = new ArrayList<>();
        assertEquals("", ProcZoneinfo.render(none));
    }
}
