package dev.kmm.core.of;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * What the kernel learns from the device tree before it has an allocator: the boot parameters that
 * drivers/of/fdt.c's {@code early_init_dt_scan_nodes} and {@code early_init_fdt_scan_reserved_mem},
 * drivers/of/of_numa.c under drivers/base/arch_numa.c, and the CPU enumeration of {@code smp_init_cpus}
 * gather, in Linux 6.1's semantics. Immutable.
 *
 * <p>Where the kernel logs a problem and carries on (a skipped reserved-memory node, a NUMA layout it
 * abandons), so does the scan, and the kernel's message is kept in {@link #warnings()}. Only what would make
 * the kernel loop or read out of bounds raises {@link InvalidDeviceTreeException}.
 *
 * @param dtRootAddrCells   {@code dt_root_addr_cells}: the root's {@code #address-cells} (default 1)
 * @param dtRootSizeCells   {@code dt_root_size_cells}: the root's {@code #size-cells} (default 1)
 * @param machineName       {@code of_flat_dt_get_machine_name}: root {@code model}, else its first
 *                          {@code compatible}
 * @param machineCompatible the root's {@code compatible} strings
 * @param chosenFound       whether {@code /chosen} (or {@code /chosen@0}) exists
 * @param bootArgs          the command line from {@code /chosen/bootargs}, empty without one
 * @param initrd            {@code linux,initrd-start}/{@code -end}, when both exist and start <= end
 * @param memory            RAM ranges in scan order, each with its NUMA node
 * @param memReserve        the blob's memory reservation block ({@code /memreserve/})
 * @param reservedMem       the {@code /reserved-memory} regions saved for placement
 * @param cpus              every CPU node under {@code /cpus}, available or not
 * @param arch              the architecture the CPUs' {@code compatible} strings imply, if they agree
 * @param numa              the NUMA layout {@code arch_numa_init} settles on
 * @param warnings          the kernel's messages for what it skipped or ignored, in order
 */
public record EarlyScan(int dtRootAddrCells, int dtRootSizeCells, Optional<String> machineName,
                        List<String> machineCompatible, boolean chosenFound, String bootArgs,
                        Optional<Initrd> initrd, List<MemoryBank> memory, List<FdtReserveEntry> memReserve,
                        List<ReservedMemRegion> reservedMem, List<CpuNode> cpus, Optional<CpuArch> arch,
                        NumaConfig numa, List<String> warnings) {

    /** {@code NUMA_NO_NODE}. */
    public static final int NUMA_NO_NODE = -1;
    /**
     * {@code MAX_NUMNODES} used by {@link #scan(Fdt)}: {@code 1 << CONFIG_NODES_SHIFT} with arm64's default
     * {@code NODES_SHIFT} of 4.
     */
    public static final int MAX_NUMNODES = 1 << 4;
    /** Largest {@code MAX_NUMNODES} the kernel configures ({@code NODES_SHIFT} 10). */
    public static final int MAX_NUMNODES_LIMIT = 1 << 10;
    private static final String FDT = "OF: fdt: ";

    /** The initial ramdisk's physical range {@code [start, end)}. */
    public record Initrd(long start, long end) {
        /** {@code phys_initrd_size}. */
        public long size() {
            return end - start;
        }
    }

    /** Scans with {@link #MAX_NUMNODES}. */
    public static EarlyScan scan(Fdt fdt) {
        return scan(fdt, MAX_NUMNODES);
    }

    /**
     * Scans {@code fdt} as the kernel's early boot does.
     *
     * @param maxNumNodes {@code MAX_NUMNODES}, 1 to {@link #MAX_NUMNODES_LIMIT}
     * @throws InvalidDeviceTreeException when the root's {@code #address-cells} and {@code #size-cells} are both
     *                                    0, on which the kernel's memory scan would never advance
     */
    public static EarlyScan scan(Fdt fdt, int maxNumNodes) {
        if (maxNumNodes < 1 || maxNumNodes > MAX_NUMNODES_LIMIT) {
            throw new IllegalArgumentException("MAX_NUMNODES " + maxNumNodes + " outside 1.." + MAX_NUMNODES_LIMIT);
        }
        List<String> warnings = new ArrayList<>();
        FdtNode root = fdt.root();
        int na = earlyInitDtScanRootAddrCells(root);
        int ns = root.u32("#size-cells").orElse(FdtNode.OF_ROOT_NODE_SIZE_CELLS_DEFAULT);

        Optional<FdtNode> chosen = fdt.node("/chosen").or(() -> fdt.node("/chosen@0"));
        if (chosen.isEmpty()) {
            warnings.add(FDT + "No chosen node found, continuing without");
        }
        String bootArgs = chosen.map(EarlyScan::earlyInitDtScanChosenBootArgs).orElse("");
        Optional<Initrd> initrd = chosen.flatMap(EarlyScan::earlyInitDtCheckForInitrd);
        List<MemoryBank> memory = earlyInitDtScanMemory(root, na, ns, warnings);
        List<ReservedMemRegion> reserved = OfReservedMem.fdtScanReservedMem(fdt, na, ns, warnings);
        OfNuma.Result numa = OfNuma.archNumaInit(fdt, memory, maxNumNodes, warnings);
        List<CpuNode> cpus = ofParseCpus(fdt, maxNumNodes);

        Optional<String> model = root.property("model").map(FdtProperty::cString);
        List<String> machineCompatible = root.isCompatibleListWellFormed() ? root.compatible() : List.of();
        Optional<String> machineName = model.or(() -> root.property("compatible").map(FdtProperty::cString));
        return new EarlyScan(na, ns, machineName, machineCompatible, chosen.isPresent(), bootArgs, initrd,
                List.copyOf(numa.banks()), fdt.memReserve(), reserved, List.copyOf(cpus), inferArch(cpus, warnings),
                numa.config(), List.copyOf(warnings));
    }

    /** {@code early_init_dt_scan_root}, refusing the cell counts on which the memory scan cannot advance. */
    private static int earlyInitDtScanRootAddrCells(FdtNode root) {
        int na = root.u32("#address-cells").orElse(FdtNode.OF_ROOT_NODE_ADDR_CELLS_DEFAULT);
        int ns = root.u32("#size-cells").orElse(FdtNode.OF_ROOT_NODE_SIZE_CELLS_DEFAULT);
        if (na + ns == 0) {
            long at = root.property("#address-cells").map(FdtProperty::offset).orElse(-1L);
            throw new InvalidDeviceTreeException(at,
                    "root #address-cells and #size-cells are both 0: memory entries cannot be decoded");
        }
        return na;
    }

    /**
     * {@code early_init_dt_scan_chosen}'s command line: {@code strscpy(cmdline, bootargs, len)} copies up to
     * the first NUL and at most {@code len - 1} bytes.
     */
    private static String earlyInitDtScanChosenBootArgs(FdtNode chosen) {
        Optional<FdtProperty> p = chosen.property("bootargs");
        if (p.isEmpty() || p.get().isEmpty()) {
            return "";
        }
        byte[] v = p.get().value();
        int n = 0;
        while (n < v.length - 1 && v[n] != 0) {
            n++;
        }
        return new String(v, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * {@code early_init_dt_check_for_initrd}: both properties read with {@code of_read_number(prop, len/4)}
     * (so a u32 or a u64), and ignored when start > end.
     */
    private static Optional<Initrd> earlyInitDtCheckForInitrd(FdtNode chosen) {
        Optional<FdtProperty> s = chosen.property("linux,initrd-start");
        Optional<FdtProperty> e = chosen.property("linux,initrd-end");
        if (s.isEmpty() || e.isEmpty()) {
            return Optional.empty();
        }
        long start = s.get().readNumber(0, s.get().length() / 4);
        long end = e.get().readNumber(0, e.get().length() / 4);
        return Long.compareUnsigned(start, end) > 0 ? Optional.empty() : Optional.of(new Initrd(start, end));
    }

    /**
     * {@code early_init_dt_scan_memory}: available children of the root with {@code device_type = "memory"};
     * {@code linux,usable-memory} in place of {@code reg} when present; zero sizes skipped; cells left over after
     * the last whole entry ignored.
     */
    private static List<MemoryBank> earlyInitDtScanMemory(FdtNode root, int na, int ns, List<String> warnings) {
        List<MemoryBank> banks = new ArrayList<>();
        for (FdtNode node : root.children()) {
            if (!node.isType("memory") || !node.isAvailable()) {
                continue;
            }
            Optional<FdtProperty> reg = node.property("linux,usable-memory").or(() -> node.property("reg"));
            if (reg.isEmpty()) {
                continue;
            }
            boolean hotpluggable = node.hasProperty("hotpluggable");
            int cells = reg.get().length() / 4;
            int i = 0;
            for (; cells - i >= na + ns; i += na + ns) {
                long base = reg.get().readNumber(i, na);
                long size = reg.get().readNumber(i + na, ns);
                if (size != 0) {
                    banks.add(new MemoryBank(base, size, NUMA_NO_NODE, hotpluggable, node.path()));
                }
            }
            if (i * 4 != reg.get().length()) {
                warnings.add("memory node " + node.path() + ": " + (reg.get().length() - i * 4)
                        + " trailing byte(s) of '" + reg.get().name() + "' form no whole entry; ignored");
            }
        }
        return banks;
    }

    /** {@code for_each_of_cpu_node} with {@code of_get_cpu_hwid} and {@code of_node_to_nid}. */
    private static List<CpuNode> ofParseCpus(Fdt fdt, int maxNumNodes) {
        Optional<FdtNode> cpusNode = fdt.node("/cpus");
        if (cpusNode.isEmpty()) {
            return List.of();
        }
        int ac = cpusNode.get().addressCells();
        List<CpuNode> cpus = new ArrayList<>();
        for (FdtNode cpu : cpusNode.get().children()) {
            if (!cpu.nodeName().equals("cpu") && !cpu.isType("cpu")) {
                continue;
            }
            Optional<FdtProperty> reg = cpu.property("reg");
            long hwid = reg.isEmpty() || ac == 0 || reg.get().length() < 4 * ac ? -1L : reg.get().readNumber(0, ac);
            List<String> compatible = cpu.isCompatibleListWellFormed() ? cpu.compatible() : List.of();
            cpus.add(new CpuNode(cpu.path(), hwid, compatible, ofNodeToNid(cpu, maxNumNodes), cpu.isAvailable()));
        }
        return cpus;
    }

    /** {@code of_node_to_nid}: the nearest {@code numa-node-id} up the tree, if valid. */
    private static int ofNodeToNid(FdtNode node, int maxNumNodes) {
        for (FdtNode n = node; n != null; n = n.parent().orElse(null)) {
            long nid = OfNuma.ofPropertyReadU32(n, "numa-node-id");
            if (nid == -1) {
                continue;
            }
            return nid >= 0 && nid < maxNumNodes ? (int) nid : NUMA_NO_NODE;
        }
        return NUMA_NO_NODE;
    }

    private static Optional<CpuArch> inferArch(List<CpuNode> cpus, List<String> warnings) {
        LinkedHashSet<CpuArch> seen = new LinkedHashSet<>();
        for (CpuNode cpu : cpus) {
            for (String c : cpu.compatible()) {
                CpuArch.ofCompatible(c).ifPresent(seen::add);
            }
        }
        if (seen.size() > 1) {
            warnings.add("CPU compatible strings imply different architectures " + seen + "; none inferred");
            return Optional.empty();
        }
        return seen.stream().findFirst();
    }

    /** CPUs whose {@code status} makes them available ({@code of_fdt_device_is_available}). */
    public int cpuCount() {
        int n = 0;
        for (CpuNode cpu : cpus) {
            n += cpu.available() ? 1 : 0;
        }
        return n;
    }

    /** The distinct {@code compatible} strings of all CPU nodes, in first-seen order. */
    public List<String> cpuCompatibles() {
        LinkedHashSet<String> all = new LinkedHashSet<>();
        for (CpuNode cpu : cpus) {
            all.addAll(cpu.compatible());
        }
        return List.copyOf(all);
    }

    /** Total bytes of RAM over all banks. */
    public long memoryTotal() {
        long total = 0;
        for (MemoryBank b : memory) {
            total += b.size();
        }
        return total;
    }
}
