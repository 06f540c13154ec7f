package dev.kmm.core.trace;

/**
 * What ftrace records about the context of each event, supplied by the simulator at the moment the
 * event fires: the CPU, the running task and the clock. In deterministic mode the timestamps are the
 * simulator's, so two runs produce the same trace.
 */
public interface TraceContext {
    /** {@code TRACE_FLAG_IRQS_OFF}: interrupts were disabled. */
    int TRACE_FLAG_IRQS_OFF = 0x01;
    /** {@code TRACE_FLAG_IRQS_NOSUPPORT}: the arch cannot tell. */
    int TRACE_FLAG_IRQS_NOSUPPORT = 0x02;
    /** {@code TRACE_FLAG_NEED_RESCHED}: {@code TIF_NEED_RESCHED} was set. */
    int TRACE_FLAG_NEED_RESCHED = 0x04;
    /** {@code TRACE_FLAG_HARDIRQ}: in hard interrupt context. */
    int TRACE_FLAG_HARDIRQ = 0x08;
    /** {@code TRACE_FLAG_SOFTIRQ}: in softirq context. */
    int TRACE_FLAG_SOFTIRQ = 0x10;
    /** {@code TRACE_FLAG_PREEMPT_RESCHED}: the preempt count asked for a reschedule. */
    int TRACE_FLAG_PREEMPT_RESCHED = 0x20;
    /** {@code TRACE_FLAG_NMI}: in NMI context. */
    int TRACE_FLAG_NMI = 0x40;
    /** {@code TRACE_FLAG_BH_OFF}: bottom halves were disabled. */
    int TRACE_FLAG_BH_OFF = 0x80;

    /** The CPU the event fires on, 0-based. */
    int cpu();

    /** The running task's pid (0 for the idle task). */
    int pid();

    /** The running task's {@code comm}, or {@code <...>} when it is unknown. */
    String comm();

    /** The trace clock in nanoseconds. */
    long timestampNs();

    /** The task's tgid, printed with the {@code record-tgid} option; 0 when unknown. */
    default int tgid() {
        return 0;
    }

    /** {@code TRACE_FLAG_*} bits of the entry. */
    default int irqFlags() {
        return 0;
    }

    /** The entry's {@code preempt_count}: preempt depth in the low nibble, migrate-disable depth above. */
    default int preemptCount() {
        return 0;
    }
}
