package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.ArmLayoutVersion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a simulated machine hands the kernel at boot: the kernel configuration it was built with,
 * the firmware's memory map, reservations, CPUs, NUMA affinities, the boot loader's command line and
 * where the boot loader put the kernel image, the device tree blob and the initial ramdisk.
 *
 * <p>Immutable; build one with {@link #builder(String, KernelConfig)} or take a built-in from
 * {@link Machines}. Construction checks what the kernel would trip over: no RAM, overlapping RAM, a
 * blob or image outside RAM, more CPUs than {@code CONFIG_NR_CPUS}, a CPU or range on a node the
 * topology lacks.
 */
public final class Machine {
    private final String name;
    private final KernelConfig config;
    private final List<MemoryRange> memory;
    private final List<PhysRange> memReserve;
    private final List<ReservedRegion> reservedMemory;
    private final Optional<NumaTopology> numa;
    private final int[] cpuNode;
    private final String bootArgs;
    private final Optional<DeviceTreeBlob> dtb;
    private final Optional<PhysRange> initrd;
    private final KernelImage image;
    private final ArmLayoutVersion armLayout;
    private final List<Long> firmwareAllocations;

    private Machine(Builder b) {
        this.name = b.name;
        this.config = b.config;
        this.memory = b.memory.stream().sorted(Comparator.comparingLong(MemoryRange::base)).toList();
        this.memReserve = List.copyOf(b.memReserve);
        this.reservedMemory = List.copyOf(b.reservedMemory);
        this.numa = Optional.ofNullable(b.numa);
        this.cpuNode = b.cpuNode.clone();
        this.bootArgs = b.bootArgs;
        this.dtb = Optional.ofNullable(b.dtb);
        this.initrd = Optional.ofNullable(b.initrd);
        this.image = b.image != null ? b.image : KernelImage.defaultFor(b.config.arch(), firstRam(memory).base());
        this.armLayout = b.armLayout;
        this.firmwareAllocations = List.copyOf(b.firmwareAllocations);
        check();
    }

    private static MemoryRange firstRam(List<MemoryRange> memory) {
        return memory.stream().filter(r -> r.type() == MemoryRange.Type.RAM).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("a machine needs RAM"));
    }

    private void check() {
        for (int i = 1; i < memory.size(); i++) {
            if (memory.get(i).base() < memory.get(i - 1).end()) {
                throw new IllegalArgumentException("memory ranges overlap: " + memory.get(i - 1) + " and " + memory.get(i));
            }
        }
        if (arch() == Arch.ARM) {
            for (MemoryRange r : memory) {
                if (r.end() > 1L << 32) {
                    throw new IllegalArgumentException("32-bit arm without LPAE addresses 4 GiB: " + r);
                }
            }
        }
        if (cpuNode.length < 1) {
            throw new IllegalArgumentException("a machine needs at least one CPU");
        }
        if (cpuNode.length > config.nrCpus()) {
            throw new IllegalArgumentException(name + " has " + cpuNode.length + " CPUs but CONFIG_NR_CPUS is "
                    + config.nrCpus());
        }
        int nodes = numa.map(NumaTopology::nodes).orElse(1);
        for (int c = 0; c < cpuNode.length; c++) {
            if (cpuNode[c] < 0 || cpuNode[c] >= nodes) {
                throw new IllegalArgumentException("CPU " + c + " is on node " + cpuNode[c] + ", the machine has "
                        + nodes + " node(s)");
            }
        }
        if (numa.isPresent() && arch() == Arch.ARM) {
            throw new IllegalArgumentException("32-bit arm has no NUMA");
        }
        if (numa.isPresent() && numa.get().nodes() > config.maxNumNodes()) {
            throw new IllegalArgumentException(name + " has " + numa.get().nodes() + " NUMA nodes but MAX_NUMNODES is "
                    + config.maxNumNodes());
        }
        dtb.ifPresent(d -> requireInRam(d.blob(), "the device tree blob"));
        initrd.ifPresent(d -> requireInRam(d, "the initrd"));
        requireInRam(new PhysRange(image.textPhys(), image.size()), "the kernel image");
        if (arch() == Arch.X86_64 && dtb.isPresent()) {
            throw new IllegalArgumentException("x86_64 machines describe memory with e820, not a device tree");
        }
    }

    private void requireInRam(PhysRange r, String what) {
        for (MemoryRange m : memory) {
            if (m.type() == MemoryRange.Type.RAM && m.base() <= r.base() && r.end() <= m.end()) {
                return;
            }
        }
        throw new IllegalArgumentException(what + " " + r + " is not inside one RAM range of " + name);
    }

    /** A builder for a machine called {@code name} whose kernel is built with {@code config}. */
    public static Builder builder(String name, KernelConfig config) {
        return new Builder(name, config);
    }

    /** A builder holding this machine's values, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder(name, config);
        b.memory.addAll(memory);
        b.memReserve.addAll(memReserve);
        b.reservedMemory.addAll(reservedMemory);
        b.numa = numa.orElse(null);
        b.cpuNode = cpuNode.clone();
        b.bootArgs = bootArgs;
        b.dtb = dtb.orElse(null);
        b.initrd = initrd.orElse(null);
        b.image = image;
        b.armLayout = armLayout;
        b.firmwareAllocations.addAll(firmwareAllocations);
        return b;
    }

    /** The machine's name, e.g. {@code vexpress-a9}. */
    public String name() {
        return name;
    }

    /** The kernel configuration. */
    public KernelConfig config() {
        return config;
    }

    /** The architecture. */
    public Arch arch() {
        return config.arch();
    }

    /** The firmware memory map, sorted: device-tree banks or the e820 table. */
    public List<MemoryRange> memory() {
        return memory;
    }

    /** The RAM ranges of {@link #memory()}. */
    public List<MemoryRange> ram() {
        return memory.stream().filter(r -> r.type() == MemoryRange.Type.RAM).toList();
    }

    /** The device tree's {@code /memreserve/} entries. */
    public List<PhysRange> memReserve() {
        return memReserve;
    }

    /** The device tree's {@code /reserved-memory} children. */
    public List<ReservedRegion> reservedMemory() {
        return reservedMemory;
    }

    /** The firmware's NUMA description, absent on a machine without one (one node). */
    public Optional<NumaTopology> numa() {
        return numa;
    }

    /** The number of CPUs (possible, present and online at boot). */
    public int cpus() {
        return cpuNode.length;
    }

    /** The firmware node of CPU {@code cpu}. */
    public int cpuNode(int cpu) {
        return cpuNode[Objects.checkIndex(cpu, cpuNode.length)];
    }

    /** The boot loader's command line ({@code /chosen/bootargs}, or the x86 boot protocol's). */
    public String bootArgs() {
        return bootArgs;
    }

    /** The device tree blob the boot loader passed (arm, arm64). */
    public Optional<DeviceTreeBlob> dtb() {
        return dtb;
    }

    /** Where the boot loader put the initial ramdisk. */
    public Optional<PhysRange> initrd() {
        return initrd;
    }

    /** The kernel image: its sections and where it was loaded. */
    public KernelImage image() {
        return image;
    }

    /**
     * arm: whose {@code VMALLOC_END} the boot uses. {@link ArmLayoutVersion#V6_1} (0xff800000) by default;
     * {@link ArmLayoutVersion#V4_14} (0xff000000) reproduces the lowmem limit of 4.14-era boots.
     */
    public ArmLayoutVersion armLayout() {
        return armLayout;
    }

    /**
     * x86: the {@code memblock_alloc()} sizes that parsing the machine's ACPI tables costs after the zones are set
     * up (the HPET and IOAPIC resources), in order; each {@code SMP_CACHE_BYTES}-aligned.
     */
    public List<Long> firmwareAllocations() {
        return firmwareAllocations;
    }

    @Override
    public String toString() {
        return "Machine[" + name + ", " + config.defconfigName() + ", " + cpus() + " CPUs, " + ram().stream()
                .mapToLong(MemoryRange::size).sum() / (1 << 20) + " MiB]";
    }

    /** Builds a {@link Machine}. */
    public static final class Builder {
        private final String name;
        private KernelConfig config;
        private final List<MemoryRange> memory = new ArrayList<>();
        private final List<PhysRange> memReserve = new ArrayList<>();
        private final List<ReservedRegion> reservedMemory = new ArrayList<>();
        private NumaTopology numa;
        private int[] cpuNode = {0};
        private String bootArgs = "";
        private DeviceTreeBlob dtb;
        private PhysRange initrd;
        private KernelImage image;
        private ArmLayoutVersion armLayout = ArmLayoutVersion.V6_1;
        private final List<Long> firmwareAllocations = new ArrayList<>();

        private Builder(String name, KernelConfig config) {
            this.name = Objects.requireNonNull(name, "name");
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Applies kernel config assignments ({@code NAME=VALUE}) in order. */
        public Builder config(String... assignments) {
            config = config.with(Arrays.asList(assignments));
            return this;
        }

        /** Replaces the kernel configuration (same architecture). */
        public Builder config(KernelConfig c) {
            if (c.arch() != config.arch()) {
                throw new IllegalArgumentException("a " + config.arch() + " machine cannot take a " + c.arch() + " config");
            }
            config = c;
            return this;
        }

        /** Adds a RAM bank (a device-tree memory bank or an e820 "usable" range). */
        public Builder ram(long base, long size) {
            memory.add(MemoryRange.ram(base, size));
            return this;
        }

        /** Adds an e820 range the firmware keeps ({@code reserved}, {@code ACPI data}, {@code ACPI NVS}). */
        public Builder firmware(long base, long size, MemoryRange.Type type) {
            if (type == MemoryRange.Type.RAM) {
                throw new IllegalArgumentException("use ram() for RAM");
            }
            memory.add(new MemoryRange(base, size, type));
            return this;
        }

        /** Removes every memory range, to describe the memory anew. */
        public Builder clearMemory() {
            memory.clear();
            return this;
        }

        /** Adds a {@code /memreserve/} entry. */
        public Builder memReserve(long base, long size) {
            memReserve.add(new PhysRange(base, size));
            return this;
        }

        /** Adds a {@code /reserved-memory} child. */
        public Builder reserved(ReservedRegion r) {
            reservedMemory.add(Objects.requireNonNull(r, "r"));
            return this;
        }

        /** {@code n} CPUs, all on node 0. */
        public Builder cpus(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("a machine needs at least one CPU: " + n);
            }
            cpuNode = new int[n];
            return this;
        }

        /** One CPU per entry, on the given node. */
        public Builder cpuNodes(int... nodes) {
            if (nodes.length < 1) {
                throw new IllegalArgumentException("a machine needs at least one CPU");
            }
            cpuNode = nodes.clone();
            return this;
        }

        /** The firmware's NUMA description (SRAT/SLIT or device-tree numa-node-id/distance-map). */
        public Builder numa(NumaTopology topology) {
            numa = topology;
            return this;
        }

        /** The boot loader's command line. */
        public Builder bootArgs(String args) {
            bootArgs = Objects.requireNonNull(args, "args");
            return this;
        }

        /** The device tree blob: where it lies and what unflattening it allocates. */
        public Builder dtb(DeviceTreeBlob blob) {
            dtb = Objects.requireNonNull(blob, "blob");
            return this;
        }

        /** Where the initial ramdisk lies. */
        public Builder initrd(long base, long size) {
            initrd = new PhysRange(base, size);
            return this;
        }

        /** No initial ramdisk. */
        public Builder noInitrd() {
            initrd = null;
            return this;
        }

        /** The kernel image (sections and load address); default: the architecture's profile. */
        public Builder image(KernelImage i) {
            image = Objects.requireNonNull(i, "i");
            return this;
        }

        /**
         * arm: the kernel version whose {@code VMALLOC_END} sets the lowmem limit; {@code V4_14} reproduces
         * the 4.14 numbers (max_low_pfn 0x8f800 on 1 GiB at 0x60000000 instead of 6.1's 0x90000).
         */
        public Builder armLayout(ArmLayoutVersion version) {
            armLayout = Objects.requireNonNull(version, "version");
            return this;
        }

        /** x86: the memblock allocations the ACPI tables cost (see {@link Machine#firmwareAllocations()}). */
        public Builder firmwareAllocations(long... sizes) {
            firmwareAllocations.clear();
            for (long s : sizes) {
                if (s <= 0) {
                    throw new IllegalArgumentException("an allocation needs a size: " + s);
                }
                firmwareAllocations.add(s);
            }
            return this;
        }

        /** The machine; see {@link Machine} for what is checked. */
        public Machine build() {
            return new Machine(this);
        }
    }
}
