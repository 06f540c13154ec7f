package dev.kmm.core.of;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EarlyScanTest {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    /** A root with 2/2 cells and one available memory node of 1 GiB at 1 GiB, plus whatever {@code more} adds. */
    private static EarlyScan scan(Consumer<FdtWriter.Node> more) {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root().u32("#address-cells", 2).u32("#size-cells", 2);
        more.accept(root);
        return EarlyScan.scan(Fdt.parse(w.toBlob()));
    }

    private static void memory(FdtWriter.Node root, String name, int... reg) {
        root.node(name).string("device_type", "memory").cells("reg", reg);
    }

    private static boolean warned(EarlyScan s, String text) {
        return s.warnings().stream().anyMatch(w -> w.contains(text));
    }

    @Test
    void vexpressA9() {
        EarlyScan s = EarlyScan.scan(Machines.vexpressA9().toFdt());
        assertEquals(1, s.dtRootAddrCells());
        assertEquals(1, s.dtRootSizeCells());
        assertEquals(Optional.of("V2P-CA9"), s.machineName());
        assertEquals(List.of("arm,vexpress,v2p-ca9", "arm,vexpress"), s.machineCompatible());
        assertEquals("console=ttyAMA0 root=/dev/mmcblk0", s.bootArgs());
        assertEquals(Optional.of(new EarlyScan.Initrd(0x61000000L, 0x61400000L)), s.initrd());
        assertEquals(List.of(new MemoryBank(0x60000000L, GIB, 0, false, "/memory@60000000")), s.memory());
        assertEquals(List.of(), s.memReserve());
        assertEquals(List.of(new ReservedMemRegion("vram@4c000000", "/reserved-memory/vram@4c000000",
                List.of(new FdtReg(0x4c000000L, 8 * MIB)), 0, 0, List.of(), true, false, List.of("shared-dma-pool"),
                OptionalInt.empty(), false)), s.reservedMem());
        assertEquals(4, s.cpuCount());
        assertEquals(List.of(0L, 1L, 2L, 3L), s.cpus().stream().map(CpuNode::hwid).toList());
        assertEquals(List.of("arm,cortex-a9"), s.cpuCompatibles());
        assertEquals(Optional.of(CpuArch.ARM), s.arch());
        assertFalse(s.numa().fromDeviceTree());
        assertEquals(Optional.of("NUMA: No NUMA configuration found"), s.numa().fallbackReason());
        assertEquals(List.of(new NumaMemblk(0, 0x60000000L, 0xa0000000L)), s.numa().memblks());
        assertEquals(20, s.numa().nodeDistance(0, 1));
        assertEquals(GIB, s.memoryTotal());
    }

    @Test
    void virtArm64() {
        EarlyScan s = EarlyScan.scan(Machines.virtArm64().toFdt());
        assertEquals(List.of(new FdtReserveEntry(0x48000000L, 4 * MIB)), s.memReserve());
        assertEquals(Optional.of(new EarlyScan.Initrd(0x48000000L, 0x48400000L)), s.initrd());
        assertEquals(4 * MIB, s.initrd().orElseThrow().size());
        assertEquals("console=ttyAMA0 earlycon root=/dev/vda rw", s.bootArgs());
        assertEquals(List.of(new MemoryBank(0x40000000L, 2 * GIB, 0, false, "/memory@40000000")), s.memory());
        ReservedMemRegion secmon = s.reservedMem().get(0);
        assertEquals("secmon@bfe00000", secmon.name());
        assertTrue(secmon.noMap());
        assertFalse(secmon.isDynamic());
        assertEquals(OptionalInt.of(1), secmon.phandle());
        ReservedMemRegion cma = s.reservedMem().get(1);
        assertEquals("linux,cma", cma.name());
        assertTrue(cma.isDynamic());
        assertEquals(64 * MIB, cma.size());
        assertEquals(4 * MIB, cma.alignment());
        assertEquals(List.of(new FdtReg(0x40000000L, GIB)), cma.allocRanges());
        assertTrue(cma.reusable());
        assertTrue(cma.isCompatible("SHARED-DMA-POOL"));
        assertTrue(cma.cmaAlignmentApplies());
        assertTrue(cma.cmaDefault());
        assertFalse(secmon.cmaDefault());
        assertFalse(secmon.cmaAlignmentApplies());
        assertEquals(Optional.of(CpuArch.ARM64), s.arch());
        assertEquals(4, s.cpuCount());
        assertEquals(Optional.of("linux,dummy-virt"), s.machineName(), "no model: the first compatible");
    }

    @Test
    void numaArm64() {
        EarlyScan s = EarlyScan.scan(Machines.numaArm64().toFdt());
        NumaConfig numa = s.numa();
        assertTrue(numa.fromDeviceTree(), numa::toString);
        assertEquals(List.of(0, 1), numa.nodes());
        assertEquals(List.of(new NumaMemblk(0, 0x80000000L, 0x100000000L), new NumaMemblk(1, 0x100000000L,
                0x180000000L)), numa.memblks());
        assertEquals(List.of(0, 1), s.memory().stream().map(MemoryBank::nid).toList());
        assertEquals(10, numa.nodeDistance(0, 0));
        assertEquals(20, numa.nodeDistance(0, 1));
        assertEquals(20, numa.nodeDistance(1, 0), "B->A defaults to A->B");
        assertEquals(10, numa.nodeDistance(1, 1));
        assertEquals(List.of(0, 0, 1, 1), s.cpus().stream().map(CpuNode::numaNodeId).toList());
        assertEquals(List.of(0L, 1L, 0x100L, 0x101L), s.cpus().stream().map(CpuNode::hwid).toList());
        assertEquals(Optional.of(CpuArch.ARM64), s.arch());
        assertEquals(List.of(), s.warnings());
    }

    @Test
    void memoryScanFollowsTheKernel() {
        EarlyScan s = scan(root -> {
            memory(root, "memory@0", 0, 0, 0, 0x1000, 0, 0x2000, 0, 0); // second entry has size 0
            root.node("memory@1").string("device_type", "memory").string("status", "disabled")
                    .cells("reg", 0, 0x10000000, 0, 0x1000);
            root.node("memory@2").string("device_type", "memory").string("status", "okay").empty("hotpluggable")
                    .cells("reg", 0, 0x20000000, 0, 0x1000);
            root.node("memory@3").string("device_type", "memory").cells("reg", 0, 0x30000000, 0, 0x1000)
                    .cells("linux,usable-memory", 0, 0x30000000, 0, 0x800);
            root.node("bus").node("memory@4").string("device_type", "memory").cells("reg", 0, 0x40000000, 0, 0x1000);
            root.node("memory@5").string("device_type", "memory").cells("reg", 0, 0x50000000, 0, 0x1000, 7);
        });
        assertEquals(List.of(
                new MemoryBank(0, 0x1000, 0, false, "/memory@0"),
                new MemoryBank(0x20000000L, 0x1000, 0, true, "/memory@2"),
                new MemoryBank(0x30000000L, 0x800, 0, false, "/memory@3"),
                new MemoryBank(0x50000000L, 0x1000, 0, false, "/memory@5")), s.memory());
        assertTrue(warned(s, "memory node /memory@5: 4 trailing byte(s) of 'reg' form no whole entry; ignored"));
    }

    @Test
    void chosenVariants() {
        EarlyScan none = scan(root -> { });
        assertFalse(none.chosenFound());
        assertEquals("", none.bootArgs());
        assertTrue(warned(none, "OF: fdt: No chosen node found, continuing without"));

        EarlyScan at0 = scan(root -> root.node("chosen@0").string("bootargs", "quiet"));
        assertTrue(at0.chosenFound());
        assertEquals("quiet", at0.bootArgs());

        EarlyScan unterminated = scan(root -> root.node("chosen").bytes("bootargs", "abc".getBytes()));
        assertEquals("ab", unterminated.bootArgs(), "strscpy copies at most len - 1 bytes");

        EarlyScan backwards = scan(root -> root.node("chosen").u32("linux,initrd-start", 0x2000)
                .u32("linux,initrd-end", 0x1000));
        assertEquals(Optional.empty(), backwards.initrd());
        EarlyScan startOnly = scan(root -> root.node("chosen").u32("linux,initrd-start", 0x2000));
        assertEquals(Optional.empty(), startOnly.initrd());
        EarlyScan mixed = scan(root -> root.node("chosen").u32("linux,initrd-start", 0x2000)
                .u64("linux,initrd-end", 0x100000000L));
        assertEquals(Optional.of(new EarlyScan.Initrd(0x2000, 0x100000000L)), mixed.initrd());
    }

    private static FdtWriter.Node rmem(FdtWriter.Node root) {
        return root.node("reserved-memory").u32("#address-cells", 2).u32("#size-cells", 2).empty("ranges");
    }

    @Test
    void reservedMemoryRootMustMatchRootCells() {
        EarlyScan cells = scan(root -> root.node("reserved-memory").u32("#address-cells", 1).u32("#size-cells", 1)
                .empty("ranges").node("a").cells("reg", 0x1000, 0x1000));
        assertEquals(List.of(), cells.reservedMem());
        assertTrue(warned(cells, "OF: fdt: Reserved memory: unsupported node format, ignoring"));
        EarlyScan noRanges = scan(root -> root.node("reserved-memory").u32("#address-cells", 2)
                .u32("#size-cells", 2).node("a").cells("reg", 0, 0x1000, 0, 0x1000));
        assertEquals(List.of(), noRanges.reservedMem());
    }

    @Test
    void reservedMemoryChildrenAreCheckedAsTheKernelDoes() {
        EarlyScan s = scan(root -> {
            FdtWriter.Node r = rmem(root);
            r.node("bad-reg").cells("reg", 0, 0x1000, 0);
            r.node("off").string("status", "disabled").cells("reg", 0, 0x2000, 0, 0x1000);
            r.node("zero").cells("reg", 0, 0x3000, 0, 0, 0, 0x4000, 0, 0x1000);
            r.node("bad-size").cells("size", 0x1000);
            r.node("bad-align").u64("size", 0x1000).u32("alignment", 0x1000);
            r.node("bad-ranges").u64("size", 0x1000).cells("alloc-ranges", 0, 0, 0);
            r.node("empty-size").u64("size", 0);
            r.node("neither");
            r.node("ok").u64("size", 0x1000);
        });
        assertEquals(List.of("zero", "ok"), s.reservedMem().stream().map(ReservedMemRegion::name).toList());
        assertEquals(List.of(new FdtReg(0x4000, 0x1000)), s.reservedMem().get(0).reg());
        assertTrue(warned(s, "Reserved memory: invalid reg property in 'bad-reg', skipping node."));
        assertTrue(warned(s, "Reserved memory: failed to reserve memory for node 'zero': base 0x0000000000003000"));
        assertTrue(warned(s, "OF: reserved mem: invalid size property in 'bad-size' node."));
        assertTrue(warned(s, "invalid alignment property in 'bad-align' node."));
        assertTrue(warned(s, "invalid alloc-ranges property in 'bad-ranges', skipping node."));
        assertTrue(warned(s, "failed to allocate memory for node 'empty-size'"));
    }

    @Test
    void reservedMemoryLimitAndOverlap() {
        EarlyScan s = scan(root -> {
            FdtWriter.Node r = rmem(root);
            for (int i = 0; i < OfReservedMem.MAX_RESERVED_REGIONS + 2; i++) {
                r.node("r" + i).cells("reg", 0, 0x100000 * (i + 1), 0, 0x1000);
            }
        });
        assertEquals(OfReservedMem.MAX_RESERVED_REGIONS, s.reservedMem().size());
        assertEquals(2, s.warnings().stream().filter(w -> w.contains("not enough space for all defined regions."))
                .count());

        EarlyScan overlap = scan(root -> {
            FdtWriter.Node r = rmem(root);
            r.node("b").cells("reg", 0, 0x1800, 0, 0x1000);
            r.node("a").cells("reg", 0, 0x1000, 0, 0x1000);
        });
        assertTrue(warned(overlap, "OVERLAP DETECTED!\na (0x0000000000001000--0x0000000000002000) overlaps with b"),
                overlap.warnings()::toString);
    }

    @Test
    void numaFallsBackWhenTheTreeIsInconsistent() {
        EarlyScan tooBig = scan(root -> root.node("memory@0").string("device_type", "memory")
                .cells("reg", 0, 0, 0, 0x1000).u32("numa-node-id", EarlyScan.MAX_NUMNODES));
        assertFalse(tooBig.numa().fromDeviceTree());
        assertTrue(warned(tooBig, "OF: NUMA: Node id 16 exceeds maximum value"));
        assertEquals(Optional.of("OF: NUMA: bad property in memory node"), tooBig.numa().fallbackReason());
        assertEquals(0, tooBig.memory().getFirst().nid());

        EarlyScan badDistance = scan(root -> {
            root.node("memory@0").string("device_type", "memory").cells("reg", 0, 0, 0, 0x1000).u32("numa-node-id", 0);
            root.node("map").string("compatible", "numa-distance-map-v1").cells("distance-matrix", 0, 1, 5);
        });
        assertEquals(Optional.of("OF: NUMA: Invalid distance[node0 -> node1] = 5"), badDistance.numa().fallbackReason());

        EarlyScan noMatrix = scan(root -> {
            root.node("memory@0").string("device_type", "memory").cells("reg", 0, 0, 0, 0x1000).u32("numa-node-id", 0);
            root.node("map").string("compatible", "numa-distance-map-v1");
        });
        assertEquals(Optional.of("OF: NUMA: No distance-matrix property in distance-map"),
                noMatrix.numa().fallbackReason());

        EarlyScan uncovered = scan(root -> {
            root.node("memory@0").string("device_type", "memory").cells("reg", 0, 0, 0, 0x1000).u32("numa-node-id", 0);
            memory(root, "memory@10000", 0, 0x10000, 0, 0x1000);
        });
        assertEquals(Optional.of("NUMA: Warning: invalid memblk node -1 [mem 0x0000000000010000-0x0000000000010fff]"),
                uncovered.numa().fallbackReason());
        assertEquals(List.of(0), uncovered.numa().nodes());
        assertEquals(List.of(new NumaMemblk(0, 0, 0x11000)), uncovered.numa().memblks());
    }

    @Test
    void numaDistancesAndQuirks() {
        EarlyScan s = scan(root -> {
            root.node("memory@0").string("device_type", "memory").cells("reg", 0, 0, 0, 0x1000).u32("numa-node-id", 0);
            root.node("memory@1000").string("device_type", "memory").cells("reg", 0, 0x1000, 0, 0x1000)
                    .u32("numa-node-id", 1);
            // of_numa walks every memory node, disabled ones too: node 2 becomes possible without memory.
            root.node("memory@2000").string("device_type", "memory").string("status", "disabled")
                    .cells("reg", 0, 0x2000, 0, 0x1000).u32("numa-node-id", 2);
            root.node("map").string("compatible", "numa-distance-map-v1")
                    .cells("distance-matrix", 0, 1, 20, 1, 0, 30, 0, 2, 40, 0, 17, 20, 1, 1, 10);
        });
        NumaConfig numa = s.numa();
        assertTrue(numa.fromDeviceTree(), numa::toString);
        assertEquals(List.of(0, 1, 2), numa.nodes());
        assertEquals(20, numa.nodeDistance(0, 1));
        assertEquals(30, numa.nodeDistance(1, 0), "an explicit B->A entry overrides the default");
        assertEquals(40, numa.nodeDistance(2, 0));
        assertEquals(20, numa.nodeDistance(1, 2), "unset pairs keep REMOTE_DISTANCE");
        assertTrue(warned(s, "NUMA: Warning: node ids are out of bound, from=0 to=17 distance=20"));
        assertEquals(List.of(0, 1), s.memory().stream().map(MemoryBank::nid).toList());
    }

    @Test
    void laterMemblkWinsAndSplitsABank() {
        EarlyScan s = scan(root -> {
            root.node("memory@0").string("device_type", "memory").cells("reg", 0, 0, 1, 0).u32("numa-node-id", 0);
            root.node("memory@80000000").string("device_type", "memory").cells("reg", 0, 0x80000000, 0, 0x80000000)
                    .u32("numa-node-id", 1);
        });
        assertEquals(List.of(
                new MemoryBank(0, 0x80000000L, 0, false, "/memory@0"),
                new MemoryBank(0x80000000L, 0x80000000L, 1, false, "/memory@0"),
                new MemoryBank(0x80000000L, 0x80000000L, 1, false, "/memory@80000000")), s.memory());
    }

    @Test
    void cpus() {
        EarlyScan s = scan(root -> {
            FdtWriter.Node cpus = root.node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
            cpus.node("cpu@0").string("device_type", "cpu").string("compatible", "arm,cortex-a53").u32("reg", 0);
            cpus.node("cpu@1").string("device_type", "cpu").string("compatible", "arm,cortex-a53").u32("reg", 1)
                    .string("status", "disabled");
            cpus.node("cpu@2").string("compatible", "arm,cortex-a53");
            cpus.node("l2-cache").string("compatible", "cache");
        });
        assertEquals(List.of("/cpus/cpu@0", "/cpus/cpu@1", "/cpus/cpu@2"), s.cpus().stream().map(CpuNode::path).toList());
        assertEquals(2, s.cpuCount());
        assertEquals(-1L, s.cpus().get(2).hwid(), "no reg: INVALID_HWID");
        assertEquals(EarlyScan.NUMA_NO_NODE, s.cpus().getFirst().numaNodeId());

        EarlyScan mixed = scan(root -> {
            FdtWriter.Node cpus = root.node("cpus");
            cpus.node("cpu@0").string("device_type", "cpu").string("compatible", "arm,cortex-a9");
            cpus.node("cpu@1").string("device_type", "cpu").string("compatible", "arm,cortex-a57");
        });
        assertEquals(Optional.empty(), mixed.arch());
        assertTrue(warned(mixed, "imply different architectures"));
    }

    @Test
    void rootCellsThatCannotAdvanceAreRejected() {
        FdtWriter w = new FdtWriter();
        w.root().u32("#address-cells", 0).u32("#size-cells", 0);
        InvalidDeviceTreeException e = assertThrows(InvalidDeviceTreeException.class,
                () -> EarlyScan.scan(Fdt.parse(w.toBlob())));
        assertTrue(e.reason().contains("both 0"));
        assertThrows(IllegalArgumentException.class, () -> EarlyScan.scan(w.toFdt(), 0));
    }
}
