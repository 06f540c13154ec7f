package dev.kmm.core.percpu;

import java.util.Arrays;
import java.util.List;

/**
 * {@code struct pcpu_alloc_info} (mm/percpu.c): how the first per-CPU chunk is shaped: its three
 * regions (static, reserved for modules, dynamic), the unit each CPU gets, and how units are grouped
 * into allocations of whole atoms.
 *
 * @param staticSize   {@code static_size}: the kernel's static per-CPU variables
 * @param reservedSize {@code reserved_size}: kept for modules' static per-CPU variables
 * @param dynSize      {@code dyn_size}: free for dynamic per-CPU allocation
 * @param unitSize     {@code unit_size}: bytes per CPU
 * @param atomSize     {@code atom_size}: allocations are whole multiples of this
 * @param allocSize    {@code alloc_size}: one allocation's size
 * @param groups       the groups, each a run of units allocated together
 */
public record PcpuAllocInfo(long staticSize, long reservedSize, long dynSize, long unitSize, long atomSize,
                            long allocSize, List<Group> groups) {
    /** A unit with no CPU ({@code NR_CPUS} in the kernel's cpu_map). */
    public static final int NO_CPU = -1;

    /**
     * {@code struct pcpu_group_info}.
     *
     * @param baseOffset {@code base_offset}: the group's offset from the first chunk's base
     * @param cpuMap     {@code cpu_map[]}: the CPU of each unit, {@link #NO_CPU} for a spare unit
     */
    public record Group(long baseOffset, int[] cpuMap) {
        public Group {
            cpuMap = cpuMap.clone();
        }

        /** {@code nr_units}. */
        public int nrUnits() {
            return cpuMap.length;
        }

        @Override
        public int[] cpuMap() {
            return cpuMap.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Group g && baseOffset == g.baseOffset && Arrays.equals(cpuMap, g.cpuMap);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(baseOffset) * 31 + Arrays.hashCode(cpuMap);
        }

        @Override
        public String toString() {
            return "Group[base_offset=" + baseOffset + ", cpu_map=" + Arrays.toString(cpuMap) + "]";
        }
    }

    public PcpuAllocInfo {
        groups = List.copyOf(groups);
    }

    /** {@code static_size + reserved_size + dyn_size}: the used part of each unit. */
    public long sizeSum() {
        return staticSize + reservedSize + dynSize;
    }

    /** {@code nr_units} over all groups. */
    public int nrUnits() {
        return groups.stream().mapToInt(Group::nrUnits).sum();
    }

    /** Units per allocation: {@code alloc_size / unit_size}. */
    public int unitsPerAlloc() {
        return (int) (allocSize / unitSize);
    }
}
