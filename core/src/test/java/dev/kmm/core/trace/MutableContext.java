package dev.kmm.core.trace;

/** A trace context the test sets field by field. */
final class MutableContext implements TraceContext {
    int cpu;
    int pid = 1;
    int tgid;
    String comm = "init";
    long ns;
    int irqFlags;
    int preemptCount;

    MutableContext at(int cpu, String comm, int pid, long ns) {
        this.cpu = cpu;
        this.comm = comm;
        this.pid = pid;
        this.ns = ns;
        return this;
    }

    @Override
    public int cpu() {
        return cpu;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public String comm() {
        return comm;
    }

    @Override
    public long timestampNs() {
        return ns;
    }

    @Override
    public int tgid() {
        return tgid;
    }

    @Override
    public int irqFlags() {
        return irqFlags;
    }

    @Override
    public int preemptCount() {
        return preemptCount;
    }
}
