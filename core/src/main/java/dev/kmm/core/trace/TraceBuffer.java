package dev.kmm.core.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * An ftrace ring buffer for kmem events that prints as {@code /sys/kernel/tracing/trace} does.
 *
 * <p>Like the kernel's, it keeps one ring per CPU in overwrite mode: a full ring drops its oldest entry
 * (counted in {@code entries-written} but no longer in {@code entries-in-buffer}). Entries are stored as
 * primitives in preallocated arrays, so recording an event allocates nothing; the text is built only
 * when the buffer is read, merging the CPUs' rings by timestamp (lowest CPU first on ties), as the
 * trace iterator does. The context of each entry (CPU, task, clock) comes from the {@link TraceContext}.
 *
 * <p>Each CPU's ring is written only from that CPU's context, so recording takes no lock, as in the
 * kernel. Read or clear the buffer while no CPU is recording (e.g. with the simulation paused).
 */
public final class TraceBuffer implements KmemListener {
    private static final int ARGS = 6;

    private final TraceContext context;
    private final Ring[] rings;

    /**
     * @param context       supplies CPU, task and timestamp of each event
     * @param nrCpus        the number of CPUs ({@code #P:} in the header); event CPUs must be below it
     * @param entriesPerCpu the capacity of each CPU's ring
     */
    public TraceBuffer(TraceContext context, int nrCpus, int entriesPerCpu) {
        this.context = Objects.requireNonNull(context, "context");
        if (nrCpus < 1) {
            throw new IllegalArgumentException("nrCpus must be >= 1, got " + nrCpus);
        }
        if (entriesPerCpu < 1) {
            throw new IllegalArgumentException("entriesPerCpu must be >= 1, got " + entriesPerCpu);
        }
        rings = new Ring[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            rings[i] = new Ring(entriesPerCpu);
        }
    }

    /** One CPU's ring buffer. */
    private static final class Ring {
        final byte[] event;
        final long[] ts;
        final int[] pid;
        final int[] tgid;
        final short[] flags;
        final String[] comm;
        final String[] name;
        final long[] args;
        long written;

        Ring(int capacity) {
            event = new byte[capacity];
            ts = new long[capacity];
            pid = new int[capacity];
            tgid = new int[capacity];
            flags = new short[capacity];
            comm = new String[capacity];
            name = new String[capacity];
            args = new long[capacity * ARGS];
        }

        int capacity() {
            return ts.length;
        }

        int size() {
            return (int) Math.min(written, capacity());
        }

        /** The slot of the i-th oldest entry still in the ring. */
        int slot(int i) {
            long first = written - size();
            return (int) ((first + i) % capacity());
        }
    }

    private void record(KmemEvent e, long a0, long a1, long a2, long a3, long a4, long a5, String name) {
        TraceContext c = context;
        int cpu = c.cpu();
        if (cpu < 0 || cpu >= rings.length) {
            throw new IllegalStateException("event on CPU " + cpu + " but the trace buffer has " + rings.length
                    + " CPUs");
        }
        Ring r = rings[cpu];
        int s = (int) (r.written % r.capacity());
        r.event[s] = (byte) e.ordinal();
        r.ts[s] = c.timestampNs();
        r.pid[s] = c.pid();
        r.tgid[s] = c.tgid();
        r.flags[s] = (short) ((c.irqFlags() & 0xff) | (c.preemptCount() & 0xff) << 8);
        r.comm[s] = c.comm();
        r.name[s] = name;
        int a = s * ARGS;
        r.args[a] = a0;
        r.args[a + 1] = a1;
        r.args[a + 2] = a2;
        r.args[a + 3] = a3;
        r.args[a + 4] = a4;
        r.args[a + 5] = a5;
        r.written++;
    }

    private static long gfpAndNode(int gfpFlags, int node) {
        return Integer.toUnsignedLong(gfpFlags) | (long) node << 32;
    }

    @Override
    public void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
        record(KmemEvent.MM_PAGE_ALLOC, pfn, order, Integer.toUnsignedLong(gfpFlags), migratetype, 0, 0, null);
    }

    @Override
    public void mmPageFree(long pfn, int order) {
        record(KmemEvent.MM_PAGE_FREE, pfn, order, 0, 0, 0, 0, null);
    }

    @Override
    public void mmPageFreeBatched(long pfn) {
        record(KmemEvent.MM_PAGE_FREE_BATCHED, pfn, 0, 0, 0, 0, 0, null);
    }

    @Override
    public void mmPageAllocZoneLocked(long pfn, int order, int migratetype, int percpuRefill) {
        record(KmemEvent.MM_PAGE_ALLOC_ZONE_LOCKED, pfn, order, migratetype, percpuRefill, 0, 0, null);
    }

    @Override
    public void mmPagePcpuDrain(long pfn, int order, int migratetype) {
        record(KmemEvent.MM_PAGE_PCPU_DRAIN, pfn, order, migratetype, 0, 0, 0, null);
    }

    @Override
    public void mmPageAllocExtfrag(long pfn, int allocOrder, int fallbackOrder, int allocMigratetype,
                                   int fallbackMigratetype, int changeOwnership) {
        record(KmemEvent.MM_PAGE_ALLOC_EXTFRAG, pfn, allocOrder, fallbackOrder, allocMigratetype,
                fallbackMigratetype, changeOwnership, null);
    }

    @Override
    public void kmemCacheAlloc(long callSite, long ptr, long bytesReq, long bytesAlloc, int gfpFlags, int node,
                               boolean accounted) {
        record(KmemEvent.KMEM_CACHE_ALLOC, callSite, ptr, bytesReq, bytesAlloc, gfpAndNode(gfpFlags, node),
                accounted ? 1 : 0, null);
    }

    @Override
    public void kmalloc(long callSite, long ptr, long bytesReq, long bytesAlloc, int gfpFlags, int node) {
        record(KmemEvent.KMALLOC, callSite, ptr, bytesReq, bytesAlloc, gfpAndNode(gfpFlags, node), 0, null);
    }

    @Override
    public void kfree(long callSite, long ptr) {
        record(KmemEvent.KFREE, callSite, ptr, 0, 0, 0, 0, null);
    }

    @Override
    public void kmemCacheFree(long callSite, long ptr, String name) {
        record(KmemEvent.KMEM_CACHE_FREE, callSite, ptr, 0, 0, 0, 0, Objects.requireNonNull(name, "name"));
    }

    /** The entries still in the buffer. */
    public long entriesInBuffer() {
        long n = 0;
        for (Ring r : rings) {
            n += r.size();
        }
        return n;
    }

    /** Every entry ever recorded since the last {@link #clear()}, overwritten ones included. */
    public long entriesWritten() {
        long n = 0;
        for (Ring r : rings) {
            n += r.written;
        }
        return n;
    }

    /** {@code echo > trace}: empties every ring. */
    public void clear() {
        for (Ring r : rings) {
            r.written = 0;
            Arrays.fill(r.comm, null);
            Arrays.fill(r.name, null);
        }
    }

    /** The {@code trace} file: header and one line per entry, oldest first. */
    public String read(FtraceFormat format) {
        StringBuilder sb = new StringBuilder();
        try {
            writeTo(sb, format);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringBuilder does not throw
        }
        return sb.toString();
    }

    /** Writes the {@code trace} file to {@code out}, a line at a time. */
    public void writeTo(Appendable out, FtraceFormat format) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        format.appendHeader(sb, entriesInBuffer(), entriesWritten(), rings.length);
        out.append(sb);
        int[] next = new int[rings.length];
        KmemEvent[] events = KmemEvent.values();
        while (true) {
            int cpu = -1;
            long best = 0;
            for (int i = 0; i < rings.length; i++) {
                Ring r = rings[i];
                if (next[i] < r.size()) {
                    long ts = r.ts[r.slot(next[i])];
                    if (cpu < 0 || Long.compareUnsigned(ts, best) < 0) {
                        cpu = i;
                        best = ts;
                    }
                }
            }
            if (cpu < 0) {
                return;
            }
            Ring r = rings[cpu];
            int s = r.slot(next[cpu]++);
            int a = s * ARGS;
            sb.setLength(0);
            KmemEvent e = events[r.event[s]];
            format.appendContext(sb, r.comm[s], r.pid[s], r.tgid[s], cpu, r.flags[s] & 0xff,
                    (r.flags[s] >>> 8) & 0xff, r.ts[s], e);
            format.appendEvent(sb, e, r.args[a], r.args[a + 1], r.args[a + 2], r.args[a + 3], r.args[a + 4],
                    r.args[a + 5], r.name[s]);
            sb.append('\n');
            out.append(sb);
        }
    }
}
