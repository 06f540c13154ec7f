package dev.kmm.stress;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of the {@code kmm} command. Exit codes: 0 success, 1 the simulated kernel reported a failure,
 * 2 bad usage, 3 an internal error (a bug in kmm: rerun with --verbose and report the stack trace).
 */
@Command(name = "kmm", mixinStandardHelpOptions = true, version = "kmm 0.1.0 (Linux 6.1 memory management)",
        description = {"The Linux 6.1 memory-management subsystem, simulated.",
            "Without a subcommand, kmm runs the mixed workload on the default machine",
            "and prints the report, as 'kmm run' does."},
        subcommands = {BootCommand.class, RunCommand.class, ReplayCommand.class, LayoutCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the simulated kernel reported a failure", "2:bad usage",
            "3:internal error (rerun with --verbose for the stack trace)"})
public final class KmmCommand implements Callable<Integer> {
    static final int EXIT_USAGE = 2;
    static final int EXIT_INTERNAL = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "print stack traces of errors")
    boolean verbose;

    /** {@code kmm} alone: {@code kmm run}, the mixed workload's default steps on the default machine. */
    @Override
    public Integer call() {
        return spec.commandLine().getSubcommands().get("run").execute();
    }

    /** Builds the command line with kmm's error handling: one line per error, a stack trace only with --verbose. */
    public static CommandLine commandLine() {
        KmmCommand root = new KmmCommand();
        CommandLine cl = new CommandLine(root);
        cl.getSubcommands().get("run").getCommandSpec().usageMessage().description(RunCommand.description());
        cl.getSubcommands().get("replay").getCommandSpec().usageMessage().description(ReplayCommand.description());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            boolean usage = ex instanceof UsageException || ex instanceof IllegalArgumentException;
            err.println("kmm: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            if (root.verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return usage ? EXIT_USAGE : EXIT_INTERNAL;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("kmm: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return EXIT_USAGE;
        });
        return cl;
    }

    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
