package dev.kmm.core.trace;

import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.gfp.GfpFlagNames;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceParserTest {
    private final TraceParser strict = TraceParser.strict();

    @Test
    void modernCaptureOfBrianFoster() {
        List<PageTraceRecord> rs = strict.parse(Fixtures.read("foster-5.18-mm_page_free.txt"));
        assertEquals(1, rs.size(), "the iomap events are not page events");
        PageTraceRecord r = rs.get(0);
        assertEquals(4, r.lineNumber());
        assertEquals("kworker/10:1", r.task());
        assertEquals(440, r.pid());
        assertEquals(-1, r.tgid());
        assertEquals(10, r.cpu());
        assertEquals(".....", r.latencyFlags());
        assertEquals(355_369_905_000L, r.timestampNs());
        assertEquals(KmemEvent.MM_PAGE_FREE, r.event());
        assertEquals("00000000dc8c03bd", r.page());
        assertEquals(0x182190, r.pfn());
        assertEquals(2, r.order());
        assertEquals(-1, r.migratetype());
        assertNull(r.gfpText());
    }

    @Test
    void fiveXCaptureWithDecimalPfnsAndAnExtraField() {
        List<PageTraceRecord> rs = strict.parse(Fixtures.read("kim-5.x-mm_page_alloc.txt"));
        assertEquals(9, rs.size());
        PageTraceRecord first = rs.get(0);
        assertEquals("<...>", first.task());
        assertEquals(22275, first.pid());
        assertEquals("....", first.latencyFlags());
        assertEquals(970744, first.pfn());
        assertEquals(0, first.migratetype());
        assertEquals(Gfp.GFP_HIGHUSER | Gfp.__GFP_ZERO, first.gfpFlags());
        assertEquals(889_213_383_000L, first.timestampNs());
        PageTraceRecord failed = rs.get(8);
        assertEquals("kswapd0", failed.task());
        assertEquals("...1", failed.latencyFlags());
        assertEquals("(null)", failed.page());
        assertEquals(-1, failed.pfn(), "a NULL page is a failed allocation");
        assertEquals(Gfp.GFP_NOWAIT | Gfp.__GFP_HIGHMEM | Gfp.__GFP_NOWARN | Gfp.__GFP_MOVABLE, failed.gfpFlags());
    }

    @Test
    void oldCaptureWithoutFlagsColumn() {
        List<PageTraceRecord> rs = strict.parse(Fixtures.read("morton-2.6.33-mm_page_free_direct.txt"));
        assertEquals(5, rs.size());
        assertEquals(List.of(KmemEvent.MM_PAGE_FREE, KmemEvent.MM_PAGE_FREE, KmemEvent.MM_PAGE_ALLOC,
                KmemEvent.MM_PAGE_FREE, KmemEvent.MM_PAGE_FREE), rs.stream().map(PageTraceRecord::event).toList());
        PageTraceRecord alloc = rs.get(2);
        assertEquals("gnome-terminal", alloc.task());
        assertNull(alloc.latencyFlags());
        assertEquals("ffffea0003db9f40", alloc.page());
        assertEquals(1155800, alloc.pfn());
        assertEquals(Gfp.GFP_KERNEL, alloc.gfpFlags());
        assertEquals(4415_246_506_000L, alloc.timestampNs());
    }

    @Test
    void whatTheTraceBufferWritesReadsBack() {
        SplittableRandom rnd = new SplittableRandom(7);
        MutableContext ctx = new MutableContext();
        TraceBuffer buf = new TraceBuffer(ctx, 4, 1000);
        String[] comms = {"<...>", "kworker/u8:2", "Web Content", "a-b-1 c", "swapper/3"};
        long[][] want = new long[600][];
        for (int i = 0; i < want.length; i++) {
            int cpu = rnd.nextInt(4);
            ctx.at(cpu, comms[rnd.nextInt(comms.length)], rnd.nextInt(1, 4_194_304), 1_000L * i);
            long pfn = rnd.nextInt(8) == 0 ? -1 : rnd.nextLong(1L << 40);
            int order = rnd.nextInt(11);
            int gfp = rnd.nextInt() & Gfp.__GFP_BITS_MASK;
            int kind = rnd.nextInt(3);
            switch (kind) {
                case 0 -> buf.mmPageAlloc(pfn, order, gfp, Gfp.gfpMigratetype(gfp));
                case 1 -> buf.mmPageFree(Math.max(pfn, 0), order);
                default -> buf.mmPageFreeBatched(Math.max(pfn, 0));
            }
            want[i] = new long[] {kind, cpu, ctx.pid, kind == 0 ? pfn : Math.max(pfn, 0), kind == 2 ? 0 : order,
                kind == 0 ? gfp : -1, 1_000L * i};
        }
        for (FtraceFormat f : List.of(FtraceFormat.defaults(), FtraceFormat.defaults().withRecordTgid(true),
                FtraceFormat.defaults().withIrqInfo(false),
                FtraceFormat.defaults().withPointerStyle(FtraceFormat.PointerStyle.PTRVAL))) {
            String text = buf.read(f);
            long header = text.lines().takeWhile(l -> l.startsWith("#")).count();
            List<PageTraceRecord> rs = strict.parse(text);
            assertEquals(want.length, rs.size());
            for (int i = 0; i < want.length; i++) {
                PageTraceRecord r = rs.get(i);
                long[] w = want[i];
                String what = "entry " + i + " line " + r.lineNumber();
                assertEquals(KmemEvent.values()[(int) w[0]], r.event(), what);
                assertEquals(w[1], r.cpu(), what);
                assertEquals(w[2], r.pid(), what);
                assertEquals(w[3], r.pfn(), what);
                assertEquals(w[4], r.order(), what);
                assertEquals(w[5], r.gfpFlags(), what);
                assertEquals(w[6], r.timestampNs(), what);
                assertEquals(header + i + 1, r.lineNumber(), "the header lines come first");
            }
        }
    }

    @Test
    void tgidColumnsAndPointerForms() {
        PageTraceRecord r = strict.parseLine("            bash-1234    (   1230) [001] d..1.   123.456789: "
                + "mm_page_alloc: page=(____ptrval____) pfn=0x10 order=1 migratetype=2 gfp_flags=GFP_KERNEL", 7);
        assertEquals(1230, r.tgid());
        assertEquals("(____ptrval____)", r.page());
        assertEquals(16, r.pfn());
        assertEquals(2, r.migratetype());
        r = strict.parseLine("            bash-1234    (-------) [001] .....   123.456789: mm_page_free_batched: "
                + "page=0xffffea0000000400 pfn=0x10 order=0", 8);
        assertEquals(0, r.tgid());
        assertEquals(KmemEvent.MM_PAGE_FREE_BATCHED, r.event());
        r = strict.parseLine("  <idle>-0     [000] ..s.  10.5: mm_page_alloc: page=0000000000000000 pfn=0x0 "
                + "order=0 migratetype=0 gfp_flags=GFP_ATOMIC", 1);
        assertEquals(-1, r.pfn());
        assertEquals(10_500_000_000L, r.timestampNs());
        assertEquals("<idle>", r.task());
    }

    @Test
    void nonEventLinesAreSkipped() {
        String text = """
                # tracer: nop
                CPU:3 [LOST 1834 EVENTS]
                   <...>-3094982 [004] ...1 77212.233931: mm_page_free: page=0000000061b2fc33 pfn=1844202 order=0
                   <...>-3094982 [004] ...1 77212.233934: <stack trace>
                 => trace_event_raw_event_mm_page_free
                 => free_pcp_prepare

                          <idle>-0       [002] d.h1.  100.000000: sched_waking: comm=rcu_sched pid=14 prio=120 target_cpu=002
                """;
        List<PageTraceRecord> rs = strict.parse(text);
        assertEquals(1, rs.size());
        assertEquals(3, rs.get(0).lineNumber());
        assertEquals(1844202, rs.get(0).pfn());
    }

    @Test
    void unparseableLinesNameTheirLineNumber() {
        String text = "# tracer: nop\n            bash-1 [000] .....  1.0: mm_page_free: page=0 pfn=0x1 order=0\n"
                + "this is not a trace line\n";
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> strict.parse(text));
        assertEquals(3, e.lineNumber());
        assertEquals("this is not a trace line", e.line());
        assertTrue(e.getMessage().startsWith("line 3: not an ftrace event line"), e.getMessage());

        String noPfn = "bash-1 [000] .....  1.0: mm_page_free: page=0 order=0";
        assertTrue(assertThrows(TraceFormatException.class, () -> strict.parseLine(noPfn, 9)).getMessage()
                .startsWith("line 9: no pfn= field"));
        String badPfn = "bash-1 [000] .....  1.0: mm_page_free: page=0 pfn=0xg order=0";
        assertThrows(TraceFormatException.class, () -> strict.parseLine(badPfn, 1));
        String badOrder = "bash-1 [000] .....  1.0: mm_page_free: page=0 pfn=0x1 order=x";
        assertThrows(TraceFormatException.class, () -> strict.parseLine(badOrder, 1));
        String notKeyValue = "bash-1 [000] .....  1.0: mm_page_free: page=0 pfn=0x1 order=0 junk";
        assertThrows(TraceFormatException.class, () -> strict.parseLine(notKeyValue, 1));
    }

    @Test
    void foreignGfpNamesAreAnErrorUnlessTolerated() {
        String line = "kswapd0-1 [000] ....  1.0: mm_page_alloc: page=ffffea0000000040 pfn=1 order=0 "
                + "migratetype=0 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COLD";
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> strict.parseLine(line, 4));
        assertTrue(e.getMessage().contains("__GFP_COLD"), e.getMessage());
        PageTraceRecord r = TraceParser.tolerant().parseLine(line, 4);
        assertEquals(-1, r.gfpFlags());
        assertEquals("GFP_HIGHUSER_MOVABLE|__GFP_COLD", r.gfpText());
        assertEquals(1, r.pfn());
        assertEquals(GfpFlagNames.parse("GFP_HIGHUSER_MOVABLE"), Gfp.GFP_HIGHUSER_MOVABLE);
    }
}
