package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.e820.E820Dmesg;
import dev.kmm.core.e820.E820Entry;
import dev.kmm.core.e820.E820Type;
import dev.kmm.core.e820.SratMemAffinity;
import java.util.ArrayList;
import java.util.List;

/**
 * An x86_64 machine from the memory map a kernel printed: the {@code BIOS-e820:} lines of a dmesg (as
 * {@link E820Dmesg} reads them) become the firmware's e820 table, and its {@code ACPI: SRAT: Node N PXM P
 * [mem ...]} lines, when there are any, the NUMA nodes (distances 10 and 20: a dmesg does not print the
 * SLIT). The kernel is {@code x86_64_defconfig}'s, as for the built-in PCs; there is no initrd, since a
 * dmesg's map does not say where one was, and the CPU count is the caller's (a dmesg's e820 lines do not
 * say it either).
 */
public final class E820Machine {
    private E820Machine() {
    }

    /**
     * The machine {@code map} describes, named {@code name}, with {@code cpus} CPUs.
     *
     * @throws IllegalArgumentException when the map has no usable RAM, or an e820 type the machine model
     *                                  does not know (kmm keeps RAM, reserved, ACPI data and ACPI NVS ranges)
     */
    public static Machine.Builder builder(String name, E820Dmesg map, int cpus) {
        Machine.Builder b = Machine.builder(name, KernelConfig.defconfig(Arch.X86_64))
                .clearMemory()
                .cpus(cpus)
                .bootArgs("console=ttyS0")
                .noInitrd()
                .image(KernelImage.x86_64Defconfig());
        boolean ram = false;
        for (E820Entry e : map.table().entries()) {
            MemoryRange.Type type = switch (e.type()) {
                case E820Type.E820_TYPE_RAM -> MemoryRange.Type.RAM;
                case E820Type.E820_TYPE_RESERVED -> MemoryRange.Type.RESERVED;
                case E820Type.E820_TYPE_ACPI -> MemoryRange.Type.ACPI;
                case E820Type.E820_TYPE_NVS -> MemoryRange.Type.NVS;
                default -> throw new IllegalArgumentException(String.format(
                        "e820 entry [mem %#018x-%#018x] %s: kmm models usable, reserved, ACPI data and ACPI NVS",
                        e.addr(), e.last(), E820Type.e820PrintType(e.type())));
            };
            if (type == MemoryRange.Type.RAM) {
                b.ram(e.addr(), e.size());
                ram = true;
            } else {
                b.firmware(e.addr(), e.size(), type);
            }
        }
        if (!ram) {
            throw new IllegalArgumentException("the e820 map has no usable RAM");
        }
        if (!map.srat().isEmpty()) {
            List<NumaTopology.NodeMemory> nodes = new ArrayList<>();
            int maxNode = 0;
            for (SratMemAffinity a : map.srat()) {
                nodes.add(new NumaTopology.NodeMemory(a.node(), a.start(), a.size(), a.hotplug()));
                maxNode = Math.max(maxNode, a.node());
            }
            b.numa(NumaTopology.uniform(maxNode + 1, nodes));
            int[] cpuNodes = new int[cpus];
            for (int cpu = 0; cpu < cpus; cpu++) {
                cpuNodes[cpu] = cpu * (maxNode + 1) / cpus; // CPUs spread evenly over the nodes, in order
            }
            b.cpuNodes(cpuNodes);
        }
        return b;
    }
}
