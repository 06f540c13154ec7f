package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.of.Dtc;
import dev.kmm.core.of.FdtWriter;
import dev.kmm.core.of.InvalidDeviceTreeException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceTreeMachineTest {
    private static final long RAM = 0x6000_0000L;

    /** A Versatile Express A9x4 tree as FdtWriter builds it: 1 GiB at 0x60000000, four Cortex-A9. */
    static FdtWriter vexpress(String machineCompatible, String cpuCompatible) {
        return vexpress(machineCompatible, cpuCompatible, "console=ttyAMA0", chosen -> { });
    }

    static FdtWriter vexpress(String machineCompatible, String cpuCompatible, String bootargs,
                              Consumer<FdtWriter.Node> chosen) {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root().string("model", "V2P-CA9")
                .strings("compatible", "arm,vexpress,v2p-ca9", machineCompatible)
                .u32("#address-cells", 1).u32("#size-cells", 1);
        chosen.accept(root.node("chosen").string("bootargs", bootargs));
        FdtWriter.Node cpus = root.node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
        for (int i = 0; i < 4; i++) {
            cpus.node("cpu@" + i).string("device_type", "cpu").string("compatible", cpuCompatible).u32("reg", i);
        }
        root.node("memory@60000000").string("device_type", "memory").cells("reg", (int) RAM, 0x4000_0000);
        return w;
    }

    private static List<String> zoneRanges(Kernel k) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : k.dmesg()) {
            if (line.startsWith("Zone ranges:")) {
                in = true;
            } else if (in && !line.startsWith("  ")) {
                break;
            }
            if (in) {
                out.add(line);
            }
        }
        assertFalse(out.isEmpty(), "no Zone ranges block in " + k.dmesg());
        return out;
    }

    @Test
    void vexpressTreeBootsWithTheBuiltInsZones() {
        Machine m = DeviceTreeMachine.fromBlob(vexpress("arm,vexpress", "arm,cortex-a9").toBlob(), Optional.empty());
        assertEquals(Arch.ARM, m.arch());
        assertEquals("V2P-CA9", m.name());
        assertEquals(4, m.cpus());
        assertEquals("console=ttyAMA0", m.bootArgs());
        assertEquals(Machines.vexpressA9().config(), m.config(), "arm,vexpress gets the built-in's overrides");
        assertTrue(m.initrd().isEmpty());
        // No initrd: QEMU's initrd slot, base + min(1 GiB / 2, 128 MiB), page aligned.
        assertEquals(RAM + (128L << 20), m.dtb().orElseThrow().blob().base());
        try (Kernel k = Kernel.boot(m); Kernel builtIn = Kernel.boot(Machines.vexpressA9())) {
            assertEquals(zoneRanges(builtIn), zoneRanges(k));
            assertArrayEquals(builtIn.pfnLimits(), k.pfnLimits());
        }
    }

    /**
     * A tree saying what the built-in vexpress-a9 says (its command line, its initrd, its video RAM pool)
     * maps to the built-in machine: given the built-in's measured blob sizes, the boots are identical.
     */
    @Test
    void treeOfTheBuiltInBootsAsTheBuiltIn() {
        Machine builtIn = Machines.vexpressA9();
        PhysRange initrd = builtIn.initrd().orElseThrow();
        FdtWriter w = vexpress("arm,vexpress", "arm,cortex-a9", builtIn.bootArgs(), c -> c
                .u32("linux,initrd-start", (int) initrd.base()).u32("linux,initrd-end", (int) initrd.end()));
        ReservedRegion vram = builtIn.reservedMemory().getFirst();
        w.root().node("reserved-memory").u32("#address-cells", 1).u32("#size-cells", 1).empty("ranges")
                .node(vram.name()).string("compatible", vram.compatible()).cells("reg", (int) vram.base(),
                        (int) vram.size()).empty("no-map");
        Machine m = DeviceTreeMachine.fromBlob(w.toBlob(), Optional.empty());
        assertEquals(builtIn.dtb().orElseThrow().blob().base(), m.dtb().orElseThrow().blob().base());
        assertEquals(builtIn.memory(), m.memory());
        assertEquals(builtIn.reservedMemory(), m.reservedMemory());
        Machine same = m.toBuilder().dtb(builtIn.dtb().orElseThrow()).build();
        try (Kernel k = Kernel.boot(same); Kernel b = Kernel.boot(builtIn)) {
            assertEquals(b.dmesg(), k.dmesg());
            for (String view : List.of("/proc/zoneinfo", "/proc/meminfo", "/proc/iomem",
                    "/sys/kernel/debug/memblock/reserved")) {
                assertEquals(b.proc(view), k.proc(view), view);
            }
        }
    }

    @Test
    void otherArmTreesGetThePlainDefconfig() {
        Machine m = DeviceTreeMachine.fromBlob(vexpress("acme,board", "arm,cortex-a15").toBlob(), Optional.empty());
        assertEquals(KernelConfig.defconfig(Arch.ARM), m.config());
        try (Kernel k = Kernel.boot(m)) {
            assertTrue(zoneRanges(k).stream().noneMatch(l -> l.contains("HighMem  [mem")), zoneRanges(k).toString());
        }
    }

    @Test
    void initrdFromChosenPlacesTheBlobAfterIt() {
        byte[] blob = vexpress("arm,vexpress", "arm,cortex-a9", "console=ttyAMA0",
                c -> c.u32("linux,initrd-start", 0x6100_0000).u32("linux,initrd-end", 0x6140_0123)).toBlob();
        Machine m = DeviceTreeMachine.fromBlob(blob, Optional.empty());
        assertEquals(new PhysRange(0x6100_0000L, 0x40_0123L), m.initrd().orElseThrow());
        DeviceTreeBlob d = m.dtb().orElseThrow();
        assertEquals(new PhysRange(0x6140_1000L, blob.length), d.blob());
        assertEquals(4, d.unflattenAlign());
        try (Kernel k = Kernel.boot(m)) {
            assertTrue(k.dmesg().stream().anyMatch(l -> l.startsWith("Zone ranges:")));
        }
    }

    @Test
    void ramSizeReplacesMemoryBeforePlacement() {
        Machine m = DeviceTreeMachine.builder(vexpress("arm,vexpress", "arm,cortex-a9").toBlob(),
                new DeviceTreeMachine.Overrides(Optional.empty(), OptionalLong.of(128L << 20), OptionalInt.empty()))
                .build();
        assertEquals(List.of(MemoryRange.ram(RAM, 128L << 20)), m.memory());
        assertEquals(RAM + (64L << 20), m.dtb().orElseThrow().blob().base());
    }

    @Test
    void reservationsAreMapped() {
        FdtWriter w = vexpress("arm,vexpress", "arm,cortex-a9").memReserve(0x6f00_0000L, 0x1000);
        FdtWriter.Node rm = w.root().node("reserved-memory").u32("#address-cells", 1).u32("#size-cells", 1)
                .empty("ranges");
        rm.node("vram@4c000000").string("compatible", "shared-dma-pool").cells("reg", 0x4c00_0000, 0x80_0000)
                .empty("no-map");
        rm.node("linux,cma").string("compatible", "shared-dma-pool").empty("reusable").u32("size", 0x100_0000)
                .u32("alignment", 0x40_0000).cells("alloc-ranges", 0x7000_0000, 0x1000_0000).empty("linux,cma-default");
        rm.node("two@70000000").cells("reg", 0x7000_0000, 0x1000, 0x7100_0000, 0x2000);
        Machine m = DeviceTreeMachine.fromBlob(w.toBlob(), Optional.empty());
        assertEquals(List.of(new PhysRange(0x6f00_0000L, 0x1000), new PhysRange(0x7100_0000L, 0x2000)), m.memReserve());
        assertEquals(List.of(
                ReservedRegion.fixed("vram@4c000000", ReservedRegion.SHARED_DMA_POOL, 0x4c00_0000L, 0x80_0000, true),
                ReservedRegion.defaultCma("linux,cma", 0x100_0000, 0x40_0000, 0x7000_0000L, 0x8000_0000L),
                ReservedRegion.fixed("two@70000000", "", 0x7000_0000L, 0x1000, false)), m.reservedMemory());
        try (Kernel k = Kernel.boot(m)) {
            assertEquals(1, k.cmaAreas().size());
        }
    }

    @Test
    void archInference() {
        byte[] unknown = vexpress("arm,vexpress", "acme,mystery-core").toBlob();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceTreeMachine.fromBlob(unknown, Optional.empty()));
        assertTrue(e.getMessage().contains("[acme,mystery-core]"), e.getMessage());
        assertEquals(Arch.ARM, DeviceTreeMachine.fromBlob(unknown, Optional.of(Arch.ARM)).arch());

        byte[] a9 = vexpress("arm,vexpress", "arm,cortex-a9").toBlob();
        e = assertThrows(IllegalArgumentException.class, () -> DeviceTreeMachine.fromBlob(a9, Optional.of(Arch.ARM64)));
        assertTrue(e.getMessage().contains("arm64 cannot run on the device tree's 32-bit CPUs [arm,cortex-a9]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DeviceTreeMachine.fromBlob(a9, Optional.of(Arch.X86_64)));
        assertTrue(e.getMessage().contains("e820"), e.getMessage());

        // An ARMv8 core runs a 32-bit kernel too.
        byte[] a57 = vexpress("acme,board", "arm,cortex-a57").toBlob();
        assertEquals(Arch.ARM, DeviceTreeMachine.fromBlob(a57, Optional.of(Arch.ARM)).arch());
    }

    /** arm64: 2 MiB blob alignment, 64-bit struct sizes, the NUMA layout. The image is a stand-in (arm64 has none yet). */
    @Test
    void arm64NumaTree() {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root().string("compatible", "linux,dummy-virt").u32("#address-cells", 2)
                .u32("#size-cells", 2);
        root.node("memory@80000000").string("device_type", "memory").cells("reg", 0, 0x8000_0000, 0, 0x8000_0000)
                .u32("numa-node-id", 0);
        root.node("memory@100000000").string("device_type", "memory").cells("reg", 1, 0, 0, 0x8000_0000)
                .u32("numa-node-id", 1);
        FdtWriter.Node cpus = root.node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
        for (int i = 0; i < 2; i++) {
            cpus.node("cpu@" + i).string("device_type", "cpu").string("compatible", "arm,cortex-a72").u32("reg", i)
                    .u32("numa-node-id", i);
        }
        root.node("distance-map").string("compatible", "numa-distance-map-v1")
                .cells("distance-matrix", 0, 0, 10, 0, 1, 22, 1, 0, 22, 1, 1, 10);
        byte[] blob = w.toBlob();
        Machine m = DeviceTreeMachine.builder(blob, DeviceTreeMachine.Overrides.NONE)
                .image(KernelImage.vexpress(0x8000_0000L)).build();
        assertEquals(Arch.ARM64, m.arch());
        assertEquals(2, m.cpus());
        assertEquals(1, m.cpuNode(1));
        NumaTopology numa = m.numa().orElseThrow();
        assertEquals(22, numa.distance(0, 1));
        assertEquals(List.of(new NumaTopology.NodeMemory(0, 0x8000_0000L, 0x8000_0000L, false),
                new NumaTopology.NodeMemory(1, 0x1_0000_0000L, 0x8000_0000L, false)), numa.memory());
        DeviceTreeBlob d = m.dtb().orElseThrow();
        assertEquals(0x8000_0000L + (128L << 20), d.blob().base());
        assertEquals(0, d.blob().base() % (2L << 20));
        assertEquals(8, d.unflattenAlign());

        // Three CPUs: the tree's two keep their nodes, the third goes to node 0.
        Machine three = DeviceTreeMachine.builder(blob, new DeviceTreeMachine.Overrides(Optional.empty(),
                OptionalLong.empty(), OptionalInt.of(3))).image(KernelImage.vexpress(0x8000_0000L)).build();
        assertEquals(List.of(0, 1, 0), List.of(three.cpuNode(0), three.cpuNode(1), three.cpuNode(2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceTreeMachine.builder(blob, new DeviceTreeMachine.Overrides(Optional.empty(),
                        OptionalLong.of(1L << 30), OptionalInt.empty())));
        assertTrue(e.getMessage().contains("NUMA"), e.getMessage());
    }

    @Test
    void malformedBlobsAndEmptyMemoryAreRefused() {
        byte[] blob = vexpress("arm,vexpress", "arm,cortex-a9").toBlob();
        blob[0] = 0;
        assertThrows(InvalidDeviceTreeException.class, () -> DeviceTreeMachine.fromBlob(blob, Optional.empty()));
        FdtWriter w = new FdtWriter();
        w.root().node("cpus").node("cpu@0").string("compatible", "arm,cortex-a9");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceTreeMachine.fromBlob(w.toBlob(), Optional.empty()));
        assertTrue(e.getMessage().contains("no memory"), e.getMessage());
    }

    /** The dtc-compiled fixture: initrd and video RAM as the built-in, the same zones. */
    @Test
    void vexpressDtsFixtureBoots() throws Exception {
        Assumptions.assumeTrue(Dtc.isAvailable(), Dtc.NOT_INSTALLED);
        Machine m = DeviceTreeMachine.fromFile(Path.of("src/test/resources/dts/vexpress-a9.dts"), Optional.empty());
        assertEquals(new PhysRange(0x6100_0000L, 0x40_0000), m.initrd().orElseThrow());
        assertEquals(0x6140_0000L, m.dtb().orElseThrow().blob().base());
        assertEquals(Machines.vexpressA9().reservedMemory(), m.reservedMemory());
        assertEquals("console=ttyAMA0 root=/dev/mmcblk0", m.bootArgs());
        try (Kernel k = Kernel.boot(m); Kernel builtIn = Kernel.boot(Machines.vexpressA9())) {
            assertEquals(zoneRanges(builtIn), zoneRanges(k));
            assertArrayEquals(builtIn.pfnLimits(), k.pfnLimits());
        }
    }
}
