package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelTypes.BYTE;
import static dev.kmm.arena.layout.KernelTypes.LONG;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct per_cpu_zonestat} (include/linux/mmzone.h): one CPU's pending zone counter deltas, folded
 * into {@code zone.vm_stat[]} when they pass {@code stat_threshold}, and its NUMA event counts.
 */
public final class PerCpuZonestatLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct per_cpu_zonestat)}. */
    public final long size;
    /** Offset of {@code vm_stat_diff[NR_VM_ZONE_STAT_ITEMS]} (s8 each). */
    public final long vmStatDiff;
    /** Offset of {@code stat_threshold} (s8). */
    public final long statThreshold;
    /** Offset of {@code vm_numa_event[NR_VM_NUMA_EVENT_ITEMS]} (unsigned long each). */
    public final long vmNumaEvent;

    private PerCpuZonestatLayout(LayoutConfig config) {
        layout = CStruct.struct("per_cpu_zonestat")
                .field("vm_stat_diff", CStruct.array(BYTE, config.nrVmZoneStatItems()))
                .field("stat_threshold", BYTE)
                .field("vm_numa_event", CStruct.array(LONG, config.nrVmNumaEventItems()))
                .build();
        size = layout.byteSize();
        vmStatDiff = CStruct.offsetOf(layout, "vm_stat_diff");
        statThreshold = CStruct.offsetOf(layout, "stat_threshold");
        vmNumaEvent = CStruct.offsetOf(layout, "vm_numa_event");
    }

    /** The per_cpu_zonestat layout of {@code config}. */
    public static PerCpuZonestatLayout of(LayoutConfig config) {
        return new PerCpuZonestatLayout(Objects.requireNonNull(config, "config"));
    }
}
