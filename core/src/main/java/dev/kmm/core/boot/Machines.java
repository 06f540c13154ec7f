package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;

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
        return List.of("vexpress-a9");
    }

    /** The built-in machine called {@code name}. */
    public static Machine byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "vexpress-a9" -> vexpressA9();
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
}
