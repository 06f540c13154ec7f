package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The constants against the 6.1 reference: enum values from BTF, and array lengths from the struct rows. */
class KernelConstantsTest {
    private static final ReferenceRows REF = ReferenceRows.load();
    private static final Pattern ENUMERATOR = Pattern.compile("^\\s+(\\w+)\\s*=\\s*(-?\\d+),", Pattern.MULTILINE);
    /** Constant prefixes that name kernel enumerators and so must all appear in the enum reference. */
    private static final List<String> ENUM_PREFIXES = List.of("MIGRATE_", "ZONE_", "WMARK_", "PB_", "LRU_");

    @Test
    void enumConstantsHaveTheKernelsValues() throws Exception {
        Map<String, Integer> kernel = new HashMap<>();
        try (InputStream in = KernelConstantsTest.class.getResourceAsStream("/layouts/enums-6.1.txt")) {
            Matcher m = ENUMERATOR.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            while (m.find()) {
                // Kernel names are matched case-insensitively ("PB_migrate_skip"); "__MAX_NR_ZONES" is MAX_NR_ZONES.
                kernel.put(m.group(1).replaceFirst("^__", "").toUpperCase(), Integer.parseInt(m.group(2)));
            }
        }
        List<String> problems = new ArrayList<>();
        int matched = 0;
        for (Field f : KernelConstants.class.getFields()) {
            if (f.getType() != int.class || !Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            Integer value = kernel.get(f.getName());
            if (value == null) {
                boolean enumerator = ENUM_PREFIXES.stream().anyMatch(f.getName()::startsWith)
                        && !f.getName().startsWith("ZONELIST_");
                if (enumerator) {
                    problems.add(f.getName() + ": no such enumerator in the 6.1 reference");
                }
                continue;
            }
            matched++;
            if (value != f.getInt(null)) {
                problems.add(f.getName() + " = " + f.getInt(null) + ", kernel " + value);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(matched >= 25, "only " + matched + " constants matched kernel enumerators");
    }

    @Test
    void arrayLengthConstantsAreTheReferenceArrayLengths() {
        assertLength(MIGRATE_TYPES, "free_area", "free_list");
        assertLength(MAX_ORDER, "zone", "free_area");
        assertLength(MAX_NR_ZONES, "zone", "lowmem_reserve");
        assertLength(MAX_NR_ZONES, "pglist_data", "node_zones");
        assertLength(NR_WMARK, "zone", "_watermark");
        assertLength(ASYNC_AND_SYNC, "zone", "compact_cached_migrate_pfn");
        assertLength(NR_PCP_LISTS, "per_cpu_pages", "lists");
        assertLength(NR_VM_ZONE_STAT_ITEMS, "zone", "vm_stat");
        assertLength(NR_VM_NUMA_EVENT_ITEMS, "zone", "vm_numa_event");
        assertLength(NR_VM_NODE_STAT_ITEMS, "pglist_data", "vm_stat");
        assertLength(NR_VM_NODE_STAT_ITEMS, "per_cpu_nodestat", "vm_node_stat_diff");
        assertLength((long) MAX_NUMNODES * MAX_NR_ZONES + 1, "zonelist", "_zonerefs");
        assertLength(MAX_ZONELISTS, "pglist_data", "node_zonelists");
        assertLength(NR_VMSCAN_THROTTLE, "pglist_data", "reclaim_wait");
        assertLength(NR_LRU_LISTS, "lruvec", "lists");
        assertLength(ANON_AND_FILE, "lruvec", "refaults");
    }

    private static void assertLength(long expected, String struct, String member) {
        assertEquals(Optional.of(expected), REF.row(struct, member).arrayLength(), struct + "." + member);
    }

    @Test
    void pageConstantsAgree() {
        assertEquals(4096, PAGE_SIZE);
        assertEquals(0xffff_ffff_ffff_f000L, PAGE_MASK);
        assertEquals(1024, MAX_ORDER_NR_PAGES);
        assertEquals(12, NR_LOWORDER_PCP_LISTS);
    }

    @Test
    void pageblockOrderFollowsHugetlbAndMaxOrder() {
        assertEquals(9, PAGEBLOCK_ORDER);
        assertEquals(512, PAGEBLOCK_NR_PAGES);
        assertEquals(10, pageblockOrder(false, HUGETLB_PAGE_ORDER, 11));
        assertEquals(10, pageblockOrder(true, 13, 11));
        assertEquals(8, pageblockOrder(true, 9, 9));
        assertThrows(IllegalArgumentException.class, () -> pageblockOrder(true, 9, 0));
        assertThrows(IllegalArgumentException.class, () -> pageblockOrder(true, -1, 11));
    }

    @Test
    void listPoisonIsTheX8664Value() {
        assertEquals(0xdead000000000100L, LIST_POISON1);
        assertEquals(0xdead000000000122L, LIST_POISON2);
    }
}
