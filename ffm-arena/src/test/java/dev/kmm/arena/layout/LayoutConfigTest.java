package dev.kmm.arena.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.kmm.arena.layout.LayoutFields.Field;
import dev.kmm.arena.layout.ReferenceRows.Row;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layouts of configs other than the reference. The expectations are computed here from the reference
 * rows and the kernel's array-length formulas, with the kernel's placement rule: a member moves by the
 * growth of the members before it, and each CACHELINE_PADDING restarts at the next 64-byte line.
 */
class LayoutConfigTest {
    private static final ReferenceRows REF = ReferenceRows.load();
    private static final LayoutConfig REFERENCE = LayoutConfig.LINUX_6_1_X86_64;
    private static final long LIST_HEAD = 16;
    private static final long LINE = 64;

    @Test
    void referenceConfigIsTheDebianKernels() {
        assertEquals(new LayoutConfig(5, 11, 5, 10, 2, 11, 6, 43), REFERENCE);
        assertEquals(1024, REFERENCE.maxNumNodes());
        assertEquals(14, REFERENCE.nrPcpLists());
        assertEquals(5120, REFERENCE.maxZonesPerZonelist());
    }

    @Test
    void cmaGrowsFreeAreaTo104AndShiftsTheZone() {
        LayoutConfig cma = REFERENCE.withMigrateTypes(6);
        FreeAreaLayout freeArea = FreeAreaLayout.of(cma);
        assertEquals(6 * LIST_HEAD + 8, freeArea.size);
        assertEquals(104, freeArea.size);
        assertEquals(6 * LIST_HEAD, freeArea.nrFree);

        ZoneLayout zone = ZoneLayout.of(cma);
        // cma_pages follows present_early_pages; the 8 bytes it adds stay inside the first cache-line group.
        assertEquals(REF.offset("zone", "present_early_pages") + 8, zone.cmaPages);
        assertEquals(REF.offset("zone", "name") + 8, zone.name);
        assertEquals(REF.offset("zone", "initialized") + 8, zone.initialized);
        long grow = 11 * (freeArea.size - REF.sizeof("free_area"));
        assertEquals(REF.offset("zone", "free_area"), zone.freeArea);
        assertEquals(REF.offset("zone", "flags") + grow, zone.flags);
        assertEquals(REF.offset("zone", "lock") + grow, zone.lock);
        long pad2 = alignUp(zone.lock + 4, LINE);
        assertEquals(pad2, zone.percpuDriftMark);
        assertEquals(pad2 + REF.offset("zone", "contiguous") - REF.offset("zone", "_pad2_"), zone.contiguous);
        long pad3 = alignUp(zone.contiguous + 1, LINE);
        assertEquals(pad3, zone.vmStat);
        assertEquals(pad3 + 11 * 8, zone.vmNumaEvent);
        assertEquals(alignUp(zone.vmNumaEvent + 6 * 8, LINE), zone.size);
        assertEquals(zone.freeArea + 7 * freeArea.size + 5 * LIST_HEAD, zone.freeListOffset(7, 5));
    }

    @Test
    void cmaIsTheConfigWithBothOptionalMigrateTypes() {
        assertFalse(REFERENCE.cma());
        assertEquals(-1, ZoneLayout.of(REFERENCE).cmaPages);
        assertTrue(REFERENCE.withMigrateTypes(6).cma());
        assertFalse(REFERENCE.withMigrateTypes(4).cma());
        assertEquals(-1, ZoneLayout.of(REFERENCE.withMigrateTypes(4)).cmaPages);
    }

    static Stream<Arguments> configs() {
        return Stream.of(
                arguments("CMA", REFERENCE.withMigrateTypes(6)),
                arguments("no MEMORY_ISOLATION", REFERENCE.withMigrateTypes(4)),
                arguments("MAX_ORDER 12", REFERENCE.withMaxOrder(12)),
                arguments("MAX_ORDER 9", REFERENCE.withMaxOrder(9)),
                arguments("3 zones", REFERENCE.withMaxNrZones(3)),
                arguments("2 zones", REFERENCE.withMaxNrZones(2)),
                arguments("1 node", REFERENCE.withNodesShift(0)),
                arguments("64 nodes", REFERENCE.withNodesShift(6)),
                arguments("other vmstat counts", new LayoutConfig(5, 11, 5, 10, 2, 12, 0, 41)),
                arguments("ARM-like", new LayoutConfig(5, 11, 3, 0, 0, 10, 0, 40)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void zoneMembersMoveAsTheKernelWouldPlaceThem(String label, LayoutConfig c) {
        Map<String, Long> sizes = zoneMemberSizes(c);
        assertMatches(ZoneLayout.of(c).layout, expected("zone", sizes, zoneInserted(c)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void pglistDataMembersMoveAsTheKernelWouldPlaceThem(String label, LayoutConfig c) {
        long zoneSize = expectedSizeof(expected("zone", zoneMemberSizes(c), zoneInserted(c)));
        long zonelistSize = (c.maxNumNodes() * (long) c.maxNrZones() + 1) * REF.sizeof("zoneref");
        // lru_gen_struct has lists[gen][type][zone] and nr_pages[gen][type][zone]: 4*2*(16+8) bytes per zone.
        long lruvecSize = REF.sizeof("lruvec") - 4 * 2 * (LIST_HEAD + 8) * (5L - c.maxNrZones());
        // lru_gen_mm_walk has int nr_pages[gen][type][zone]: 4*2*4 bytes per zone.
        long mmWalkSize = REF.row("pglist_data", "mm_walk").size() - 4 * 2 * 4 * (5L - c.maxNrZones());
        Map<String, Long> sizes = Map.of(
                "node_zones", c.maxNrZones() * zoneSize,
                "node_zonelists", 2 * zonelistSize,
                "__lruvec", lruvecSize,
                "mm_walk", mmWalkSize,
                "vm_stat", 8L * c.nrVmNodeStatItems());
        PglistDataLayout pgdat = PglistDataLayout.of(c);
        assertMatches(pgdat.layout, expected("pglist_data", sizes, Map.of()));
        assertEquals(zonelistSize, pgdat.zonelistLayout.size);
        assertEquals(lruvecSize, pgdat.lruvecLayout.size);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void perCpuStructsFollowTheirCounts(String label, LayoutConfig c) {
        PerCpuPagesLayout pcp = PerCpuPagesLayout.of(c);
        long lists = 3 * (3 + 1) + c.nrPcpThp();
        assertEquals(lists, pcp.nrPcpLists);
        assertEquals(REF.offset("per_cpu_pages", "lists"), pcp.lists);
        assertEquals(alignUp(pcp.lists + lists * LIST_HEAD, LINE), pcp.size);

        PerCpuZonestatLayout zs = PerCpuZonestatLayout.of(c);
        assertEquals(c.nrVmZoneStatItems(), zs.statThreshold);
        assertEquals(alignUp(c.nrVmZoneStatItems() + 1, 8), zs.vmNumaEvent);
        assertEquals(zs.vmNumaEvent + 8L * c.nrVmNumaEventItems(), zs.size);

        PerCpuNodestatLayout ns = PerCpuNodestatLayout.of(c);
        assertEquals(1, ns.vmNodeStatDiff);
        assertEquals(1 + c.nrVmNodeStatItems(), ns.size);
    }

    @Test
    void withersChangeOneQuantity() {
        assertEquals(new LayoutConfig(6, 11, 5, 10, 2, 11, 6, 43), REFERENCE.withMigrateTypes(6));
        assertEquals(new LayoutConfig(5, 12, 5, 10, 2, 11, 6, 43), REFERENCE.withMaxOrder(12));
        assertEquals(new LayoutConfig(5, 11, 3, 10, 2, 11, 6, 43), REFERENCE.withMaxNrZones(3));
        assertEquals(new LayoutConfig(5, 11, 5, 0, 2, 11, 6, 43), REFERENCE.withNodesShift(0));
        assertEquals(new LayoutConfig(5, 11, 5, 10, 1, 11, 6, 43), REFERENCE.withNrPcpThp(1));
        assertEquals(13, REFERENCE.withNrPcpThp(1).nrPcpLists());
    }

    @Test
    void impossibleConfigsAreRejectedWithTheReason() {
        assertRejected("migrateTypes must be in [4, 6]", () -> REFERENCE.withMigrateTypes(7));
        assertRejected("migrateTypes must be in [4, 6]", () -> REFERENCE.withMigrateTypes(3));
        assertRejected("maxOrder must be in [1, 16]", () -> REFERENCE.withMaxOrder(0));
        assertRejected("maxOrder must be in [1, 16]", () -> REFERENCE.withMaxOrder(17));
        assertRejected("maxNrZones must be in [2, 8]", () -> REFERENCE.withMaxNrZones(1));
        assertRejected("maxNrZones must be in [2, 8]", () -> REFERENCE.withMaxNrZones(9));
        assertRejected("nodesShift must be in [0, 10]", () -> REFERENCE.withNodesShift(11));
        assertRejected("nrPcpThp must be in [0, 2]", () -> REFERENCE.withNrPcpThp(3));
        assertRejected("nrVmZoneStatItems must be at least 1", () -> new LayoutConfig(5, 11, 5, 10, 2, 0, 6, 43));
        assertRejected("nrVmNumaEventItems must be at least 0", () -> new LayoutConfig(5, 11, 5, 10, 2, 11, -1, 43));
        assertRejected("nrVmNodeStatItems must be at least 1", () -> new LayoutConfig(5, 11, 5, 10, 2, 11, 6, 0));
    }

    private static void assertRejected(String message, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertTrue(e.getMessage().contains("got "), e.getMessage());
    }

    // ---- the independent model ----

    private static Map<String, Long> zoneMemberSizes(LayoutConfig c) {
        long freeArea = c.migrateTypes() * LIST_HEAD + 8;
        return Map.of(
                "lowmem_reserve", 8L * c.maxNrZones(),
                "free_area", c.maxOrder() * freeArea,
                "vm_stat", 8L * c.nrVmZoneStatItems(),
                "vm_numa_event", 8L * c.nrVmNumaEventItems());
    }

    /** Members the reference config lacks, as the member each follows: CONFIG_CMA's unsigned long cma_pages. */
    private static Map<String, String> zoneInserted(LayoutConfig c) {
        return c.cma() ? Map.of("present_early_pages", "cma_pages") : Map.of();
    }

    /**
     * Member offsets and sizes after resizing some members and adding unsigned longs after others
     * ({@code inserted}: reference member to new member), plus "(sizeof)": the kernel's placement rule.
     */
    private static Map<String, long[]> expected(String struct, Map<String, Long> newSizes,
                                                Map<String, String> inserted) {
        Map<String, long[]> out = new LinkedHashMap<>();
        long shift = 0;
        long end = 0;
        for (Row r : REF.members(struct)) {
            long size = newSizes.getOrDefault(r.field(), r.size());
            // Growth by multiples of 8 keeps every member with alignment <= 8 aligned; the 64-byte
            // padding markers are the only members that realign.
            assertEquals(0, (size - r.size()) % 8, "model precondition for " + r.field());
            long offset = r.field().matches("_pad\\d+_") ? alignUp(end, LINE) : r.offset() + shift;
            shift = offset - r.offset() + (size - r.size());
            end = Math.max(end, offset + size);
            out.put(r.field(), new long[] {offset, size});
            if (inserted.containsKey(r.field())) {
                assertEquals(0, (offset + size) % 8, "model precondition after " + r.field());
                out.put(inserted.get(r.field()), new long[] {offset + size, 8});
                shift += 8;
                end = Math.max(end, offset + size + 8);
            }
        }
        out.put(ReferenceRows.SIZEOF, new long[] {0, alignUp(end, LINE)});
        return out;
    }

    private static long expectedSizeof(Map<String, long[]> expected) {
        return expected.get(ReferenceRows.SIZEOF)[1];
    }

    private static void assertMatches(StructLayout layout, Map<String, long[]> expected) {
        List<String> problems = new ArrayList<>();
        Map<String, Field> fields = new HashMap<>();
        LayoutFields.flatten(layout).forEach(f -> fields.put(f.name(), f));
        expected.forEach((name, want) -> {
            if (name.equals(ReferenceRows.SIZEOF)) {
                if (layout.byteSize() != want[1]) {
                    problems.add("sizeof: model " + layout.byteSize() + ", expected " + want[1]);
                }
                return;
            }
            Field f = fields.get(name);
            if (f == null || f.offset() != want[0] || f.size() != want[1]) {
                problems.add(name + ": model " + (f == null ? "absent" : "@" + f.offset() + " size " + f.size())
                        + ", expected @" + want[0] + " size " + want[1]);
            }
        });
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
