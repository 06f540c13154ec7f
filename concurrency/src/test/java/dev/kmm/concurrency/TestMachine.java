package dev.kmm.concurrency;

import dev.kmm.arena.KernelMemory;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import java.lang.foreign.Arena;

/**
 * A small machine for tests: a shared arena mapped at the x86_64 direct map, per-CPU units of
 * {@link #UNIT} bytes from {@link #PERCPU}, and CPU contexts over them. Data for the tests lives below
 * {@link #PERCPU}.
 */
public final class TestMachine implements AutoCloseable {
    public static final long BASE = 0xffff888000000000L;
    public static final long PERCPU = BASE + 0x10000;
    public static final long UNIT = 0x1000;

    private final Arena arena = Arena.ofShared();
    public final KernelMemory mem;
    public final PerCpuAreas areas;
    public final CpuContexts cpus;

    public TestMachine(int nrCpus, CpuContexts.Mode mode) {
        mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE,
                arena.allocate(PERCPU - BASE + nrCpus * UNIT, 4096)));
        areas = new PerCpuAreas(mem, PERCPU, UNIT, nrCpus);
        cpus = new CpuContexts(areas, mode);
    }

    /** Frees the memory; a test that failed inside one of this machine's CPUs no longer counts as inside it. */
    @Override
    public void close() {
        Cpu inside = Cpu.CURRENT.get();
        if (inside != null && inside.contexts() == cpus) {
            Cpu.CURRENT.set(null);
        }
        arena.close();
    }
}
