package dev.kmm.stress;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.boot.DeviceTreeMachine;
import dev.kmm.core.boot.E820Machine;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.e820.E820Dmesg;
import dev.kmm.core.e820.E820FormatException;
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

        @Option(names = "--e820", paramLabel = "FILE",
                description = "boot an x86_64 machine with the memory map of this dmesg text: its "
                        + "'BIOS-e820: [mem ...] usable|reserved|ACPI data|ACPI NVS' lines, and NUMA nodes from its "
                        + "'ACPI: SRAT: Node N PXM P [mem ...]' lines (default 1 CPU: --cpus)")
        Path e820;
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
        if (arch != null && tree == null && (source == null || source.e820 == null)) {
            throw new UsageException("--arch applies to --dtb, --dts and --e820 only; a built-in machine has its own");
        }
        if (cpus != null && cpus < 1) {
            throw new UsageException("--cpus: must be at least 1, got " + cpus);
        }
        Machine.Builder b;
        Machine base = null;
        if (source != null && source.e820 != null) {
            b = e820(source.e820);
            if (mem != null) {
                throw new UsageException("--mem: an e820 map fixes the RAM; use --bootargs mem=SIZE to limit it");
            }
        } else if (tree == null) {
            try {
                base = Machines.byName(source == null || source.machine == null ? Machines.DEFAULT : source.machine);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--machine: " + e.getMessage());
            }
            b = mem == null ? base.toBuilder() : resized(base, Options.size("--mem", mem));
        } else {
            b = deviceTree(tree);
        }
        try {
            if (!config.isEmpty()) {
                b.config(config.toArray(String[]::new));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--config: " + e.getMessage());
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

    /**
     * A built-in with {@code size} bytes of RAM: a PC's memory map as QEMU would lay it out for that size
     * (low RAM, the PCI hole, RAM above 4 GiB); a one-bank board's bank from its start. A NUMA machine's
     * layout is fixed.
     */
    private Machine.Builder resized(Machine base, long size) {
        if (base.numa().isPresent()) {
            throw new UsageException("--mem: " + base.name() + " has a fixed NUMA layout; use --bootargs mem=SIZE");
        }
        if (base.arch() == Arch.X86_64) {
            try {
                return Machines.pcX86_64(size, base.cpus()).toBuilder().bootArgs(base.bootArgs());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--mem: " + e.getMessage());
            }
        }
        return base.toBuilder().clearMemory().ram(base.ram().getFirst().base(), size);
    }

    /** The builder of the machine an e820 dmesg describes, every failure one line. */
    private Machine.Builder e820(Path file) {
        if (arch != null && Options.arch(arch) != Arch.X86_64) {
            throw new UsageException("--arch: an e820 map describes an x86_64 machine, not " + arch);
        }
        try {
            E820Dmesg map = E820Dmesg.read(file);
            return E820Machine.builder(file.getFileName().toString(), map, cpus == null ? 1 : cpus);
        } catch (NoSuchFileException e) {
            throw new UsageException("--e820 " + file + ": no such file");
        } catch (IOException | E820FormatException | IllegalArgumentException e) {
            throw new UsageException("--e820 " + file + ": " + oneLine(String.valueOf(e.getMessage())));
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
