package dev.kmm.core.boot;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntBinaryOperator;
import java.util.function.IntPredicate;

/**
 * {@code build_all_zonelists()} of Linux 6.1 mm/page_alloc.c: for every node, the order in which the
 * allocator falls back over the nodes' zones. With NUMA, {@code find_next_best_node()} orders the nodes
 * (nearest first, nodes below the local one and nodes with CPUs slightly penalised, ties broken round
 * robin by {@code node_load}), and each node contributes its populated zones from the highest down; a
 * second list ({@code ZONELIST_NOFALLBACK}) holds the local node's zones only. Without NUMA the single
 * node's zones, highest first, make the one list.
 */
public final class Zonelists {
    /** {@code PENALTY_FOR_NODE_WITH_CPUS}. */
    private static final int PENALTY_FOR_NODE_WITH_CPUS = 1;

    /** One {@code struct zoneref}: the zone's node and {@code zone_idx}. */
    public record ZoneRef(int nid, int zoneIdx) {
    }

    /**
     * The zonelists of one node.
     *
     * @param nid        the node
     * @param nodeOrder  the fallback node order
     * @param fallback   {@code node_zonelists[ZONELIST_FALLBACK]} (without the terminating entry)
     * @param noFallback {@code node_zonelists[ZONELIST_NOFALLBACK]} (NUMA only; empty otherwise)
     */
    public record NodeZonelists(int nid, List<Integer> nodeOrder, List<ZoneRef> fallback, List<ZoneRef> noFallback) {
        public NodeZonelists {
            nodeOrder = List.copyOf(nodeOrder);
            fallback = List.copyOf(fallback);
            noFallback = List.copyOf(noFallback);
        }
    }

    private final List<NodeZonelists> nodes;
    private final int policyZone;

    private Zonelists(List<NodeZonelists> nodes, int policyZone) {
        this.nodes = List.copyOf(nodes);
        this.policyZone = policyZone;
    }

    /**
     * Builds the zonelists of nodes {@code 0..nrNodes-1}.
     *
     * @param numa        {@code CONFIG_NUMA}
     * @param maxNumNodes {@code MAX_NUMNODES}, the weight of the distance in {@code find_next_best_node()}
     * @param populated   {@code populated[nid][zone]}: the zone has present pages
     * @param hasMemory   {@code N_MEMORY}: the node has memory
     * @param hasCpus     the node's CPU mask is not empty
     * @param distance    {@code node_distance()}
     * @param zoneMovable ZONE_MOVABLE's index, which {@code check_highest_zone()} skips
     */
    public static Zonelists build(boolean numa, int maxNumNodes, boolean[][] populated, IntPredicate hasMemory,
                                  IntPredicate hasCpus, IntBinaryOperator distance, int zoneMovable) {
        int nrNodes = populated.length;
        int[] policyZone = {0};
        List<NodeZonelists> out = new ArrayList<>(nrNodes);
        int[] nodeLoad = new int[nrNodes];
        for (int local = 0; local < nrNodes; local++) {
            List<Integer> order = new ArrayList<>();
            if (numa) {
                boolean[] used = new boolean[nrNodes];
                int prev = local;
                int node;
                while ((node = findNextBestNode(local, used, maxNumNodes, nodeLoad, hasMemory, hasCpus, distance)) >= 0) {
                    if (distance.applyAsInt(local, node) != distance.applyAsInt(local, prev)) {
                        nodeLoad[node] += 1;
                    }
                    order.add(node);
                    prev = node;
                }
            } else {
                for (int n = local; n < nrNodes; n++) {
                    order.add(n);
                }
                for (int n = 0; n < local; n++) {
                    order.add(n);
                }
            }
            List<ZoneRef> fallback = new ArrayList<>();
            for (int n : order) {
                buildZonerefsNode(n, populated[n], fallback, policyZone, zoneMovable);
            }
            List<ZoneRef> noFallback = new ArrayList<>();
            if (numa) {
                buildZonerefsNode(local, populated[local], noFallback, policyZone, zoneMovable);
            }
            out.add(new NodeZonelists(local, order, fallback, noFallback));
        }
        return new Zonelists(out, policyZone[0]);
    }

    /** {@code build_zonerefs_node()}: the populated zones of node {@code nid}, highest first. */
    private static void buildZonerefsNode(int nid, boolean[] populated, List<ZoneRef> out, int[] policyZone,
                                          int zoneMovable) {
        for (int zoneType = populated.length - 1; zoneType >= 0; zoneType--) {
            if (populated[zoneType]) {
                out.add(new ZoneRef(nid, zoneType));
                if (zoneType > policyZone[0] && zoneType != zoneMovable) {
                    policyZone[0] = zoneType;
                }
            }
        }
    }

    /** {@code find_next_best_node()}. */
    private static int findNextBestNode(int node, boolean[] used, int maxNumNodes, int[] nodeLoad,
                                        IntPredicate hasMemory, IntPredicate hasCpus, IntBinaryOperator distance) {
        if (!used[node]) {
            used[node] = true;
            return node;
        }
        int minVal = Integer.MAX_VALUE;
        int best = -1;
        for (int n = 0; n < used.length; n++) {
            if (!hasMemory.test(n) || used[n]) {
                continue;
            }
            int val = distance.applyAsInt(node, n);
            val += n < node ? 1 : 0;
            if (hasCpus.test(n)) {
                val += PENALTY_FOR_NODE_WITH_CPUS;
            }
            val *= maxNumNodes;
            val += nodeLoad[n];
            if (val < minVal) {
                minVal = val;
                best = n;
            }
        }
        if (best >= 0) {
            used[best] = true;
        }
        return best;
    }

    /** Every node's zonelists, by node id. */
    public List<NodeZonelists> nodes() {
        return nodes;
    }

    /** {@code policy_zone}: the highest populated zone below ZONE_MOVABLE. */
    public int policyZone() {
        return policyZone;
    }

    /** The {@code pr_info} line {@code build_zonelists()} prints for a NUMA node. */
    public String fallbackOrderLine(int nid) {
        StringBuilder sb = new StringBuilder("Fallback order for Node " + nid + ": ");
        for (int n : nodes.get(nid).nodeOrder()) {
            sb.append(n).append(' ');
        }
        return sb.toString();
    }
}
