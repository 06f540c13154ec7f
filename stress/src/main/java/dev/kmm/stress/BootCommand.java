package dev.kmm.stress;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machine;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kmm boot}: boot a simulated machine and print its boot lines and views. */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = {
            "Boot a simulated machine the way Linux 6.1 boots and print the kernel's boot lines for memory,",
            "then each view asked for with --show.",
            "",
            "Views: zoneinfo, buddyinfo, pagetypeinfo, meminfo, vmstat, iomem (/proc) and memblock (debugfs",
            "memblock/memory and reserved), in Linux 6.1's exact text.",
            "",
            "Built-in machines: vexpress-a9 (the default: Cortex-A9 x4, 1 GiB at 0x60000000, VMSPLIT_3G, HIGHMEM),",
            "virt-arm64 (QEMU virt, Cortex-A57 x4, 2 GiB), pc-x86_64 (QEMU PC, 8 GiB, 4 CPUs) and numa2-x86_64 (the",
            "same PC as two SRAT nodes).",
            "On arm the 'Virtual kernel memory layout:' block follows the 'Memory:' line, in the format of the last",
            "kernel that printed it (5.0); 6.1 itself no longer prints it.",
            "",
            "--dtb FILE or --dts FILE boots the machine a device tree describes:",
            "its memory, reservations, CPUs, /chosen bootargs and initrd, with the",
            "architecture its CPUs' compatible strings imply unless --arch names it,",
            "and the blob where QEMU's arm loader puts it. --cpus, --mem, --bootargs",
            "and --config override the tree. A tree kmm cannot boot yet (an",
            "architecture not ported) is refused in one line with exit code 2."})
final class BootCommand implements Callable<Integer> {
    /** The views --show knows, in the order they print. */
    static final List<String> VIEWS = List.of("zoneinfo", "buddyinfo", "pagetypeinfo", "meminfo", "vmstat", "iomem",
            "memblock");

    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machineOptions;

    @Option(names = "--show", split = ",", paramLabel = "VIEW",
            description = "views to print after the boot lines: ${COMPLETION-CANDIDATES}", completionCandidates = ViewNames.class)
    List<String> show = new ArrayList<>();

    @Option(names = {"-q", "--quiet"}, description = "with exactly one --show view, print that view's text alone")
    boolean quiet;

    static final class ViewNames extends ArrayList<String> {
        ViewNames() {
            super(VIEWS);
        }
    }

    @Override
    public Integer call() {
        Set<String> views = new LinkedHashSet<>();
        for (String v : show) {
            String name = v.trim().toLowerCase(Locale.ROOT);
            if (!VIEWS.contains(name)) {
                throw new UsageException("--show: unknown view '" + v + "'; views: " + String.join(", ", VIEWS));
            }
            views.add(name);
        }
        if (quiet && views.size() != 1) {
            throw new UsageException("--quiet prints one view alone: give exactly one --show VIEW");
        }
        Machine machine = machineOptions.machine();
        PrintWriter out = spec.commandLine().getOut();
        try (Kernel k = boot(machine)) {
            if (!quiet) {
                printBootLines(k, out);
            }
            for (String v : views) {
                if (!quiet) {
                    out.println();
                    out.println("==> " + viewPath(v) + " <==");
                }
                out.print(view(k, v));
            }
        }
        out.flush();
        return 0;
    }

    /** The booted kernel; an architecture whose boot is not ported is refused as bad input (exit 2). */
    static Kernel boot(Machine machine) {
        try {
            return Kernel.boot(machine);
        } catch (UnsupportedOperationException e) {
            throw refusal(machine, e);
        }
    }

    /** {@code e} from booting {@code machine}: bad input (exit 2) when its boot is not ported, else as it is. */
    static RuntimeException refusal(Machine machine, UnsupportedOperationException e) {
        if (e.getMessage() == null || !e.getMessage().contains("not ported")) {
            return e;
        }
        return new UsageException("cannot boot " + machine.name() + ": " + e.getMessage());
    }

    private static void printBootLines(Kernel k, PrintWriter out) {
        for (String line : k.dmesg()) {
            out.println(line);
            if (k.machine().arch() == Arch.ARM && line.startsWith("Memory: ")) {
                out.print(k.addressSpace().virtualKernelMemoryLayout(k.addressSpace().armLowmemLimit()));
            }
        }
    }

    static String viewPath(String view) {
        return switch (view) {
            case "memblock" -> "/sys/kernel/debug/memblock/{memory,reserved}";
            default -> "/proc/" + view;
        };
    }

    static String view(Kernel k, String view) {
        return switch (view) {
            case "memblock" -> "memory:\n" + k.proc("/sys/kernel/debug/memblock/memory")
                    + "reserved:\n" + k.proc("/sys/kernel/debug/memblock/reserved");
            default -> k.proc("/proc/" + view);
        };
    }
}
