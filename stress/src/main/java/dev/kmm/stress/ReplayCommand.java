package dev.kmm.stress;

import static dev.kmm.stress.HelpText.wrap;

import dev.kmm.core.boot.Machine;
import dev.kmm.stress.replay.TraceReplay;
import dev.kmm.stress.report.Pictures;
import dev.kmm.stress.report.Report;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kmm replay FILE}: replay a Linux kmem page trace on a simulated machine, and report as {@code kmm run}. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Replay a Linux kernel's page-allocator trace on a simulated machine.")
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machineOptions;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "the trace: the text of /sys/kernel/tracing/trace or trace_pipe; - reads standard input")
    String file;

    @Mixin
    ReportOptions reportOptions;

    /** The help text's description, in lines of at most {@value HelpText#WIDTH} columns. */
    static String[] description() {
        List<String> d = new ArrayList<>();
        d.add("Replay a Linux kernel's page-allocator trace on a simulated machine.");
        d.add("");
        wrap(d, "", "Each kmem:mm_page_alloc of the ftrace capture becomes an allocation of the same order and GFP "
                + "mask on the same CPU; each mm_page_free and mm_page_free_batched frees the block allocated for "
                + "that pfn. Traced CPU c runs as CPU c %% the machine's CPUs. One thread drives them all, so the "
                + "same trace and machine print the same report byte for byte, timing section aside (--no-timing "
                + "leaves it out). warn_alloc lines name that thread (main) as the task and keep the kernel's rate "
                + "limit of one warning per 10 s of host time, so a longer replay may print others.");
        d.add("");
        d.add("A capture, on a Linux machine as root:");
        d.add("  cd /sys/kernel/tracing");
        d.add("  echo 1 > events/kmem/mm_page_alloc/enable");
        d.add("  echo 1 > events/kmem/mm_page_free/enable");
        d.add("  echo 1 > events/kmem/mm_page_free_batched/enable");
        d.add("  sleep 10; cat trace > page-trace.txt");
        d.add("");
        wrap(d, "", "The report is that of 'kmm run': operations, allocation failures by order and by GFP mask, the "
                + "pcp hit rate, fallbacks and pageblock steals, /proc/buddyinfo before the replay and at the end "
                + "of the trace, debugfs extfrag/unusable_index and extfrag/extfrag_index at the end, warn_alloc "
                + "lines, the result of Kernel.verify(), and host timings in a section of their own. The replay's "
                + "sections come after the fallbacks: lines and page events read, replayed and skipped, the reasons "
                + "with the line of the first event of each (frees of pages allocated before the trace began, orders "
                + "above the machine's MAX_ORDER, allocations kmm failed where the trace did not and later frees of "
                + "those pages, ...), unparseable lines with their numbers, other events ignored, how the traced "
                + "CPUs map onto the machine's, and the allocation failures of the trace beside kmm's.");
        d.add("");
        wrap(d, "", "End of the trace: the views are read when its last line is replayed, with the blocks the trace "
                + "left allocated still held and the pcp lists as they were. Then those blocks are freed (each on "
                + "the CPU that allocated it), every CPU's pcp lists are drained, and Kernel.verify() checks the "
                + "allocator; the buddy lists must hold the free pages of the start again. The exit code is 1 when "
                + "verify() finds a problem, else 0.");
        d.add("");
        wrap(d, "", "Machine options are those of 'kmm boot'. A capture from a large x86_64 machine replays better "
                + "on --machine pc-x86_64 (8 GiB) than on the 1 GiB default.");
        d.add("");
        return d.toArray(String[]::new);
    }

    @Override
    public Integer call() {
        Path path = file.equals("-") ? null : Path.of(file);
        if (path != null && !Files.isRegularFile(path)) {
            throw new UsageException(file + ": " + (Files.exists(path) ? "not a regular file" : "no such file"));
        }
        List<String> paths = reportOptions.showPaths();
        Machine machine = machineOptions.machine();
        Pictures pictures = reportOptions.pictures();
        Report report;
        try {
            if (path == null) { // standard input stays open
                report = TraceReplay.replay(machine, new BufferedReader(new InputStreamReader(System.in,
                        StandardCharsets.ISO_8859_1)), "standard input", paths, pictures);
            } else {
                // Task names are bytes of any encoding; Latin-1 decodes every byte, so no line is lost to decoding.
                try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.ISO_8859_1)) {
                    report = TraceReplay.replay(machine, in, path.getFileName().toString(), paths, pictures);
                }
            }
        } catch (IOException e) {
            throw new UsageException(file + ": " + e.getMessage());
        } catch (UnsupportedOperationException e) {
            throw BootCommand.refusal(machine, e);
        }
        return reportOptions.print(spec, report, pictures);
    }
}
