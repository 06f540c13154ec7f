package dev.kmm.stress;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code kmm} command. */
@Command(name = "kmm", mixinStandardHelpOptions = true, version = "kmm 0.1.0",
        description = "The Linux 6.1 memory-management subsystem, simulated.")
public final class KmmCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static int execute(String... args) {
        return new CommandLine(new KmmCommand()).execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
