package dev.kmm.stress;

import static dev.kmm.stress.LayoutCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.proc.BuddyInfo;
import dev.kmm.core.proc.ProcBuddyinfo;
import dev.kmm.stress.replay.TracedWorkload;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ReplayCommandTest.class.getResource("/dev/kmm/stress/replay/" + name).toURI());
    }

    private static String section(String out, String title) {
        int at = out.indexOf(title + "\n");
        assertTrue(at >= 0, out);
        int from = at + title.length() + 1;
        return out.substring(from, out.indexOf("\n\n", from) + 1);
    }

    /** kmm's own trace, written as /sys/kernel/tracing/trace and replayed by the command, on the same machine. */
    @Test
    void kmmsOwnTraceReplaysToTheSameBuddyinfo() throws IOException {
        TracedWorkload.Result w;
        String buddyinfo;
        List<BuddyInfo> rows;
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            w = TracedWorkload.run(k, 3, 1500);
            buddyinfo = k.proc("/proc/buddyinfo");
            rows = ProcBuddyinfo.read(k.mmState());
        }
        Path trace = Files.writeString(dir.resolve("trace"), w.trace());

        LayoutCommandTest.Run r = run("replay", trace.toString());
        assertEquals(0, r.exit(), r.err());
        long events = w.allocations() + w.frees() + 20;
        assertTrue(r.out().startsWith("Replay of trace on vexpress-a9 (4 CPUs)\n"), r.out());
        assertTrue(r.out().contains(String.format("  replayed:             %10d\n", events)), r.out());
        assertTrue(r.out().contains("  skipped:                       0\n"), r.out());
        assertEquals(buddyinfo, section(r.out(), "/proc/buddyinfo after:"));
        assertTrue(r.out().contains("\nverify: clean\n"), r.out());
        assertTrue(r.out().matches("(?s).*\nreplay took [0-9.]+ ms \\([0-9]+ events/s\\)\n"), r.out());

        LayoutCommandTest.Run j = run("replay", "--json", trace.toString());
        assertEquals(0, j.exit(), j.err());
        JsonNode json = new ObjectMapper().readTree(j.out());
        assertEquals(events, json.get("replayed").asLong());
        assertEquals(events, json.get("allocEvents").asLong() + json.get("freeEvents").asLong()
                + json.get("batchedFreeEvents").asLong());
        assertEquals(0, json.get("skipped").size());
        assertTrue(json.get("elapsedNanos").asLong() > 0);
        List<BuddyInfo> after = new ArrayList<>();
        for (JsonNode z : json.get("buddyinfoAfter")) {
            List<Long> nrFree = new ArrayList<>();
            z.get("nrFree").forEach(n -> nrFree.add(n.asLong()));
            after.add(new BuddyInfo(z.get("nodeId").asInt(), z.get("zoneName").asText(), nrFree));
        }
        assertEquals(rows, after);
        assertEquals(0, json.get("verify").size());
    }

    /** A real 2.6.33 capture: frees of a page allocated before it began, a doubled free, a line cut short. */
    @Test
    void realCaptureCountsItsSkipsAndTheBadLine() throws Exception {
        LayoutCommandTest.Run r = run("replay", fixture("morton-2.6.33-cut-short.txt").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("  page events:                   5  (mm_page_alloc 1, mm_page_free 4, "
                + "mm_page_free_batched 0)\n"), r.out());
        assertTrue(r.out().contains("  replayed:                      2\n"), r.out());
        assertTrue(r.out().contains("  skipped:                       3\n"
                + "                                 1  free of a page allocated before the trace began "
                + "(first at line 5)\n"
                + "                                 2  free of a page the trace had already freed (first at line 6)\n"),
                r.out());
        assertTrue(r.out().contains("  unparseable lines:             1  (line 10)\n"
                + "  first: line 10: not an ftrace event line: "), r.out());
        assertTrue(r.out().contains("  blocks left allocated:         0  (0 pages)\n"), r.out());
        assertTrue(r.out().contains("\nverify: clean\n"), r.out());
    }

    /** A 5.x capture from a larger machine: CPUs fold onto the machine's, and a traced failure succeeds on kmm. */
    @Test
    void manyCpuCaptureFoldsOntoTheMachinesCpus() throws Exception {
        LayoutCommandTest.Run r = run("replay", "--machine", "pc-x86_64", "--json",
                fixture("kim-5.x-mm_page_alloc.txt").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("pc-x86_64", json.get("machine").asText());
        assertEquals(7, json.get("traceCpus").asInt());
        assertEquals(4, json.get("kmmCpus").asInt());
        assertEquals(9, json.get("replayed").asLong());
        assertEquals(8, json.get("blocksLeft").asLong());
        JsonNode failures = json.get("failures");
        assertEquals(1, failures.size());
        assertEquals(1, failures.get(0).get("traced").asLong());
        assertEquals(1, failures.get(0).get("traceOnly").asLong(), "kmm had the page the traced kernel lacked");

        LayoutCommandTest.Run text = run("replay", fixture("kim-5.x-mm_page_alloc.txt").toString());
        assertTrue(text.out().contains("  traced CPUs 0-6 ran on kmm CPUs 0-3 (CPU c as c % 4)\n"), text.out());
    }

    /** {@code -} reads the trace from standard input, as from {@code cat trace_pipe | kmm replay -}. */
    @Test
    void dashReadsStandardInput() throws Exception {
        InputStream stdin = System.in;
        try (InputStream trace = Files.newInputStream(fixture("morton-2.6.33-cut-short.txt"))) {
            System.setIn(trace);
            LayoutCommandTest.Run r = run("replay", "-");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("Replay of standard input on vexpress-a9 (4 CPUs)\n"), r.out());
            assertTrue(r.out().contains("  replayed:                      2\n"), r.out());
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
        LayoutCommandTest.Run machine = run("replay", "--machine", "pdp-11", fixture("kim-5.x-mm_page_alloc.txt").toString());
        assertEquals(2, machine.exit());
        assertEquals(1, machine.err().strip().lines().count(), machine.err());
        LayoutCommandTest.Run none = run("replay");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("Missing required parameter: 'FILE'"), none.err());
    }
}
