package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.of.CpuArch;
import dev.kmm.core.of.CpuNode;
import dev.kmm.core.of.Dtc;
import dev.kmm.core.of.EarlyScan;
import dev.kmm.core.of.Fdt;
import dev.kmm.core.of.FdtReg;
import dev.kmm.core.of.FdtReserveEntry;
import dev.kmm.core.of.MemoryBank;
import dev.kmm.core.of.NumaConfig;
import dev.kmm.core.of.NumaMemblk;
import dev.kmm.core.of.ReservedMemRegion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A machine described by a flattened device tree, as QEMU's arm and arm64 boards boot a kernel with
 * {@code -dtb}: the memory, {@code /memreserve/} entries, {@code /reserved-memory} regions, CPUs, NUMA
 * layout, {@code /chosen} command line and initrd that {@link EarlyScan} finds, with the blob placed where
 * QEMU's loader puts it and the unflattened tree sized as Linux 6.1 sizes it ({@link UnflattenedTree}).
 *
 * <p><b>Architecture.</b> Inferred from the CPUs' {@code compatible} strings ({@link CpuArch}); a requested
 * architecture overrides the inference, except that an arm64 kernel cannot run on 32-bit-only cores.
 * ARMv8 cores may run a 32-bit arm kernel (AArch32), so {@code arm} on an arm64 tree is accepted.
 *
 * <p><b>Kernel configuration.</b> The architecture's defconfig. A tree whose root is compatible with
 * {@code arm,vexpress} gets the built-in {@link Machines#vexpressA9() vexpress-a9}'s overrides too
 * ({@code CONFIG_HIGHMEM=y}, {@code CONFIG_VMSPLIT_3G=y}), so the same board boots the same kernel either
 * way; any other tree gets the plain defconfig.
 *
 * <p><b>Placement</b> (QEMU hw/arm/boot.c). The loader base is the lowest RAM bank. With
 * {@code linux,initrd-start}/{@code -end} in {@code /chosen} (QEMU writes them when it loads an initrd), the
 * initrd is there and the blob follows its end; without, there is no initrd and the blob goes where QEMU
 * would have put an empty initrd: {@code base + min(ram_size / 2, 128 MiB)}. Either way the blob starts on
 * the next 4 KiB boundary on arm (32-bit kernels may trash the rest of the initrd's last page) and the next
 * 2 MiB boundary on arm64 (early arm64 kernels map the 2 MiB block around it). QEMU's rule of keeping the
 * initrd above the end of a loaded image whose size it knows is not modelled; it matters only for RAM
 * below 256 MiB. The blob's size is its header's {@code totalsize}.
 *
 * <p><b>Reserved memory.</b> A static region keeps its first {@code reg} entry, as {@code reserved_mem}
 * does; further entries are reserved the same way (a plain reservation, or a {@code no-map} region without
 * compatible). A dynamic region keeps only its first {@code alloc-ranges} entry.
 */
public final class DeviceTreeMachine {
    /** QEMU's initrd offset cap: {@code MIN(ram_size / 2, 128 MiB)}. */
    private static final long INITRD_OFFSET_CAP = 128L << 20;
    /** The vexpress compatible whose trees get the built-in vexpress-a9's config overrides. */
    static final String VEXPRESS = "arm,vexpress";

    private DeviceTreeMachine() {
    }

    /**
     * What a caller may impose on the tree, as QEMU's command line does.
     *
     * @param arch    the architecture to simulate; empty: inferred from the CPUs
     * @param ramSize replaces the tree's memory with one bank of this size at its lowest bank's base (QEMU's
     *                {@code -m}), before the blob is placed; empty: the tree's memory
     * @param cpus    the number of CPUs: the tree's first ones keep their NUMA nodes, any beyond the tree's
     *                go to node 0 (as {@code early_map_cpu_to_node} places a CPU without {@code numa-node-id});
     *                empty: the tree's available CPUs
     */
    public record Overrides(Optional<Arch> arch, OptionalLong ramSize, OptionalInt cpus) {
        /** Nothing imposed. */
        public static final Overrides NONE = new Overrides(Optional.empty(), OptionalLong.empty(), OptionalInt.empty());

        public Overrides {
            if (ramSize.isPresent() && ramSize.getAsLong() <= 0) {
                throw new IllegalArgumentException("RAM size must be positive: " + ramSize.getAsLong());
            }
            if (cpus.isPresent() && cpus.getAsInt() < 1) {
                throw new IllegalArgumentException("a machine needs at least one CPU: " + cpus.getAsInt());
            }
        }
    }

    /** The machine {@code blob} describes; see {@link #builder(byte[], Overrides)}. */
    public static Machine fromBlob(byte[] blob, Optional<Arch> arch) {
        return builder(blob, new Overrides(arch, OptionalLong.empty(), OptionalInt.empty())).build();
    }

    /**
     * The machine of a {@code .dts} source (a file named {@code *.dts}, compiled with {@link Dtc}) or of a
     * {@code .dtb} (any other name).
     *
     * @throws IOException when the file cannot be read, or dtc is missing or fails
     */
    public static Machine fromFile(Path file, Optional<Arch> arch) throws IOException {
        boolean dts = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".dts");
        return fromBlob(dts ? readDts(file) : readDtb(file), arch);
    }

    /** The blob dtc compiles from the source {@code file}; {@link Dtc#NOT_INSTALLED} when dtc is missing. */
    public static byte[] readDts(Path file) throws IOException {
        return Dtc.compile(file);
    }

    /** The bytes of the blob {@code file}, refusing files above {@link Fdt#MAX_BLOB_SIZE} before reading. */
    public static byte[] readDtb(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Fdt.MAX_BLOB_SIZE) {
            throw new IOException(file + " is " + size + " bytes, above the " + (Fdt.MAX_BLOB_SIZE >> 20)
                    + " MiB device tree limit");
        }
        return Files.readAllBytes(file);
    }

    /**
     * A builder holding the machine {@code blob} describes, to adjust before building (an arm64 machine,
     * for one, needs its kernel image).
     *
     * @param overrides what the caller imposes on the tree
     * @throws dev.kmm.core.of.InvalidDeviceTreeException when the blob is malformed
     * @throws IllegalArgumentException                   when the architecture cannot be inferred or
     *                                                    contradicts the CPUs, or the tree has no memory
     */
    public static Machine.Builder builder(byte[] blob, Overrides overrides) {
        Optional<Arch> arch = overrides.arch();
        OptionalLong ramSize = overrides.ramSize();
        Fdt fdt = Fdt.parse(blob);
        EarlyScan scan = EarlyScan.scan(fdt);
        Arch a = resolveArch(scan, arch);
        if (scan.memory().isEmpty()) {
            throw new IllegalArgumentException("the device tree has no memory node with RAM");
        }
        KernelConfig config = KernelConfig.defconfig(a);
        if (a == Arch.ARM && scan.machineCompatible().contains(VEXPRESS)) {
            config = config.with(List.of("CONFIG_HIGHMEM=y", "CONFIG_VMSPLIT_3G=y"));
        }
        Machine.Builder b = Machine.builder(scan.machineName().orElse("device-tree"), config);

        long loaderStart = scan.memory().stream().mapToLong(MemoryBank::base).min().orElseThrow();
        long ramTotal;
        boolean numa = a == Arch.ARM64 && scan.numa().fromDeviceTree();
        if (ramSize.isPresent()) {
            if (numa) {
                throw new IllegalArgumentException("the memory of a NUMA device tree cannot be replaced by one bank");
            }
            b.ram(loaderStart, ramSize.getAsLong());
            ramTotal = ramSize.getAsLong();
        } else {
            for (MemoryBank m : scan.memory()) {
                b.ram(m.base(), m.size());
            }
            ramTotal = scan.memoryTotal();
        }
        for (FdtReserveEntry r : scan.memReserve()) {
            b.memReserve(r.address(), r.size());
        }
        for (ReservedMemRegion r : scan.reservedMem()) {
            reserved(b, r);
        }
        cpus(b, scan, numa, overrides.cpus());
        if (numa) {
            b.numa(numaTopology(scan.numa(), scan.memory()));
        }
        b.bootArgs(scan.bootArgs());

        long align = a == Arch.ARM64 ? 2L << 20 : 4096;
        long dtbStart;
        Optional<EarlyScan.Initrd> initrd = scan.initrd().filter(i -> i.size() > 0);
        if (initrd.isPresent()) {
            b.initrd(initrd.get().start(), initrd.get().size());
            dtbStart = alignUp(initrd.get().end(), align);
        } else {
            dtbStart = alignUp(loaderStart + Math.min(ramTotal / 2, INITRD_OFFSET_CAP), align);
        }
        PhysRange where = new PhysRange(dtbStart, totalSize(blob));
        b.dtb(UnflattenedTree.deviceTreeBlob(fdt, where, UnflattenedTree.Structs.of(a)));
        return b;
    }

    /** The architecture to simulate: the requested one if the CPUs allow it, else the inferred one. */
    static Arch resolveArch(EarlyScan scan, Optional<Arch> requested) {
        if (requested.isPresent() && requested.get() == Arch.X86_64) {
            throw new IllegalArgumentException("x86_64 machines describe memory with e820, not a device tree");
        }
        Optional<Arch> inferred = scan.arch().map(c -> c == CpuArch.ARM ? Arch.ARM : Arch.ARM64);
        if (requested.isPresent()) {
            if (requested.get() == Arch.ARM64 && inferred.orElse(null) == Arch.ARM) {
                throw new IllegalArgumentException("arm64 cannot run on the device tree's 32-bit CPUs "
                        + scan.cpuCompatibles());
            }
            return requested.get();
        }
        return inferred.orElseThrow(() -> new IllegalArgumentException(scan.cpus().isEmpty()
                ? "the device tree has no CPU nodes to tell its architecture by: name the architecture (arm or arm64)"
                : "cannot tell the architecture from the CPU compatible strings " + scan.cpuCompatibles()
                        + ": name it (arm or arm64)"));
    }

    private static void reserved(Machine.Builder b, ReservedMemRegion r) {
        String compatible = r.isCompatible(ReservedRegion.SHARED_DMA_POOL) ? ReservedRegion.SHARED_DMA_POOL
                : r.compatible().isEmpty() ? "" : r.compatible().getFirst();
        if (r.isDynamic()) {
            long start = r.allocRanges().isEmpty() ? 0 : r.allocRanges().getFirst().address();
            long end = r.allocRanges().isEmpty() ? 0 : r.allocRanges().getFirst().address()
                    + r.allocRanges().getFirst().size();
            b.reserved(new ReservedRegion(r.name(), compatible, -1, r.size(), r.alignment(), start, end, r.noMap(),
                    r.reusable(), r.cmaDefault()));
            return;
        }
        FdtReg first = r.reg().getFirst();
        b.reserved(new ReservedRegion(r.name(), compatible, first.address(), first.size(), 0, 0, 0, r.noMap(),
                r.reusable(), r.cmaDefault()));
        for (FdtReg more : r.reg().subList(1, r.reg().size())) {
            if (r.noMap()) {
                b.reserved(ReservedRegion.fixed(r.name(), "", more.address(), more.size(), true));
            } else {
                b.memReserve(more.address(), more.size());
            }
        }
    }

    /**
     * The available CPUs, or {@code count} of them, with their nodes (one CPU when the tree lists none, as
     * {@code arm_dt_init_cpu_maps} leaves it).
     */
    private static void cpus(Machine.Builder b, EarlyScan scan, boolean numa, OptionalInt count) {
        List<CpuNode> available = scan.cpus().stream().filter(CpuNode::available).toList();
        int[] nodes = new int[count.orElse(Math.max(1, available.size()))];
        for (int i = 0; i < nodes.length && i < available.size(); i++) {
            int nid = available.get(i).numaNodeId();
            nodes[i] = numa && nid != EarlyScan.NUMA_NO_NODE ? nid : 0;
        }
        b.cpuNodes(nodes);
    }

    /** The device tree's NUMA layout: each {@code numa_add_memblk} range, and {@code __node_distance}. */
    private static NumaTopology numaTopology(NumaConfig numa, List<MemoryBank> banks) {
        List<NumaTopology.NodeMemory> memory = new ArrayList<>();
        for (NumaMemblk m : numa.memblks()) {
            boolean hotplug = banks.stream()
                    .anyMatch(k -> k.hotpluggable() && k.base() <= m.start() && m.end() <= k.end());
            memory.add(new NumaTopology.NodeMemory(m.nid(), m.start(), m.end() - m.start(), hotplug));
        }
        int n = numa.nodes().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        int[][] distance = new int[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                distance[i][j] = numa.nodeDistance(i, j);
            }
        }
        return new NumaTopology(memory, distance);
    }

    /** {@code fdt_totalsize()}: the header's second big-endian word. */
    private static long totalSize(byte[] blob) {
        return ((blob[4] & 0xffL) << 24) | ((blob[5] & 0xff) << 16) | ((blob[6] & 0xff) << 8) | (blob[7] & 0xff);
    }

    private static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }
}
