package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_PCPTYPES;
import static dev.kmm.arena.layout.KernelConstants.PAGE_ALLOC_COSTLY_ORDER;

/**
 * The kernel-config quantities that shape the MM structures, and nothing else: a layout is a pure function
 * of this record. The structures keep the shape of the reference config (NUMA, MEMCG, LRU_GEN, COMPACTION,
 * MEMORY_HOTPLUG members all present) in every profile, 32-bit ARM included; only the array lengths below
 * vary, and {@code zone.cma_pages}, which exists under {@link #cma() CONFIG_CMA}.
 *
 * @param migrateTypes       {@code MIGRATE_TYPES}: 4 plus one each for CMA and MEMORY_ISOLATION (5 in the
 *                           reference config, which has isolation only; 6 with CMA); {@code free_area.free_list[]}
 *                           length
 * @param maxOrder           {@code MAX_ORDER} in 6.1's meaning, the number of buddy orders;
 *                           {@code zone.free_area[]} length
 * @param maxNrZones         {@code MAX_NR_ZONES}; {@code zone.lowmem_reserve[]}, {@code pglist_data.node_zones[]},
 *                           zonelist and multi-gen LRU array lengths
 * @param nodesShift         {@code CONFIG_NODES_SHIFT}; {@code MAX_NUMNODES = 1 << nodesShift} sizes zonelists
 * @param nrPcpThp           {@code NR_PCP_THP}: per-cpu lists for THP-order pages (2 in 6.1.192 with THP,
 *                           1 in 6.1 releases before the stable backport that split them, 0 without THP)
 * @param nrVmZoneStatItems  {@code NR_VM_ZONE_STAT_ITEMS}; zone.vm_stat[] and per_cpu_zonestat.vm_stat_diff[]
 * @param nrVmNumaEventItems {@code NR_VM_NUMA_EVENT_ITEMS}; zone.vm_numa_event[] and per_cpu_zonestat's
 * @param nrVmNodeStatItems  {@code NR_VM_NODE_STAT_ITEMS}; pglist_data.vm_stat[] and per_cpu_nodestat's
 */
public record LayoutConfig(int migrateTypes, int maxOrder, int maxNrZones, int nodesShift, int nrPcpThp,
                           int nrVmZoneStatItems, int nrVmNumaEventItems, int nrVmNodeStatItems) {

    /** Linux 6.1.192 with Debian's amd64 config: the reference of every layout test. */
    public static final LayoutConfig LINUX_6_1_X86_64 = new LayoutConfig(
            KernelConstants.MIGRATE_TYPES, KernelConstants.MAX_ORDER, KernelConstants.MAX_NR_ZONES,
            KernelConstants.NODES_SHIFT, KernelConstants.NR_PCP_THP, KernelConstants.NR_VM_ZONE_STAT_ITEMS,
            KernelConstants.NR_VM_NUMA_EVENT_ITEMS, KernelConstants.NR_VM_NODE_STAT_ITEMS);

    /** Rejects values no kernel config can produce. */
    public LayoutConfig {
        check("migrateTypes", migrateTypes, MIGRATE_PCPTYPES + 1, MIGRATE_PCPTYPES + 3,
                "the pcp types and HIGHATOMIC always exist; CMA and ISOLATE are optional");
        check("maxOrder", maxOrder, 1, 16,
                "the largest block must fit a 128 MiB memory section (SECTION_SIZE_BITS 27)");
        check("maxNrZones", maxNrZones, 2, 8,
                "ZONE_NORMAL and ZONE_MOVABLE always exist; ZONES_SHIFT is at most 3");
        check("nodesShift", nodesShift, 0, 10, "CONFIG_NODES_SHIFT ranges up to 10");
        check("nrPcpThp", nrPcpThp, 0, 2, "6.1 has at most two THP pcp lists");
        check("nrVmZoneStatItems", nrVmZoneStatItems, 1, Integer.MAX_VALUE, "NR_FREE_PAGES always exists");
        check("nrVmNumaEventItems", nrVmNumaEventItems, 0, Integer.MAX_VALUE, "a count");
        check("nrVmNodeStatItems", nrVmNodeStatItems, 1, Integer.MAX_VALUE, "the LRU counters always exist");
    }

    private static void check(String name, int value, int min, int max, String why) {
        if (value < min || value > max) {
            String range = max == Integer.MAX_VALUE ? "at least " + min : "in [" + min + ", " + max + "]";
            throw new IllegalArgumentException(name + " must be " + range + " (" + why + "), got " + value);
        }
    }

    /**
     * {@code CONFIG_CMA}: adds {@code MIGRATE_CMA} and {@code zone.cma_pages}. CMA selects MEMORY_ISOLATION, so
     * the enum has both optional types exactly when CMA is set; the Debian reference config has neither CMA nor
     * {@code cma_pages}.
     */
    public boolean cma() {
        return migrateTypes == MIGRATE_PCPTYPES + 3;
    }

    /** {@code MAX_NUMNODES = 1 << NODES_SHIFT}. */
    public int maxNumNodes() {
        return 1 << nodesShift;
    }

    /** {@code NR_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1) + NR_PCP_THP}. */
    public int nrPcpLists() {
        return MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1) + nrPcpThp;
    }

    /** {@code MAX_ZONES_PER_ZONELIST = MAX_NUMNODES * MAX_NR_ZONES}; a zonelist has one more, terminating zoneref. */
    public int maxZonesPerZonelist() {
        return maxNumNodes() * maxNrZones;
    }

    /** This config with another {@code MIGRATE_TYPES} (6 for CONFIG_CMA). */
    public LayoutConfig withMigrateTypes(int value) {
        return new LayoutConfig(value, maxOrder, maxNrZones, nodesShift, nrPcpThp,
                nrVmZoneStatItems, nrVmNumaEventItems, nrVmNodeStatItems);
    }

    /** This config with another {@code MAX_ORDER} (CONFIG_ARCH_FORCE_MAX_ORDER). */
    public LayoutConfig withMaxOrder(int value) {
        return new LayoutConfig(migrateTypes, value, maxNrZones, nodesShift, nrPcpThp,
                nrVmZoneStatItems, nrVmNumaEventItems, nrVmNodeStatItems);
    }

    /** This config with another {@code MAX_NR_ZONES} (zones configured in or out). */
    public LayoutConfig withMaxNrZones(int value) {
        return new LayoutConfig(migrateTypes, maxOrder, value, nodesShift, nrPcpThp,
                nrVmZoneStatItems, nrVmNumaEventItems, nrVmNodeStatItems);
    }

    /** This config with another {@code CONFIG_NODES_SHIFT}. */
    public LayoutConfig withNodesShift(int value) {
        return new LayoutConfig(migrateTypes, maxOrder, maxNrZones, value, nrPcpThp,
                nrVmZoneStatItems, nrVmNumaEventItems, nrVmNodeStatItems);
    }

    /** This config with another {@code NR_PCP_THP}. */
    public LayoutConfig withNrPcpThp(int value) {
        return new LayoutConfig(migrateTypes, maxOrder, maxNrZones, nodesShift, value,
                nrVmZoneStatItems, nrVmNumaEventItems, nrVmNodeStatItems);
    }
}
