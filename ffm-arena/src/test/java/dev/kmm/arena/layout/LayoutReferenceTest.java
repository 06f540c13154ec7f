package dev.kmm.arena.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.kmm.arena.layout.LayoutFields.Field;
import dev.kmm.arena.layout.ReferenceRows.Row;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Holds every modeled struct against the Linux 6.1 reference rows (test resource, from the kernel's BTF):
 * sizeof, and the offset and size of every named member, both ways round, so that a moved, resized,
 * dropped or invented member fails. Every member of every reference struct is modeled; none is left opaque.
 */
class LayoutReferenceTest {
    private static final ReferenceRows REF = ReferenceRows.load();
    private static final KernelLayouts K = KernelLayouts.LINUX_6_1_X86_64;

    private static final Map<String, StructLayout> MODELED = Map.ofEntries(
            Map.entry("page", PageLayout.LAYOUT),
            Map.entry("list_head", ListHeadLayout.LAYOUT),
            Map.entry("llist_node", LlistNodeLayout.LAYOUT),
            Map.entry("free_area", K.freeArea().layout),
            Map.entry("per_cpu_pages", K.perCpuPages().layout),
            Map.entry("per_cpu_zonestat", K.perCpuZonestat().layout),
            Map.entry("per_cpu_nodestat", K.perCpuNodestat().layout),
            Map.entry("zone", K.zone().layout),
            Map.entry("pglist_data", K.pglistData().layout),
            Map.entry("zoneref", ZonerefLayout.LAYOUT),
            Map.entry("zonelist", K.zonelist().layout),
            Map.entry("lruvec", K.lruvec().layout),
            Map.entry("memblock", MemblockLayout.LAYOUT),
            Map.entry("memblock_type", MemblockTypeLayout.LAYOUT),
            Map.entry("memblock_region", MemblockRegionLayout.LAYOUT));

    /** Published offset names that differ from the C member name by more than case convention. */
    private static final Map<String, String> RENAMED = Map.of(
            "watermark", "_watermark",
            "lruvec", "__lruvec",
            "zonerefs", "_zonerefs",
            "MAPCOUNT", "_mapcount",
            "REFCOUNT", "_refcount",
            "SIZE_FIELD", "size");

    /**
     * Published offsets of members the reference config compiles out, as "struct.member": -1 there. Debian's
     * 6.1 config has no CONFIG_CMA, so its zone has no cma_pages.
     */
    private static final Set<String> NOT_CONFIGURED = Set.of("zone.cma_pages");

    static Stream<String> structs() {
        return MODELED.keySet().stream().sorted();
    }

    @Test
    void theModelCoversExactlyTheReferenceStructs() {
        assertEquals(new TreeSet<>(REF.structs()), new TreeSet<>(MODELED.keySet()));
    }

    @ParameterizedTest
    @MethodSource("structs")
    void sizeofIsTheKernels(String struct) {
        StructLayout layout = MODELED.get(struct);
        assertEquals(Optional.of(struct), layout.name());
        assertEquals(REF.sizeof(struct), layout.byteSize(), "sizeof(struct " + struct + ")");
    }

    @ParameterizedTest
    @MethodSource("structs")
    void everyModeledMemberHasTheKernelsOffsetAndSize(String struct) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Field f : LayoutFields.flatten(MODELED.get(struct))) {
            if (!seen.add(f.name())) {
                problems.add(f.name() + ": modeled twice");
            }
            Optional<Row> found = REF.members(struct).stream().filter(r -> r.field().equals(f.name())).findFirst();
            if (found.isEmpty()) {
                problems.add(f.name() + ": not a member of the kernel's struct");
                continue;
            }
            Row r = found.get();
            if (r.offset() != f.offset() || r.size() != f.size()) {
                problems.add(f.name() + ": model @" + f.offset() + " size " + f.size()
                        + ", kernel @" + r.offset() + " size " + r.size());
            }
            if (!r.bits().isEmpty()) {
                problems.add(f.name() + ": kernel bitfield " + r.bits() + " is not modeled as one");
            }
            long modelLength = f.layout() instanceof SequenceLayout s ? s.elementCount() : -1;
            if (r.size() > 0 && modelLength != r.arrayLength().orElse(-1L)) {
                problems.add(f.name() + ": model array length " + modelLength + ", kernel type " + r.type());
            }
        }
        assertTrue(problems.isEmpty(), () -> "struct " + struct + ":\n  " + String.join("\n  ", problems));
    }

    @ParameterizedTest
    @MethodSource("structs")
    void everyKernelMemberIsModeled(String struct) {
        Set<String> modeled = new HashSet<>();
        LayoutFields.flatten(MODELED.get(struct)).forEach(f -> modeled.add(f.name()));
        List<String> missing = REF.members(struct).stream().map(Row::field).filter(n -> !modeled.contains(n)).toList();
        assertEquals(List.of(), missing, "members of struct " + struct + " absent from the model");
    }

    static Stream<Arguments> offsetHolders() {
        return Stream.of(
                arguments("page", PageLayout.class, null),
                arguments("list_head", ListHeadLayout.class, null),
                arguments("llist_node", LlistNodeLayout.class, null),
                arguments("zoneref", ZonerefLayout.class, null),
                arguments("memblock", MemblockLayout.class, null),
                arguments("memblock_type", MemblockTypeLayout.class, null),
                arguments("memblock_region", MemblockRegionLayout.class, null),
                arguments("free_area", FreeAreaLayout.class, K.freeArea()),
                arguments("per_cpu_pages", PerCpuPagesLayout.class, K.perCpuPages()),
                arguments("per_cpu_zonestat", PerCpuZonestatLayout.class, K.perCpuZonestat()),
                arguments("per_cpu_nodestat", PerCpuNodestatLayout.class, K.perCpuNodestat()),
                arguments("zone", ZoneLayout.class, K.zone()),
                arguments("zonelist", ZonelistLayout.class, K.zonelist()),
                arguments("lruvec", LruvecLayout.class, K.lruvec()),
                arguments("pglist_data", PglistDataLayout.class, K.pglistData()));
    }

    /** The hot-path offsets ({@code static final long} or final instance fields) are the kernel's. */
    @ParameterizedTest
    @MethodSource("offsetHolders")
    void everyPublishedOffsetIsTheKernels(String struct, Class<?> holder, Object instance) throws Exception {
        int checked = 0;
        for (java.lang.reflect.Field f : holder.getFields()) {
            if (f.getType() != long.class || Modifier.isStatic(f.getModifiers()) != (instance == null)) {
                continue;
            }
            String member = kernelName(f.getName());
            boolean configuredOut = NOT_CONFIGURED.contains(struct + "." + member);
            if (configuredOut) {
                assertTrue(REF.members(struct).stream().noneMatch(r -> r.field().equals(member)),
                        "the reference kernel has " + struct + "." + member);
            }
            long expected = member.equals(ReferenceRows.SIZEOF) ? REF.sizeof(struct)
                    : configuredOut ? -1 : REF.offset(struct, member);
            assertEquals(expected, f.getLong(instance), holder.getSimpleName() + "." + f.getName());
            checked++;
        }
        assertTrue(checked >= 2, holder.getSimpleName() + " publishes sizeof and at least one offset");
    }

    private static String kernelName(String javaName) {
        if (RENAMED.containsKey(javaName)) {
            return RENAMED.get(javaName);
        }
        if (javaName.equals("SIZE") || javaName.equals("size")) {
            return ReferenceRows.SIZEOF;
        }
        if (javaName.equals(javaName.toUpperCase())) {
            return javaName.toLowerCase();
        }
        return javaName.replaceAll("([A-Z])", "_$1").toLowerCase();
    }

    @Test
    void pageHotFieldsSitWhereTheDesignSays() {
        // The offsets kmm's page allocator is written against (DESIGN.md, section 2).
        assertEquals(64, PageLayout.SIZE);
        assertEquals(0, PageLayout.FLAGS);
        assertEquals(8, PageLayout.LRU);
        assertEquals(PageLayout.LRU, PageLayout.BUDDY_LIST);
        assertEquals(PageLayout.LRU, PageLayout.PCP_LIST);
        assertEquals(PageLayout.LRU, PageLayout.COMPOUND_HEAD);
        assertEquals(24, PageLayout.MAPPING);
        assertEquals(32, PageLayout.INDEX);
        assertEquals(40, PageLayout.PRIVATE);
        assertEquals(48, PageLayout.MAPCOUNT);
        assertEquals(PageLayout.MAPCOUNT, PageLayout.PAGE_TYPE);
        assertEquals(52, PageLayout.REFCOUNT);
        assertEquals(56, PageLayout.MEMCG_DATA);
        assertEquals(16, PageLayout.LAYOUT.byteAlignment());
    }

    @Test
    void arrayElementOffsetsStepByTheKernelsElementSizes() {
        long freeArea = REF.offset("zone", "free_area");
        long freeAreaSize = REF.sizeof("free_area");
        long listHead = REF.sizeof("list_head");
        ZoneLayout zone = K.zone();
        assertEquals(freeArea + 10 * freeAreaSize + 4 * listHead, zone.freeListOffset(10, 4));
        assertEquals(freeArea + 3 * freeAreaSize + REF.offset("free_area", "nr_free"), zone.nrFreeOffset(3));
        assertEquals(REF.offset("zone", "_watermark") + 2 * 8, zone.watermarkOffset(KernelConstants.WMARK_HIGH));
        assertEquals(REF.offset("zone", "lowmem_reserve") + 4 * 8, zone.lowmemReserveOffset(4));
        assertEquals(REF.offset("zone", "vm_stat") + 10 * 8, zone.vmStatOffset(10));
        assertEquals(REF.offset("per_cpu_pages", "lists") + 13 * listHead, K.perCpuPages().listOffset(13));
        assertEquals(4 * REF.sizeof("zone"), K.pglistData().nodeZoneOffset(4));
        assertEquals(REF.offset("pglist_data", "node_zonelists") + REF.sizeof("zonelist"),
                K.pglistData().nodeZonelistOffset(KernelConstants.ZONELIST_NOFALLBACK));
        assertEquals(REF.offset("pglist_data", "vm_stat") + 42 * 8, K.pglistData().vmStatOffset(42));
        assertEquals(5120 * REF.sizeof("zoneref"), K.zonelist().zonerefOffset(5120));
        assertEquals(4 * listHead, K.lruvec().listOffset(KernelConstants.LRU_UNEVICTABLE));
    }

    @Test
    void arrayElementOffsetsRejectIndicesOutsideTheArray() {
        ZoneLayout zone = K.zone();
        assertThrows(IndexOutOfBoundsException.class, () -> zone.freeListOffset(11, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> zone.freeListOffset(0, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> zone.freeAreaOffset(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> zone.lowmemReserveOffset(5));
        assertThrows(IndexOutOfBoundsException.class, () -> zone.vmStatOffset(11));
        assertThrows(IndexOutOfBoundsException.class, () -> zone.watermarkOffset(4));
        assertThrows(IndexOutOfBoundsException.class, () -> K.perCpuPages().listOffset(14));
        assertThrows(IndexOutOfBoundsException.class, () -> K.zonelist().zonerefOffset(5121));
        assertThrows(IndexOutOfBoundsException.class, () -> K.pglistData().nodeZoneOffset(5));
        assertThrows(IndexOutOfBoundsException.class, () -> K.pglistData().nodeZonelistOffset(2));
        assertThrows(IndexOutOfBoundsException.class, () -> K.pglistData().vmStatOffset(43));
        assertThrows(IndexOutOfBoundsException.class, () -> K.lruvec().listOffset(5));
    }
}
