package dev.kmm.core.e820;

/**
 * One SRAT memory affinity the kernel accepted, from the line {@code acpi_numa_memory_affinity_init} prints
 * (drivers/acpi/numa/srat.c, 6.1): {@code ACPI: SRAT: Node 0 PXM 0 [mem 0x00000000-0x7fffffff]}, with
 * {@code  hotplug} and {@code  non-volatile} suffixes.
 *
 * @param node        logical node id
 * @param pxm         ACPI proximity domain
 * @param start       physical start
 * @param size        length in bytes
 * @param hotplug     {@code ACPI_SRAT_MEM_HOT_PLUGGABLE}
 * @param nonVolatile {@code ACPI_SRAT_MEM_NON_VOLATILE}
 */
public record SratMemAffinity(int node, int pxm, long start, long size, boolean hotplug, boolean nonVolatile) {

    /** The last byte, as the line prints it. */
    public long last() {
        return start + size - 1;
    }
}
