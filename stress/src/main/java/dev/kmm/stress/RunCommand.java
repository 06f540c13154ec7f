package dev.kmm.stress;

import static dev.kmm.stress.HelpText.wrap;

import dev.kmm.core.boot.Machine;
import dev.kmm.stress.report.Pictures;
import dev.kmm.stress.report.Report;
import dev.kmm.stress.run.Durations;
import dev.kmm.stress.run.RunConfig;
import dev.kmm.stress.run.Runner;
import dev.kmm.stress.run.WorkloadKind;
import java.io.Console;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kmm run}: boot a machine, run a workload on its page allocator, and report. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Boot a simulated machine, run a workload on its page allocator, and report.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machineOptions;

    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "mixed",
            description = "the workload: ${COMPLETION-CANDIDATES} (default: mixed)",
            completionCandidates = WorkloadNames.class)
    String workload;

    @Option(names = "--ops", paramLabel = "N", description = "steps to run, over all threads")
    Long ops;

    @Option(names = "--duration", paramLabel = "D",
            description = "run for this long instead (500ms, 5s, 2m); not reproducible")
    String duration;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "worker threads: 1 (deterministic, the default) or up to the CPUs (parallel)")
    int threads;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "seed of every random choice (default: 1)")
    long seed;

    @Mixin
    ReportOptions reportOptions;

    static final class WorkloadNames extends ArrayList<String> {
        WorkloadNames() {
            super(WorkloadKind.names());
        }
    }

    /** The help text's description, with every workload's, in lines of at most {@value HelpText#WIDTH} columns. */
    static String[] description() {
        List<String> d = new ArrayList<>();
        d.add("Run a workload on a booted machine's page allocator and print the report.");
        d.add("");
        wrap(d, "", "The machine boots as with 'kmm boot' (same options); the workload runs across its CPUs. The "
                + "report: operations, allocation failures by order and by GFP mask, the pcp hit rate, fallbacks "
                + "and pageblock steals, /proc/buddyinfo after boot and at the end of the workload, debugfs "
                + "extfrag/unusable_index and extfrag/extfrag_index at the end, warn_alloc lines, the result of "
                + "Kernel.verify(), and host timings in a section of their own.");
        d.add("");
        d.add("Workloads (default steps in brackets):");
        for (WorkloadKind k : WorkloadKind.values()) {
            wrap(d, String.format("  %-9s ", k.id()), "[" + k.defaultSteps() + "] " + k.description());
        }
        d.add("");
        wrap(d, "", "Determinism: with one thread (the default) the thread drives every CPU, switching among them "
                + "in time slices of 1 to 64 steps in an order the seed decides, so the same machine, workload, "
                + "--ops and --seed print the same report byte for byte, timing section aside (--no-timing leaves "
                + "it out). --duration and --threads N > 1 are not reproducible: a timed run stops when the host "
                + "clock says so, and N threads (parallel mode, thread i owning the CPUs whose number modulo N is "
                + "i) race as CPUs do; a thread with one CPU frees nothing remotely. warn_alloc keeps the kernel's "
                + "rate limit of one warning per 10 s of host time, so runs longer than that may print different "
                + "warn_alloc lines.");
        d.add("");
        wrap(d, "", "End of workload ('after'): the views are read when the last step has returned, with the "
                + "workload's blocks still held and the pcp lists as they were. Then every block still held is "
                + "freed, every CPU's pcp lists are drained, and Kernel.verify() checks the allocator; the buddy "
                + "lists must hold the free pages of the start again.");
        d.add("");
        wrap(d, "", "pcp hit rate: of the successful single allocations of order 0 to 3 (the orders the per-CPU "
                + "lists serve), the share during which no kmem:mm_page_alloc_zone_locked event fired: served "
                + "from a per-CPU list without taking zone->lock (a pcp refill or a buddy allocation is a miss). "
                + "Bulk bursts are counted in their own section.");
        d.add("");
        wrap(d, "", "Allocation failures are results, not errors: the exit code is 0 unless verify() finds a "
                + "problem (1). A progress bar (steps, steps/s, free pages) is drawn on stderr when the console is "
                + "a terminal, unless --json.");
        d.add("");
        return d.toArray(String[]::new);
    }

    @Override
    public Integer call() {
        WorkloadKind kind;
        try {
            kind = WorkloadKind.byName(workload);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (ops != null && duration != null) {
            throw new UsageException("--ops and --duration: give one of them");
        }
        if (ops != null && ops < 1) {
            throw new UsageException("--ops: must be at least 1, got " + ops);
        }
        long durationNanos;
        try {
            durationNanos = duration == null ? 0 : Durations.parseNanos(duration);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (threads < 1) {
            throw new UsageException("--threads: must be at least 1, got " + threads);
        }
        List<String> paths = reportOptions.showPaths();
        long steps = duration != null ? 0 : ops != null ? ops : kind.defaultSteps();
        Machine machine = machineOptions.machine();
        Console console = System.console();
        boolean progress = !reportOptions.json && console != null && console.isTerminal();
        RunConfig config = new RunConfig(kind, steps, durationNanos, threads, seed, paths, progress);
        Pictures pictures = reportOptions.pictures();
        Report result;
        try {
            result = Runner.run(machine, config, pictures);
        } catch (UnsupportedOperationException e) {
            throw BootCommand.refusal(machine, e);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return reportOptions.print(spec, result, pictures);
    }
}
