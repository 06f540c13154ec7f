package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.LayoutConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VmstatTextTest {
    private static final Pattern ENUM = Pattern.compile("enum (\\w+) \\{(.*?)\\};", Pattern.DOTALL);
    private static final Pattern MEMBER = Pattern.compile("(\\w+)\\s*=\\s*(\\d+),");

    /** Every enum of enums-6.1.txt (Debian 6.1.192 BTF): constant names by value, aliases kept together. */
    private static Map<String, Map<Integer, Set<String>>> enums() throws IOException {
        String text;
        try (InputStream in = VmstatTextTest.class.getResourceAsStream("enums-6.1.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Map<Integer, Set<String>>> out = new LinkedHashMap<>();
        Matcher e = ENUM.matcher(text);
        while (e.find()) {
            Map<Integer, Set<String>> byValue = new LinkedHashMap<>();
            Matcher m = MEMBER.matcher(e.group(2));
            while (m.find()) {
                byValue.computeIfAbsent(Integer.parseInt(m.group(2)), k -> new HashSet<>()).add(m.group(1));
            }
            out.put(e.group(1), byValue);
        }
        return out;
    }

    /** The count constant ({@code NR_*_ITEMS}) is the largest value; every smaller value must be our item there. */
    private static void assertMatchesEnum(Map<Integer, Set<String>> byValue, String countName, List<VmstatText.Item> items) {
        int count = byValue.entrySet().stream().filter(en -> en.getValue().contains(countName)).findFirst()
                .orElseThrow().getKey();
        assertEquals(count, items.size(), countName);
        for (int i = 0; i < items.size(); i++) {
            assertTrue(byValue.get(i).contains(items.get(i).enumName()),
                    countName + ": value " + i + " is " + byValue.get(i) + ", we have " + items.get(i).enumName());
        }
    }

    @Test
    void debianItemsAreTheKernelEnumsInOrder() throws IOException {
        Map<String, Map<Integer, Set<String>>> enums = enums();
        VmstatText t = ProcConfig.DEBIAN_X86_64.vmstatText();
        assertMatchesEnum(enums.get("zone_stat_item"), "NR_VM_ZONE_STAT_ITEMS", t.zoneStatItems());
        assertMatchesEnum(enums.get("numa_stat_item"), "NR_VM_NUMA_EVENT_ITEMS", t.numaStatItems());
        assertMatchesEnum(enums.get("node_stat_item"), "NR_VM_NODE_STAT_ITEMS", t.nodeStatItems());
        assertMatchesEnum(enums.get("vm_event_item"), "NR_VM_EVENT_ITEMS", t.vmEventItems());
    }

    @Test
    void debianMigratetypesAreTheKernelEnum() throws IOException {
        Map<Integer, Set<String>> mt = enums().get("migratetype");
        List<String> names = ProcConfig.DEBIAN_X86_64.migratetypeNames();
        assertEquals(List.of("Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"), names);
        for (int i = 0; i < names.size(); i++) {
            String constant = "MIGRATE_" + names.get(i).toUpperCase(java.util.Locale.ROOT);
            assertTrue(mt.get(i).contains(constant), constant + " at " + i);
        }
        assertTrue(mt.get(names.size()).contains("MIGRATE_TYPES"));
    }

    @Test
    void everyItemHasItsOwnName() {
        for (ProcConfig c : List.of(ProcConfig.DEBIAN_X86_64, ProcConfig.ARM64_DEFCONFIG, ProcConfig.ARM_VEXPRESS)) {
            List<String> all = c.vmstatText().vmstatText();
            assertEquals(all.size(), new HashSet<>(all).size(), "duplicate vmstat name in " + c);
            for (String n : all) {
                assertTrue(n.matches("[a-z][a-z0-9_]*"), n);
            }
        }
    }

    @Test
    void namesThatDifferFromTheirEnum() {
        VmstatText t = ProcConfig.DEBIAN_X86_64.vmstatText();
        Map<String, String> byEnum = new LinkedHashMap<>();
        for (List<VmstatText.Item> l : List.of(t.zoneStatItems(), t.numaStatItems(), t.nodeStatItems(), t.vmEventItems())) {
            l.forEach(i -> byEnum.put(i.enumName(), i.text()));
        }
        assertEquals("nr_free_cma", byEnum.get("NR_FREE_CMA_PAGES"));
        assertEquals("numa_interleave", byEnum.get("NUMA_INTERLEAVE_HIT"));
        assertEquals("nr_anon_pages", byEnum.get("NR_ANON_MAPPED"));
        assertEquals("nr_mapped", byEnum.get("NR_FILE_MAPPED"));
        assertEquals("nr_slab_reclaimable", byEnum.get("NR_SLAB_RECLAIMABLE_B"));
        assertEquals("nr_anon_transparent_hugepages", byEnum.get("NR_ANON_THPS"));
        assertEquals("nr_kernel_stack", byEnum.get("NR_KERNEL_STACK_KB"));
        assertEquals("pgskip_dma32", byEnum.get("PGSCAN_SKIP_DMA32"));
        assertEquals("zone_reclaim_failed", byEnum.get("PGSCAN_ZONE_RECLAIM_FAILED"));
        assertEquals("numa_pages_migrated", byEnum.get("NUMA_PAGE_MIGRATE"));
        assertEquals("compact_daemon_wake", byEnum.get("KCOMPACTD_WAKE"));
        assertEquals("htlb_buddy_alloc_success", byEnum.get("HTLB_BUDDY_PGALLOC"));
        assertEquals("unevictable_pgs_culled", byEnum.get("UNEVICTABLE_PGCULLED"));
        assertEquals("thp_scan_exceed_share_pte", byEnum.get("THP_SCAN_EXCEED_SHARED_PTE"));
        assertEquals("direct_map_level2_splits", byEnum.get("DIRECT_MAP_LEVEL2_SPLIT"));
    }

    @Test
    void configDecidesTheItems() {
        List<String> vexpress = ProcConfig.ARM_VEXPRESS.vmstatText().vmstatText();
        assertTrue(vexpress.containsAll(List.of("pgalloc_normal", "pgalloc_high", "pgalloc_movable", "allocstall_high",
                "pgskip_high", "cma_alloc_success", "cma_alloc_fail", "balloon_migrate", "swap_ra")));
        for (String absent : List.of("pgalloc_dma", "pgalloc_dma32", "pgalloc_device", "nr_zspages", "numa_hit",
                "zone_reclaim_failed", "pgpromote_success", "thp_fault_alloc", "htlb_buddy_alloc_success", "cow_ksm",
                "ksm_swpin_copy", "zswpin", "direct_map_level2_splits")) {
            assertFalse(vexpress.contains(absent), absent);
        }
        List<String> arm64 = ProcConfig.ARM64_DEFCONFIG.vmstatText().vmstatText();
        assertTrue(arm64.containsAll(List.of("pgalloc_dma", "pgalloc_dma32", "thp_split_pmd", "cma_alloc_success",
                "ksm_swpin_copy", "numa_hit", "pgpromote_candidate")));
        for (String absent : List.of("pgalloc_device", "thp_split_pud", "nr_zspages", "zswpout", "direct_map_level3_splits")) {
            assertFalse(arm64.contains(absent), absent);
        }
        assertEquals(10, ProcConfig.ARM_VEXPRESS.vmstatText().zoneStatItems().size());
        assertEquals(0, ProcConfig.ARM_VEXPRESS.vmstatText().numaStatItems().size());
        assertEquals(List.of("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"),
                ProcConfig.ARM_VEXPRESS.migratetypeNames());
    }

    @Test
    void vmEventIndexFindsConstants() {
        VmstatText t = ProcConfig.DEBIAN_X86_64.vmstatText();
        assertEquals(19, t.vmEventIndex("PGFREE")); // PGFREE = 19 in enums-6.1.txt
        assertEquals(6, t.vmEventIndex("PGALLOC_NORMAL"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.vmEventIndex("PGALLOC_HIGH"));
        assertTrue(e.getMessage().contains("PGALLOC_HIGH"));
    }

    @Test
    void layoutMustHoldTheConfigsCounters() {
        ProcConfig.DEBIAN_X86_64.checkLayout(LayoutConfig.LINUX_6_1_X86_64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcConfig.ARM_VEXPRESS.checkLayout(LayoutConfig.LINUX_6_1_X86_64));
        assertEquals("MAX_NR_ZONES is 3 in the proc config but the structure layout has 5", e.getMessage());
        LayoutConfig withCma = LayoutConfig.LINUX_6_1_X86_64.withMigrateTypes(6);
        e = assertThrows(IllegalArgumentException.class, () -> ProcConfig.DEBIAN_X86_64.checkLayout(withCma));
        assertEquals("MIGRATE_TYPES is 5 in the proc config but the structure layout has 6", e.getMessage());
    }

    /**
     * A real /proc/vmstat of a later kernel (6.2+, x86_64 with CMA: it has pgsteal_khugepaged), as stored by the
     * xtilo project (gitee.com/Xihihhh/xtilo, src/xtilo, its fake /proc/vmstat). Our 6.1 names for the same
     * options, in order, must be exactly its names less the three khugepaged counters 6.2 added.
     */
    @Test
    void namesMatchARealVmstatLessLaterAdditions() throws IOException {
        List<String> sample = new ArrayList<>();
        try (InputStream in = VmstatTextTest.class.getResourceAsStream("vmstat-6.2-x86_64-cma.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                sample.add(line.substring(0, line.indexOf(' ')));
            }
        }
        Set<Kconfig> options = new HashSet<>(ProcConfig.DEBIAN_X86_64.options());
        options.add(Kconfig.CMA);
        ProcConfig withCma = new ProcConfig(ProcConfig.DEBIAN_X86_64.pageAlloc(), 9, options);
        List<String> ours = new ArrayList<>(withCma.vmstatText().vmstatText());
        ours.add("nr_unstable");
        List<String> later = List.of("pgsteal_khugepaged", "pgdemote_khugepaged", "pgscan_khugepaged");
        List<String> filtered = sample.stream().filter(n -> !later.contains(n)).toList();
        assertEquals(sample.size() - 3, filtered.size());
        assertEquals(filtered, ours);
    }
}
