package dev.kmm.core.of;

/**
 * One RAM range from a {@code device_type = "memory"} node, as {@code early_init_dt_scan_memory} hands it to
 * {@code early_init_dt_add_memory_arch}: raw, before that function's page alignment and PHYS_OFFSET clamping
 * (which belong to the memblock side).
 *
 * @param base         physical start
 * @param size         length in bytes, never 0
 * @param nid          NUMA node the range belongs to after {@code arch_numa_init} (0 when NUMA fell back to
 *                     one dummy node)
 * @param hotpluggable whether the node has the {@code hotpluggable} property ({@code memblock_mark_hotplug})
 * @param node         path of the memory node it came from
 */
public record MemoryBank(long base, long size, int nid, boolean hotpluggable, String node) {

    /** Exclusive end, saturating at the top of the 64-bit space. */
    public long end() {
        long end = base + size;
        return Long.compareUnsigned(end, base) < 0 ? -1L : end;
    }
}
