package dev.kmm.stress;

import dev.kmm.stress.report.Pictures;
import dev.kmm.stress.report.Report;
import dev.kmm.stress.report.ReportJson;
import dev.kmm.stress.report.ReportText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The report options of {@code kmm run} and {@code kmm replay}, and the printing of the report they ask for. */
final class ReportOptions {
    @Option(names = "--show", split = ",", paramLabel = "VIEW",
            description = "more views at the end of the workload or trace: ${COMPLETION-CANDIDATES}",
            completionCandidates = BootCommand.ViewNames.class)
    List<String> show = new ArrayList<>();

    @Option(names = "--json", description = "print the report as one JSON document (host times under \"timing\")")
    boolean json;

    @Option(names = "--no-timing", description = "leave out the host timings")
    boolean noTiming;

    @Option(names = "--plot", paramLabel = "DIR",
            description = "write PNG pictures into DIR: free blocks per order over the allocator calls, and the "
                    + "pageblock map (migrate type and fill) at the end of the workload or trace")
    Path plot;

    /** The {@code Kernel.proc} paths of the --show views, each once, in the order given. */
    List<String> showPaths() {
        Set<String> views = new LinkedHashSet<>();
        for (String v : show) {
            String name = v.trim().toLowerCase(Locale.ROOT);
            if (!BootCommand.VIEWS.contains(name)) {
                throw new UsageException("--show: unknown view '" + v + "'; views: "
                        + String.join(", ", BootCommand.VIEWS));
            }
            views.add(name);
        }
        List<String> paths = new ArrayList<>();
        for (String v : views) {
            if (v.equals("memblock")) {
                paths.add("/sys/kernel/debug/memblock/memory");
                paths.add("/sys/kernel/debug/memblock/reserved");
            } else {
                paths.add("/proc/" + v);
            }
        }
        return paths;
    }

    /** What --plot draws, or null without it. */
    Pictures pictures() {
        return plot == null ? null : new Pictures();
    }

    /**
     * Prints {@code report} as text or JSON, writes the pictures (naming each file on stderr), and returns the exit
     * code: 1 when verify() found a problem.
     */
    int print(CommandSpec spec, Report report, Pictures pictures) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? ReportJson.render(report, !noTiming) : ReportText.render(report, !noTiming));
        out.flush();
        if (pictures != null) {
            PrintWriter err = spec.commandLine().getErr();
            try {
                for (Path png : pictures.write(plot)) {
                    err.println("kmm: wrote " + png);
                }
            } catch (IOException e) {
                throw new UsageException("--plot " + plot + ": cannot write the pictures: " + e.getMessage());
            }
            err.flush();
        }
        return report.verify().problems().isEmpty() ? 0 : 1;
    }
}
