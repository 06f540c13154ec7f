package dev.kmm.stress;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.boot.DeviceTreeMachine;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.of.InvalidDeviceTreeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The options that choose and shape the simulated machine, shared by the subcommands that boot one. */
final class MachineOptions {
    /** Where the machine comes from: a built-in, or a device tree. At most one. */
    static final class Source {
        @Option(names = "--machine", paramLabel = "NAME",
                description = "a built-in machine (default: " + Machines.DEFAULT + ")")
        String machine;

        @Option(names = "--dtb", paramLabel = "FILE", description = "boot the machine this device tree blob describes")
        Path dtb;

        @Option(names = "--dts", paramLabel = "FILE",
                description = "boot the machine this device tree source describes (compiled with dtc)")
        Path dts;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    @Option(names = "--arch", paramLabel = "ARCH",
            description = "with --dtb/--dts: arm or arm64, overriding what the CPUs' compatible strings imply "
                    + "(arm64 is refused on 32-bit-only CPUs)")
    String arch;

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
        Path tree = source == null ? null : source.dtb != null ? source.dtb : source.dts;
        if (arch != null && tree == null) {
            throw new UsageException("--arch applies to --dtb and --dts only; a built-in machine has its own");
        }
        if (cpus != null && cpus < 1) {
            throw new UsageException("--cpus: must be at least 1, got " + cpus);
        }
        Machine.Builder b;
        long ramStart;
        Machine base = null;
        if (tree == null) {
            try {
                base = Machines.byName(source == null || source.machine == null ? Machines.DEFAULT : source.machine);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--machine: " + e.getMessage());
            }
            b = base.toBuilder();
            ramStart = base.ram().getFirst().base();
        } else {
            b = deviceTree(tree);
            ramStart = -1;
        }
        try {
            if (!config.isEmpty()) {
                b.config(config.toArray(String[]::new));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--config: " + e.getMessage());
        }
        if (mem != null && base != null) {
            b.clearMemory().ram(ramStart, Options.size("--mem", mem));
        }
        if (cpus != null && base != null) {
            b.cpus(cpus);
        }
        if (bootargs != null) {
            b.bootArgs(bootargs);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(tree == null ? e.getMessage() : option() + " " + tree + ": " + e.getMessage());
        }
    }

    private String option() {
        return source.dtb != null ? "--dtb" : "--dts";
    }

    /** The builder of the device tree's machine, every failure one line. */
    private Machine.Builder deviceTree(Path file) {
        String what = option() + " " + file + ": ";
        if (!Files.isRegularFile(file)) {
            throw new UsageException(what + (Files.exists(file) ? "not a regular file" : "no such file"));
        }
        Optional<Arch> a = Optional.ofNullable(arch).map(Options::arch);
        OptionalLong ram = mem == null ? OptionalLong.empty() : OptionalLong.of(Options.size("--mem", mem));
        OptionalInt n = cpus == null ? OptionalInt.empty() : OptionalInt.of(cpus);
        try {
            byte[] blob = source.dts != null ? DeviceTreeMachine.readDts(file) : DeviceTreeMachine.readDtb(file);
            return DeviceTreeMachine.builder(blob, new DeviceTreeMachine.Overrides(a, ram, n));
        } catch (NoSuchFileException e) {
            throw new UsageException(what + "no such file");
        } catch (IOException | InvalidDeviceTreeException | IllegalArgumentException e) {
            throw new UsageException(what + oneLine(e.getMessage()));
        }
    }

    /** dtc's diagnostics may span lines; the CLI prints one. */
    private static String oneLine(String message) {
        return String.join("; ", message.strip().lines().map(String::strip).toList());
    }
}
