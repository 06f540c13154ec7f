package dev.kmm.stress;

import static dev.kmm.stress.LayoutCommandTest.run;
import static dev.kmm.stress.RunCommandTest.number;
import static dev.kmm.stress.RunCommandTest.view;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machines;
import dev.kmm.stress.replay.TraceText;
import dev.kmm.stress.replay.TracedWorkload;
import dev.kmm.stress.report.ReportText;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kmm replay} through the command line: kmm run's report, plus the replay's sections. */
class ReplayCommandTest {
    /** The section titles of a replay's text report, in order. */
    private static final List<String> REPLAY_TITLES = List.of(
            "operations",
            "allocations by order",
            "failures by GFP mask",
            "per-CPU page lists",
            "fallbacks (mm_page_alloc_extfrag)",
            "replay",
            "skipped events, by reason",
            "allocation failures by order, in the trace and on kmm",
            "warn_alloc (dmesg since the replay began)",
            "==> /proc/buddyinfo (before the replay) <==",
            "==> /proc/buddyinfo (end of the trace) <==",
            "==> /sys/kernel/debug/extfrag/unusable_index (end of the trace) <==",
            "==> /sys/kernel/debug/extfrag/extfrag_index (end of the trace) <==",
            "verify",
            ReportText.TIMING_HEADER);

    @TempDir
    Path dir;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ReplayCommandTest.class.getResource("/dev/kmm/stress/replay/" + name).toURI());
    }

    /** The lines after a blank line: the titles of the sections and views. */
    private static List<String> titles(String text) {
        List<String> titles = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i - 1].isEmpty() && !lines[i].isEmpty()) {
                titles.add(lines[i]);
            }
        }
        return titles;
    }

    /**
     * A trace for the sections every report has, on 256 MiB: order-0 allocations the pcp lists serve, order-10
     * GFP_KERNEL allocations that steal movable pageblocks until memory runs out (failures by GFP mask, warn_alloc),
     * frees of the order-0 pages from another CPU, a free of a page allocated before the trace and a line cut short.
     * The order-10 blocks stay allocated for the cleanup.
     */
    private Path pressureTrace() throws IOException {
        TraceText t = new TraceText();
        for (int i = 0; i < 40; i++) {
            t.alloc(0, 0x1000 + i, 0, "GFP_KERNEL");
        }
        for (int i = 0; i < 80; i++) {
            t.alloc(i % 4, 0x10_0000 + i * 0x400L, 10, "GFP_KERNEL|__GFP_NORETRY");
        }
        for (int i = 0; i < 40; i++) {
            t.free(1, 0x1000 + i, 0);
        }
        t.free(2, 0x9000, 0);
        t.raw("            test-100     [000] .....   100.999999: mm_page_free: page=00000000d2be5665 pfn=0x");
        return Files.writeString(dir.resolve("pressure-trace.txt"), t.toString());
    }

    /** The report has every section of kmm run's, in the same order, and the replay's after the fallbacks. */
    @Test
    void reportHasEverySectionOfRunsAndItsOwn() throws IOException {
        Path trace = pressureTrace();
        LayoutCommandTest.Run r = run("replay", "--mem", "256M", trace.toString());
        assertEquals(0, r.exit(), "allocation failures are results, not errors: " + r.err());
        String out = r.out();
        assertTrue(out.startsWith("kmm replay: trace pressure-trace.txt\nmachine: vexpress-a9, 4 CPUs, 1 node, "),
                out);
        assertTrue(out.contains("\nmode: deterministic (one thread drives every CPU in the trace's order)\n"), out);
        assertEquals(REPLAY_TITLES, titles(out));

        // kmm run's sections, with the replay's words for the moments, are all there in the same order.
        LayoutCommandTest.Run runReport = run("run", "--mem", "256M", "--ops", "300");
        assertEquals(0, runReport.exit(), runReport.err());
        List<String> runTitles = titles(runReport.out()).stream()
                .map(t -> t.replace("the run began", "the replay began").replace("(after boot)", "(before the replay)")
                        .replace("(end of workload)", "(end of the trace)"))
                .toList();
        List<String> common = REPLAY_TITLES.stream().filter(runTitles::contains).toList();
        assertEquals(runTitles, common, "every section of run's report");

        assertEquals(161, number(out, "page events"));
        assertEquals(40 + 80, number(out, "allocations"));
        long failed = number(out, "  failed");
        assertTrue(failed > 0 && failed < 80, "256 MiB runs out of order-10 blocks: " + failed);
        assertEquals(40 + (80 - failed) + 40, number(out, "  replayed"), "allocations kmm gave, and the frees");
        assertEquals(40, number(out, "on another CPU"), "allocated on CPU 0, freed on CPU 1");
        Matcher gfp = Pattern.compile("(?m)^ +10 +(\\d+) +80 +0x[0-9a-f]+\\(GFP_KERNEL\\|__GFP_NORETRY\\)$")
                .matcher(section(out, "failures by GFP mask"));
        assertTrue(gfp.find(), out);
        assertEquals(failed, Long.parseLong(gfp.group(1)));
        Matcher pcp = Pattern.compile("pcp hit rate +(\\d+\\.\\d\\d)% +(\\d+) of (\\d+) single allocations").matcher(out);
        assertTrue(pcp.find(), out);
        assertEquals(40, Long.parseLong(pcp.group(3)), "the order-0 allocations");
        assertTrue(Long.parseLong(pcp.group(2)) > 30, "after one refill the pcp list serves them: " + pcp.group());
        assertTrue(number(out, "pageblock steals") > 0, "GFP_KERNEL blocks taken from movable pageblocks:\n" + out);
        assertTrue(number(out, "fallbacks") >= number(out, "pageblock steals"), out);
        assertTrue(out.contains("\n  1 allocation failure printed (at most one per 10 s), "), out);
        assertTrue(Pattern.compile("(?m)^    \\S+: page allocation failure: order:10, mode:0x[0-9a-f]+\\("
                + "GFP_KERNEL\\|__GFP_NORETRY\\), nodemask=\\(null\\)$").matcher(out).find(), out);
        String unusable = view(out, "/sys/kernel/debug/extfrag/unusable_index (end of the trace)");
        assertTrue(unusable.matches("Node 0, zone   Normal( \\d\\.\\d{3}){11} \\n"), unusable);
        assertFalse(unusable.endsWith(" 0.000 \n"), "free memory lies in blocks below order 10: " + unusable);
        String extfrag = view(out, "/sys/kernel/debug/extfrag/extfrag_index (end of the trace)");
        assertTrue(extfrag.matches("Node 0, zone   Normal( (-1| 0| 1)\\.\\d{3}){11} \\n"), extfrag);
        assertEquals(failed + 1, number(out, "skipped"));
        assertTrue(out.contains(String.format("\n  events  first line  reason\n"
                + "  %6d  %10d  mm_page_alloc that kmm failed where the trace succeeded\n"
                + "  %6d         162  free of a page allocated before the trace began\n", failed, 42 + 80 - failed, 1)),
                out);
        assertTrue(out.contains("\n  order  traced  kmm  kmm only  traced only\n"
                + String.format("     10       0  %3d       %3d            0\n", failed, failed)), out);
        assertTrue(Pattern.compile("(?m)^  unparseable lines +1  line 163$").matcher(out).find(), out);
        assertTrue(out.contains("  freed the " + (80 - failed) + " blocks still held (" + (80 - failed) * 1024
                + " pages) and drained every CPU's pcp lists\n"), out);
        assertTrue(out.contains("  Kernel.verify(): no problems\n"), out);
    }

    /** The section of {@code text} under {@code title}, to the next blank line. */
    private static String section(String text, String title) {
        int at = text.indexOf("\n" + title + "\n");
        assertTrue(at >= 0, "no section " + title + " in\n" + text);
        int from = at + title.length() + 2;
        return text.substring(from, text.indexOf("\n\n", from) + 1);
    }

    /** --json holds the numbers of the text; --no-timing leaves the host times out; twice gives the same text. */
    @Test
    void jsonHoldsTheNumbersOfTheTextAndTheTextRepeats() throws IOException {
        Path trace = pressureTrace();
        LayoutCommandTest.Run text = run("replay", "--mem", "256M", "--no-timing", "--show", "pagetypeinfo",
                trace.toString());
        assertEquals(0, text.exit(), text.err());
        String out = text.out();
        assertFalse(out.contains(ReportText.TIMING_HEADER), out);
        LayoutCommandTest.Run again = run("replay", "--mem", "256M", "--no-timing", "--show", "pagetypeinfo",
                trace.toString());
        assertEquals(out, again.out(), "the same trace and machine print the same report");

        LayoutCommandTest.Run json = run("replay", "--mem", "256M", "--json", "--show", "pagetypeinfo",
                trace.toString());
        assertEquals(0, json.exit(), json.err());
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertTrue(doc.at("/run").isMissingNode(), "a replay is no run");
        assertEquals("pressure-trace.txt", doc.at("/replay/source").asText());
        assertEquals(number(out, "lines read"), doc.at("/replay/lines").asLong());
        assertEquals(number(out, "  replayed"), doc.at("/replay/replayed").asLong());
        assertEquals(number(out, "skipped"), doc.at("/replay/skippedTotal").asLong());
        assertEquals("ALLOC_KMM_FAILED", doc.at("/replay/skipped/0/reason").asText());
        assertEquals(number(out, "  failed"), doc.at("/replay/skipped/0/count").asLong());
        assertEquals("FREE_BEFORE_TRACE", doc.at("/replay/skipped/1/reason").asText());
        assertEquals("free of a page allocated before the trace began",
                doc.at("/replay/skipped/1/description").asText());
        assertEquals(162, doc.at("/replay/skipped/1/firstLine").asLong());
        assertEquals(163, doc.at("/replay/unparseable/firstLines/0").asLong());
        assertEquals(number(out, "page events"), doc.at("/totals/steps").asLong());
        assertEquals(number(out, "allocator calls"), doc.at("/totals/ops").asLong());
        assertEquals(number(out, "allocations"), doc.at("/totals/allocations").asLong());
        assertEquals(number(out, "  failed"), doc.at("/totals/failed").asLong());
        assertEquals(number(out, "on another CPU"), doc.at("/totals/remoteFrees").asLong());
        assertEquals(number(out, "  failed"), doc.at("/failures/0/failures").asLong());
        assertTrue(out.contains(" " + doc.at("/failures/0/mode").asText() + "\n"), out);
        assertEquals(number(out, "fallbacks"), doc.at("/fallbacks/fallbacks").asLong());
        assertEquals(number(out, "pageblock steals"), doc.at("/fallbacks/steals").asLong());
        assertTrue(Pattern.compile("pcp hit rate +" + Pattern.quote(String.format(Locale.ROOT, "%.2f%%",
                doc.at("/pcp/hitRatePercent").asDouble())) + " +" + doc.at("/pcp/hits").asLong() + " of "
                + doc.at("/pcp/eligible").asLong() + " ").matcher(out).find(), out);
        assertEquals(1, doc.at("/warnAlloc/failuresPrinted").asLong());
        assertEquals(view(out, "/proc/buddyinfo (before the replay)"), doc.at("/views/buddyinfoBefore").asText());
        assertEquals(view(out, "/proc/buddyinfo (end of the trace)"), doc.at("/views/buddyinfoAfter").asText());
        assertEquals(view(out, "/sys/kernel/debug/extfrag/unusable_index (end of the trace)"),
                doc.at("/views/unusableIndexAfter").asText());
        assertEquals(view(out, "/sys/kernel/debug/extfrag/extfrag_index (end of the trace)"),
                doc.at("/views/extfragIndexAfter").asText());
        String pagetypeinfo = doc.at("/views/shown/~1proc~1pagetypeinfo").asText();
        assertTrue(pagetypeinfo.startsWith("Page block order: 10\n"), pagetypeinfo);
        assertTrue(out.contains("\n==> /proc/pagetypeinfo (end of the trace) <==\n" + pagetypeinfo + "\nverify\n"), out);
        assertEquals(0, doc.at("/verify/problems").size());
        assertTrue(doc.at("/timing/workloadNanos").asLong() > 0, "host times live under timing");
        JsonNode untimed = new ObjectMapper().readTree(run("replay", "--mem", "256M", "--json", "--no-timing",
                trace.toString()).out());
        assertTrue(untimed.at("/timing").isMissingNode(), untimed.toString());
    }

    /** --plot writes the pictures and changes nothing in the report: sampling only reads. */
    @Test
    void plotWritesThePicturesAndLeavesTheReportAsItWas() throws IOException {
        Path trace = pressureTrace();
        Path out = dir.resolve("out");
        LayoutCommandTest.Run plain = run("replay", "--mem", "256M", "--no-timing", trace.toString());
        LayoutCommandTest.Run plotted = run("replay", "--mem", "256M", "--no-timing", "--plot", out.toString(),
                trace.toString());
        assertEquals(0, plotted.exit(), plotted.err());
        assertEquals(plain.out(), plotted.out());
        for (String png : List.of("free-blocks.png", "pageblock-map.png")) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertTrue(image != null && image.getWidth() >= 1000, png);
            assertTrue(plotted.err().contains("kmm: wrote " + out.resolve(png) + "\n"), plotted.err());
        }
    }

    /** kmm's own trace, written as /sys/kernel/tracing/trace and replayed by the command, on the same machine. */
    @Test
    void kmmsOwnTraceReplaysToTheSameBuddyinfo() throws IOException {
        TracedWorkload.Result w;
        String buddyinfo;
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            w = TracedWorkload.run(k, 3, 1500);
            buddyinfo = k.proc("/proc/buddyinfo");
        }
        Path trace = Files.writeString(dir.resolve("trace"), w.trace());

        LayoutCommandTest.Run r = run("replay", trace.toString());
        assertEquals(0, r.exit(), r.err());
        long events = w.allocations() + w.frees() + 20;
        assertTrue(r.out().startsWith("kmm replay: trace trace\nmachine: vexpress-a9, 4 CPUs, "), r.out());
        assertEquals(events, number(r.out(), "page events"));
        assertEquals(events, number(r.out(), "  replayed"));
        assertEquals(0, number(r.out(), "skipped"));
        assertEquals(buddyinfo, view(r.out(), "/proc/buddyinfo (end of the trace)"));
        assertTrue(r.out().contains("  Kernel.verify(): no problems\n"), r.out());
        assertTrue(r.out().contains("\n" + ReportText.TIMING_HEADER + "\n  boot "), r.out());
    }

    /** A real 2.6.33 capture: frees of a page allocated before it began, a doubled free, a line cut short. */
    @Test
    void realCaptureCountsItsSkipsAndTheBadLine() throws Exception {
        LayoutCommandTest.Run r = run("replay", fixture("morton-2.6.33-cut-short.txt").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\n  page events             5  mm_page_alloc 1, mm_page_free 4, "
                + "mm_page_free_batched 0\n"), r.out());
        assertEquals(2, number(r.out(), "  replayed"));
        assertTrue(r.out().contains("\nskipped events, by reason\n"
                + "  events  first line  reason\n"
                + "       1           5  free of a page allocated before the trace began\n"
                + "       2           6  free of a page the trace had already freed\n"), r.out());
        assertTrue(r.out().contains("\n  unparseable lines       1  line 10\n"), r.out());
        assertTrue(r.out().contains("\n  the first unparseable: line 10: not an ftrace event line: "), r.out());
        assertTrue(r.out().contains("  freed the 0 blocks still held (0 pages) and drained every CPU's pcp lists\n"),
                r.out());
        assertTrue(r.out().contains("  Kernel.verify(): no problems\n"), r.out());
    }

    /** A 5.x capture from a larger machine: CPUs fold onto the machine's, and a traced failure succeeds on kmm. */
    @Test
    void manyCpuCaptureFoldsOntoTheMachinesCpus() throws Exception {
        LayoutCommandTest.Run r = run("replay", "--machine", "pc-x86_64", "--json",
                fixture("kim-5.x-mm_page_alloc.txt").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("pc-x86_64", json.at("/setup/machine").asText());
        assertEquals(7, json.at("/replay/traceCpus").asInt());
        assertEquals(4, json.at("/setup/cpus").asInt());
        assertEquals(9, json.at("/replay/replayed").asLong());
        assertEquals(8, json.at("/verify/blocksFreed").asLong(), "left allocated by the trace, freed by the cleanup");
        JsonNode failures = json.at("/replay/failures");
        assertEquals(1, failures.size());
        assertEquals(1, failures.get(0).get("traced").asLong());
        assertEquals(1, failures.get(0).get("traceOnly").asLong(), "kmm had the page the traced kernel lacked");
        assertEquals(9, json.at("/totals/allocations").asLong(), "the traced failure was asked of kmm too");
        assertEquals(0, json.at("/totals/failed").asLong());

        LayoutCommandTest.Run text = run("replay", fixture("kim-5.x-mm_page_alloc.txt").toString());
        assertTrue(text.out().contains("\n  traced CPUs             7  CPU c of the trace ran as kmm CPU c % 4\n"),
                text.out());
    }

    /** {@code -} reads the trace from standard input, as from {@code cat trace_pipe | kmm replay -}. */
    @Test
    void dashReadsStandardInput() throws Exception {
        InputStream stdin = System.in;
        try (InputStream trace = Files.newInputStream(fixture("morton-2.6.33-cut-short.txt"))) {
            System.setIn(trace);
            LayoutCommandTest.Run r = run("replay", "-");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("kmm replay: trace standard input\n"), r.out());
            assertEquals(2, number(r.out(), "  replayed"));
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        LayoutCommandTest.Run missing = run("replay", dir.resolve("nope.txt").toString());
        assertEquals(2, missing.exit());
        assertEquals("kmm: " + dir.resolve("nope.txt") + ": no such file\n", missing.err());
        LayoutCommandTest.Run directory = run("replay", dir.toString());
        assertEquals(2, directory.exit());
        assertEquals("kmm: " + dir + ": not a regular file\n", directory.err());
        LayoutCommandTest.Run machine = run("replay", "--machine", "pdp-11",
                fixture("kim-5.x-mm_page_alloc.txt").toString());
        assertEquals(2, machine.exit());
        assertEquals(1, machine.err().strip().lines().count(), machine.err());
        LayoutCommandTest.Run view = run("replay", "--show", "nosuchview", fixture("kim-5.x-mm_page_alloc.txt")
                .toString());
        assertEquals(2, view.exit());
        assertEquals("kmm: --show: unknown view 'nosuchview'; views: zoneinfo, buddyinfo, pagetypeinfo, meminfo, "
                + "vmstat, iomem, memblock\n", view.err());
        assertEquals("", view.out());
        LayoutCommandTest.Run none = run("replay");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("Missing required parameter: 'FILE'"), none.err());
    }

    @Test
    void helpDescribesTheReportAndFitsTheTerminal() {
        LayoutCommandTest.Run r = run("replay", "--help");
        assertEquals(0, r.exit(), r.err());
        for (String option : List.of("--show", "--json", "--no-timing", "--plot")) {
            assertTrue(r.out().contains(option), r.out());
        }
        String words = r.out().replaceAll("\\s+", " ");
        assertTrue(words.contains("Traced CPU c runs as CPU c % the machine's CPUs."), r.out());
        assertTrue(words.contains("The report is that of 'kmm run'"), r.out());
        assertTrue(words.contains("the blocks the trace left allocated still held"), r.out());
        assertTrue(r.out().lines().allMatch(l -> l.length() <= 80), r.out());
        LayoutCommandTest.Run kmm = run("--help");
        assertTrue(kmm.out().contains("  replay  Replay a Linux kernel's page-allocator trace on a simulated machine.\n"),
                kmm.out());
    }
}
