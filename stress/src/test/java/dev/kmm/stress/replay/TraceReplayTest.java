package dev.kmm.stress.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.Cpu;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.Machines;
import dev.kmm.stress.report.Report;
import dev.kmm.stress.report.ReportText;
import dev.kmm.stress.report.SkipReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceReplayTest {
    private static Report replay(Kernel k, String trace) throws IOException {
        return TraceReplay.replay(k, new BufferedReader(new StringReader(trace)), "test");
    }

    /**
     * kmm's own trace, replayed on a fresh boot of the same machine, leaves the same kernel behind: the views at the
     * end of the trace are the traced kernel's; the cleanup then frees what the trace left allocated.
     */
    @Test
    void roundTripReproducesTheTracedKernel() throws IOException {
        TracedWorkload.Result w;
        String buddyinfo;
        String zoneinfo;
        String pagetypeinfo;
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            w = TracedWorkload.run(k, 42, 3000);
            buddyinfo = k.proc("/proc/buddyinfo");
            zoneinfo = k.proc("/proc/zoneinfo");
            pagetypeinfo = k.proc("/proc/pagetypeinfo");
        }
        String fresh;
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            fresh = k.proc("/proc/buddyinfo");
        }
        Report r = TraceReplay.replay(Machines.vexpressA9(), new BufferedReader(new StringReader(w.trace())), "test",
                List.of("/proc/zoneinfo", "/proc/pagetypeinfo"), null);
        Report.Replay s = r.replay();
        String text = r.text();
        assertEquals(w.allocations(), s.allocEvents());
        assertEquals(w.frees(), s.freeEvents());
        assertEquals(20, s.batchedFreeEvents());
        assertEquals(s.events(), s.replayed(), text);
        assertEquals(0, s.skippedTotal(), text);
        assertEquals(0, s.unparseable().count(), text);
        assertEquals(0, s.impliedFrees());
        assertTrue(s.otherEvents().getOrDefault("mm_page_alloc_zone_locked", 0L) > 0, text);
        assertEquals(w.entries(), s.events() + s.otherEventsTotal());
        Report.OrderFailures order10 = s.failures().stream().filter(f -> f.order() == 10).findFirst().orElseThrow();
        assertEquals(new Report.OrderFailures(10, 1, 1, 0, 0), order10, "lowmem runs out as traced");
        assertEquals(w.failures(), s.failures().stream().mapToLong(Report.OrderFailures::traced).sum());
        assertEquals(fresh, r.views().buddyinfoBefore());
        assertEquals(buddyinfo, r.views().buddyinfoAfter());
        assertNotEquals(fresh, buddyinfo);
        assertEquals(zoneinfo, r.views().shown().get("/proc/zoneinfo"), "per-CPU lists and counters too");
        assertEquals(pagetypeinfo, r.views().shown().get("/proc/pagetypeinfo"));

        // What the trace's kmm calls counted, as the traced kernel's own tracepoints did.
        long tracedZoneLocked = s.otherEvents().get("mm_page_alloc_zone_locked");
        assertEquals(tracedZoneLocked, r.pcp().refillBlocks() + r.pcp().directBlocks(), text);
        assertEquals(s.otherEvents().getOrDefault("mm_page_alloc_extfrag", 0L), r.fallbacks().fallbacks(), text);
        assertEquals(w.allocations(), r.totals().allocations());
        assertEquals(w.failures(), r.totals().failed());
        assertEquals(w.frees(), r.totals().frees());
        assertTrue(r.pcp().hits() > 0 && r.pcp().hits() < r.pcp().eligible(), text);

        assertTrue(r.verify().blocksFreed() > 0, "the workload left blocks allocated");
        assertEquals(r.verify().freePagesAtStart(), r.verify().freePagesAfterCleanup());
        assertEquals(List.of(), r.verify().problems());
    }

    /** The same trace on two boots of the same machine gives the same report. */
    @Test
    void replayIsDeterministic() throws IOException {
        String trace;
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            trace = TracedWorkload.run(k, 7, 800).trace();
        }
        List<Report> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
                runs.add(replay(k, trace));
            }
        }
        assertEquals(runs.get(0).withoutTiming(), runs.get(1).withoutTiming());
        assertEquals(ReportText.render(runs.get(0), false), ReportText.render(runs.get(1), false));
    }

    @Test
    void everySkipHasItsReasonAndFirstLine() throws IOException {
        TraceText t = new TraceText()
                .alloc(0, 0x1000, 0, "GFP_KERNEL")                 // 2 replayed
                .free(1, 0x1000, 0)                                // 3 replayed, from another CPU
                .batched(1, 0x1000)                                // 4 the same free, traced twice by 6.1
                .batched(2, 0x2000)                                // 5 before the trace
                .free(0, 0x3000, 0)                                // 6 before the trace
                .batched(0, 0x3000)                                // 7 its batched twin: the same outcome
                .free(0, 0x1000, 0)                                // 8 freed again
                .alloc(0, 0x4000, 2, "GFP_KERNEL")                 // 9 replayed
                .free(0, 0x4001, 0)                                // 10 inside the order-2 block
                .free(0, 0x4000, 1)                                // 11 wrong order
                .alloc(0, 0x5000, 11, "GFP_KERNEL")                // 12 order >= MAX_ORDER
                .free(0, 0x5000, 11)                               // 13 its free
                .alloc(0, 0x6000, 0, "GFP_NOFS|__GFP_WAIT")        // 14 2.6-era flag names
                .free(0, 0x6000, 0)                                // 15 its free
                .alloc(0, 0x7000, 0, "GFP_KERNEL|__GFP_DMA|__GFP_HIGHMEM") // 16 bad zone modifiers: no DEBUG_VM
                .free(0, 0x7000, 0)                                // 17 replayed
                .alloc(3, 0x8000, 1, "GFP_KERNEL")                 // 18 replayed
                .alloc(3, 0x8000, 1, "GFP_KERNEL")                 // 19 the free was lost: implied free
                .event(2, "mm_page_alloc", "page=0000000000000000 pfn=0x0 order=3 migratetype=0 "
                        + "gfp_flags=GFP_KERNEL|__GFP_NOWARN")    // 20 failed in the trace, not on kmm
                .event(1, "mm_page_pcpu_drain", "page=00000000d2be5665 pfn=0x123 order=0 migratetype=1") // 21
                .raw("CPU:2 [LOST 17 EVENTS]")                     // 22
                .raw("this is not a trace line")                   // 23
                .alloc(7, 0x9000, 0, "GFP_KERNEL")                 // 24 CPU 7 runs as CPU 3
                .raw("            test-100     [000] .....   100.000099: mm_page_alloc: page=00000000d2be5665 pfn=0x")
                .free(0, 0x4000, 2);                               // 26 replayed
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            Report r = replay(k, t.toString());
            Report.Replay s = r.replay();
            assertEquals(26, s.lines());
            assertEquals(9, s.allocEvents());
            assertEquals(9, s.freeEvents());
            assertEquals(3, s.batchedFreeEvents());
            assertEquals(11, s.replayed(), r.text());
            assertEquals(List.of(
                    new Report.Skip(SkipReason.ALLOC_ORDER_TOO_LARGE, 1, 12),
                    new Report.Skip(SkipReason.ALLOC_GFP_UNKNOWN, 1, 14),
                    new Report.Skip(SkipReason.FREE_BEFORE_TRACE, 3, 5),
                    new Report.Skip(SkipReason.FREE_AGAIN, 1, 8),
                    new Report.Skip(SkipReason.FREE_PART_OF_BLOCK, 1, 10),
                    new Report.Skip(SkipReason.FREE_ORDER_MISMATCH, 1, 11),
                    new Report.Skip(SkipReason.FREE_ORDER_TOO_LARGE, 1, 13),
                    new Report.Skip(SkipReason.FREE_GFP_UNKNOWN, 1, 15)), s.skipped());
            assertEquals(s.events(), s.replayed() + s.skippedTotal());
            assertEquals(1, s.impliedFrees());
            assertEquals(List.of(new Report.OrderFailures(3, 1, 0, 0, 1)), s.failures());
            assertEquals(Map.of("mm_page_pcpu_drain", 1L), s.otherEvents());
            assertEquals(17, s.lostEvents());
            assertEquals(2, s.unparseable().count());
            assertEquals(List.of(23L, 25L), s.unparseable().firstLines());
            assertTrue(s.unparseable().firstProblem().startsWith("line 23: not an ftrace event line"),
                    s.unparseable().firstProblem());
            assertEquals(8, s.traceCpus());
            assertEquals(2, r.verify().blocksFreed(), "0x8000 (order 1) and 0x9000, left allocated");
            assertEquals(3, r.verify().pagesFreed());
            assertEquals(List.of(), r.verify().problems());
            String text = r.text();
            assertTrue(text.startsWith("kmm replay: trace test\n"), text);
            assertTrue(text.contains("\n  traced CPUs             8  CPU c of the trace ran as kmm CPU c % 4\n"), text);
            assertTrue(text.contains("\n  unparseable lines       2  lines 23, 25\n"
                    + "  traced CPUs "), text);
            assertTrue(text.contains("\n  the first unparseable: line 23: not an ftrace event line: this is not a "
                    + "trace line\n"), text);
            assertTrue(text.contains("\nskipped events, by reason\n  events  first line  reason\n"
                    + "       1          12  mm_page_alloc of an order >= the machine's MAX_ORDER\n"), text);
            assertTrue(text.contains("\n       3           5  free of a page allocated before the trace began\n"),
                    text);
            assertTrue(text.contains("\nallocation failures by order, in the trace and on kmm\n"
                    + "  order  traced  kmm  kmm only  traced only\n"
                    + "      3       1    0         0            1\n"), text);
            assertEquals(7, r.totals().allocations(), "the allocations asked of kmm, the traced failure too");
            assertEquals(3 + 1 + 1, r.totals().frees(),
                    "replayed, implied, and the block of the traced failure given back");
            assertEquals(1, r.totals().remoteFrees(), "0x1000 freed on CPU 1");
        }
    }

    /** A machine too small for the trace: kmm's failures are counted by order and their frees skipped. */
    @Test
    void allocationsKmmFailsAreSkippedWithTheirFrees() throws IOException {
        Machine small = Machines.vexpressA9().toBuilder().clearMemory().ram(0x6000_0000L, 256L << 20).build();
        TraceText t = new TraceText();
        int blocks = 80; // 320 MiB of order-10 blocks
        for (int i = 0; i < blocks; i++) {
            t.alloc(i % 4, 0x10_0000 + i * 0x400L, 10, "GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN");
        }
        for (int i = 0; i < blocks; i++) {
            t.free(i % 4, 0x10_0000 + i * 0x400L, 10);
        }
        try (Kernel k = Kernel.boot(small)) {
            Report r = replay(k, t.toString());
            Report.Replay s = r.replay();
            long failed = s.skipped(SkipReason.ALLOC_KMM_FAILED);
            assertTrue(failed > 0 && failed < blocks, r.text());
            assertEquals(failed, s.skipped(SkipReason.FREE_KMM_FAILED));
            assertEquals(2 * (blocks - failed), s.replayed());
            assertEquals(List.of(new Report.OrderFailures(10, 0, failed, failed, 0)), s.failures());
            assertEquals(0, r.verify().blocksFreed());
            assertEquals(r.views().buddyinfoBefore(), r.views().buddyinfoAfter(), "every block kmm gave went back");
            assertEquals(List.of(), r.verify().problems());
        }
    }

    /** The replay leaves the thread outside every CPU; a thread inside another kernel's CPU is refused. */
    @Test
    void theDriverThreadMustBeOutsideOtherKernelsCpus() throws IOException {
        String trace = new TraceText().alloc(0, 0x1000, 0, "GFP_KERNEL").toString();
        try (Kernel a = Kernel.boot(Machines.vexpressA9()); Kernel b = Kernel.boot(Machines.vexpressA9())) {
            replay(a, trace);
            try (Cpu inA = a.cpus().enter(2)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> replay(b, trace));
                assertTrue(e.getMessage().contains("already inside CPU 2 of another machine"), e.getMessage());
            }
        }
    }
}
