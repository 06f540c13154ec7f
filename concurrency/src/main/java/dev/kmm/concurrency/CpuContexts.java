package dev.kmm.concurrency;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.concurrency.locking.McsSpinlock;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The CPUs of a simulated machine, as contexts that threads enter before calling the allocators and leave
 * afterwards (the kernel's {@code preempt_disable(); cpu = smp_processor_id(); ... preempt_enable()}).
 *
 * <p>Rules, checked at {@link #enter}: a CPU context holds at most one thread, and a thread is inside at
 * most one CPU context (of any machine). Entering a CPU that another thread is inside is an error, not a
 * wait: two threads on one CPU would race on per-CPU data that the kernel touches without atomics, so it
 * is a bug in the caller's scheduling. Entering the CPU the thread is already inside is an error too.
 *
 * <p>Two modes run the same code:
 * <ul>
 * <li>{@link Mode#DETERMINISTIC}: one thread, the driver (the first to enter), runs every CPU, switching
 *     between them ({@link #switchTo}), e.g. a discrete-event simulator. Nothing runs concurrently, so the
 *     same inputs give the same results byte for byte, and a spinlock or seqcount that would have to wait
 *     for another CPU can never be released: the locks raise
 *     {@link dev.kmm.concurrency.locking.DeadlockException} instead of spinning.</li>
 * <li>{@link Mode#PARALLEL}: one thread per CPU, any number of threads.</li>
 * </ul>
 *
 * <p>Each CPU's per-CPU unit holds the queued spinlock's MCS nodes ({@code qnodes}), reserved here as the
 * kernel's static {@code DEFINE_PER_CPU_ALIGNED(struct qnode, qnodes[MAX_NODES])}.
 */
public final class CpuContexts {
    /** How threads map to CPUs. */
    public enum Mode {
        /** One thread drives every CPU in turn. */
        DETERMINISTIC,
        /** One thread per CPU, running concurrently. */
        PARALLEL
    }

    /** {@code CONFIG_NR_CPUS} of Debian's 6.1 amd64 config, the reference kernel. */
    public static final int DEFAULT_NR_CPUS = 8192;
    /**
     * The largest {@code NR_CPUS} kmm supports: the queued spinlock's tail keeps {@code cpu + 1} in 14 bits
     * (the {@code _Q_PENDING_BITS == 8} layout, chosen by the kernel when {@code NR_CPUS < 16K}).
     */
    public static final int MAX_NR_CPUS = (1 << 14) - 1;

    private static final VarHandle DRIVER;

    static {
        try {
            DRIVER = MethodHandles.lookup().findVarHandle(CpuContexts.class, "driver", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PerCpuAreas areas;
    private final Mode mode;
    private final boolean deterministic;
    private final int nrCpus;
    private final long qnodesPtr;
    private final Cpu[] cpus;
    private volatile Thread driver;

    /** One CPU context per unit of {@code areas}, with {@code NR_CPUS} = {@link #DEFAULT_NR_CPUS}. */
    public CpuContexts(PerCpuAreas areas, Mode mode) {
        this(areas, mode, DEFAULT_NR_CPUS);
    }

    /**
     * One CPU context per unit of {@code areas}.
     *
     * @param nrCpus {@code CONFIG_NR_CPUS}: the bound on possible CPUs, at most {@link #MAX_NR_CPUS}
     * @throws IllegalArgumentException if {@code areas} has more units than {@code nrCpus} allows, or the
     *                                  units have no room for the spinlock nodes
     */
    public CpuContexts(PerCpuAreas areas, Mode mode, int nrCpus) {
        this.areas = Objects.requireNonNull(areas, "areas");
        this.mode = Objects.requireNonNull(mode, "mode");
        if (nrCpus < 1 || nrCpus > MAX_NR_CPUS) {
            throw new IllegalArgumentException("NR_CPUS must be in [1, " + MAX_NR_CPUS
                    + "] (the spinlock tail holds cpu + 1 in 14 bits), got " + nrCpus);
        }
        if (areas.nrCpus() > nrCpus) {
            throw new IllegalArgumentException("nr_cpu_ids " + areas.nrCpus() + " exceeds NR_CPUS " + nrCpus);
        }
        this.deterministic = mode == Mode.DETERMINISTIC;
        this.nrCpus = nrCpus;
        this.qnodesPtr = areas.reserve(McsSpinlock.QNODE_SIZE * McsSpinlock.MAX_NODES, KernelConstants.L1_CACHE_BYTES);
        this.cpus = new Cpu[areas.nrCpus()];
        for (int id = 0; id < cpus.length; id++) {
            cpus[id] = new Cpu(this, id, areas.perCpuOffset(id), areas.unitSize(), areas.perCpuPtr(qnodesPtr, id));
        }
    }

    public Mode mode() {
        return mode;
    }

    /** Whether one thread drives every CPU ({@link Mode#DETERMINISTIC}). */
    public boolean deterministic() {
        return deterministic;
    }

    /** {@code CONFIG_NR_CPUS}. */
    public int nrCpus() {
        return nrCpus;
    }

    /** {@code nr_cpu_ids}: the number of CPU contexts. */
    public int nrCpuIds() {
        return cpus.length;
    }

    public PerCpuAreas areas() {
        return areas;
    }

    /** The handle of CPU {@code id}, without entering it. */
    public Cpu cpu(int id) {
        if (id < 0 || id >= cpus.length) {
            throw new IllegalArgumentException("no CPU " + id + ": nr_cpu_ids is " + cpus.length);
        }
        return cpus[id];
    }

    /** {@code per_cpu_ptr(ptr, cpu)}. */
    public long perCpuPtr(long ptr, int cpu) {
        return areas.perCpuPtr(ptr, cpu);
    }

    /** {@code per_cpu_ptr(&qnodes[0].mcs, cpu)}: CPU {@code cpu}'s MCS nodes, as {@code decode_tail} finds them. */
    public long qnodes(int cpu) {
        return cpu(cpu).qnodes();
    }

    /** The thread that drives this machine in deterministic mode, once one has entered a CPU; else null. */
    public Thread driver() {
        return (Thread) DRIVER.getVolatile(this);
    }

    /**
     * Enters CPU {@code id} on the calling thread and returns its handle; leave with {@link Cpu#exit()}
     * (or try-with-resources).
     *
     * @throws IllegalStateException if another thread is inside that CPU, the calling thread is already
     *                               inside a CPU context, or (deterministic mode) the calling thread is not
     *                               the driver
     */
    public Cpu enter(int id) {
        Cpu cpu = cpu(id);
        Thread me = Thread.currentThread();
        Cpu inside = Cpu.CURRENT.get();
        if (inside == cpu) {
            throw new IllegalStateException(String.format(
                    "%s re-enters %s, which it is already inside: exit it before entering again", Cpu.describe(me), cpu));
        }
        if (inside != null) {
            throw new IllegalStateException(String.format(
                    "%s is already inside %s%s: exit it before entering %s (a thread runs on one CPU at a time)",
                    Cpu.describe(me), inside, inside.contexts() == this ? "" : " of another machine", cpu));
        }
        if (deterministic) {
            Thread d = (Thread) DRIVER.compareAndExchange(this, (Thread) null, me);
            if (d != null && d != me) {
                throw new IllegalStateException(String.format(
                        "deterministic mode: %s drives every CPU, so %s may not enter %s", Cpu.describe(d), Cpu.describe(me), cpu));
            }
        }
        Thread seen = (Thread) Cpu.OCCUPANT.compareAndExchange(cpu, (Thread) null, me);
        if (seen != null) {
            throw new IllegalStateException(String.format(
                    "%s is occupied by %s, so %s may not enter it: a CPU context holds one thread at a time",
                    cpu, Cpu.describe(seen), Cpu.describe(me)));
        }
        Cpu.CURRENT.set(cpu);
        return cpu;
    }

    /**
     * Gives up the driver role of deterministic mode, so that the next thread to enter a CPU becomes the driver:
     * how the thread that booted the machine (and ran the boot CPU) hands it to the caller's thread. Does nothing
     * in parallel mode.
     *
     * @throws IllegalStateException if the calling thread is not the driver or is still inside one of its CPUs
     */
    public void releaseDriver() {
        if (!deterministic) {
            return;
        }
        Thread me = Thread.currentThread();
        Cpu inside = Cpu.CURRENT.get();
        if (inside != null && inside.contexts() == this) {
            throw new IllegalStateException(Cpu.describe(me) + " is inside " + inside + ": exit it before releasing the driver role");
        }
        Thread d = (Thread) DRIVER.compareAndExchange(this, me, (Thread) null);
        if (d != me && d != null) {
            throw new IllegalStateException(Cpu.describe(me) + " is not the driver (" + Cpu.describe(d) + " is)");
        }
    }

    /**
     * Leaves the CPU of this machine the calling thread is inside, if any, and enters CPU {@code id}: how a
     * deterministic driver moves from one CPU to the next. Returns the current CPU unchanged if it is
     * {@code id} already.
     */
    public Cpu switchTo(int id) {
        Cpu next = cpu(id);
        Cpu inside = Cpu.CURRENT.get();
        if (inside == next) {
            return next;
        }
        if (inside != null && inside.contexts() == this) {
            inside.exit();
        }
        return enter(id);
    }
}
