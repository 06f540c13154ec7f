package dev.kmm.core.proc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PerCpuZonestatLayout;
import dev.kmm.arena.layout.PglistDataLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.core.pagealloc.ZoneTypes;

/**
 * Reads nodes, zones and per-cpu data the way the 6.1 accessors in include/linux/mmzone.h and vmstat.h do,
 * from one {@link MmState}. Built per view read: it checks once that the layouts hold this build's counters.
 */
final class MmReader {
    /** {@code MAX_RECLAIM_RETRIES} (mm/internal.h): kswapd failures after which a node is unreclaimable. */
    static final int MAX_RECLAIM_RETRIES = 16;

    final MmState state;
    final ProcConfig config;
    final VmstatText text;
    final KernelMemory mem;
    final ZoneLayout zl;
    final PglistDataLayout pl;
    final PerCpuZonestatLayout zsl;
    final ZoneTypes zones;
    final int[] nodes;
    final int[] cpus;

    MmReader(MmState state) {
        this.state = state;
        this.config = state.config();
        config.checkLayout(state.layouts().config());
        this.text = config.vmstatText();
        this.mem = state.memory();
        this.zl = state.layouts().zone();
        this.pl = state.layouts().pglistData();
        this.zsl = state.layouts().perCpuZonestat();
        this.zones = config.zoneTypes();
        this.nodes = state.onlineNodes().clone();
        this.cpus = state.onlineCpus().clone();
    }

    int nrZones() {
        return zones.maxNrZones();
    }

    long pgdat(int nid) {
        return state.nodeData(nid);
    }

    /** {@code pgdat->node_id}. */
    int nodeId(long pgdat) {
        return mem.getInt(pgdat + pl.nodeId);
    }

    /** {@code &pgdat->node_zones[idx]}. */
    long zone(long pgdat, int idx) {
        return pgdat + pl.nodeZoneOffset(idx);
    }

    /** {@code zone->name}: always {@code zone_names[zone_idx]} in 6.1 ({@code zone_init_internals()}). */
    String zoneName(int idx) {
        return zones.name(idx);
    }

    /** {@code populated_zone()}: the zone has present pages. */
    boolean populated(long zone) {
        return mem.getLong(zone + zl.presentPages) != 0;
    }

    long managed(long zone) {
        return mem.getLong(zone + zl.managedPages);
    }

    /** {@code zone_cma_pages()}: {@code cma_pages}, 0 without CONFIG_CMA. */
    long cma(long zone) {
        return zl.cmaPages < 0 ? 0 : mem.getLong(zone + zl.cmaPages);
    }

    long spanned(long zone) {
        return mem.getLong(zone + zl.spannedPages);
    }

    long present(long zone) {
        return mem.getLong(zone + zl.presentPages);
    }

    long startPfn(long zone) {
        return mem.getLong(zone + zl.zoneStartPfn);
    }

    long boost(long zone) {
        return mem.getLong(zone + zl.watermarkBoost);
    }

    /** {@code wmark_pages(z, i)}: the watermark plus the current boost. */
    long wmark(long zone, int wmark) {
        return mem.getLong(zone + zl.watermarkOffset(wmark)) + boost(zone);
    }

    long lowWmark(long zone) {
        return wmark(zone, KernelConstants.WMARK_LOW);
    }

    long lowmemReserve(long zone, int idx) {
        return mem.getLong(zone + zl.lowmemReserveOffset(idx));
    }

    /** {@code zone->vm_stat[item]} as stored, possibly negative between folds. */
    long zoneStatRaw(long zone, int item) {
        return mem.getLong(zone + zl.vmStatOffset(item));
    }

    /** {@code zone_page_state()}: negative values read as 0 (CONFIG_SMP). */
    long zonePageState(long zone, int item) {
        return Math.max(0, zoneStatRaw(zone, item));
    }

    /** {@code node_page_state_pages()}: negative values read as 0. */
    long nodePageState(long pgdat, int item) {
        return Math.max(0, mem.getLong(pgdat + pl.vmStatOffset(item)));
    }

    /**
     * {@code zone_numa_event_state()} after {@code fold_vm_zone_numa_events()}: the zone's count plus what the
     * online CPUs have not folded yet. The kernel moves the per-cpu counts into the zone while printing; the
     * sum printed is the same, and reading here leaves the state as it was.
     */
    long zoneNumaEvent(long zone, int item) {
        long sum = mem.getLong(zone + zl.vmNumaEvent + (long) item * Long.BYTES);
        long pzstats = mem.getLong(zone + zl.perCpuZonestats);
        for (int cpu : cpus) {
            sum += mem.getLong(pzstats + state.perCpuOffset(cpu) + zsl.vmNumaEvent + (long) item * Long.BYTES);
        }
        return sum;
    }

    /** {@code global_zone_page_state()}: {@code vm_zone_stat[item]}, the sum over all zones, clamped at 0. */
    long globalZonePageState(int item) {
        long sum = 0;
        for (int nid : nodes) {
            long pgdat = pgdat(nid);
            for (int z = 0; z < nrZones(); z++) {
                sum += zoneStatRaw(zone(pgdat, z), item);
            }
        }
        return Math.max(0, sum);
    }

    /** {@code global_node_page_state_pages()}: {@code vm_node_stat[item]}, the sum over nodes, clamped at 0. */
    long globalNodePageState(int item) {
        long sum = 0;
        for (int nid : nodes) {
            sum += mem.getLong(pgdat(nid) + pl.vmStatOffset(item));
        }
        return Math.max(0, sum);
    }

    /**
     * {@code global_numa_event_state()} after {@code fold_vm_numa_events()}: {@code vm_numa_event[item]}, the
     * sum over zones, with the per-cpu counts of populated zones folded in.
     */
    long globalNumaEvent(int item) {
        long sum = 0;
        for (int nid : nodes) {
            long pgdat = pgdat(nid);
            for (int z = 0; z < nrZones(); z++) {
                long zone = zone(pgdat, z);
                sum += populated(zone) ? zoneNumaEvent(zone, item)
                        : mem.getLong(zone + zl.vmNumaEvent + (long) item * Long.BYTES);
            }
        }
        return sum;
    }

    /** {@code is_highmem_idx()}. */
    boolean isHighmemIdx(int idx) {
        return zones.isHighmemIdx(idx, state.movableZone());
    }

    /** {@code totalram_pages()}: the managed pages of every zone. */
    long totalramPages() {
        long sum = 0;
        for (int nid : nodes) {
            long pgdat = pgdat(nid);
            for (int z = 0; z < nrZones(); z++) {
                sum += managed(zone(pgdat, z));
            }
        }
        return sum;
    }

    /** {@code totalhigh_pages()}: the managed pages of highmem zones (0 without CONFIG_HIGHMEM). */
    long totalhighPages() {
        long sum = 0;
        for (int nid : nodes) {
            long pgdat = pgdat(nid);
            for (int z = 0; z < nrZones(); z++) {
                if (isHighmemIdx(z)) {
                    sum += managed(zone(pgdat, z));
                }
            }
        }
        return sum;
    }

    /** {@code nr_free_highpages()}: free pages of populated highmem zones. */
    long nrFreeHighpages() {
        long sum = 0;
        for (int nid : nodes) {
            long pgdat = pgdat(nid);
            for (int z = 0; z < nrZones(); z++) {
                long zone = zone(pgdat, z);
                if (isHighmemIdx(z) && populated(zone)) {
                    sum += zonePageState(zone, 0);
                }
            }
        }
        return sum;
    }

    /** {@code totalreserve_pages}: the sum of {@code pgdat->totalreserve_pages}. */
    long totalreservePages() {
        long sum = 0;
        for (int nid : nodes) {
            sum += mem.getLong(pgdat(nid) + pl.totalreservePages);
        }
        return sum;
    }

    /** {@code node_state(nid, N_MEMORY)}: set in {@code free_area_init()} for a node with present pages. */
    boolean nodeHasMemory(long pgdat) {
        return mem.getLong(pgdat + pl.nodePresentPages) != 0;
    }

    /** The index of a counter in one of this build's lists, by enum name. */
    static int index(java.util.List<VmstatText.Item> items, String enumName) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).enumName().equals(enumName)) {
                return i;
            }
        }
        throw new IllegalStateException("no item " + enumName);
    }

    int zoneItem(String enumName) {
        return index(text.zoneStatItems(), enumName);
    }

    int nodeItem(String enumName) {
        return index(text.nodeStatItems(), enumName);
    }
}
