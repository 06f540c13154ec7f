package dev.kmm.stress;

import static dev.kmm.stress.LayoutCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmm.stress.report.ReportText;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code kmm run} through the command line, each workload small on the machine it needs. */
class RunCommandTest {
    /** A small mixed run on the default machine, shared by the tests that read it. */
    private static final String[] MIXED = {"run", "--ops", "30000", "--show", "zoneinfo"};
    private static LayoutCommandTest.Run mixed;

    private static synchronized LayoutCommandTest.Run mixed() {
        if (mixed == null) {
            mixed = run(MIXED);
        }
        return mixed;
    }

    /** The number after {@code label} at the start of a report line (after its indent). */
    static long number(String text, String label) {
        Matcher m = Pattern.compile("(?m)^ *" + Pattern.quote(label) + " +(-?\\d+)").matcher(text);
        assertTrue(m.find(), "no line '" + label + "' in\n" + text);
        return Long.parseLong(m.group(1));
    }

    /** The text of a view block: from its header line to the next blank line. */
    static String view(String text, String header) {
        int at = text.indexOf("==> " + header + " <==\n");
        assertTrue(at >= 0, "no view " + header + " in\n" + text);
        int start = text.indexOf('\n', at) + 1;
        int end = text.indexOf("\n\n", start);
        return text.substring(start, end + 1);
    }

    @Test
    void mixedReportHasEverySection() {
        LayoutCommandTest.Run r = mixed();
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("kmm run: workload mixed, seed 1, 30000 steps\n"
                + "machine: vexpress-a9, 4 CPUs, 1 node, "), out);
        assertTrue(out.contains("\nmode: deterministic"), out);
        assertEquals(30000, number(out, "steps"));
        long allocations = number(out, "allocations");
        long frees = number(out, "frees");
        assertEquals(30000, allocations + frees, out);
        assertTrue(number(out, "on another CPU") > 0, "time slices move the worker between CPUs");
        long orderSum = 0;
        Matcher rows = Pattern.compile("(?m)^ +(\\d+) +(\\d+) +(\\d+)$").matcher(
                out.substring(out.indexOf("allocations by order"), out.indexOf("failures by GFP mask")));
        while (rows.find()) {
            orderSum += Long.parseLong(rows.group(2));
        }
        assertEquals(allocations, orderSum, "the order table adds up to the allocations");
        Matcher pcp = Pattern.compile("pcp hit rate +(\\d+\\.\\d\\d)% +(\\d+) of (\\d+) single allocations")
                .matcher(out);
        assertTrue(pcp.find(), out);
        long hits = Long.parseLong(pcp.group(2));
        long eligible = Long.parseLong(pcp.group(3));
        assertTrue(hits > eligible / 2 && hits < eligible,
                "most order-0..3 allocations hit a pcp list, not all: " + pcp.group());
        assertTrue(number(out, "blocks under zone->lock") > 0, out);
        String before = view(out, "/proc/buddyinfo (after boot)");
        String after = view(out, "/proc/buddyinfo (end of workload)");
        assertTrue(before.startsWith("Node 0, zone   Normal "), before);
        assertNotEquals(before, after);
        String unusable = view(out, "/sys/kernel/debug/extfrag/unusable_index (end of workload)");
        assertTrue(unusable.matches("(Node 0, zone +\\w+( \\d\\.\\d{3}){11} \\n)+"), unusable);
        String extfrag = view(out, "/sys/kernel/debug/extfrag/extfrag_index (end of workload)");
        assertTrue(extfrag.matches("(Node 0, zone +\\w+( (-1| 0| 1)\\.\\d{3}){11} \\n)+"), extfrag);
        assertTrue(out.contains("==> /proc/zoneinfo (end of workload) <==\nNode 0, zone   Normal\n"), out);
        assertTrue(out.contains("\nverify\n  freed the "), out);
        Matcher managed = Pattern.compile("(\\d+) managed pages\n").matcher(out);
        assertTrue(managed.find(), out);
        assertTrue(out.contains("  free pages in the buddy lists: " + managed.group(1) + ", as after boot\n"), out);
        assertTrue(out.contains("  Kernel.verify(): no problems\n"), out);
        assertTrue(out.contains("\n" + ReportText.TIMING_HEADER + "\n"), out);
        assertTrue(out.indexOf(ReportText.TIMING_HEADER) > out.indexOf("Kernel.verify()"), "timing comes last");
    }

    @Test
    void sameArgumentsPrintTheSameReportAndAnotherSeedAnother() {
        String first = ReportText.withoutTiming(mixed().out());
        LayoutCommandTest.Run again = run("run", "--ops", "30000", "--show", "zoneinfo", "--no-timing");
        assertEquals(0, again.exit(), again.err());
        assertEquals(first, again.out());
        assertTrue(!again.out().contains("timing"), again.out());
        LayoutCommandTest.Run seed2 = run("run", "--ops", "30000", "--show", "zoneinfo", "--no-timing", "--seed", "2");
        assertEquals(0, seed2.exit(), seed2.err());
        assertNotEquals(first.substring(first.indexOf('\n')), seed2.out().substring(seed2.out().indexOf('\n')));
        assertNotEquals(view(first, "/proc/buddyinfo (end of workload)"),
                view(seed2.out(), "/proc/buddyinfo (end of workload)"));
    }

    @Test
    void jsonHoldsTheNumbersOfTheText() throws Exception {
        String text = mixed().out();
        LayoutCommandTest.Run r = run("run", "--ops", "30000", "--show", "zoneinfo", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("mixed", doc.at("/run/workload").asText());
        assertTrue(doc.at("/run/deterministic").asBoolean());
        assertEquals(number(text, "allocations"), doc.at("/totals/allocations").asLong());
        assertEquals(number(text, "frees"), doc.at("/totals/frees").asLong());
        assertEquals(number(text, "on another CPU"), doc.at("/totals/remoteFrees").asLong());
        assertEquals(number(text, "pages allocated"), doc.at("/totals/pages").asLong());
        assertEquals(number(text, "fallbacks"), doc.at("/fallbacks/fallbacks").asLong());
        assertEquals(number(text, "pageblock steals"), doc.at("/fallbacks/steals").asLong());
        assertEquals(number(text, "blocks under zone->lock"), doc.at("/pcp/refillBlocks").asLong());
        assertTrue(Pattern.compile("pcp hit rate +" + Pattern.quote(String.format(java.util.Locale.ROOT, "%.2f%%",
                doc.at("/pcp/hitRatePercent").asDouble())) + " ").matcher(text).find(), text);
        assertTrue(text.contains(" " + doc.at("/pcp/hits").asLong() + " of " + doc.at("/pcp/eligible").asLong() + " "),
                text);
        assertEquals(view(text, "/proc/buddyinfo (after boot)"), doc.at("/views/buddyinfoBefore").asText());
        assertEquals(view(text, "/proc/buddyinfo (end of workload)"), doc.at("/views/buddyinfoAfter").asText());
        assertEquals(view(text, "/sys/kernel/debug/extfrag/extfrag_index (end of workload)"),
                doc.at("/views/extfragIndexAfter").asText());
        assertEquals(view(text, "/sys/kernel/debug/extfrag/unusable_index (end of workload)"),
                doc.at("/views/unusableIndexAfter").asText());
        assertTrue(doc.at("/views/shown").has("/proc/zoneinfo"));
        assertEquals(0, doc.at("/verify/problems").size());
        assertTrue(doc.at("/timing/workloadNanos").asLong() > 0, "host times live under timing");
        assertTrue(doc.at("/run/bulk").isMissingNode() && doc.at("/run/numa").isMissingNode(),
                "sections of other workloads");
        assertTrue(doc.at("/replay").isMissingNode(), "a run is no replay");
        JsonNode untimed = new ObjectMapper().readTree(run("run", "--ops", "300", "--json", "--no-timing").out());
        assertTrue(untimed.at("/timing").isMissingNode(), untimed.toString());
    }

    @Test
    void fragmentShowsFailuresFallbacksAndSteals() {
        LayoutCommandTest.Run r = run("run", "--workload", "fragment", "--mem", "256M", "--ops", "600", "--no-timing");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(number(out, "fill: unmovable pages") > 10000, out);
        assertTrue(number(out, "fill: pageblock steals") > 0, out);
        assertTrue(number(out, "scatter: pages freed") > 20000, out);
        assertTrue(number(out, "high orders: failed") > 0, out);
        assertTrue(number(out, "high orders: fallbacks") > 0, out);
        assertTrue(number(out, "fallbacks") >= number(out, "pageblock steals"), out);
        assertTrue(number(out, "pageblock steals") > 0, out);
        assertTrue(out.contains("  Unmovable    Movable "), out);
        // Highest-order requests fail: the free memory lies in small pieces.
        String order10 = "(?m)^ +10 +\\d+ +\\d+ +"
                + Pattern.quote("0x52cc0(GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP)") + "$";
        assertTrue(Pattern.compile(order10).matcher(out).find(), out);
        String extfrag = view(out, "/sys/kernel/debug/extfrag/extfrag_index (end of workload)");
        assertTrue(extfrag.matches("Node 0, zone   Normal -1\\.000.*  0\\.9\\d\\d \\n"), extfrag);
        assertTrue(out.contains("  Kernel.verify(): no problems\n"), out);
    }

    /**
     * --plot writes the pictures (the timeline sampled through the fill and scatter phases too) and changes
     * nothing in the report: sampling only reads.
     */
    @Test
    void plotWritesPicturesAndLeavesTheReportAsItWas(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String[] args = {"run", "--workload", "fragment", "--mem", "256M", "--ops", "300", "--no-timing"};
        LayoutCommandTest.Run plain = run(args);
        java.nio.file.Path out = dir.resolve("out");
        String[] withPlot = java.util.Arrays.copyOf(args, args.length + 2);
        withPlot[args.length] = "--plot";
        withPlot[args.length + 1] = out.toString();
        LayoutCommandTest.Run plotted = run(withPlot);
        assertEquals(0, plotted.exit(), plotted.err());
        assertEquals(plain.out(), plotted.out());
        // 256M leaves the Versatile Express one zone: no per-zone picture.
        assertTrue(!java.nio.file.Files.exists(out.resolve("free-blocks-by-zone.png")), plotted.err());
        for (String png : List.of("free-blocks.png", "pageblock-map.png")) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(out.resolve(png).toFile());
            assertTrue(image != null && image.getWidth() >= 1000, png);
            assertTrue(plotted.err().contains("kmm: wrote " + out.resolve(png)), plotted.err());
        }
    }

    @Test
    void bulkCountsBursts() {
        LayoutCommandTest.Run r = run("run", "--workload", "bulk", "--mem", "256M", "--ops", "40000", "--no-timing");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        long bursts = number(out, "bursts");
        long asked = number(out, "pages asked");
        long given = number(out, "pages given");
        assertTrue(bursts > 100, out);
        assertTrue(asked > bursts && given <= asked && given > 0, out);
        assertEquals(asked, number(out, "allocations"), out);
        assertEquals(asked - given, number(out, "  failed"), out);
        assertTrue(number(out, "short bursts") > 0, "at 90% of memory some bursts come back short:\n" + out);
        assertTrue(number(out, "under zone->lock") > 0, out);
        assertTrue(Pattern.compile("pcp hit rate +n/a ").matcher(out).find(), out);
        assertTrue(out.contains("  Kernel.verify(): no problems\n"), out);
    }

    @Test
    void pressureFailsWithWarnAlloc() {
        LayoutCommandTest.Run r = run("run", "--workload", "pressure", "--mem", "256M", "--ops", "5000", "--no-timing");
        assertEquals(0, r.exit(), "allocation failures are results, not errors: " + r.err());
        String out = r.out();
        assertTrue(number(out, "  failed") > 0, out);
        assertTrue(number(out, "relief rounds (1/256 of the blocks freed after a failure)") > 0, out);
        assertTrue(Pattern.compile("(?m)^ +\\d+ +\\d+ +\\d+ +0xcc0\\(GFP_KERNEL\\)$").matcher(out).find(), out);
        Matcher warn = Pattern.compile("(\\d+) allocation failures? printed").matcher(out);
        assertTrue(warn.find() && Long.parseLong(warn.group(1)) >= 1, out);
        assertTrue(out.contains("    pressure/0: page allocation failure: order:"), out);
        Matcher normal = Pattern.compile("(?m)^  0 +Normal +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+)$")
                .matcher(out);
        assertTrue(normal.find(), out);
        assertTrue(Long.parseLong(normal.group(6)) > 0, "steps below the low watermark: " + normal.group());
        assertTrue(out.contains("  Kernel.verify(): no problems\n"), out);
    }

    @Test
    void numaSplitsLocalAndRemote() {
        LayoutCommandTest.Run r = run("run", "--workload", "numa", "--machine", "numa2-x86_64", "--ops", "20000",
                "--no-timing");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("machine: numa2-x86_64, 4 CPUs, 2 nodes, "), out);
        long local = number(out, "local");
        long remote = number(out, "remote");
        assertTrue(local > 0 && remote > 0, out);
        assertEquals(local, number(out, "numa_local"), out);
        assertEquals(remote, number(out, "numa_other"), out);
        assertTrue(number(out, "numa_miss") > 0, "after the last node is filled, its allocations fall back:\n" + out);
        assertEquals(number(out, "numa_miss"), number(out, "numa_foreign"), out);
        assertTrue(number(out, "hog: pages held") > 500_000, out);
        Matcher node1 = Pattern.compile("(?m)^  node 1 +(\\d+) +(\\d+) +(\\d+)$").matcher(out);
        assertTrue(node1.find(), out);
        assertEquals(number(out, "numa_miss"), Long.parseLong(node1.group(1)), "node 1's requests served on node 0");
        assertTrue(out.contains("  Kernel.verify(): no problems\n"), out);

        LayoutCommandTest.Run flat = run("run", "--workload", "numa", "--ops", "10");
        assertEquals(2, flat.exit());
        assertEquals("kmm: --workload numa needs a NUMA machine, and vexpress-a9 has one node; try --machine "
                + "numa2-x86_64\n", flat.err());
    }

    @Test
    void parallelThreadsAndDurations() {
        LayoutCommandTest.Run r = run("run", "--threads", "2", "--duration", "300ms", "--mem", "256M");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("kmm run: workload mixed, seed 1, for 0.300 s\n"), r.out());
        assertTrue(r.out().contains("\nmode: parallel (2 threads, each on its own CPUs; not reproducible byte for "
                + "byte)\n"), r.out());
        assertTrue(number(r.out(), "steps") > 0, r.out());
        assertTrue(number(r.out(), "on another CPU") > 0, "each thread owns two CPUs:\n" + r.out());
        assertTrue(r.out().contains("  Kernel.verify(): no problems\n"), r.out());
    }

    @Test
    void kmmAloneRunsMixed() {
        LayoutCommandTest.Run alone = run();
        assertEquals(0, alone.exit(), alone.err());
        assertTrue(alone.out().startsWith("kmm run: workload mixed, seed 1, 1000000 steps\nmachine: vexpress-a9, "),
                alone.out());
        assertEquals(1_000_000, number(alone.out(), "steps"));
        assertTrue(alone.out().contains("  Kernel.verify(): no problems\n"), alone.out());
        assertTrue(alone.out().contains("\n" + ReportText.TIMING_HEADER + "\n"), alone.out());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        List<String[]> bad = new ArrayList<>();
        bad.add(new String[] {"run", "--workload", "nosuch"});
        bad.add(new String[] {"run", "--ops", "0"});
        bad.add(new String[] {"run", "--ops", "5", "--duration", "1s"});
        bad.add(new String[] {"run", "--duration", "5x"});
        bad.add(new String[] {"run", "--threads", "5"});
        bad.add(new String[] {"run", "--show", "nosuchview"});
        String[] expected = {
            "kmm: --workload: unknown workload 'nosuch'; workloads: mixed, fragment, bulk, numa, pressure",
            "kmm: --ops: must be at least 1, got 0",
            "kmm: --ops and --duration: give one of them",
            "kmm: --duration: '5x' needs a unit: ms, s, m or h (e.g. 5s)",
            "kmm: --threads 5: vexpress-a9 has 4 CPUs, and each thread needs one of its own",
            "kmm: --show: unknown view 'nosuchview'; views: zoneinfo, buddyinfo, pagetypeinfo, meminfo, vmstat, iomem, "
                    + "memblock"};
        for (int i = 0; i < bad.size(); i++) {
            LayoutCommandTest.Run r = run(bad.get(i));
            assertEquals(2, r.exit(), String.join(" ", bad.get(i)) + ": " + r.err());
            assertEquals(expected[i] + "\n", r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void helpDescribesEveryWorkload() {
        LayoutCommandTest.Run r = run("run", "--help");
        assertEquals(0, r.exit(), r.err());
        for (String w : List.of("mixed", "fragment", "bulk", "numa", "pressure")) {
            assertTrue(Pattern.compile("(?m)^  " + w + " +\\[\\d+\\] \\w").matcher(r.out()).find(), r.out());
        }
        assertTrue(r.out().contains("pcp hit rate"), r.out());
        assertTrue(r.out().contains("not reproducible"), r.out());
    }
}
