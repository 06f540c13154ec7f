package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.KernelLayouts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class VmstatTest {
    /**
     * The counters of a real x86_64 /proc/vmstat (6.2+, CMA on; see {@link VmstatTextTest}) put into a fake 6.1
     * kernel of the same options: zone counters into its one zone, node counters (THP ones in pages) into its
     * node, events (pgpgin in sectors) into the event array, and the reserve chosen so the dirty limits come
     * out as the sample's. The text must be the sample less the three counters 6.2 added, byte for byte.
     */
    @Test
    void realVmstatIsReproduced() throws IOException {
        String sample;
        try (InputStream in = VmstatTest.class.getResourceAsStream("vmstat-6.2-x86_64-cma.txt")) {
            sample = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Long> values = new LinkedHashMap<>();
        sample.lines().forEach(l -> values.put(l.substring(0, l.indexOf(' ')), Long.parseLong(l.substring(l.indexOf(' ') + 1))));
        Set<Kconfig> options = EnumSet.copyOf(ProcConfig.DEBIAN_X86_64.options());
        options.add(Kconfig.CMA);
        ProcConfig config = new ProcConfig(ProcConfig.DEBIAN_X86_64.pageAlloc(), 9, options);
        KernelLayouts layouts = KernelLayouts.of(KernelLayouts.LINUX_6_1_X86_64.config().withMigrateTypes(6));
        try (FakeKernel k = new FakeKernel(config, layouts, 1, 2, 0)) {
            k.zoneSpan(0, 2, 0x100000, 0x200000, 0x200000, 0x200000);
            VmstatText t = config.vmstatText();
            t.zoneStatItems().forEach(i -> k.zoneStat(0, 2, i.text(), values.get(i.text())));
            t.numaStatItems().forEach(i -> k.numaEvent(0, 2, i.text(), values.get(i.text()) - 1, 1, 0));
            t.nodeStatItems().forEach(i -> k.nodeStat(0, i.text(),
                    values.get(i.text()) * (i.text().contains("hugepages") || i.text().contains("pmdmapped") ? 512 : 1)));
            t.vmEventItems().forEach(i -> k.event(i.text(), values.get(i.text()) * (i.text().startsWith("pgpg") ? 2 : 1)));
            // dirtyable = 1743136 free - 34065 reserve + 74186 file + 1 = 1783258 pages:
            // 819 * 1783258 / 4096 = 356564 and 409 * 1783258 / 4096 = 178064 (any reserve in 34063..34067 fits).
            k.totalreserve(0, 34065);
            String expected = sample.lines().filter(l -> !l.contains("khugepaged")).collect(Collectors.joining("\n", "", "\n"));
            assertEquals(expected, ProcVmstat.show(k));
            VmStat stat = ProcVmstat.read(k);
            assertEquals(890508, stat.get("pgpgin"));
            assertEquals(0, stat.get("nr_unstable"));
            assertEquals(ProcVmstat.render(stat), ProcVmstat.show(k));
        }
    }

    /** Global counters are sums over every zone and node, clamped at 0 after summing, as vm_zone_stat is. */
    @Test
    void globalsSumZonesAndNodes() {
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 2, 3)) {
            k.zoneSpan(0, 1, 0x1000, 0x1000, 0x1000, 0x1000).zoneSpan(1, 2, 0x100000, 0x1000, 0x1000, 0x1000);
            k.zoneStat(0, 1, "nr_mlock", 20).zoneStat(1, 2, "nr_mlock", -5);
            k.zoneStat(0, 1, "nr_bounce", 3).zoneStat(1, 2, "nr_bounce", -8);
            k.numaEvent(0, 1, "numa_hit", 10, 1, 2, 3).numaEvent(1, 2, "numa_hit", 100, 0, 0, 7);
            k.numaEvent(0, 3, "numa_hit", 1000); // an empty zone keeps what was folded into it
            k.nodeStat(0, "nr_dirty", 4).nodeStat(1, "nr_dirty", 6).nodeStat(1, "nr_file_hugepages", 1536);
            VmStat s = ProcVmstat.read(k);
            assertEquals(15, s.get("nr_mlock"));
            assertEquals(0, s.get("nr_bounce"));
            assertEquals(1123, s.get("numa_hit"));
            assertEquals(10, s.get("nr_dirty"));
            assertEquals(3, s.get("nr_file_hugepages"));
            List<String> names = List.copyOf(s.counters().keySet());
            assertEquals("nr_unstable", names.getLast());
            assertEquals(ProcConfig.DEBIAN_X86_64.vmstatText().vmstatText(), names.subList(0, names.size() - 1));
        }
    }

    /**
     * Dirty limits on a highmem machine: highmem's free pages above its high watermark and its file pages are
     * not dirtyable unless vm.highmem_is_dirtyable; byte limits replace the ratios.
     */
    @Test
    void dirtyLimits() {
        try (FakeKernel k = new FakeKernel(ProcConfig.ARM_VEXPRESS, MeminfoTest.vexpressLayouts(), 1, 1, 0)) {
            k.zoneSpan(0, 0, 0x60000, 196608, 196608, 188416).zoneStat(0, 0, "nr_free_pages", 150000);
            k.zoneSpan(0, 1, 0x90000, 65536, 65536, 65536).zoneStat(0, 1, "nr_free_pages", 60000)
                    .watermarks(0, 1, 100, 200, 300, 0)
                    .zoneStat(0, 1, "nr_zone_inactive_file", 1000).zoneStat(0, 1, "nr_zone_active_file", 500);
            k.movableZone(1).totalreserve(0, 2000).nodeStat(0, "nr_inactive_file", 3000).nodeStat(0, "nr_active_file", 1500);
            // 210000 - 2000 + 4500 - (60000 - 300 + 1500) + 1 = 151301 dirtyable pages.
            VmStat s = ProcVmstat.read(k);
            assertEquals(30252, s.get("nr_dirty_threshold"));
            assertEquals(15107, s.get("nr_dirty_background_threshold"));
            k.sysctls = new VmSysctls(50, 0, 10, 0, 20, 0, true); // 212501 dirtyable
            s = ProcVmstat.read(k);
            assertEquals(42489, s.get("nr_dirty_threshold"));
            assertEquals(21218, s.get("nr_dirty_background_threshold"));
            k.sysctls = new VmSysctls(50, 0, 10, 400L << 20, 20, 200L << 20, false);
            s = ProcVmstat.read(k);
            assertEquals(51200, s.get("nr_dirty_threshold"));
            assertEquals(25600, s.get("nr_dirty_background_threshold"), "bg at or above thresh falls to thresh/2");
            assertTrue(ProcVmstat.show(k).contains("\npgalloc_high 0\n"));
        }
    }
}
