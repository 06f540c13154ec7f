package dev.kmm.stress;

import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.Machines;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that choose and shape the simulated machine, shared by the subcommands that boot one. */
final class MachineOptions {
    @Option(names = "--machine", paramLabel = "NAME", defaultValue = Machines.DEFAULT,
            description = "a built-in machine (default: ${DEFAULT-VALUE})")
    String machine;

    @Option(names = "--config", paramLabel = "NAME=VALUE",
            description = "a kernel config choice, e.g. CONFIG_HIGHMEM=n (repeatable)")
    List<String> config = new ArrayList<>();

    @Option(names = "--mem", paramLabel = "SIZE", description = "RAM size (K, M, G suffixes), from the start of RAM")
    String mem;

    @Option(names = "--cpus", paramLabel = "N", description = "number of CPUs (default: the machine's)")
    Integer cpus;

    @Option(names = "--bootargs", paramLabel = "ARGS",
            description = "the kernel command line, replacing the machine's (e.g. \"mem=512M vmalloc=128M\")")
    String bootargs;

    /** The machine these options describe. */
    Machine machine() {
        Machine base;
        try {
            base = Machines.byName(machine);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--machine: " + e.getMessage());
        }
        Machine.Builder b = base.toBuilder();
        try {
            if (!config.isEmpty()) {
                b.config(base.config().with(config));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--config: " + e.getMessage());
        }
        if (mem != null) {
            long size = Options.size("--mem", mem);
            long start = base.ram().getFirst().base();
            b.clearMemory().ram(start, size);
        }
        if (cpus != null) {
            if (cpus < 1) {
                throw new UsageException("--cpus: must be at least 1, got " + cpus);
            }
            b.cpus(cpus);
        }
        if (bootargs != null) {
            b.bootArgs(bootargs);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
