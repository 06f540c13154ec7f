package dev.kmm.core.pagealloc;

import java.util.Arrays;

/**
 * Which CPUs are online, as the pcp and vmstat formulas count them: {@code num_online_cpus()} and
 * {@code cpumask_weight(cpumask_of_node(nid))} per node.
 *
 * @param numOnlineCpus  {@code num_online_cpus()}
 * @param onlineOnNode   online CPUs of each node id (0 for a node without CPUs)
 */
public record Cpus(int numOnlineCpus, int[] onlineOnNode) {
    public Cpus {
        if (numOnlineCpus < 1) {
            throw new IllegalArgumentException("at least one CPU must be online: " + numOnlineCpus);
        }
        onlineOnNode = onlineOnNode.clone();
        int sum = 0;
        for (int n : onlineOnNode) {
            if (n < 0) {
                throw new IllegalArgumentException("negative CPU count per node: " + Arrays.toString(onlineOnNode));
            }
            sum += n;
        }
        if (sum != numOnlineCpus) {
            throw new IllegalArgumentException("CPUs per node " + Arrays.toString(onlineOnNode)
                    + " do not add up to " + numOnlineCpus + " online CPUs");
        }
    }

    /** A machine with one node: without {@code CONFIG_NUMA}, {@code cpumask_of_node(0)} is the online mask. */
    public static Cpus uma(int numOnlineCpus) {
        return new Cpus(numOnlineCpus, new int[]{numOnlineCpus});
    }

    /** Online CPUs on node {@code nid}; 0 for a node id past the array. */
    public int onlineOnNode(int nid) {
        return nid < onlineOnNode.length ? onlineOnNode[nid] : 0;
    }

    @Override
    public int[] onlineOnNode() {
        return onlineOnNode.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cpus c && numOnlineCpus == c.numOnlineCpus && Arrays.equals(onlineOnNode, c.onlineOnNode);
    }

    @Override
    public int hashCode() {
        return numOnlineCpus * 31 + Arrays.hashCode(onlineOnNode);
    }

    @Override
    public String toString() {
        return "Cpus[online=" + numOnlineCpus + ", perNode=" + Arrays.toString(onlineOnNode) + "]";
    }
}
