package dev.kmm.core.of;

import java.util.List;

/**
 * One CPU node under {@code /cpus} (a child named {@code cpu} or with {@code device_type = "cpu"}, as
 * {@code of_get_next_cpu_node} picks them).
 *
 * @param path       node path
 * @param hwid       {@code of_get_cpu_hwid(node, 0)}: the first {@code reg} entry read with {@code /cpus}'s
 *                   {@code #address-cells}, or -1 ({@code INVALID_HWID}) when it has none
 * @param compatible the node's {@code compatible} strings
 * @param numaNodeId {@code of_node_to_nid}: {@code numa-node-id} of the node or its nearest ancestor, or
 *                   {@link EarlyScan#NUMA_NO_NODE} ({@code early_map_cpu_to_node} then uses node 0)
 * @param available  {@code of_fdt_device_is_available}
 */
public record CpuNode(String path, long hwid, List<String> compatible, int numaNodeId, boolean available) {
}
