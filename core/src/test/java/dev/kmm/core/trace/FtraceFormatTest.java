package dev.kmm.core.trace;

import dev.kmm.core.gfp.Gfp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FtraceFormatTest {
    private static final FtraceFormat RAW = FtraceFormat.defaults().withPointerStyle(FtraceFormat.PointerStyle.RAW);

    private static String line(FtraceFormat f, String comm, int pid, int tgid, int cpu, int irq, int preempt, long ns,
                               KmemEvent e, long a0, long a1, long a2, long a3, long a4, long a5, String name) {
        StringBuilder sb = new StringBuilder();
        f.appendContext(sb, comm, pid, tgid, cpu, irq, preempt, ns, e);
        f.appendEvent(sb, e, a0, a1, a2, a3, a4, a5, name);
        return sb.toString();
    }

    @Test
    void headerMatchesARealTraceFile() {
        // Uladzislau Rezki, "cat /sys/kernel/debug/tracing/trace" on 5.17.0-rc2-next-20220201 (linux-mm,
        // May 2022); 6.1 prints the same header (print_func_help_header_irq()).
        StringBuilder sb = new StringBuilder();
        FtraceFormat.defaults().appendHeader(sb, 0, 0, 64);
        String real = Fixtures.read("rezki-5.17-empty-trace.txt");
        assertEquals(real, sb.toString());
    }

    @Test
    void headerVariants() {
        StringBuilder sb = new StringBuilder();
        FtraceFormat.defaults().withRecordTgid(true).appendHeader(sb, 5, 7, 2);
        assertTrue(sb.toString().contains("# entries-in-buffer/entries-written: 5/7   #P:2\n"));
        // print_func_help_header_irq() with record-tgid: "%.*s" takes 12 characters instead of 2.
        String space12 = " ".repeat(12);
        assertTrue(sb.toString().contains("#" + " ".repeat(28) + space12 + "  _-----=> irqs-off/BH-disabled\n"),
                sb.toString());
        assertTrue(sb.toString().contains("#" + " ".repeat(28) + space12 + "|||| /     delay\n"));
        assertTrue(sb.toString().contains("#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION\n"));
        assertTrue(sb.toString().contains("#              | |    " + "       |    " + "   |   |||||     |         |\n"));
        sb.setLength(0);
        FtraceFormat.defaults().withIrqInfo(false).withTracer("function").appendHeader(sb, 0, 0, 1);
        assertEquals("# tracer: function\n#\n# entries-in-buffer/entries-written: 0/0   #P:1\n#\n"
                + "#           TASK-PID     CPU#     TIMESTAMP  FUNCTION\n"
                + "#              | |         |         |         |\n", sb.toString());
    }

    @Test
    void contextAndEventMatchARealCaptureLine() {
        // Brian Foster's 5.18-rc mm_page_free line; everything but the per-boot pointer hash must match.
        String real = Fixtures.read("foster-5.18-mm_page_free.txt").lines()
                .filter(l -> l.contains("mm_page_free")).findFirst().orElseThrow();
        String ours = line(RAW, "kworker/10:1", 440, 0, 10, 0, 0, 355_369_905_000L, KmemEvent.MM_PAGE_FREE,
                0x182190, 2, 0, 0, 0, 0, null);
        assertEquals(real.replace("page=00000000dc8c03bd", "page=ffffea0006086400"), ours);
    }

    @Test
    void pageEventsInThe61Formats() {
        assertEquals("           <...>-1234    [001] .....   123.456789: mm_page_alloc: page=ffffea000048d140"
                + " pfn=0x12345 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO",
                line(RAW, "<...>", 1234, 0, 1, 0, 0, 123_456_789_000L, KmemEvent.MM_PAGE_ALLOC,
                        0x12345, 0, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_ZERO, 1, 0, 0, null));
        assertEquals("            init-1       [000] .....     0.000002: mm_page_alloc: page=0000000000000000"
                + " pfn=0x0 order=9 migratetype=1 gfp_flags=none",
                line(RAW, "init", 1, 0, 0, 0, 0, 1_500, KmemEvent.MM_PAGE_ALLOC, -1, 9, 0, 1, 0, 0, null));
        assertEquals("mm_page_free_batched: page=ffffea0000000040 pfn=0x1 order=0",
                body(KmemEvent.MM_PAGE_FREE_BATCHED, 1, 0, 0, 0, 0, 0, null));
        assertEquals("mm_page_alloc_zone_locked: page=ffffea0000000080 pfn=0x2 order=3 migratetype=2 percpu_refill=1",
                body(KmemEvent.MM_PAGE_ALLOC_ZONE_LOCKED, 2, 3, 2, 1, 0, 0, null));
        assertEquals("mm_page_alloc_zone_locked: page=0000000000000000 pfn=0x0 order=0 migratetype=0 percpu_refill=0",
                body(KmemEvent.MM_PAGE_ALLOC_ZONE_LOCKED, -1, 0, 0, 0, 0, 0, null));
        assertEquals("mm_page_pcpu_drain: page=ffffea00000000c0 pfn=0x3 order=0 migratetype=1",
                body(KmemEvent.MM_PAGE_PCPU_DRAIN, 3, 0, 1, 0, 0, 0, null));
        assertEquals("mm_page_alloc_extfrag: page=ffffea0000000100 pfn=0x4 alloc_order=0 fallback_order=3"
                + " pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=1 change_ownership=0",
                body(KmemEvent.MM_PAGE_ALLOC_EXTFRAG, 4, 0, 3, 0, 1, 0, null));
        assertEquals("mm_page_alloc_extfrag: page=ffffea0000000100 pfn=0x4 alloc_order=9 fallback_order=9"
                + " pageblock_order=9 alloc_migratetype=1 fallback_migratetype=0 fragmenting=0 change_ownership=1",
                body(KmemEvent.MM_PAGE_ALLOC_EXTFRAG, 4, 9, 9, 1, 0, 1, null));
    }

    private static String body(KmemEvent e, long a0, long a1, long a2, long a3, long a4, long a5, String name) {
        String l = line(RAW, "x", 1, 0, 0, 0, 0, 0, e, a0, a1, a2, a3, a4, a5, name);
        return l.substring(l.indexOf(e.eventName() + ": "));
    }

    @Test
    void slabEvents() {
        long gfpNode = Integer.toUnsignedLong(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO) | (long) -1 << 32;
        assertEquals("kmalloc: call_site=0xffffffff81234567 ptr=ffff888100a4c000 bytes_req=100 bytes_alloc=128"
                + " gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false",
                body(KmemEvent.KMALLOC, 0xffffffff81234567L, 0xffff888100a4c000L, 100, 128, gfpNode, 0, null));
        long account = Integer.toUnsignedLong(Gfp.GFP_KERNEL_ACCOUNT);
        assertTrue(body(KmemEvent.KMALLOC, 1, 2, 3, 4, account, 0, null).endsWith("node=0 accounted=true"));
        String noKmem = line(RAW.withMemcgKmem(false), "x", 1, 0, 0, 0, 0, 0, KmemEvent.KMALLOC, 1, 2, 3, 4, account,
                0, null);
        assertTrue(noKmem.endsWith("accounted=false"), noKmem);
        assertEquals("kmem_cache_alloc: call_site=0x10 ptr=ffff888100a4c000 bytes_req=24 bytes_alloc=32"
                + " gfp_flags=GFP_KERNEL node=1 accounted=true",
                body(KmemEvent.KMEM_CACHE_ALLOC, 0x10, 0xffff888100a4c000L, 24, 32,
                        Integer.toUnsignedLong(Gfp.GFP_KERNEL) | 1L << 32, 1, null));
        assertEquals("kfree: call_site=0x10 ptr=0000000000000000", body(KmemEvent.KFREE, 0x10, 0, 0, 0, 0, 0, null));
        String named = line(RAW.withSymbolizer(a -> "kfree_skb+0x2b/0x60"), "x", 1, 0, 0, 0, 0, 0,
                KmemEvent.KMEM_CACHE_FREE, 0x10, 0xffff888100a4c000L, 0, 0, 0, 0, "skbuff_head_cache");
        assertTrue(named.endsWith("kmem_cache_free: call_site=kfree_skb+0x2b/0x60 ptr=ffff888100a4c000"
                + " name=skbuff_head_cache"), named);
    }

    @Test
    void pointerStyles() {
        StringBuilder sb = new StringBuilder();
        FtraceFormat hashed = FtraceFormat.defaults();
        hashed.appendPointer(sb, 0xffffea0000000040L);
        String h = sb.toString();
        assertTrue(h.matches("00000000[0-9a-f]{8}"), h);
        assertEquals(String.format("%016x", SipHash.siphash1u64(0xffffea0000000040L, 0x0706050403020100L,
                0x0f0e0d0c0b0a0908L) & 0xffffffffL), h);
        sb.setLength(0);
        hashed.withHashKey(1, 2).appendPointer(sb, 0xffffea0000000040L);
        assertTrue(!sb.toString().equals(h), "another boot key, another hash");
        sb.setLength(0);
        hashed.appendPointer(sb, 0);
        hashed.appendPointer(sb, -12); // ERR_PTR(-ENOMEM) is printed as it is
        assertEquals("0000000000000000fffffffffffffff4", sb.toString());
        sb.setLength(0);
        hashed.withPointerStyle(FtraceFormat.PointerStyle.PTRVAL).appendPointer(sb, 0x1000);
        assertEquals("(____ptrval____)", sb.toString());
        sb.setLength(0);
        FtraceFormat arm = hashed.withPointerBytes(4);
        arm.withPointerStyle(FtraceFormat.PointerStyle.PTRVAL).appendPointer(sb, 0x1000);
        arm.withPointerStyle(FtraceFormat.PointerStyle.RAW).appendPointer(sb, 0xef7fd000L);
        arm.appendPointer(sb, 0);
        assertEquals("(ptrval)ef7fd00000000000", sb.toString());
        sb.setLength(0);
        arm.appendPointer(sb, 0xef7fd000L);
        assertEquals(String.format("%08x", SipHash.siphash1u32(0xef7fd000, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L)
                & 0xffffffffL), sb.toString());
        assertThrows(IllegalArgumentException.class, () -> hashed.withPointerBytes(2));
    }

    @Test
    void latencyFlagsAndTgidColumns() {
        FtraceFormat f = RAW.withRecordTgid(true);
        String l = line(f, "sh", 113, 0, 4, TraceContext.TRACE_FLAG_IRQS_OFF, 1, 6_467_444_000L,
                KmemEvent.MM_PAGE_FREE, 1, 0, 0, 0, 0, 0, null);
        assertTrue(l.startsWith("              sh-113     (-------) [004] d..1.     6.467444: mm_page_free: "), l);
        l = line(f, "sh", 113, 113, 4, TraceContext.TRACE_FLAG_IRQS_OFF | TraceContext.TRACE_FLAG_BH_OFF
                | TraceContext.TRACE_FLAG_NEED_RESCHED | TraceContext.TRACE_FLAG_PREEMPT_RESCHED
                | TraceContext.TRACE_FLAG_NMI | TraceContext.TRACE_FLAG_HARDIRQ, 0xff, 6_467_444_000L,
                KmemEvent.MM_PAGE_FREE, 1, 0, 0, 0, 0, 0, null);
        assertTrue(l.startsWith("              sh-113     (    113) [004] DNZff     6.467444: "), l);
        String[][] cases = {
            {"b....", Integer.toString(TraceContext.TRACE_FLAG_BH_OFF), "0"},
            {"X....", Integer.toString(TraceContext.TRACE_FLAG_IRQS_NOSUPPORT), "0"},
            {".n...", Integer.toString(TraceContext.TRACE_FLAG_NEED_RESCHED), "0"},
            {".p...", Integer.toString(TraceContext.TRACE_FLAG_PREEMPT_RESCHED), "0"},
            {"..z..", Integer.toString(TraceContext.TRACE_FLAG_NMI), "0"},
            {"..H..", Integer.toString(TraceContext.TRACE_FLAG_HARDIRQ | TraceContext.TRACE_FLAG_SOFTIRQ), "0"},
            {"..h..", Integer.toString(TraceContext.TRACE_FLAG_HARDIRQ), "0"},
            {"..s2.", Integer.toString(TraceContext.TRACE_FLAG_SOFTIRQ), "2"},
            {"....1", "0", "16"},
        };
        for (String[] c : cases) {
            String s = line(RAW, "a", 1, 0, 0, Integer.parseInt(c[1]), Integer.parseInt(c[2]), 0,
                    KmemEvent.MM_PAGE_FREE, 1, 0, 0, 0, 0, 0, null);
            assertEquals(c[0], s.substring(s.indexOf("] ") + 2, s.indexOf("] ") + 7), c[0]);
        }
    }

    @Test
    void commIsCutToTaskCommLenAndTimestampsRound() {
        assertTrue(line(RAW, null, 5, 0, 0, 0, 0, 0, KmemEvent.MM_PAGE_FREE, 1, 0, 0, 0, 0, 0, null)
                .startsWith("           <...>-5       [000] "));
        String l = line(RAW, "a-very-long-task-name", 7, 0, 0, 0, 0, 999_999_500L, KmemEvent.MM_PAGE_FREE,
                1, 0, 0, 0, 0, 0, null);
        assertTrue(l.startsWith(" a-very-long-tas-7       [000] .....     1.000000: "), l);
        l = line(RAW, "a", 1234567, 0, 123, 0, 0, 123_456_789_123_456L, KmemEvent.MM_PAGE_FREE, 1, 0, 0, 0, 0, 0, null);
        assertTrue(l.startsWith("               a-1234567 [123] ..... 123456.789123: "), l);
        l = line(RAW.withIrqInfo(false), "a", 1, 0, 0, 0, 0, 0, KmemEvent.MM_PAGE_FREE, 1, 0, 0, 0, 0, 0, null);
        assertTrue(l.startsWith("               a-1       [000]      0.000000: mm_page_free: "), l);
    }
}
