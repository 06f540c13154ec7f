package dev.kmm.core.boot;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.PglistDataLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.arena.layout.ZonerefLayout;
import dev.kmm.core.pagealloc.FreeAreaInit;
import dev.kmm.core.pagealloc.ZoneLimits;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.pagealloc.ZoneWatermarks;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The nodes ({@code struct pglist_data}) and zones ({@code struct zone}) in simulated RAM, with the
 * kernel's layouts: what {@code free_area_init_core()} ({@code pgdat_init_internals},
 * {@code zone_init_internals}, {@code init_currently_empty_zone}, {@code zone_init_free_lists}),
 * {@code build_all_zonelists()}, the managed-page counting and the watermark code write there.
 *
 * <p>Pointers stored are kernel virtual addresses: {@code zone_pgdat} and the zonerefs' zones point into
 * the node structures, {@code name} into the {@code zone_names} strings that sit in the kernel image's
 * read-only data.
 */
final class NodeStructs {
    private final KernelMemory mem;
    private final KernelLayouts layouts;
    private final ZoneTypes types;
    private final long[] pgdat;
    private final long[] zoneName;

    /**
     * @param pgdat    the VA of each node's {@code pglist_data}
     * @param namesVa  where to put the zone name strings
     */
    NodeStructs(KernelMemory mem, KernelLayouts layouts, ZoneTypes types, long[] pgdat, long namesVa) {
        this.mem = mem;
        this.layouts = layouts;
        this.types = types;
        this.pgdat = pgdat.clone();
        this.zoneName = new long[types.maxNrZones()];
        long va = namesVa;
        for (int z = 0; z < types.maxNrZones(); z++) {
            zoneName[z] = va;
            byte[] s = types.name(z).getBytes(StandardCharsets.US_ASCII);
            for (byte c : s) {
                mem.putByte(va++, c);
            }
            mem.putByte(va++, (byte) 0);
        }
    }

    /** The VA of node {@code nid}'s pglist_data. */
    long pgdat(int nid) {
        return pgdat[nid];
    }

    /** The VA of zone {@code zoneIdx} of node {@code nid}. */
    long zone(int nid, int zoneIdx) {
        return pgdat[nid] + layouts.pglistData().nodeZoneOffset(zoneIdx);
    }

    /** The VA of zone name {@code zoneIdx}. */
    long zoneName(int zoneIdx) {
        return zoneName[zoneIdx];
    }

    /**
     * {@code free_area_init_node()}/{@code free_area_init_core()}: node span and ids, and per zone the
     * span, present pages, the early managed estimate, name, node, pgdat.
     */
    void freeAreaInitCore(FreeAreaInit.NodeInit node) {
        PglistDataLayout p = layouts.pglistData();
        ZoneLayout z = layouts.zone();
        long pg = pgdat[node.nid()];
        mem.putInt(pg + p.nodeId, node.nid());
        mem.putLong(pg + p.nodeStartPfn, node.nodeStartPfn());
        mem.putLong(pg + p.nodeSpannedPages, node.nodeSpannedPages());
        mem.putLong(pg + p.nodePresentPages, node.nodePresentPages());
        int nrZones = 0;
        for (FreeAreaInit.ZoneInit zi : node.zones()) {
            long zone = zone(node.nid(), zi.zoneType());
            mem.putInt(zone + z.node, node.nid());
            mem.putLong(zone + z.zonePgdat, pg);
            mem.putLong(zone + z.name, zoneName[zi.zoneType()]);
            mem.putLong(zone + z.zoneStartPfn, zi.zoneStartPfn());
            mem.putLong(zone + z.spannedPages, zi.spannedPages());
            mem.putLong(zone + z.presentPages, zi.presentPages());
            mem.putLong(zone + z.presentEarlyPages, zi.presentPages());
            mem.putLong(zone + z.managedPages, zi.managedPages());
            if (zi.spannedPages() != 0) {
                mem.putInt(zone + z.initialized, 1);
            }
            if (zi.presentPages() != 0) {
                nrZones = zi.zoneType() + 1;
            }
        }
        mem.putInt(pg + p.nrZones, nrZones);
    }

    /** Writes one node's zonelists: zonerefs to the zones, each list ended by a null zone. */
    void writeZonelists(Zonelists.NodeZonelists lists) {
        long pg = pgdat[lists.nid()];
        writeZonelist(pg + layouts.pglistData().nodeZonelistOffset(0), lists.fallback());
        if (!lists.noFallback().isEmpty()) {
            writeZonelist(pg + layouts.pglistData().nodeZonelistOffset(1), lists.noFallback());
        }
    }

    private void writeZonelist(long zonelist, List<Zonelists.ZoneRef> refs) {
        for (int i = 0; i <= refs.size(); i++) {
            long zref = zonelist + layouts.zonelist().zonerefOffset(i);
            boolean end = i == refs.size();
            mem.putLong(zref + ZonerefLayout.ZONE, end ? 0 : zone(refs.get(i).nid(), refs.get(i).zoneIdx()));
            mem.putInt(zref + ZonerefLayout.ZONE_IDX, end ? 0 : refs.get(i).zoneIdx());
        }
    }

    /** {@code zone->managed_pages}. */
    void managedPages(int nid, int zoneIdx, long pages) {
        mem.putLong(zone(nid, zoneIdx) + layouts.zone().managedPages, pages);
    }

    /** Reads {@code zone->managed_pages}. */
    long managedPages(int nid, int zoneIdx) {
        return mem.getLong(zone(nid, zoneIdx) + layouts.zone().managedPages);
    }

    /** {@code zone_cma_pages()}: {@code zone->cma_pages}, 0 without CONFIG_CMA. */
    long cmaPages(int nid, int zoneIdx) {
        long off = layouts.zone().cmaPages;
        return off < 0 ? 0 : mem.getLong(zone(nid, zoneIdx) + off);
    }

    /**
     * The zone limits: {@code _watermark[]}, {@code watermark_boost}, {@code lowmem_reserve[]},
     * {@code pageset_high}/{@code pageset_batch}, {@code percpu_drift_mark}; and the node's
     * {@code totalreserve_pages}.
     */
    void writeLimits(ZoneLimits l, long nodeTotalreservePages) {
        ZoneLayout z = layouts.zone();
        long zone = zone(l.zone().nid(), l.zone().zoneType());
        ZoneWatermarks w = l.watermarks();
        mem.putLong(zone + z.watermarkOffset(0), w.min());
        mem.putLong(zone + z.watermarkOffset(1), w.low());
        mem.putLong(zone + z.watermarkOffset(2), w.high());
        mem.putLong(zone + z.watermarkOffset(3), w.promo());
        mem.putLong(zone + z.watermarkBoost, w.boost());
        long[] reserve = l.lowmemReserve();
        for (int i = 0; i < reserve.length; i++) {
            mem.putLong(zone + z.lowmemReserveOffset(i), reserve[i]);
        }
        mem.putInt(zone + z.pagesetHigh, l.pcp().high());
        mem.putInt(zone + z.pagesetBatch, l.pcp().batch());
        mem.putLong(zone + z.percpuDriftMark, l.percpuDriftMark());
        mem.putLong(pgdat[l.zone().nid()] + layouts.pglistData().totalreservePages, nodeTotalreservePages);
    }
}
