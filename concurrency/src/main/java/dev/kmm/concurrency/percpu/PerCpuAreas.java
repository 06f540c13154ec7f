package dev.kmm.concurrency.percpu;

import dev.kmm.arena.KernelMemory;
import java.util.Arrays;
import java.util.Objects;

/**
 * The first per-CPU chunk: one unit per CPU, in simulated RAM, and the kernel's percpu pointer arithmetic
 * over it ({@code include/linux/percpu-defs.h}, {@code mm/percpu.c} of Linux 6.1).
 *
 * <p>A percpu pointer is not an address: it names a variable in the per-CPU section, and
 * {@code per_cpu_ptr(ptr, cpu) = ptr + __per_cpu_offset[cpu]} finds CPU {@code cpu}'s copy. The kernel sets
 * {@code __per_cpu_offset[cpu] = pcpu_base_addr - __per_cpu_start + pcpu_unit_offsets[cpu]}. kmm uses
 * x86_64's zero-based per-CPU section ({@code __per_cpu_start = 0}), so a percpu pointer is the variable's
 * offset inside a unit, and {@code __per_cpu_offset[cpu]} is the VA of CPU {@code cpu}'s unit.
 *
 * <p>The boot code allocates the chunk (from memblock, as {@code pcpu_embed_first_chunk} does) and hands its
 * base VA and unit geometry here. Variables are placed with {@link #reserve}, a bump allocator over the
 * unit standing in for the link-time layout of {@code DEFINE_PER_CPU} variables; mm/percpu.c's dynamic
 * allocator is not ported.
 */
public final class PerCpuAreas {
    private final KernelMemory mem;
    private final long baseVa;
    private final long unitSize;
    private final long[] unitOffsets;
    private final long[] perCpuOffset;
    /** The largest power of two every unit start is aligned to: the most {@link #reserve} can promise. */
    private final long unitAlign;
    private long reserved;

    /**
     * Units laid out back to back, {@code pcpu_unit_offsets[cpu] = cpu * unitSize}, as the embedding
     * allocator does for one group of CPUs.
     */
    public PerCpuAreas(KernelMemory mem, long baseVa, long unitSize, int nrCpus) {
        this(mem, baseVa, unitSize, contiguous(unitSize, nrCpus));
    }

    /**
     * Units at the given offsets from {@code baseVa} ({@code pcpu_unit_offsets}, one per CPU); each unit of
     * {@code unitSize} bytes must be mapped in {@code mem}, and no two may overlap.
     */
    public PerCpuAreas(KernelMemory mem, long baseVa, long unitSize, long[] unitOffsets) {
        this.mem = Objects.requireNonNull(mem, "mem");
        if (unitSize <= 0) {
            throw new IllegalArgumentException("per-CPU unit size must be positive, got " + unitSize);
        }
        if (unitOffsets.length == 0) {
            throw new IllegalArgumentException("per-CPU areas need at least one CPU");
        }
        this.baseVa = baseVa;
        this.unitSize = unitSize;
        this.unitOffsets = unitOffsets.clone();
        this.perCpuOffset = new long[unitOffsets.length];
        long starts = 0;
        for (int cpu = 0; cpu < unitOffsets.length; cpu++) {
            long off = unitOffsets[cpu];
            if (off < 0) {
                throw new IllegalArgumentException("unit offset of CPU " + cpu + " is negative: " + off);
            }
            long va = baseVa + off;
            if (!mem.isMapped(va, unitSize)) {
                throw new IllegalArgumentException(String.format(
                        "unit of CPU %d [0x%016x-0x%016x) is not backed by simulated RAM", cpu, va, va + unitSize));
            }
            perCpuOffset[cpu] = va;
            starts |= va;
        }
        this.unitAlign = starts == 0 ? Long.MAX_VALUE : Long.lowestOneBit(starts);
        checkDisjoint();
    }

    private static long[] contiguous(long unitSize, int nrCpus) {
        if (nrCpus <= 0) {
            throw new IllegalArgumentException("per-CPU areas need at least one CPU, got " + nrCpus);
        }
        long[] offsets = new long[nrCpus];
        for (int cpu = 0; cpu < nrCpus; cpu++) {
            offsets[cpu] = cpu * unitSize;
        }
        return offsets;
    }

    private void checkDisjoint() {
        Integer[] byStart = new Integer[unitOffsets.length];
        Arrays.setAll(byStart, i -> i);
        Arrays.sort(byStart, (a, b) -> Long.compare(unitOffsets[a], unitOffsets[b]));
        for (int i = 1; i < byStart.length; i++) {
            int a = byStart[i - 1], b = byStart[i];
            if (unitOffsets[b] - unitOffsets[a] < unitSize) {
                throw new IllegalArgumentException(String.format(
                        "units of CPU %d (offset 0x%x) and CPU %d (offset 0x%x) overlap: unit size is 0x%x",
                        a, unitOffsets[a], b, unitOffsets[b], unitSize));
            }
        }
    }

    /** {@code nr_cpu_ids}: the number of units. */
    public int nrCpus() {
        return unitOffsets.length;
    }

    /** {@code pcpu_base_addr}: the VA the unit offsets count from. */
    public long baseVa() {
        return baseVa;
    }

    /** {@code pcpu_unit_size}. */
    public long unitSize() {
        return unitSize;
    }

    /** {@code pcpu_unit_offsets[cpu]}. */
    public long unitOffset(int cpu) {
        return unitOffsets[checkCpu(cpu)];
    }

    /** {@code __per_cpu_offset[cpu]}: what {@code per_cpu_ptr} adds, here the VA of the CPU's unit. */
    public long perCpuOffset(int cpu) {
        return perCpuOffset[checkCpu(cpu)];
    }

    /** Bytes of every unit handed out by {@link #reserve} so far. */
    public synchronized long reserved() {
        return reserved;
    }

    /**
     * Places a {@code size}-byte per-CPU variable aligned to {@code align} in every unit, zeroed like a
     * {@code DEFINE_PER_CPU} variable, and returns its percpu pointer. Boot-time API.
     *
     * @throws IllegalArgumentException if the units have no room left, or are not aligned enough
     */
    public synchronized long reserve(long size, long align) {
        if (size <= 0) {
            throw new IllegalArgumentException("per-CPU reservation size must be positive, got " + size);
        }
        if (align <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("per-CPU alignment must be a power of two, got " + align);
        }
        if (align > unitAlign) {
            throw new IllegalArgumentException("per-CPU alignment " + align
                    + " exceeds the alignment of the units themselves (" + unitAlign + ")");
        }
        long ptr = (reserved + align - 1) & -align;
        if (ptr > unitSize - size) {
            throw new IllegalArgumentException(String.format(
                    "per-CPU units are full: %d bytes aligned %d do not fit after the %d reserved of a %d-byte unit",
                    size, align, reserved, unitSize));
        }
        for (long off : perCpuOffset) {
            mem.slice(off + ptr, size).fill((byte) 0);
        }
        reserved = ptr + size;
        return ptr;
    }

    /**
     * Marks the first {@code offset} bytes of every unit as taken by per-CPU variables that were placed by their
     * own offsets (the static per-CPU section, early allocations made before these areas were handed out), and
     * leaves those bytes as they are; later {@link #reserve}s start at or after {@code offset}. Boot-time API.
     *
     * @throws IllegalArgumentException if {@code offset} is negative or beyond the unit
     */
    public synchronized void reserveUpTo(long offset) {
        if (offset < 0 || offset > unitSize) {
            throw new IllegalArgumentException(String.format(
                    "per-CPU offset 0x%x is outside the 0x%x-byte units", offset, unitSize));
        }
        reserved = Math.max(reserved, offset);
    }

    /**
     * {@code per_cpu_ptr(ptr, cpu)}: the VA of CPU {@code cpu}'s copy of the per-CPU variable {@code ptr}.
     *
     * @throws IllegalArgumentException if {@code cpu} has no unit or {@code ptr} lies outside a unit
     */
    public long perCpuPtr(long ptr, int cpu) {
        if (Long.compareUnsigned(ptr, unitSize) >= 0) {
            throw new IllegalArgumentException(String.format(
                    "0x%x is not a percpu pointer: units are 0x%x bytes", ptr, unitSize));
        }
        return ptr + perCpuOffset[checkCpu(cpu)];
    }

    private int checkCpu(int cpu) {
        if (cpu < 0 || cpu >= perCpuOffset.length) {
            throw new IllegalArgumentException("CPU " + cpu + " has no per-CPU unit (nr_cpu_ids " + perCpuOffset.length + ")");
        }
        return cpu;
    }
}
