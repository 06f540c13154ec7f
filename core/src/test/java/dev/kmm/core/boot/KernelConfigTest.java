package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.VmSplit;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.LayoutConfig;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.core.pagealloc.Khugepaged;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The defconfig defaults (from make ... defconfig of Linux 6.1) and Kconfig's checks of NAME=VALUE. */
class KernelConfigTest {
    @Test
    void vexpressDefconfig() {
        KernelConfig c = KernelConfig.defconfig(Arch.ARM);
        assertEquals("vexpress_defconfig", c.defconfigName());
        assertFalse(c.highmem());
        assertFalse(c.zoneDma());
        assertEquals(VmSplit.VMSPLIT_2G, c.vmSplit());
        assertEquals(8, c.nrCpus());
        assertTrue(c.cma());
        assertEquals(16, c.cmaSizeMbytes()); // kernel/dma/Kconfig: default 16 (0 only on x86)
        assertEquals(11, c.maxOrder());
        assertEquals(10, c.pageblockOrder()); // no HUGETLB_PAGE without LPAE: MAX_ORDER - 1
        assertFalse(c.numa());
        assertEquals(1, c.maxNumNodes());
        assertEquals("console=ttyAMA0", c.cmdline());
        assertEquals(Khugepaged.Thp.NOT_AVAILABLE, c.thpDefault());
        assertEquals(32, c.structPageSize());
        assertEquals(1024, c.commandLineSize());
        assertEquals(List.of("Normal", "Movable"), names(c));
    }

    @Test
    void arm64AndX86Defconfigs() {
        KernelConfig a = KernelConfig.defconfig(Arch.ARM64);
        assertTrue(a.zoneDma() && a.zoneDma32() && a.numa() && a.transparentHugepage());
        assertEquals(16, a.maxNumNodes()); // NODES_SHIFT 4
        assertEquals(256, a.nrCpus());
        assertEquals(32, a.cmaSizeMbytes());
        assertEquals(9, a.pageblockOrder()); // HUGETLB_PAGE_ORDER
        assertEquals(Khugepaged.Thp.ALWAYS, a.thpDefault());
        assertEquals(List.of("DMA", "DMA32", "Normal", "Movable"), names(a));
        KernelConfig x = KernelConfig.defconfig(Arch.X86_64);
        assertFalse(x.transparentHugepage());
        assertFalse(x.cma());
        assertEquals(64, x.maxNumNodes()); // NODES_SHIFT 6
        assertEquals(64, x.nrCpus());
        assertEquals(2048, x.commandLineSize());
        assertEquals(List.of("DMA", "DMA32", "Normal", "Movable"), names(x));
    }

    /**
     * The arm64 defconfig's struct zone, CONFIG_CMA's cma_pages included, against pahole's reading of the DWARF
     * of the kernel that booted resources/boot/virt-arm64 (6.1.192, arm64 defconfig).
     */
    @Test
    void arm64DefconfigZoneIsTheBuiltKernels() {
        LayoutConfig lc = KernelConfig.defconfig(Arch.ARM64).layoutConfig();
        assertTrue(lc.cma());
        ZoneLayout z = KernelLayouts.of(lc).zone();
        assertEquals(80, z.node);
        assertEquals(128, z.managedPages);
        assertEquals(152, z.presentEarlyPages);
        assertEquals(160, z.cmaPages);
        assertEquals(168, z.name);
        assertEquals(176, z.nrIsolatePageblock);
        assertEquals(192, z.initialized);
        assertEquals(256, z.freeArea);
        assertEquals(1400, z.flags);
        assertEquals(1472, z.percpuDriftMark);
        assertEquals(1536, z.vmStat);
        assertEquals(1616, z.vmNumaEvent);
        assertEquals(1664, z.size);
        assertEquals(-1, KernelLayouts.of(KernelConfig.defconfig(Arch.X86_64).layoutConfig()).zone().cmaPages);
    }

    @Test
    void assignmentsChangeOptions() {
        KernelConfig c = KernelConfig.defconfig(Arch.ARM).with("CONFIG_HIGHMEM=y").with("VMSPLIT_3G=y")
                .with("CONFIG_ARCH_FORCE_MAX_ORDER=12").with("# CONFIG_CMA is not set").with("CONFIG_ZONE_DMA=y");
        assertTrue(c.highmem());
        assertEquals(VmSplit.VMSPLIT_3G, c.vmSplit());
        assertEquals(12, c.maxOrder());
        assertEquals(11, c.pageblockOrder());
        assertFalse(c.cma());
        assertEquals(0, c.cmaSizeMbytes());
        assertEquals(List.of("DMA", "Normal", "HighMem", "Movable"), names(c));
        assertEquals(5, c.layoutConfig().migrateTypes()); // no MIGRATE_CMA
        assertFalse(c.layoutConfig().cma());
        assertTrue(c.lines().contains("CONFIG_VMSPLIT_3G=y"));
        assertFalse(c.lines().contains("CONFIG_VMSPLIT_2G=y"));

        KernelConfig x = KernelConfig.defconfig(Arch.X86_64).with("CONFIG_TRANSPARENT_HUGEPAGE=y")
                .with("CONFIG_TRANSPARENT_HUGEPAGE_MADVISE=y").with("CONFIG_NODES_SHIFT=3").with("CONFIG_ZONE_DEVICE=y")
                .with("CONFIG_CMA=y");
        assertEquals(Khugepaged.Thp.MADVISE, x.thpDefault());
        assertEquals(8, x.maxNumNodes());
        assertEquals(0, x.cmaSizeMbytes()); // x86's CMA_SIZE_MBYTES default
        assertEquals(List.of("DMA", "DMA32", "Normal", "Movable", "Device"), names(x));
        assertEquals(2, x.layoutConfig().nrPcpThp());
        assertEquals(6, x.layoutConfig().migrateTypes());
    }

    @Test
    void badAssignmentsAreRefusedWithTheReason() {
        KernelConfig arm = KernelConfig.defconfig(Arch.ARM);
        KernelConfig x86 = KernelConfig.defconfig(Arch.X86_64);
        assertMessage("unknown kernel config option 'CONFIG_FOO'", () -> arm.with("CONFIG_FOO=y"));
        assertMessage("a bool option takes y or n", () -> arm.with("CONFIG_HIGHMEM=yes"));
        assertMessage("not a decimal integer", () -> arm.with("CONFIG_NR_CPUS=four"));
        assertMessage("outside its range 2..32", () -> arm.with("CONFIG_NR_CPUS=64"));
        assertMessage("depends on 64BIT", () -> arm.with("CONFIG_ZONE_DMA32=y"));
        assertMessage("depends on ARM", () -> x86.with("CONFIG_HIGHMEM=y"));
        assertMessage("depends on ARM", () -> x86.with("CONFIG_VMSPLIT_2G=y"));
        assertMessage("ARM_LPAE", () -> arm.with("CONFIG_TRANSPARENT_HUGEPAGE=y"));
        assertMessage("x86 fixes MAX_ORDER", () -> x86.with("CONFIG_ARCH_FORCE_MAX_ORDER=12"));
        assertMessage("outside its range 2..16", () -> arm.with("CONFIG_ARCH_FORCE_MAX_ORDER=17"));
        assertMessage("member of a choice", () -> arm.with("CONFIG_VMSPLIT_2G=n"));
        assertMessage("depends on CONFIG_CMA", () -> x86.with("CONFIG_CMA_SIZE_MBYTES=64"));
        assertMessage("depends on CONFIG_NUMA", () -> x86.with("CONFIG_NUMA=n").with("CONFIG_NODES_SHIFT=2"));
        assertMessage("is not NAME=VALUE", () -> arm.with("HIGHMEM"));
    }

    private static List<String> names(KernelConfig c) {
        var t = c.zoneTypes();
        return java.util.stream.IntStream.range(0, t.maxNrZones()).mapToObj(t::name).toList();
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
