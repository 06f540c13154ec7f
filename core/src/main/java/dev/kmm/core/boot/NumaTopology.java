package dev.kmm.core.boot;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the firmware says about NUMA: which node each range of memory belongs to (ACPI SRAT memory
 * affinity, or {@code numa-node-id} on device-tree memory nodes) and the node distances (SLIT, or the
 * device tree's {@code distance-map}).
 *
 * @param memory   the node of each memory range, in the order the firmware lists them
 * @param distance {@code distance[from][to]}: {@code node_distance()}; a square matrix over nodes
 *                 {@code 0..n-1} with {@code LOCAL_DISTANCE} (10) on the diagonal
 */
public record NumaTopology(List<NodeMemory> memory, int[][] distance) {
    /** {@code LOCAL_DISTANCE}. */
    public static final int LOCAL_DISTANCE = 10;
    /** {@code REMOTE_DISTANCE}: the distance between nodes when the firmware gives none. */
    public static final int REMOTE_DISTANCE = 20;

    /** One memory affinity: {@code [base, base + size)} is on node {@code nid}. */
    public record NodeMemory(int nid, long base, long size, boolean hotpluggable) {
        public NodeMemory {
            if (nid < 0 || base < 0 || size <= 0) {
                throw new IllegalArgumentException("bad NUMA memory affinity: node " + nid + String.format(
                        " [0x%x + 0x%x)", base, size));
            }
        }

        /** The first address past the range. */
        public long end() {
            return base + size;
        }
    }

    public NumaTopology {
        memory = List.copyOf(memory);
        int n = distance.length;
        int[][] copy = new int[n][];
        for (int i = 0; i < n; i++) {
            if (distance[i].length != n) {
                throw new IllegalArgumentException("the NUMA distance matrix must be square: row " + i + " has "
                        + distance[i].length + " entries for " + n + " nodes");
            }
            if (distance[i][i] != LOCAL_DISTANCE) {
                throw new IllegalArgumentException("node " + i + " must be at LOCAL_DISTANCE (10) from itself, not "
                        + distance[i][i]);
            }
            for (int j = 0; j < n; j++) {
                if (i != j && distance[i][j] <= LOCAL_DISTANCE) {
                    throw new IllegalArgumentException("distance " + i + "->" + j + " is " + distance[i][j]
                            + ": remote distances must exceed LOCAL_DISTANCE (10)");
                }
            }
            copy[i] = distance[i].clone();
        }
        distance = copy;
        for (NodeMemory m : memory) {
            if (m.nid() >= n) {
                throw new IllegalArgumentException("memory on node " + m.nid() + " but the distance matrix has "
                        + n + " nodes");
            }
        }
    }

    /** Nodes {@code 0..nodes-1} with the given memory and {@code REMOTE_DISTANCE} between every two of them. */
    public static NumaTopology uniform(int nodes, List<NodeMemory> memory) {
        int[][] d = new int[nodes][nodes];
        for (int i = 0; i < nodes; i++) {
            Arrays.fill(d[i], REMOTE_DISTANCE);
            d[i][i] = LOCAL_DISTANCE;
        }
        return new NumaTopology(memory, d);
    }

    /** The number of nodes the firmware describes. */
    public int nodes() {
        return distance.length;
    }

    /** {@code node_distance(from, to)}. */
    public int distance(int from, int to) {
        return distance[Objects.checkIndex(from, distance.length)][Objects.checkIndex(to, distance.length)];
    }

    @Override
    public int[][] distance() {
        int[][] copy = new int[distance.length][];
        for (int i = 0; i < distance.length; i++) {
            copy[i] = distance[i].clone();
        }
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NumaTopology t && memory.equals(t.memory) && Arrays.deepEquals(distance, t.distance);
    }

    @Override
    public int hashCode() {
        return memory.hashCode() * 31 + Arrays.deepHashCode(distance);
    }

    @Override
    public String toString() {
        return "NumaTopology[" + nodes() + " nodes, " + memory + ", distance=" + Arrays.deepToString(distance) + "]";
    }
}
