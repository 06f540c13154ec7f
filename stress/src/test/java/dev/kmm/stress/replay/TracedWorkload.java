package dev.kmm.stress.replay;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.trace.FtraceFormat;
import dev.kmm.core.trace.TraceBuffer;
import dev.kmm.core.trace.TraceContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded allocate/free workload on every CPU of a kernel, traced through all its kmem tracepoints into an
 * ftrace buffer: the input of the round-trip tests. It mixes GFP classes and orders (a few of 9 and 10), frees
 * from other CPUs than the allocating one, a {@code free_unref_page_list()} batch, and order-10 allocations
 * until lowmem has none left (a traced failure); some blocks stay allocated at the end.
 */
public final class TracedWorkload {
    private static final int[] GFPS = {Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_ATOMIC,
        Gfp.GFP_USER | Gfp.__GFP_COMP, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO};

    /** The trace text and what the workload did. */
    public record Result(String trace, long allocations, long failures, long frees, long entries) {
    }

    private TracedWorkload() {
    }

    /** The CPU the driver is on, and a clock that ticks one microsecond per event (ftrace prints microseconds). */
    private static final class KmmContext implements TraceContext {
        private long ns = 100_000_000_000L;

        @Override
        public int cpu() {
            return Cpu.current().id();
        }

        @Override
        public int pid() {
            return 4242;
        }

        @Override
        public String comm() {
            return "workload";
        }

        @Override
        public long timestampNs() {
            return ns += 1000;
        }
    }

    /** Runs {@code ops} seeded operations on {@code k} (its CPUs left at the end) and returns the trace text. */
    public static Result run(Kernel k, long seed, int ops) {
        PageAlloc alloc = k.pageAlloc();
        TraceBuffer buffer = new TraceBuffer(new KmmContext(), k.cpus().nrCpuIds(), 1 << 15);
        Random rnd = new Random(seed);
        List<long[]> live = new ArrayList<>();
        long allocations = 0;
        long failures = 0;
        long frees = 0;
        Cpu cpu = null;
        try (var attachment = k.trace().attach(buffer)) {
            for (int i = 0; i < ops; i++) {
                cpu = k.cpus().switchTo(rnd.nextInt(k.cpus().nrCpuIds()));
                if (live.isEmpty() || rnd.nextInt(100) < 55) {
                    int r = rnd.nextInt(100);
                    int order = r < 70 ? 0 : r < 95 ? 1 + rnd.nextInt(3) : 9 + rnd.nextInt(2);
                    int gfp = GFPS[rnd.nextInt(GFPS.length)];
                    long page = alloc.allocPages(cpu, gfp | Gfp.__GFP_NOWARN, order);
                    allocations++;
                    if (page != 0) {
                        live.add(new long[] {page, order});
                    } else {
                        failures++;
                    }
                } else {
                    long[] b = live.remove(rnd.nextInt(live.size()));
                    alloc.__freePages(cpu, b[0], (int) b[1]);
                    frees++;
                }
            }

            // free_unref_page_list(): 6.1 traces mm_page_free and mm_page_free_batched for each page.
            cpu = k.cpus().switchTo(1 % k.cpus().nrCpuIds());
            long head = alloc.allocPages(cpu, Gfp.GFP_KERNEL, 0);
            long list = alloc.pageAddress(head);
            ListHead.init(k.memory(), list);
            for (int i = 0; i < 20; i++) {
                long p = alloc.allocPages(cpu, Gfp.GFP_KERNEL, 0);
                PageRef.setPageCount(k.memory(), p, 0); // release_pages() dropped the last reference
                ListHead.addTail(k.memory(), p + PageLayout.LRU, list);
            }
            alloc.freeUnrefPageList(list);
            alloc.__freePages(cpu, head, 0);
            allocations += 21;
            frees += 21;

            // Lowmem 4 MiB blocks until there are none: the last request fails in the slow path.
            cpu = k.cpus().switchTo(0);
            List<Long> big = new ArrayList<>();
            long page;
            while ((page = alloc.allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_NORETRY | Gfp.__GFP_NOWARN, 10)) != 0) {
                big.add(page);
            }
            allocations += big.size() + 1;
            failures++;
            for (long p : big) {
                alloc.__freePages(cpu, p, 10);
            }
            frees += big.size();
        } finally {
            if (cpu != null) {
                cpu.exit();
            }
        }
        if (buffer.entriesWritten() != buffer.entriesInBuffer()) {
            throw new IllegalStateException("the trace buffer overflowed: " + buffer.entriesWritten() + " written, "
                    + buffer.entriesInBuffer() + " kept");
        }
        String text = buffer.read(FtraceFormat.defaults().withPfnToPage(k.memoryModel()::pfnToPage));
        return new Result(text, allocations, failures, frees, buffer.entriesWritten());
    }
}
