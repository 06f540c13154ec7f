package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.ZonerefLayout;
import dev.kmm.core.gfp.Gfp;
import java.util.Objects;

/**
 * Walking a zonelist, as include/linux/mmzone.h and mm/mmzone.c of Linux 6.1 do: {@code node_zonelist},
 * {@code first_zones_zonelist}, {@code next_zones_zonelist} and the zoneref accessors. A zonelist is the
 * {@code struct zonelist} inside a node's {@code pglist_data}, written by {@code build_all_zonelists()}; its
 * zonerefs hold a zone's address and {@code zone_idx} and end with a zoneref whose zone is 0 (and index 0).
 *
 * <p>A nodemask is a {@code long[]} bitmap of node ids ({@code nodemask_t}); {@code null} is the kernel's NULL
 * nodemask, which allows every node. The loops the kernel writes as {@code for_each_zone_zonelist_nodemask} read:
 * <pre>{@code
 * for (long z = walk.firstZonesZonelist(zonelist, highIdx, nodes); walk.zone(z) != 0;
 *         z = walk.nextZonesZonelist(z + ZonerefLayout.SIZE, highIdx, nodes)) { ... }
 * }</pre>
 */
public final class ZonelistWalk {
    private final KernelMemory mem;
    private final long zoneNode;
    private final long[] nodeData;
    private final long[] nodeZonelists;
    private final long zonelistSize;
    private final boolean numa;

    /**
     * @param nodeData {@code NODE_DATA(nid)} by node id (0 where a node has none)
     * @param numa     CONFIG_NUMA: whether {@code __GFP_THISNODE} selects {@code ZONELIST_NOFALLBACK}
     */
    public ZonelistWalk(KernelMemory mem, KernelLayouts layouts, long[] nodeData, boolean numa) {
        this.mem = Objects.requireNonNull(mem, "mem");
        this.zoneNode = layouts.zone().node;
        this.nodeData = nodeData.clone();
        this.nodeZonelists = new long[nodeData.length];
        for (int nid = 0; nid < nodeData.length; nid++) {
            this.nodeZonelists[nid] = nodeData[nid] == 0 ? 0 : nodeData[nid] + layouts.pglistData().nodeZonelists;
        }
        this.zonelistSize = layouts.zonelist().size;
        this.numa = numa;
    }

    /**
     * {@code node_zonelist(nid, flags)}: {@code NODE_DATA(nid)->node_zonelists + gfp_zonelist(flags)}.
     *
     * @throws IllegalArgumentException for a node without {@code pglist_data}
     */
    public long nodeZonelist(int nid, int gfpFlags) {
        if (nid < 0 || nid >= nodeData.length || nodeData[nid] == 0) {
            throw new IllegalArgumentException("node " + nid + " has no pglist_data");
        }
        return nodeZonelists[nid] + Gfp.gfpZonelist(gfpFlags, numa) * zonelistSize;
    }

    /** {@code zonelist_zone(z)}: the zone's address, 0 at the end of the list. */
    public long zone(long zoneref) {
        return mem.getLong(zoneref + ZonerefLayout.ZONE);
    }

    /** {@code zonelist_zone_idx(z)}. */
    public int zoneIdx(long zoneref) {
        return mem.getInt(zoneref + ZonerefLayout.ZONE_IDX);
    }

    /** {@code zonelist_node_idx(z)}: {@code zone_to_nid(z->zone)}. */
    public int nodeIdx(long zoneref) {
        return mem.getInt(zone(zoneref) + zoneNode);
    }

    /** {@code node_isset(nid, *nodes)}. */
    public static boolean nodeIsset(int nid, long[] nodes) {
        int word = nid >>> 6;
        return word < nodes.length && (nodes[word] >>> (nid & 63) & 1) != 0;
    }

    /**
     * {@code next_zones_zonelist}: from {@code zoneref} on, the first zoneref whose zone is at most
     * {@code highestZoneidx} and, with a nodemask, on an allowed node; the terminating zoneref if none.
     */
    public long nextZonesZonelist(long zoneref, int highestZoneidx, long[] nodes) {
        long z = zoneref;
        if (nodes == null) {
            while (zoneIdx(z) > highestZoneidx) {
                z += ZonerefLayout.SIZE;
            }
        } else {
            while (zoneIdx(z) > highestZoneidx || (zone(z) != 0 && !nodeIsset(nodeIdx(z), nodes))) {
                z += ZonerefLayout.SIZE;
            }
        }
        return z;
    }

    /** {@code first_zones_zonelist}: the first allowed zoneref of {@code zonelist}. */
    public long firstZonesZonelist(long zonelist, int highestZoneidx, long[] nodes) {
        return nextZonesZonelist(zonelist, highestZoneidx, nodes);
    }
}
