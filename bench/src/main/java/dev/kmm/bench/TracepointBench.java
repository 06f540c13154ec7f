package dev.kmm.bench;

import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.gfp.GfpZones;
import dev.kmm.core.trace.FtraceFormat;
import dev.kmm.core.trace.KmemListener;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.trace.TraceBuffer;
import dev.kmm.core.trace.TraceContext;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a kmem tracepoint costs an allocation path: an allocation-like step (pop a pfn from a free stack,
 * derive zone and migratetype from the GFP mask, push it back) with the tracepoints of
 * {@code __alloc_pages()} and {@code __free_pages()} in it, against the same step with no tracepoint
 * call at all.
 *
 * <ul>
 * <li>{@code noTracepoint}: the step alone, the floor;</li>
 * <li>{@code tracingOff}: the step with {@code mm_page_alloc} and {@code mm_page_free} tracepoints and
 * nobody listening anywhere (static keys off), the case that must cost nothing;</li>
 * <li>{@code tracingOffHere}: another {@link KmemTrace} in the JVM has a listener (keys on), this one
 * has none: a volatile load and a branch per tracepoint;</li>
 * <li>{@code tracingOnCounter}: a listener that counts events (the cost of one enabled probe call);</li>
 * <li>{@code tracingOnBuffer}: a {@link TraceBuffer} recording each event with its context.</li>
 * </ul>
 * Scores are per alloc+free pair. Each benchmark has its own state, so a fork attaches only the
 * listeners its benchmark needs (the static keys are global to the JVM).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TracepointBench {
    private static final int PAGES = 256;

    /** An allocator-shaped loop body without tracepoints: the floor. */
    static final class Untraced {
        private final GfpZones zones = GfpZones.X86_64;
        private final long[] free = freeStack();
        private int top = PAGES;
        long zoneSum;

        long alloc(int gfp, int order) {
            long pfn = free[--top];
            zoneSum += zones.gfpZone(gfp);
            zoneSum += Gfp.gfpMigratetype(gfp);
            return pfn;
        }

        void freePage(long pfn, int order) {
            free[top++] = pfn;
        }
    }

    /** The same body with the tracepoints of {@code __alloc_pages()} and {@code __free_pages()}. */
    static final class Traced {
        private final KmemTrace trace;
        private final GfpZones zones = GfpZones.X86_64;
        private final long[] free = freeStack();
        private int top = PAGES;
        long zoneSum;

        Traced(KmemTrace trace) {
            this.trace = trace;
        }

        long alloc(int gfp, int order) {
            long pfn = free[--top];
            zoneSum += zones.gfpZone(gfp);
            int migratetype = Gfp.gfpMigratetype(gfp);
            zoneSum += migratetype;
            KmemTrace.mmPageAlloc(trace, pfn, order, gfp, migratetype);
            return pfn;
        }

        void freePage(long pfn, int order) {
            KmemTrace.mmPageFree(trace, pfn, order);
            free[top++] = pfn;
        }
    }

    private static long[] freeStack() {
        long[] free = new long[PAGES];
        for (int i = 0; i < PAGES; i++) {
            free[i] = 0x10000 + i;
        }
        return free;
    }

    /** Counts events; the least an enabled probe can do. */
    static final class Counter implements KmemListener {
        long events;

        @Override
        public void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
            events++;
        }

        @Override
        public void mmPageFree(long pfn, int order) {
            events++;
        }
    }

    /** A fixed CPU and task with a clock that ticks once per event. */
    static final class Clock implements TraceContext {
        long ns;

        @Override
        public int cpu() {
            return 0;
        }

        @Override
        public int pid() {
            return 1;
        }

        @Override
        public String comm() {
            return "bench";
        }

        @Override
        public long timestampNs() {
            return ns += 100;
        }
    }

    /** The floor: no tracepoint in the code. */
    @State(Scope.Thread)
    public static class Floor {
        final Untraced alloc = new Untraced();
    }

    /** No listener anywhere in the JVM: the static keys are off. */
    @State(Scope.Thread)
    public static class Off {
        final Traced alloc = new Traced(new KmemTrace());
    }

    /** Another machine in the JVM traces, so the keys are on; this machine has no listener. */
    @State(Scope.Thread)
    public static class OffHere {
        final Traced alloc = new Traced(new KmemTrace());
        final KmemTrace other = new KmemTrace();

        @Setup
        public void setup() {
            other.attach(new Counter());
        }
    }

    /** A counting listener on this machine. */
    @State(Scope.Thread)
    public static class Counted {
        final Counter counter = new Counter();
        Traced alloc;

        @Setup
        public void setup() {
            KmemTrace trace = new KmemTrace();
            trace.attach(counter);
            alloc = new Traced(trace);
        }
    }

    /** A trace buffer recording every event with its context. */
    @State(Scope.Thread)
    public static class Buffered {
        TraceBuffer buffer;
        Traced alloc;

        @Setup
        public void setup() {
            KmemTrace trace = new KmemTrace();
            buffer = new TraceBuffer(new Clock(), 1, 4096);
            trace.attach(buffer);
            alloc = new Traced(trace);
        }

        /** After the run, not during it: the buffer must have recorded and must render. */
        @TearDown
        public void check() {
            if (!buffer.read(FtraceFormat.defaults()).contains("mm_page_free: ")) {
                throw new IllegalStateException("trace buffer did not record its events");
            }
        }
    }

    private int gfp = Gfp.GFP_HIGHUSER_MOVABLE;

    private static long step(Traced a, int gfp) {
        long pfn = a.alloc(gfp, 0);
        a.freePage(pfn, 0);
        return pfn + a.zoneSum;
    }

    @Benchmark
    public long noTracepoint(Floor s) {
        Untraced a = s.alloc;
        long pfn = a.alloc(gfp, 0);
        a.freePage(pfn, 0);
        return pfn + a.zoneSum;
    }

    @Benchmark
    public long tracingOff(Off s) {
        return step(s.alloc, gfp);
    }

    @Benchmark
    public long tracingOffHere(OffHere s) {
        return step(s.alloc, gfp);
    }

    @Benchmark
    public long tracingOnCounter(Counted s) {
        return step(s.alloc, gfp) + s.counter.events;
    }

    @Benchmark
    public long tracingOnBuffer(Buffered s) {
        return step(s.alloc, gfp) + s.buffer.entriesWritten();
    }
}
