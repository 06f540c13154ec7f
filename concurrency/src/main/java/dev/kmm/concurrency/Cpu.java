package dev.kmm.concurrency;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One CPU context of a simulated machine: the handle that code running "on CPU {@code id}" passes down the
 * allocator paths, as the kernel finds {@code smp_processor_id()} and {@code this_cpu_ptr} from the CPU it
 * runs on. A thread gets it from {@link CpuContexts#enter} and gives it back with {@link #exit}; while
 * inside, it owns this CPU's per-CPU data and may touch it without atomics, as the kernel does with
 * preemption disabled.
 *
 * <p>Handing a CPU from one thread to the next orders memory: {@link #exit} publishes with a release store
 * and {@code enter} takes the CPU with a compare-and-set, so the next occupant sees every per-CPU write
 * of the previous one.
 */
public final class Cpu implements AutoCloseable {
    /** The CPU context the current thread is inside, or null: {@link #current()}. */
    static final ThreadLocal<Cpu> CURRENT = new ThreadLocal<>();
    static final VarHandle OCCUPANT;

    static {
        try {
            OCCUPANT = MethodHandles.lookup().findVarHandle(Cpu.class, "occupant", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Spins between host yields in {@link #cpuRelax}: a few microseconds, longer than the allocator's
     * critical sections. Measured on 2 host cores with 4 CPU threads, 100,000 lock rounds each: 1024 spins
     * per yield took over 20 s (each MCS hand-over waited for the host to run the next waiter), 64 took 2-3 s.
     */
    private static final int SPINS_PER_YIELD = 64;

    private final CpuContexts contexts;
    private final int id;
    private final long perCpuOffset;
    private final long unitSize;
    private final long qnodes;
    private volatile Thread occupant;

    Cpu(CpuContexts contexts, int id, long perCpuOffset, long unitSize, long qnodes) {
        this.contexts = contexts;
        this.id = id;
        this.perCpuOffset = perCpuOffset;
        this.unitSize = unitSize;
        this.qnodes = qnodes;
    }

    /** {@code smp_processor_id()}. */
    public int id() {
        return id;
    }

    /** The machine this CPU belongs to. */
    public CpuContexts contexts() {
        return contexts;
    }

    /** {@code __per_cpu_offset[id]}. */
    public long perCpuOffset() {
        return perCpuOffset;
    }

    /**
     * {@code this_cpu_ptr(ptr)}: the VA of this CPU's copy of the per-CPU variable {@code ptr}.
     *
     * @throws IllegalArgumentException if {@code ptr} lies outside a per-CPU unit
     */
    public long thisCpuPtr(long ptr) {
        if (Long.compareUnsigned(ptr, unitSize) >= 0) {
            throw new IllegalArgumentException(String.format(
                    "0x%x is not a percpu pointer: units are 0x%x bytes", ptr, unitSize));
        }
        return ptr + perCpuOffset;
    }

    /** {@code this_cpu_ptr(&qnodes[0].mcs)}: this CPU's queued-spinlock MCS nodes. */
    public long qnodes() {
        return qnodes;
    }

    /** The thread inside this CPU context, or null. */
    public Thread occupant() {
        return (Thread) OCCUPANT.getVolatile(this);
    }

    /**
     * Leaves this CPU context; the calling thread must be inside it.
     *
     * @throws IllegalStateException if the calling thread is not inside this CPU
     */
    public void exit() {
        Thread me = Thread.currentThread();
        Thread occ = occupant();
        if (occ != me) {
            throw new IllegalStateException(String.format("%s exits %s, which it is not inside (%s)",
                    describe(me), this, occ == null ? "the CPU is free" : "occupied by " + describe(occ)));
        }
        CURRENT.set(null);
        OCCUPANT.setRelease(this, null);
    }

    /** {@link #exit()}, for try-with-resources around {@link CpuContexts#enter}. */
    @Override
    public void close() {
        exit();
    }

    /**
     * The CPU context the calling thread is inside: a convenience for code far from the hot paths, which
     * pass their {@code Cpu} down explicitly instead.
     *
     * @throws IllegalStateException if the thread is inside none
     */
    public static Cpu current() {
        Cpu cpu = CURRENT.get();
        if (cpu == null) {
            throw new IllegalStateException("smp_processor_id() outside a CPU context: "
                    + describe(Thread.currentThread()) + " has entered none");
        }
        return cpu;
    }

    /**
     * {@code cpu_relax()} in a spin loop, {@code spins} being the loop's iteration count. A CPU context's
     * thread can be descheduled by the host, which a real CPU spinning with preemption off cannot, so every
     * {@value #SPINS_PER_YIELD}th relax yields the host CPU to whichever thread the spinner waits for.
     */
    public static void cpuRelax(int spins) {
        if ((spins & (SPINS_PER_YIELD - 1)) == SPINS_PER_YIELD - 1) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    static String describe(Thread t) {
        return "thread '" + t.getName() + "' (#" + t.threadId() + ")";
    }

    @Override
    public String toString() {
        return "CPU " + id;
    }
}
