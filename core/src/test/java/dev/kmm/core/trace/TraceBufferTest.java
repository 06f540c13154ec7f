package dev.kmm.core.trace;

import dev.kmm.core.gfp.Gfp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TraceBufferTest {
    private static final FtraceFormat RAW = FtraceFormat.defaults().withPointerStyle(FtraceFormat.PointerStyle.RAW);

    private static List<String> events(String trace) {
        return trace.lines().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void aTracedRunReadsLikeTheTraceFile() {
        MutableContext ctx = new MutableContext();
        TraceBuffer buf = new TraceBuffer(ctx, 2, 16);
        KmemTrace trace = new KmemTrace();
        trace.attach(buf);

        ctx.at(1, "bash", 4242, 1_000_000_000L);
        KmemTrace.mmPageAlloc(trace, 0x12345, 0, Gfp.GFP_KERNEL, 0);
        ctx.at(0, "kswapd0", 97, 999_000_000L);
        ctx.irqFlags = TraceContext.TRACE_FLAG_IRQS_OFF;
        ctx.preemptCount = 1;
        KmemTrace.mmPageFree(trace, 0x800, 3);
        ctx.irqFlags = 0;
        ctx.preemptCount = 0;
        ctx.at(1, "bash", 4242, 1_000_002_000L);
        KmemTrace.mmPageAlloc(trace, -1, 4, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_NOWARN, 1);

        String expected = """
                # tracer: nop
                #
                # entries-in-buffer/entries-written: 3/3   #P:2
                #
                #                                _-----=> irqs-off/BH-disabled
                #                               / _----=> need-resched
                #                              | / _---=> hardirq/softirq
                #                              || / _--=> preempt-depth
                #                              ||| / _-=> migrate-disable
                #                              |||| /     delay
                #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
                #              | |         |   |||||     |         |
                         kswapd0-97      [000] d..1.     0.999000: mm_page_free: page=ffffea0000020000 pfn=0x800 order=3
                            bash-4242    [001] .....     1.000000: mm_page_alloc: page=ffffea000048d140 pfn=0x12345 order=0 migratetype=0 gfp_flags=GFP_KERNEL
                            bash-4242    [001] .....     1.000002: mm_page_alloc: page=0000000000000000 pfn=0x0 order=4 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_NOWARN
                """;
        assertEquals(expected, buf.read(RAW));
    }

    @Test
    void fullRingsOverwriteTheirOldestEntries() {
        MutableContext ctx = new MutableContext();
        TraceBuffer buf = new TraceBuffer(ctx, 2, 2);
        for (int i = 0; i < 5; i++) {
            ctx.at(0, "a", 1, 1000L * i);
            buf.mmPageFree(i, 0);
        }
        ctx.at(1, "b", 2, 2500);
        buf.mmPageFreeBatched(99);
        assertEquals(3, buf.entriesInBuffer());
        assertEquals(6, buf.entriesWritten());
        String out = buf.read(RAW);
        assertEquals("# entries-in-buffer/entries-written: 3/6   #P:2", out.lines().toList().get(2));
        List<String> ev = events(out);
        assertEquals(3, ev.size());
        assertEquals(true, ev.get(0).endsWith("mm_page_free_batched: page=ffffea00000018c0 pfn=0x63 order=0"), ev.get(0));
        assertEquals(true, ev.get(1).endsWith("pfn=0x3 order=0"), ev.get(1));
        assertEquals(true, ev.get(2).endsWith("pfn=0x4 order=0"), ev.get(2));

        buf.clear();
        assertEquals(0, buf.entriesWritten());
        assertEquals(List.of(), events(buf.read(RAW)));
    }

    @Test
    void equalTimestampsGoLowestCpuFirst() {
        MutableContext ctx = new MutableContext();
        TraceBuffer buf = new TraceBuffer(ctx, 3, 4);
        ctx.at(2, "c", 3, 5000);
        buf.mmPageFree(2, 0);
        ctx.at(0, "a", 1, 5000);
        buf.mmPageFree(0, 0);
        ctx.at(1, "b", 2, 4000);
        buf.mmPageFree(1, 0);
        List<String> ev = events(buf.read(RAW));
        assertEquals(List.of("[001]", "[000]", "[002]"), ev.stream().map(l -> l.substring(l.indexOf('['), l.indexOf(']') + 1)).toList());
    }

    @Test
    void slabEventsKeepTheirArguments() {
        MutableContext ctx = new MutableContext();
        TraceBuffer buf = new TraceBuffer(ctx, 1, 8);
        buf.kmemCacheAlloc(0x10, 0xffff888100000000L, 24, 32, Gfp.GFP_KERNEL_ACCOUNT, 1, true);
        buf.kmalloc(0x20, 0xffff888100001000L, 100, 128, Gfp.GFP_ATOMIC, -1);
        buf.kfree(0x30, 0xffff888100001000L);
        buf.kmemCacheFree(0x40, 0xffff888100000000L, "dentry");
        List<String> ev = events(buf.read(RAW));
        assertEquals(List.of(
                "kmem_cache_alloc: call_site=0x10 ptr=ffff888100000000 bytes_req=24 bytes_alloc=32 gfp_flags=GFP_KERNEL_ACCOUNT node=1 accounted=true",
                "kmalloc: call_site=0x20 ptr=ffff888100001000 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_ATOMIC node=-1 accounted=false",
                "kfree: call_site=0x30 ptr=ffff888100001000",
                "kmem_cache_free: call_site=0x40 ptr=ffff888100000000 name=dentry"),
                ev.stream().map(l -> l.substring(l.indexOf(": ") + 2)).toList());
    }

    @Test
    void eventsOnAnUnknownCpuAreRefused() {
        MutableContext ctx = new MutableContext();
        TraceBuffer buf = new TraceBuffer(ctx, 2, 2);
        ctx.cpu = 2;
        assertThrows(IllegalStateException.class, () -> buf.mmPageFree(1, 0));
        assertEquals(0, buf.entriesWritten());
        assertThrows(IllegalArgumentException.class, () -> new TraceBuffer(ctx, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new TraceBuffer(ctx, 1, 0));
    }
}
