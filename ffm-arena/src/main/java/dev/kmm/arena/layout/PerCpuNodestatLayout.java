package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelTypes.BYTE;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct per_cpu_nodestat} (include/linux/mmzone.h): one CPU's pending node counter deltas,
 * folded into {@code pglist_data.vm_stat[]} when they pass {@code stat_threshold}.
 */
public final class PerCpuNodestatLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct per_cpu_nodestat)}. */
    public final long size;
    /** Offset of {@code stat_threshold} (s8). */
    public final long statThreshold;
    /** Offset of {@code vm_node_stat_diff[NR_VM_NODE_STAT_ITEMS]} (s8 each). */
    public final long vmNodeStatDiff;

    private PerCpuNodestatLayout(LayoutConfig config) {
        layout = CStruct.struct("per_cpu_nodestat")
                .field("stat_threshold", BYTE)
                .field("vm_node_stat_diff", CStruct.array(BYTE, config.nrVmNodeStatItems()))
                .build();
        size = layout.byteSize();
        statThreshold = CStruct.offsetOf(layout, "stat_threshold");
        vmNodeStatDiff = CStruct.offsetOf(layout, "vm_node_stat_diff");
    }

    /** The per_cpu_nodestat layout of {@code config}. */
    public static PerCpuNodestatLayout of(LayoutConfig config) {
        return new PerCpuNodestatLayout(Objects.requireNonNull(config, "config"));
    }
}
