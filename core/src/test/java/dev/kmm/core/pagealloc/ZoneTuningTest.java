package dev.kmm.core.pagealloc;

import dev.kmm.core.pagealloc.Khugepaged.Thp;
import dev.kmm.core.pagealloc.Watermarks.PcpLimits;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 6.1 boot sequence (init_per_zone_wmark_min at postcore, then hugepage_init at subsys) on the
 * three reference machines, each number by hand as the kernel's expression, and the sysctl writes.
 */
class ZoneTuningTest {
    private static ZoneTuning bootX86(Thp thp, List<PrintkLine> log) {
        return ZoneTuning.boot(PageAllocConfig.X86_64, Machines.x86EightGig(), Sysctls.defaults(ZoneTypes.X86_64),
                Cpus.uma(4), thp, log::add);
    }

    /**
     * x86_64, 8 GiB, 4 CPUs, THP "always" (Debian's default): postcore computes
     * int_sqrt(2032609 * 4 * 16) = 11405, then khugepaged raises it to
     * 512 * 3 zones * (2 + 3 * 3) pages = 67584 kB, the value sysctl shows on such machines.
     */
    @Test
    void x86EightGigBoot() {
        List<PrintkLine> log = new ArrayList<>();
        ZoneTuning postcore = ZoneTuning.beforeInitcalls(PageAllocConfig.X86_64, Machines.x86EightGig(),
                Sysctls.defaults(ZoneTypes.X86_64), Cpus.uma(4), Thp.ALWAYS).initPerZoneWmarkMin(log::add);
        assertEquals(KernelMath.intSqrt((3840 + 755116 + 1273653) * 4L * 16), postcore.minFreeKbytes());
        assertEquals(11405, postcore.minFreeKbytes());
        assertEquals(new ZoneWatermarks(5, 8, 11, 14, 0), postcore.limits(0, 0).watermarks());
        assertEquals(new ZoneWatermarks(1059, 1814, 2569, 3324, 0), postcore.limits(0, 1).watermarks());
        assertEquals(new ZoneWatermarks(1786, 3059, 4332, 5605, 0), postcore.limits(0, 2).watermarks());
        assertFalse(postcore.khugepagedRunning()); // khugepaged_min_free_kbytes_update() found no thread yet

        ZoneTuning t = Khugepaged.hugepageInit(postcore, log::add);
        assertTrue(t.khugepagedRunning());
        assertEquals(512 * 3 * 2 + 512 * 3 * 3 * 3 << 2, t.minFreeKbytes());
        assertEquals(67584, t.minFreeKbytes());
        assertTrue(log.isEmpty(), "no message while user_min_free_kbytes is unset: " + log);

        long pagesMin = 67584 >> 2;
        long lowmem = 3840 + 755116 + 1273653;
        ZoneLimits dma = t.limits(0, 0);
        ZoneLimits dma32 = t.limits(0, 1);
        ZoneLimits normal = t.limits(0, 2);
        assertEquals(pagesMin * 3840 / lowmem, dma.watermarks().min());
        assertEquals(new ZoneWatermarks(31, 38, 45, 52, 0), dma.watermarks()); // delta max(31 >> 2, 3)
        assertEquals(new ZoneWatermarks(6276, 6276 + 1569, 6276 + 2 * 1569, 6276 + 3 * 1569, 0), dma32.watermarks());
        assertEquals(pagesMin * 755116 / lowmem, dma32.watermarks().min());
        assertEquals(new ZoneWatermarks(10587, 10587 + 2646, 10587 + 2 * 2646, 10587 + 3 * 2646, 0), normal.watermarks());
        assertEquals(pagesMin * 1273653 / lowmem, normal.watermarks().min());

        // Protection as the real guest's zoneinfo shows it (reserves do not depend on watermarks).
        assertEquals("        protection: (0, 2949, 7924, 7924, 7924)", dma.protectionLine());
        assertEquals("        protection: (0, 0, 4975, 4975, 4975)", dma32.protectionLine());
        // totalreserve: min(7924 + 45, 3840) + (4975 + 9414) + (0 + 15879)
        assertEquals(3840 + 4975 + 9414 + 15879, t.totalreservePages());
        assertEquals(t.totalreservePages(), t.nodeTotalreservePages(0));

        // pcp: batch 1 for DMA (3840 >> 10 = 3, / 4 = 0 → 1 → 0 → max(1, 0)); 63 above; high = low / 4 CPUs.
        assertEquals(new PcpLimits(Math.max(38 / 4, 1 << 2), 1), dma.pcp());
        assertEquals(new PcpLimits(7845 / 4, 63), dma32.pcp());
        assertEquals(new PcpLimits(13233 / 4, 63), normal.pcp());
        assertEquals(new PcpLimits(4, 1), t.limits(0, 3).pcp()); // empty zones: batch 1, high 1 << 2

        // vmstat thresholds: 2 * fls(4) * (1 + fls(managed >> 15)), from the postcore refresh.
        assertEquals(2 * 3 * (1 + 0), dma.statThreshold());
        assertEquals(2 * 3 * (1 + KernelMath.fls(755116 >> 15)), dma32.statThreshold());
        assertEquals(36, dma32.statThreshold());
        assertEquals(42, normal.statThreshold());
        assertEquals(0, t.limits(0, 3).statThreshold());
        assertEquals(42, t.nodeStatThreshold(0));
        // Drift marks: DMA's 4 * 6 > 8 - 5, so high + 24 at postcore; DMA32 and Normal tolerate their
        // drift and keep what the secondary CPUs' onlining left (zero watermarks: 0 + 4 * threshold).
        assertEquals(11 + 4 * 6, dma.percpuDriftMark());
        assertEquals(4 * 36, dma32.percpuDriftMark());
        assertEquals(4 * 42, normal.percpuDriftMark());
    }

    /**
     * THP "never" still runs set_recommended_min_free_kbytes() at boot, which then recomputes
     * min_free_kbytes with the postcore high watermarks subtracted: int_sqrt(2025697 * 64) = 11386.
     */
    @Test
    void x86BootWithThpNeverRecomputesLower() {
        ZoneTuning t = bootX86(Thp.NEVER, new ArrayList<>());
        long nrFreeBufferPages = (3840 - 11) + (755116 - 2569) + (1273653 - 4332);
        assertEquals(KernelMath.intSqrt(nrFreeBufferPages * 64), t.minFreeKbytes());
        assertEquals(11386, t.minFreeKbytes());
        assertFalse(t.khugepagedRunning());
        assertEquals(new ZoneWatermarks(1783, 3056, 4329, 5602, 0), t.limits(0, 2).watermarks());
    }

    /** Without THP support (no CONFIG_TRANSPARENT_HUGEPAGE) the postcore value stays. */
    @Test
    void x86BootWithoutThp() {
        assertEquals(11405, bootX86(Thp.NOT_AVAILABLE, new ArrayList<>()).minFreeKbytes());
    }

    /**
     * Versatile Express, 4 CPUs, no THP: min_free_kbytes = int_sqrt(188416 * 64) = 3472; only Normal
     * is lowmem; HighMem min 64; protection of Normal = 65536 / 32.
     */
    @Test
    void armVexpressBoot() {
        List<PrintkLine> log = new ArrayList<>();
        ZoneTuning t = ZoneTuning.boot(PageAllocConfig.ARM_VEXPRESS, Machines.armVexpress(),
                Sysctls.defaults(ZoneTypes.ARM_HIGHMEM), Cpus.uma(4), Thp.NOT_AVAILABLE, log::add);
        assertEquals(KernelMath.intSqrt(188416L * 4 * 16), t.minFreeKbytes());
        assertEquals(3472, t.minFreeKbytes());
        ZoneLimits normal = t.limits(0, 0);
        ZoneLimits highmem = t.limits(0, 1);
        ZoneLimits movable = t.limits(0, 2);
        assertEquals(new ZoneWatermarks(868, 1085, 1302, 1519, 0), normal.watermarks());
        assertEquals(new ZoneWatermarks(64, 139, 214, 289, 0), highmem.watermarks());
        assertEquals(new ZoneWatermarks(32, 32, 32, 32, 0), movable.watermarks());
        assertEquals("        protection: (0, 2048, 2048)", normal.protectionLine());
        assertEquals("        protection: (0, 0, 0)", highmem.protectionLine());
        // Normal: 2048 + 1302; HighMem: 0 + 214; Movable: min(32, 0 managed) = 0.
        assertEquals(2048 + 1302 + 214, t.totalreservePages());
        assertEquals(new PcpLimits(1085 / 4, 63), normal.pcp());
        assertEquals(new PcpLimits(15 << 2, 15), highmem.pcp()); // 139 / 4 = 34 < 60
        assertEquals(2 * 3 * (1 + KernelMath.fls(188416 >> 15)), normal.statThreshold());
        assertEquals(24, normal.statThreshold());
        assertEquals(18, highmem.statThreshold());
        assertEquals(4 * 24, normal.percpuDriftMark()); // 96 <= 217 tolerated: kept from smp_init
        assertEquals(4 * 18, highmem.percpuDriftMark()); // 72 <= 75 tolerated
        assertTrue(log.isEmpty());
    }

    /**
     * arm64, 2 GiB, all in ZONE_DMA, THP "always": postcore int_sqrt(500000 * 64) = 5656, then one
     * zone's recommendation 512 * (2 + 9) pages = 22528 kB.
     */
    @Test
    void arm64DmaOnlyBoot() {
        ZoneTuning t = ZoneTuning.boot(PageAllocConfig.ARM64, Machines.arm64TwoGig(), Sysctls.defaults(ZoneTypes.ARM64),
                Cpus.uma(4), Thp.ALWAYS, l -> { });
        assertEquals(512 * 1 * (2 + 3 * 3) << 2, t.minFreeKbytes());
        ZoneLimits dma = t.limits(0, 0);
        // min = 5632; delta = max(5632 >> 2, mult_frac(500000, 10, 10000) = 500) = 1408.
        assertEquals(new ZoneWatermarks(5632, 7040, 8448, 9856, 0), dma.watermarks());
        assertEquals("        protection: (0, 0, 0, 0)", dma.protectionLine());
        assertEquals(8448, t.totalreservePages());
        assertEquals(new PcpLimits(7040 / 4, 63), dma.pcp());
        assertEquals(2 * 3 * (1 + KernelMath.fls(500000 >> 15)), dma.statThreshold());
        assertEquals(30, dma.statThreshold());
    }

    /** A single CPU brings no secondary CPU online: drift marks stay 0 unless the postcore refresh needs one. */
    @Test
    void uniprocessorBootHasNoSmpInitDriftMarks() {
        ZoneTuning t = ZoneTuning.boot(PageAllocConfig.X86_64, Machines.x86EightGig(), Sysctls.defaults(ZoneTypes.X86_64),
                Cpus.uma(1), Thp.ALWAYS, l -> { });
        // threshold 2 * fls(1) * (1 + fls(mem)): DMA 2 (2 > 3? no), so no drift mark anywhere.
        assertEquals(0, t.limits(0, 0).percpuDriftMark());
        assertEquals(0, t.limits(0, 2).percpuDriftMark());
        assertEquals(new PcpLimits(13233, 63), t.limits(0, 2).pcp());
    }

    @Test
    void userMinFreeKbytesDuringLaterInit() {
        ZoneTuning booted = bootX86(Thp.ALWAYS, new ArrayList<>());
        // An administrator writes 1000; a later init_per_zone_wmark_min() (memory hotplug) computes more,
        // so the computed value wins; khugepaged then raises it again, and now says so.
        List<PrintkLine> log = new ArrayList<>();
        ZoneTuning small = booted.minFreeKbytesSysctlHandler(1000);
        assertEquals(1000, small.minFreeKbytes());
        assertEquals(1000, small.sysctls().userMinFreeKbytes());
        assertEquals(250L * 1273653 / 2032609, small.limits(0, 2).watermarks().min());
        ZoneTuning again = small.initPerZoneWmarkMin(log::add);
        assertEquals(67584, again.minFreeKbytes());
        assertEquals(List.of(PrintkLine.info(
                "raising min_free_kbytes from 11393 to 67584 to help transparent hugepage allocations")), log);

        // A larger user value is preferred, with a warning, and THP does not lower it.
        log.clear();
        ZoneTuning big = booted.minFreeKbytesSysctlHandler(100000).initPerZoneWmarkMin(log::add);
        assertEquals(100000, big.minFreeKbytes());
        assertEquals(List.of(new PrintkLine(PrintkLine.Level.WARNING,
                "min_free_kbytes is not updated to 11299 because user defined value 100000 is preferred")), log);
    }

    @Test
    void sysctlHandlers() {
        ZoneTuning t = bootX86(Thp.ALWAYS, new ArrayList<>());
        ZoneTuning scaled = t.watermarkScaleFactorSysctlHandler(1000);
        assertEquals(new ZoneWatermarks(10587, 10587 + 127365, 10587 + 2 * 127365, 10587 + 3 * 127365, 0),
                scaled.limits(0, 2).watermarks());
        assertEquals(new PcpLimits((10587 + 127365) / 4, 63), scaled.limits(0, 2).pcp());
        assertThrows(IllegalArgumentException.class, () -> t.watermarkScaleFactorSysctlHandler(0));

        ZoneTuning ratios = t.lowmemReserveRatioSysctlHandler(new int[]{-5, 128, 32, 0, 0});
        assertArrayEquals(new int[]{0, 128, 32, 0, 0}, ratios.sysctls().lowmemReserveRatio());
        assertEquals("        protection: (0, 0, 0, 0, 0)", ratios.limits(0, 0).protectionLine());
        assertEquals("        protection: (0, 0, " + 1273653 / 128 + ", 9950, 9950)", ratios.limits(0, 1).protectionLine());
        // totalreserve follows: DMA 0 + 45, DMA32 9950 + 9414, Normal 15879.
        assertEquals(45 + 9950 + 9414 + 15879, ratios.totalreservePages());

        ZoneTuning fraction = t.percpuPagelistHighFractionSysctlHandler(8);
        assertEquals(new PcpLimits((int) (1273653L / 8 / 4), 63), fraction.limits(0, 2).pcp());
        assertEquals(t.limits(0, 3).pcp(), fraction.limits(0, 3).pcp()); // unpopulated zones are skipped
        assertSame(t, t.percpuPagelistHighFractionSysctlHandler(0));
        assertThrows(IllegalArgumentException.class, () -> t.percpuPagelistHighFractionSysctlHandler(4));
        assertEquals(t.limits(0, 2).pcp(), fraction.percpuPagelistHighFractionSysctlHandler(0).limits(0, 2).pcp());
    }

    @Test
    void thpSwitchedOffAtRuntimeRecomputes() {
        ZoneTuning t = bootX86(Thp.ALWAYS, new ArrayList<>());
        ZoneTuning off = Khugepaged.startStopKhugepaged(t, Thp.NEVER, l -> { });
        assertFalse(off.khugepagedRunning());
        // calculate_min_free_kbytes() against the 67584-based high watermarks: 45 + 9414 + 15879 off lowmem.
        assertEquals(KernelMath.intSqrt(((3840 - 45) + (755116 - 9414) + (1273653 - 15879)) * 64L), off.minFreeKbytes());
        ZoneTuning on = Khugepaged.startStopKhugepaged(off, Thp.MADVISE, l -> { });
        assertTrue(on.khugepagedRunning());
        assertEquals(67584, on.minFreeKbytes());
        assertThrows(IllegalArgumentException.class, () -> Khugepaged.startStopKhugepaged(t, Thp.NOT_AVAILABLE, l -> { }));
    }

    @Test
    void badStateInputsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ZoneTuning.beforeInitcalls(PageAllocConfig.ARM64,
                Machines.x86EightGig(), Sysctls.defaults(ZoneTypes.X86_64), Cpus.uma(1), Thp.ALWAYS));
        assertThrows(IllegalArgumentException.class, () -> ZoneTuning.beforeInitcalls(PageAllocConfig.X86_64,
                Machines.x86EightGig(), Sysctls.defaults(ZoneTypes.ARM64), Cpus.uma(1), Thp.ALWAYS));
        assertThrows(IllegalArgumentException.class, () -> new Cpus(4, new int[]{2, 1}));
        assertThrows(IllegalArgumentException.class, () -> Cpus.uma(0));
        assertThrows(IllegalArgumentException.class, () -> new Sysctls(-1, -1, 10, new int[3], 0));
        assertThrows(IllegalArgumentException.class, () -> new Sysctls(1024, -2, 10, new int[3], 0));
        assertThrows(IllegalArgumentException.class, () -> new Sysctls(1024, -1, 10, new int[]{-1, 0, 0}, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sysctls(1024, -1, 10, new int[3], 7));
    }

    /** Two nodes: totalreserve per node, node thresholds per node, pcp high split by each node's CPUs. */
    @Test
    void twoNodes() {
        List<ZoneSizes> zones = new ArrayList<>(Machines.x86EightGig());
        for (ZoneSizes z : Machines.x86EightGig()) {
            boolean normal = z.zoneType() == 2;
            zones.add(new ZoneSizes(1, z.zoneType(), z.name(), false, normal ? 2_000_000 : 0,
                    normal ? 2_097_152 : 0, normal ? 2_097_152 : 0));
        }
        ZoneTuning t = ZoneTuning.boot(PageAllocConfig.X86_64, zones, Sysctls.defaults(ZoneTypes.X86_64),
                new Cpus(6, new int[]{4, 2}), Thp.NOT_AVAILABLE, l -> { });
        long lowmem = 3840 + 755116 + 1273653 + 2_000_000;
        assertEquals(KernelMath.intSqrt(lowmem * 64), t.minFreeKbytes());
        ZoneLimits normal1 = t.limits(1, 2);
        long pagesMin = t.minFreeKbytes() >> 2;
        assertEquals(pagesMin * 2_000_000 / lowmem, normal1.watermarks().min());
        assertEquals(normal1.watermarks().low() / 2, normal1.pcp().high()); // node 1 has 2 CPUs
        assertEquals(t.limits(0, 2).watermarks().low() / 4, t.limits(0, 2).pcp().high());
        assertEquals(t.nodeTotalreservePages(0) + t.nodeTotalreservePages(1), t.totalreservePages());
        assertEquals(normal1.watermarks().high(), t.nodeTotalreservePages(1));
        assertEquals(2 * KernelMath.fls(6) * (1 + KernelMath.fls(2_000_000 >> 15)), t.nodeStatThreshold(1));
    }
}
