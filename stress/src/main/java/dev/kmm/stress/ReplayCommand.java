package dev.kmm.stress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machine;
import dev.kmm.stress.replay.ReplaySummary;
import dev.kmm.stress.replay.TraceReplay;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kmm replay FILE}: replay a Linux kmem page trace on a simulated machine. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {
            "Replay a Linux kernel's page-allocator trace on a simulated machine.",
            "",
            "Each kmem:mm_page_alloc of the ftrace capture becomes an allocation of the",
            "same order and GFP mask on the same CPU; each mm_page_free and",
            "mm_page_free_batched frees the block allocated for that pfn. Traced CPU c",
            "runs as CPU c %% the machine's CPUs; one thread drives them all, so the same",
            "trace and machine give the same result.",
            "",
            "A capture, on a Linux machine as root:",
            "  cd /sys/kernel/tracing",
            "  echo 1 > events/kmem/mm_page_alloc/enable",
            "  echo 1 > events/kmem/mm_page_free/enable",
            "  echo 1 > events/kmem/mm_page_free_batched/enable",
            "  sleep 10; cat trace > page-trace.txt",
            "",
            "The report counts the events replayed and skipped, and why: frees of pages",
            "allocated before the trace began, orders above the machine's MAX_ORDER,",
            "allocations kmm failed where the trace did not (and later frees of those",
            "pages), unparseable lines with their line numbers; then allocation failures",
            "by order, /proc/buddyinfo before and after, and the allocator's self-check",
            "(verify). Exit code 1 when the self-check finds a problem.",
            "",
            "Machine options are those of 'kmm boot'. A capture from a large x86_64",
            "machine replays better on --machine pc-x86_64 (8 GiB) than on the 1 GiB",
            "default."})
final class ReplayCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machineOptions;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "the trace: the text of /sys/kernel/tracing/trace or trace_pipe; - reads standard input")
    String file;

    @Option(names = "--json", description = "print the report as one JSON document (host timing in elapsedNanos)")
    boolean json;

    @Override
    public Integer call() {
        Path path = file.equals("-") ? null : Path.of(file);
        if (path != null && !Files.isRegularFile(path)) {
            throw new UsageException(file + ": " + (Files.exists(path) ? "not a regular file" : "no such file"));
        }
        Machine machine = machineOptions.machine();
        PrintWriter out = spec.commandLine().getOut();
        ReplaySummary summary;
        try (Kernel k = BootCommand.boot(machine)) {
            summary = path == null
                    ? TraceReplay.replay(k, new BufferedReader(new InputStreamReader(System.in,
                            StandardCharsets.ISO_8859_1)), "standard input")
                    : TraceReplay.replay(k, path);
        } catch (IOException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
        if (json) {
            try {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            out.print(summary.text());
            out.print(summary.timing());
        }
        out.flush();
        return summary.verify().isEmpty() ? 0 : 1;
    }
}
