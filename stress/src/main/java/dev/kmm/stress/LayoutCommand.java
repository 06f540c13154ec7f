package dev.kmm.stress;

import dev.kmm.arena.addr.ArmLayoutVersion;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.addr.VmSplit;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kmm layout}: the kernel virtual address space of an architecture profile. */
@Command(name = "layout", mixinStandardHelpOptions = true,
        description = {
            "Print the kernel's virtual memory layout for an architecture profile.",
            "arm prints the boot-time 'Virtual kernel memory layout:' block (the format of the last kernel",
            "that printed it, 5.0), for the lowmem that --phys-offset and --mem give; arm64 and x86_64 print",
            "the tables of the kernel's Documentation (arm64/memory.rst, x86/x86_64/mm.rst)."})
final class LayoutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--arch", defaultValue = "arm", description = "arm, arm64 or x86_64 (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--vmsplit", defaultValue = "3G",
            description = "arm user/kernel split: 3G, 3G_OPT, 2G or 1G (default: ${DEFAULT-VALUE})")
    String vmsplit;

    @Option(names = "--phys-offset", description = "start of RAM (arm: PHYS_OFFSET, default 0x60000000; "
            + "arm64: lowest RAM address, default 0x40000000)")
    String physOffset;

    @Option(names = "--mem", defaultValue = "1G", description = "RAM size on arm, as mem= takes it (default: ${DEFAULT-VALUE})")
    String mem;

    @Option(names = "--layout-version", defaultValue = "6.1",
            description = "arm constants of kernel 6.1 or 4.14 (VMALLOC_END, fixmap; default: ${DEFAULT-VALUE})")
    String layoutVersion;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        switch (Options.arch(arch)) {
            case X86_64 -> out.print(KernelAddressSpace.x86_64().virtualKernelMemoryLayout());
            case ARM64 -> out.print(KernelAddressSpace.arm64(Options.address("--phys-offset", physOffset, 0x4000_0000L))
                    .virtualKernelMemoryLayout());
            case ARM -> {
                long start = Options.address("--phys-offset", physOffset, 0x6000_0000L);
                KernelAddressSpace as = KernelAddressSpace.arm(vmSplit(), start, armVersion());
                // adjust_lowmem_bounds(): lowmem ends at the RAM's end or at vmalloc_min, whichever is lower.
                long lowmemEnd = Math.min(start + Options.size("--mem", mem), as.vmallocLimit());
                out.print(as.virtualKernelMemoryLayout(lowmemEnd));
            }
        }
        out.flush();
        return 0;
    }

    private VmSplit vmSplit() {
        try {
            return VmSplit.valueOf("VMSPLIT_" + vmsplit.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--vmsplit: '" + vmsplit + "' is not one of 3G, 3G_OPT, 2G, 1G");
        }
    }

    private ArmLayoutVersion armVersion() {
        return switch (layoutVersion) {
            case "6.1" -> ArmLayoutVersion.V6_1;
            case "4.14" -> ArmLayoutVersion.V4_14;
            default -> throw new UsageException("--layout-version: '" + layoutVersion + "' is not 6.1 or 4.14");
        };
    }
}
