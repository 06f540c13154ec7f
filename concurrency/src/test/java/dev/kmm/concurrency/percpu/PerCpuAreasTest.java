package dev.kmm.concurrency.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** per_cpu_ptr arithmetic against the kernel's formula, reservations, and what bad geometry gets. */
class PerCpuAreasTest {
    static final long BASE = 0xffff888000000000L;
    static final long UNIT = 0x1000;
    static final long CHUNK = BASE + 0x4000;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ram = arena.allocate(0x10000, 4096);
    private final KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, ram));

    @AfterEach
    void close() {
        arena.close();
    }

    /**
     * The kernel's formula with its x86_64 values: {@code __per_cpu_start} is 0, {@code __per_cpu_offset[cpu]
     * = pcpu_base_addr - __per_cpu_start + pcpu_unit_offsets[cpu]}, {@code per_cpu_ptr = ptr + offset}.
     */
    private static long model(long ptr, long base, long unitOffset) {
        final long perCpuStart = 0;
        return ptr + (base - perCpuStart + unitOffset);
    }

    @Test
    void contiguousUnitsFollowTheKernelFormula() {
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, 4);
        assertEquals(4, areas.nrCpus());
        assertEquals(CHUNK, areas.baseVa());
        assertEquals(UNIT, areas.unitSize());
        SplittableRandom rnd = new SplittableRandom(7);
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(cpu * UNIT, areas.unitOffset(cpu));
            assertEquals(model(0, CHUNK, cpu * UNIT), areas.perCpuOffset(cpu));
            for (int i = 0; i < 100; i++) {
                long ptr = rnd.nextLong(UNIT);
                assertEquals(model(ptr, CHUNK, cpu * UNIT), areas.perCpuPtr(ptr, cpu));
            }
        }
    }

    @Test
    void explicitUnitOffsetsMayBeInAnyOrder() {
        long[] offsets = {0x3000, 0x0, 0x1000, 0x6000};
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, offsets);
        for (int cpu = 0; cpu < offsets.length; cpu++) {
            assertEquals(offsets[cpu], areas.unitOffset(cpu));
            assertEquals(model(0x123, CHUNK, offsets[cpu]), areas.perCpuPtr(0x123, cpu));
        }
    }

    @Test
    void eachCpuHasItsOwnCopy() {
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, new long[] {0x2000, 0x0, 0x1000});
        long counter = areas.reserve(8, 8);
        for (int cpu = 0; cpu < 3; cpu++) {
            mem.putLong(areas.perCpuPtr(counter, cpu), 100 + cpu);
        }
        for (int cpu = 0; cpu < 3; cpu++) {
            assertEquals(100 + cpu, mem.getLong(areas.perCpuPtr(counter, cpu)));
            assertEquals(100 + cpu, ram.get(ValueLayout.JAVA_LONG, CHUNK - BASE + areas.unitOffset(cpu) + counter));
        }
    }

    @Test
    void reservationsAreAlignedPackedAndZeroed() {
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, 2);
        ram.fill((byte) 0xaa);
        assertEquals(0, areas.reserve(4, 4));
        assertEquals(64, areas.reserve(8, 64));
        assertEquals(72, areas.reserve(1, 1));
        assertEquals(76, areas.reserve(4, 4));
        assertEquals(80, areas.reserved());
        for (int cpu = 0; cpu < 2; cpu++) {
            long unit = CHUNK - BASE + cpu * UNIT;
            for (long off = 0; off < 96; off++) {
                boolean reserved = off < 4 || (off >= 64 && off < 73) || (off >= 76 && off < 80);
                assertEquals(reserved ? 0 : (byte) 0xaa, ram.get(ValueLayout.JAVA_BYTE, unit + off),
                        "CPU " + cpu + " byte " + off);
            }
        }
    }

    @Test
    void aFullUnitRejectsAndKeepsItsReservations() {
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, 2);
        assertEquals(0, areas.reserve(UNIT - 16, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> areas.reserve(32, 8));
        assertEquals("per-CPU units are full: 32 bytes aligned 8 do not fit after the 4080 reserved of a 4096-byte unit",
                e.getMessage());
        assertEquals(UNIT - 16, areas.reserved());
        assertEquals(UNIT - 16, areas.reserve(16, 16));
        assertThrows(IllegalArgumentException.class, () -> areas.reserve(1, 1));
    }

    @Test
    void badReservationsAreRejected() {
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, 2);
        assertEquals("per-CPU alignment must be a power of two, got 24",
                assertThrows(IllegalArgumentException.class, () -> areas.reserve(8, 24)).getMessage());
        assertEquals("per-CPU reservation size must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> areas.reserve(0, 8)).getMessage());
        // Units 0x800 apart at an 0x800-aligned base cannot promise more than 0x800 alignment.
        PerCpuAreas odd = new PerCpuAreas(mem, CHUNK + 0x800, 0x800, 2);
        assertEquals(0, odd.reserve(8, 0x800));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> odd.reserve(8, 0x1000));
        assertEquals("per-CPU alignment 4096 exceeds the alignment of the units themselves (2048)", e.getMessage());
        assertEquals(0, areas.reserved());
    }

    @Test
    void badPointersAndCpusAreRejected() {
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, 2);
        assertEquals("CPU 2 has no per-CPU unit (nr_cpu_ids 2)",
                assertThrows(IllegalArgumentException.class, () -> areas.perCpuPtr(0, 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> areas.perCpuPtr(0, -1));
        assertEquals("0x1000 is not a percpu pointer: units are 0x1000 bytes",
                assertThrows(IllegalArgumentException.class, () -> areas.perCpuPtr(UNIT, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> areas.perCpuPtr(-1, 0));
        // A kernel VA is not a percpu pointer either.
        assertThrows(IllegalArgumentException.class, () -> areas.perCpuPtr(CHUNK, 0));
    }

    @Test
    void badGeometryIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PerCpuAreas(mem, CHUNK, UNIT, new long[] {0x0, 0x800}));
        assertEquals("units of CPU 0 (offset 0x0) and CPU 1 (offset 0x800) overlap: unit size is 0x1000",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PerCpuAreas(mem, CHUNK, UNIT, new long[] {0x2000, 0x2000}));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PerCpuAreas(mem, CHUNK, UNIT, 13));
        assertEquals("unit of CPU 12 [0xffff888000010000-0xffff888000011000) is not backed by simulated RAM",
                e.getMessage());
        assertEquals("per-CPU unit size must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> new PerCpuAreas(mem, CHUNK, 0, 2)).getMessage());
        assertEquals("per-CPU areas need at least one CPU, got 0",
                assertThrows(IllegalArgumentException.class, () -> new PerCpuAreas(mem, CHUNK, UNIT, 0)).getMessage());
        assertEquals("unit offset of CPU 1 is negative: -4096", assertThrows(IllegalArgumentException.class,
                () -> new PerCpuAreas(mem, CHUNK, UNIT, new long[] {0, -UNIT})).getMessage());
    }

    /** reserveUpTo keeps the bytes below the offset as they are and starts later reservations after it. */
    @Test
    void reserveUpToSkipsVariablesPlacedBeforehand() {
        PerCpuAreas areas = new PerCpuAreas(mem, CHUNK, UNIT, 2);
        mem.putLong(CHUNK + 0x100, 0x1234);
        areas.reserveUpTo(0x108);
        assertEquals(0x1234, mem.getLong(CHUNK + 0x100));
        assertEquals(0x140, areas.reserve(16, 64));
        areas.reserveUpTo(0x20); // never moves back
        assertEquals(0x150, areas.reserve(8, 8));
        assertThrows(IllegalArgumentException.class, () -> areas.reserveUpTo(UNIT + 1));
        assertThrows(IllegalArgumentException.class, () -> areas.reserveUpTo(-1));
    }
}
