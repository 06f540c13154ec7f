package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;

import dev.kmm.core.boot.MemoryRange.Type;

import java.util.List;
import java.util.Locale;

/**
 * The built-in machines. Each is what QEMU's board of that name hands a Linux 6.1 kernel built from the
 * board's defconfig (with the overrides each one lists), so a boot of it can be held against a real
 * boot of that kernel.
 */
public final class Machines {
    /** The default machine's name. */
    public static final String DEFAULT = "vexpress-a9";

    private Machines() {
    }

    /** The names of the built-in machines. */
    public static List<String> names() {
        return List.of("vexpress-a9", "virt-arm64", "pc-x86_64", "numa2-x86_64");
    }

    /** The built-in machine called {@code name}. */
    public static Machine byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "vexpress-a9" -> vexpressA9();
            case "virt-arm64" -> virtArm64();
            case "pc-x86_64" -> pcX86_64();
            case "numa2-x86_64" -> numa2X86_64();
            default -> throw new IllegalArgumentException("unknown machine '" + name + "'; built-in: "
                    + String.join(", ", names()));
        };
    }

    /**
     * ARM Versatile Express with the CoreTile Express A9x4 (QEMU {@code -M vexpress-a9 -smp 4 -m 1024M}):
     * four Cortex-A9, 1 GiB of RAM at 0x60000000, the kernel notes' command line
     * {@code rdinit=/linuxrc console=ttyAMA0 loglevel=8}.
     *
     * <p>Kernel: {@code vexpress_defconfig} with two overrides, {@code CONFIG_HIGHMEM=y} and
     * {@code CONFIG_VMSPLIT_3G=y} (the defconfig has VMSPLIT_2G and no HIGHMEM, under which all 1 GiB is
     * lowmem): with the 3G/1G split lowmem ends at 768 MiB and the top 256 MiB become ZONE_HIGHMEM, as
     * in the notes. The image is that build's ({@link KernelImage#vexpress}).
     *
     * <p>Boot loader placement, as QEMU does it: the kernel at PHYS_OFFSET + 0x8000, a 4 MiB initrd at
     * {@code loader_start + min(ram_size / 2, 128 MiB)}, the device tree right after it, page aligned.
     * The device tree is QEMU's copy of vexpress-v2p-ca9.dtb (48162 bytes once QEMU adds its nodes); its
     * unflattened form takes 40024 bytes and the six {@code /aliases} entries 27, 27, 27, 27, 24 and 24
     * (measured on a memblock=debug boot of that kernel). An 8 MiB coherent DMA pool for the video RAM sits
     * outside system RAM, as in the board's device tree.
     */
    public static Machine vexpressA9() {
        long ram = 0x6000_0000L;
        long initrd = ram + (128L << 20);
        long initrdSize = 4L << 20;
        long dtb = (initrd + initrdSize + 0xfff) & ~0xfffL;
        return Machine.builder("vexpress-a9", KernelConfig.defconfig(Arch.ARM))
                .config("CONFIG_HIGHMEM=y", "CONFIG_VMSPLIT_3G=y")
                .ram(ram, 1L << 30)
                .cpus(4)
                .bootArgs("rdinit=/linuxrc console=ttyAMA0 loglevel=8")
                .initrd(initrd, initrdSize)
                .dtb(new DeviceTreeBlob(new PhysRange(dtb, 48162), 40024, 4, List.of(27L, 27L, 27L, 27L, 24L, 24L)))
                .reserved(ReservedRegion.fixed("vram@4c000000", ReservedRegion.SHARED_DMA_POOL, 0x4c00_0000L,
                        8L << 20, true))
                .image(KernelImage.vexpress(ram))
                .build();
    }

    /**
     * QEMU's virt board with four Cortex-A57 and 2 GiB of RAM at 0x40000000 ({@code qemu-system-aarch64 -M virt
     * -cpu cortex-a57 -smp 4 -m 2G}), booted directly without firmware: arm64 {@code defconfig}
     * ({@link KernelImage#arm64Defconfig}) with its Image at 0x40200000, a 4 MiB initrd at
     * {@code loader_start + min(ram_size / 2, 128 MiB)} and QEMU's device tree (1 MiB as QEMU allocates it) at the
     * next 2 MiB boundary after it. The tree unflattens into 43804 bytes and has no {@code /aliases}, no
     * {@code /reserved-memory} and no NUMA properties (measured on a memblock=debug boot of that kernel).
     */
    public static Machine virtArm64() {
        return virtArm64(2L << 30, 4);
    }

    /**
     * {@link #virtArm64()} with {@code ramBytes} of RAM and {@code cpus} CPUs.
     *
     * @throws IllegalArgumentException for less than 64 MiB of RAM or fewer than one CPU
     */
    public static Machine virtArm64(long ramBytes, int cpus) {
        if (ramBytes < (64L << 20) || (ramBytes & 0xfff) != 0) {
            throw new IllegalArgumentException("RAM size " + ramBytes + " must be a page multiple of at least 64 MiB");
        }
        long ram = 0x4000_0000L;
        long initrd = ram + Math.min(ramBytes / 2, 128L << 20);
        long initrdSize = 4L << 20;
        long dtb = (initrd + initrdSize + (2L << 20) - 1) & -(2L << 20);
        return Machine.builder("virt-arm64", KernelConfig.defconfig(Arch.ARM64))
                .ram(ram, ramBytes)
                .cpus(cpus)
                .bootArgs("console=ttyAMA0")
                .initrd(initrd, initrdSize)
                .dtb(new DeviceTreeBlob(new PhysRange(dtb, 1L << 20), 43804, 8, List.of()))
                .image(KernelImage.arm64Defconfig(ram + (2L << 20)))
                .build();
    }

    /**
     * A QEMU PC ({@code qemu-system-x86_64 -m 8G -smp 4}, i440FX, SeaBIOS) with {@code x86_64_defconfig}: the
     * e820 map SeaBIOS reports for 8 GiB (3 GiB below the PCI hole, 5 GiB above 4 GiB), four CPUs, a 4 MiB
     * initrd where QEMU's loader puts it (page aligned just below the top of RAM under 4 GiB), and the two
     * small allocations its ACPI tables cost (HPET and IOAPIC resources, 73 and 75 bytes).
     */
    public static Machine pcX86_64() {
        return pc("pc-x86_64", 8L << 30).cpus(4).build();
    }

    /**
     * A QEMU PC like {@link #pcX86_64()} with {@code ramBytes} of RAM and {@code cpus} CPUs
     * ({@code qemu-system-x86_64 -m ramBytes -smp cpus}): QEMU's i440FX keeps all RAM below 4 GiB when there
     * is less than 3.5 GiB, else 3 GiB below the PCI hole and the rest from 4 GiB (pc_piix.c's
     * gigabyte-aligned split); SeaBIOS keeps the top 128 KiB below 4 GiB for its tables.
     *
     * @throws IllegalArgumentException for less than 16 MiB of RAM, RAM reaching the HyperTransport window
     *                                  below 1 TiB, or fewer than one CPU
     */
    public static Machine pcX86_64(long ramBytes, int cpus) {
        if (ramBytes < (16L << 20) || (ramBytes & 0xfff) != 0) {
            throw new IllegalArgumentException("RAM size " + ramBytes + " must be a page multiple of at least 16 MiB");
        }
        if (ramBytes - 0xc000_0000L > 0xfd_0000_0000L - (1L << 32)) {
            throw new IllegalArgumentException("RAM size " + ramBytes + ": kmm's PC keeps RAM below QEMU's "
                    + "HyperTransport window at 1012 GiB");
        }
        return pc("pc-x86_64", ramBytes).cpus(cpus).build();
    }

    /**
     * {@link #pcX86_64()} split into two NUMA nodes by SRAT ({@code -numa node,cpus=0-1 -numa node,cpus=2-3}
     * with 4 GiB each): node 0 holds the memory below 5 GiB, node 1 the rest; no SLIT, so the distances are
     * 10 and 20.
     */
    public static Machine numa2X86_64() {
        return pc("numa2-x86_64", 8L << 30).cpuNodes(0, 0, 1, 1)
                .numa(NumaTopology.uniform(2, List.of(
                        new NumaTopology.NodeMemory(0, 0, 0xa0000, false),
                        new NumaTopology.NodeMemory(0, 0x100000, 0xc000_0000L - 0x100000, false),
                        new NumaTopology.NodeMemory(0, 1L << 32, 1L << 30, false),
                        new NumaTopology.NodeMemory(1, 5L << 30, 4L << 30, false))))
                .build();
    }

    private static Machine.Builder pc(String name, long ramBytes) {
        long initrdSize = 4L << 20;
        long below4g = ramBytes >= 0xe000_0000L ? 0xc000_0000L : ramBytes;
        long above4g = ramBytes - below4g;
        long lowTop = below4g - 0x20000; // SeaBIOS's tables
        Machine.Builder b = Machine.builder(name, KernelConfig.defconfig(Arch.X86_64))
                .ram(0, 0x9fc00)
                .firmware(0x9fc00, 0x400, Type.RESERVED)
                .firmware(0xf0000, 0x10000, Type.RESERVED)
                .ram(0x100000, lowTop - 0x100000)
                .firmware(lowTop, 0x20000, Type.RESERVED)
                .firmware(0xfffc0000L, 0x40000, Type.RESERVED);
        if (above4g > 0) {
            b.ram(1L << 32, above4g);
        }
        // QEMU 7.2 reserves the AMD HyperTransport window below 1 TiB in the e820 map.
        b.firmware(0xfd_0000_0000L, 0x3_0000_0000L, Type.RESERVED);
        return b.bootArgs("console=ttyS0")
                .initrd((lowTop - initrdSize) & ~0xfffL, initrdSize)
                .firmwareAllocations(73, 75)
                .image(KernelImage.x86_64Defconfig());
    }
}
