package dev.kmm.core.of;

/**
 * One {@code numa_add_memblk(nid, start, end)} call: the range {@code [start, end)} belongs to node
 * {@code nid} ({@code memblock_set_node}).
 */
public record NumaMemblk(int nid, long start, long end) {
}
