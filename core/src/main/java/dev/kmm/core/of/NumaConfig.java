package dev.kmm.core.of;

import java.util.List;
import java.util.Optional;

/**
 * The NUMA layout {@code arch_numa_init} settles on for a device tree: either what {@code of_numa_init} found,
 * or, when that failed or found nothing, {@code dummy_numa_init}'s single node 0 spanning all memory.
 */
public final class NumaConfig {
    /** {@code LOCAL_DISTANCE}. */
    public static final int LOCAL_DISTANCE = 10;
    /** {@code REMOTE_DISTANCE}. */
    public static final int REMOTE_DISTANCE = 20;

    private final List<Integer> nodes;
    private final List<NumaMemblk> memblks;
    private final byte[] distance;
    private final int distanceCnt;
    private final String fallbackReason;

    NumaConfig(List<Integer> nodes, List<NumaMemblk> memblks, byte[] distance, int distanceCnt,
               String fallbackReason) {
        this.nodes = List.copyOf(nodes);
        this.memblks = List.copyOf(memblks);
        this.distance = distance;
        this.distanceCnt = distanceCnt;
        this.fallbackReason = fallbackReason;
    }

    /** True when the layout came from the device tree, false for the dummy single node. */
    public boolean fromDeviceTree() {
        return fallbackReason == null;
    }

    /** Why {@code of_numa_init} was not used (the kernel's message), when it was not. */
    public Optional<String> fallbackReason() {
        return Optional.ofNullable(fallbackReason);
    }

    /** {@code numa_nodes_parsed}, ascending: the possible nodes. */
    public List<Integer> nodes() {
        return nodes;
    }

    /** The {@code numa_add_memblk} calls, in the order the kernel makes them. */
    public List<NumaMemblk> memblks() {
        return memblks;
    }

    /**
     * {@code __node_distance}: the table entry, or {@link #LOCAL_DISTANCE}/{@link #REMOTE_DISTANCE} outside
     * the table (and always for the dummy node, whose table {@code numa_free_distance} dropped).
     */
    public int nodeDistance(int from, int to) {
        if (from < 0 || to < 0 || from >= distanceCnt || to >= distanceCnt) {
            return from == to ? LOCAL_DISTANCE : REMOTE_DISTANCE;
        }
        return distance[from * distanceCnt + to] & 0xff;
    }

    @Override
    public String toString() {
        return fromDeviceTree() ? "NUMA nodes " + nodes + ", " + memblks.size() + " memblks"
                : "dummy NUMA node 0 (" + fallbackReason + ")";
    }
}
