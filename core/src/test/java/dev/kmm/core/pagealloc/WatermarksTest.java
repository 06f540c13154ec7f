package dev.kmm.core.pagealloc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure formulas, each by hand arithmetic written as the kernel's expression, and against real outputs. */
class WatermarksTest {
    private static final List<ZoneWatermarks> UNSET5 = Collections.nCopies(5, ZoneWatermarks.UNSET);

    /**
     * The table in the comment above calculate_min_free_kbytes() (mm/page_alloc.c):
     * lowmem → min_free_kbytes. The comment rounds 8192MB to 11584k; int_sqrt gives 11585.
     */
    @Test
    void minFreeKbytesFollowsTheKernelsTable() {
        long[][] table = {{16, 512}, {32, 724}, {64, 1024}, {128, 1448}, {256, 2048}, {512, 2896},
                {1024, 4096}, {2048, 5792}, {4096, 8192}, {8192, 11585}, {16384, 16384}};
        for (long[] row : table) {
            long pages = row[0] << (20 - 12);
            assertEquals(row[1], Watermarks.calculateMinFreeKbytes(pages, 1024, -1, l -> { }), row[0] + "MB");
        }
        // Clamped to [128, 262144]: 16 pages give sqrt(64 * 16) = 32 → 128; 2^30 pages (4 TiB) give 2^17... until the cap.
        assertEquals(128, Watermarks.calculateMinFreeKbytes(16, 1024, -1, l -> { }));
        assertEquals(262144, Watermarks.calculateMinFreeKbytes(1L << 32, 1024, -1, l -> { }));
        assertEquals(131072, Watermarks.calculateMinFreeKbytes(1L << 28, 1024, -1, l -> { }));
    }

    @Test
    void userMinFreeKbytesWinsOnlyWhenLarger() {
        List<PrintkLine> log = new ArrayList<>();
        // 8 GiB of lowmem asks for 11585; a user value of 20000 is kept and the kernel says so.
        assertEquals(20000, Watermarks.calculateMinFreeKbytes(2097152, 20000, 20000, log::add));
        assertEquals(List.of(new PrintkLine(PrintkLine.Level.WARNING,
                "min_free_kbytes is not updated to 11585 because user defined value 20000 is preferred")), log);
        // A smaller user value loses to the computed one, silently.
        log.clear();
        assertEquals(11585, Watermarks.calculateMinFreeKbytes(2097152, 5000, 5000, log::add));
        assertTrue(log.isEmpty());
    }

    @Test
    void nrFreeBufferPagesCountsZonesUpToNormalAboveHigh() {
        List<ZoneSizes> zones = Machines.x86EightGig();
        assertEquals(3840 + 755116 + 1273653, Watermarks.nrFreeBufferPages(ZoneTypes.X86_64, zones, UNSET5));
        List<ZoneWatermarks> wm = List.of(new ZoneWatermarks(5, 8, 11, 14, 0), new ZoneWatermarks(0, 0, 2569, 0, 0),
                new ZoneWatermarks(0, 0, 4332, 0, 2), ZoneWatermarks.UNSET, ZoneWatermarks.UNSET);
        // high_wmark_pages() includes the boost.
        assertEquals((3840 - 11) + (755116 - 2569) + (1273653 - 4332 - 2), Watermarks.nrFreeBufferPages(ZoneTypes.X86_64, zones, wm));
        // Up to DMA32 only (gfp_zone(GFP_DMA32)).
        assertEquals((3840 - 11) + (755116 - 2569), Watermarks.nrFreeZonePages(zones, wm, 1));
        // A zone at or below its high watermark adds nothing rather than a negative amount.
        List<ZoneWatermarks> over = List.of(new ZoneWatermarks(0, 0, 5000, 0, 0), ZoneWatermarks.UNSET,
                ZoneWatermarks.UNSET, ZoneWatermarks.UNSET, ZoneWatermarks.UNSET);
        assertEquals(755116 + 1273653, Watermarks.nrFreeBufferPages(ZoneTypes.X86_64, zones, over));
    }

    /** x86_64 8 GiB with min_free_kbytes 11405 (= int_sqrt(2032609 * 4 * 16)), by hand. */
    @Test
    void x86WatermarksByHand() {
        List<ZoneWatermarks> wm = Watermarks.setupPerZoneWmarks(Machines.x86EightGig(), 11405, 10);
        long pagesMin = 11405 >> 2;
        long lowmem = 3840 + 755116 + 1273653;
        // DMA: min = 2851 * 3840 / 2032609 = 5; delta = max(5 >> 2, mult_frac(3840, 10, 10000) = 3) = 3.
        assertEquals(new ZoneWatermarks(pagesMin * 3840 / lowmem, 8, 11, 14, 0), wm.get(0));
        assertEquals(5, wm.get(0).min());
        // DMA32: min = 1059; delta = max(264, 75 * 10 + 5116 * 10 / 10000 = 755) = 755.
        long dma32Min = pagesMin * 755116 / lowmem;
        long dma32Delta = Math.max(dma32Min >> 2, 755116 / 10000 * 10 + 755116 % 10000 * 10 / 10000);
        assertEquals(new ZoneWatermarks(dma32Min, dma32Min + dma32Delta, dma32Min + 2 * dma32Delta, dma32Min + 3 * dma32Delta, 0), wm.get(1));
        assertEquals(new ZoneWatermarks(1059, 1814, 2569, 3324, 0), wm.get(1));
        // Normal: min = 1786; delta = max(446, 1273) = 1273.
        assertEquals(new ZoneWatermarks(1786, 3059, 4332, 5605, 0), wm.get(2));
        assertEquals(ZoneWatermarks.UNSET, wm.get(3));
        assertEquals(ZoneWatermarks.UNSET, wm.get(4));
    }

    /**
     * Real outputs for the DMA zone: managed 3840 gives min 5 low 8 high 11 (ryncsn/memstrack issue #4,
     * the same numbers as our 8 GiB machine); managed 3976 gives min 1 low 4 high 7 (netdata/netdata
     * issue #10153, a 256 GiB machine whose protection line (0, 2564, 257742, ...) fixes DMA32 and
     * Normal to within 256 pages, here with min_free_kbytes 67584 of THP).
     */
    @Test
    void dmaZoneMatchesRealZoneinfo() {
        List<ZoneSizes> zones = List.of(
                new ZoneSizes(0, 0, "DMA", false, 3976, 3997, 4095),
                new ZoneSizes(0, 1, "DMA32", false, 2564 * 256 + 100, 700000, 1044480),
                new ZoneSizes(0, 2, "Normal", false, 257742L * 256 + 100 - (2564 * 256 + 100), 66000000, 66000000),
                new ZoneSizes(0, 3, "Movable", false, 0, 0, 0),
                new ZoneSizes(0, 4, "Device", false, 0, 0, 0));
        assertEquals(new ZoneWatermarks(1, 4, 7, 10, 0), Watermarks.setupPerZoneWmarks(zones, 67584, 10).get(0));
        long[][] reserve = Watermarks.setupPerZoneLowmemReserve(zones, ZoneTypes.X86_64.defaultLowmemReserveRatio());
        assertEquals("        protection: (0, 2564, 257742, 257742, 257742)", Watermarks.formatProtection(reserve[0]));
    }

    /**
     * Protection of the 8 GiB QEMU guest exactly as its /proc/zoneinfo prints it (xiaolincoder/CS-Base
     * issue #212): DMA (0, 2949, 7924, 7924, 7924), DMA32 (0, 0, 4975, 4975, 4975), the rest zero.
     * By hand: 755116 / 256, (755116 + 1273653) / 256, 1273653 / 256.
     */
    @Test
    void x86ProtectionMatchesRealZoneinfo() {
        long[][] reserve = Watermarks.setupPerZoneLowmemReserve(Machines.x86EightGig(), ZoneTypes.X86_64.defaultLowmemReserveRatio());
        assertArrayEquals(new long[]{0, 755116 / 256, (755116 + 1273653) / 256, 2028769 / 256, 2028769 / 256}, reserve[0]);
        assertEquals("        protection: (0, 2949, 7924, 7924, 7924)", Watermarks.formatProtection(reserve[0]));
        assertEquals("        protection: (0, 0, 4975, 4975, 4975)", Watermarks.formatProtection(reserve[1]));
        assertEquals("        protection: (0, 0, 0, 0, 0)", Watermarks.formatProtection(reserve[2]));
        assertEquals("        protection: (0, 0, 0, 0, 0)", Watermarks.formatProtection(reserve[3]));
        assertEquals("        protection: (0, 0, 0, 0, 0)", Watermarks.formatProtection(reserve[4]));
    }

    @Test
    void lowmemReserveIsClearedByZeroRatioOrEmptyZone() {
        int[] ratio = {0, 256, 32, 0, 0};
        long[][] reserve = Watermarks.setupPerZoneLowmemReserve(Machines.x86EightGig(), ratio);
        assertArrayEquals(new long[5], reserve[0]);
        assertArrayEquals(new long[]{0, 0, 1273653 / 256, 1273653 / 256, 1273653 / 256}, reserve[1]);
        // arm64 2 GiB: DMA has pages but nothing lies above it.
        long[][] arm64 = Watermarks.setupPerZoneLowmemReserve(Machines.arm64TwoGig(), ZoneTypes.ARM64.defaultLowmemReserveRatio());
        assertArrayEquals(new long[4], arm64[0]);
        // An empty zone with a ratio reserves nothing against the zones above it.
        List<ZoneSizes> zones = new ArrayList<>(Machines.x86EightGig());
        zones.set(0, new ZoneSizes(0, 0, "DMA", false, 0, 0, 0));
        assertArrayEquals(new long[5], Watermarks.setupPerZoneLowmemReserve(zones, ZoneTypes.X86_64.defaultLowmemReserveRatio())[0]);
    }

    @Test
    void defaultRatiosMatchSysctlDumps() {
        // "vm.lowmem_reserve_ratio = 256 256 32 0 0" in sysctl -a dumps of x86_64 machines.
        assertArrayEquals(new int[]{256, 256, 32, 0, 0}, ZoneTypes.X86_64.defaultLowmemReserveRatio());
        assertArrayEquals(new int[]{256, 256, 32, 0}, ZoneTypes.ARM64.defaultLowmemReserveRatio());
        assertArrayEquals(new int[]{32, 0, 0}, ZoneTypes.ARM_HIGHMEM.defaultLowmemReserveRatio());
    }

    /** Versatile Express: highmem min is managed/1024 clamped to [32, 128], its deltas stay proportional. */
    @Test
    void highmemWatermarksByHand() {
        List<ZoneWatermarks> wm = Watermarks.setupPerZoneWmarks(Machines.armVexpress(), 3472, 10);
        long pagesMin = 3472 >> 2; // 868
        // Normal holds all lowmem: min = 868, delta = max(217, 18 * 10 + 8416 * 10 / 10000 = 188).
        assertEquals(new ZoneWatermarks(868, 868 + 217, 868 + 434, 868 + 651, 0), wm.get(0));
        // HighMem: min = clamp(65536 / 1024, 32, 128) = 64; delta from the proportional share
        // 868 * 65536 / 188416 = 301: max(301 >> 2, 6 * 10 + 5536 * 10 / 10000) = 75.
        long share = pagesMin * 65536 / 188416;
        assertEquals(301, share);
        assertEquals(new ZoneWatermarks(64, 64 + 75, 64 + 150, 64 + 225, 0), wm.get(1));
        // The empty highmem ZONE_MOVABLE still gets min 32 (SWAP_CLUSTER_MAX), with no deltas.
        assertEquals(new ZoneWatermarks(32, 32, 32, 32, 0), wm.get(2));
        // 2 GiB of highmem: 524288 / 1024 = 512, capped at 128.
        List<ZoneSizes> bigHighmem = List.of(Machines.armVexpress().get(0),
                new ZoneSizes(0, 1, "HighMem", true, 524288, 524288, 524288), Machines.armVexpress().get(2));
        assertEquals(128, Watermarks.setupPerZoneWmarks(bigHighmem, 3472, 10).get(1).min());
    }

    @Test
    void watermarksNeedLowmem() {
        List<ZoneSizes> onlyHighmem = List.of(new ZoneSizes(0, 0, "Normal", false, 0, 0, 0),
                new ZoneSizes(0, 1, "HighMem", true, 1000, 1000, 1000), new ZoneSizes(0, 2, "Movable", true, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(onlyHighmem, 1024, 10));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(Machines.armVexpress(), 1024, 0));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(Machines.armVexpress(), 1024, 3001));
    }

    @Test
    void zonesMustBeInForEachZoneOrder() {
        List<ZoneSizes> x86 = Machines.x86EightGig();
        List<ZoneSizes> swapped = new ArrayList<>(x86);
        Collections.swap(swapped, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(swapped, 1024, 10));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(List.of(), 1024, 10));
        List<ZoneSizes> twoNodesOutOfOrder = new ArrayList<>();
        for (int nid : new int[]{1, 0}) {
            for (ZoneSizes z : x86) {
                twoNodesOutOfOrder.add(new ZoneSizes(nid, z.zoneType(), z.name(), false, z.managed(), z.present(), z.spanned()));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(twoNodesOutOfOrder, 1024, 10));
        List<ZoneSizes> ragged = new ArrayList<>(x86);
        ragged.add(new ZoneSizes(1, 0, "DMA", false, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(ragged, 1024, 10));
        assertThrows(IllegalArgumentException.class, () -> new ZoneSizes(0, 0, "DMA", false, 10, 5, 20));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneLowmemReserve(x86, new int[4]));
    }

    @Test
    void totalreserveTakesLargestReservePlusHighCappedAtManaged() {
        List<ZoneSizes> zones = Machines.x86EightGig();
        List<ZoneWatermarks> wm = Watermarks.setupPerZoneWmarks(zones, 67584, 10);
        long[][] reserve = Watermarks.setupPerZoneLowmemReserve(zones, ZoneTypes.X86_64.defaultLowmemReserveRatio());
        Watermarks.Totalreserve t = Watermarks.calculateTotalreservePages(zones, wm, reserve);
        // DMA: min(7924 + 45, 3840) = 3840; DMA32: 4975 + 9414; Normal: 0 + 15879.
        assertEquals(3840 + (4975 + 9414) + 15879, t.totalreservePages());
        assertArrayEquals(new long[]{34108}, t.nodeTotalreservePages());
    }

    /**
     * zone_batchsize(): the "LIFO batch" of boot logs — 0 for the x86 DMA zone and 63 for large zones
     * (pop-os/linux issue #10), 15 for 256 MiB.
     */
    @Test
    void batchsizeByHand() {
        assertEquals(0, Watermarks.zoneBatchsize(0));
        assertEquals(0, Watermarks.zoneBatchsize(3887)); // 3 / 4 = 0 → 1 → rounddown_pow_of_two(1) - 1
        assertEquals(3, Watermarks.zoneBatchsize(16384)); // 16 / 4 = 4 → rounddown_pow_of_two(6) - 1
        assertEquals(15, Watermarks.zoneBatchsize(65536)); // 64 / 4 = 16 → rounddown_pow_of_two(24) - 1
        assertEquals(31, Watermarks.zoneBatchsize(131072)); // 128 / 4 = 32 → rounddown_pow_of_two(48) - 1
        assertEquals(63, Watermarks.zoneBatchsize(188416)); // 184 / 4 = 46 → rounddown_pow_of_two(69) - 1
        assertEquals(63, Watermarks.zoneBatchsize(461494));
        assertEquals(63, Watermarks.zoneBatchsize(1L << 40)); // capped at 1 MiB = 256 pages
        assertThrows(IllegalArgumentException.class, () -> Watermarks.zoneBatchsize(-1));
    }

    @Test
    void highsizeSplitsLowWatermarkAcrossLocalCpus() {
        // Default: low watermark / CPUs of the node, at least batch * 4.
        assertEquals(13233 / 4, Watermarks.zoneHighsize(1273653, 13233, 63, 0, 4, 0, 4));
        assertEquals(63 << 2, Watermarks.zoneHighsize(1273653, 800, 63, 0, 4, 0, 4));
        // A CPU being onlined is counted before it is in the node's mask.
        assertEquals(13233 / 5, Watermarks.zoneHighsize(1273653, 13233, 63, 0, 4, 1, 4));
        // A node without CPUs splits across all online CPUs.
        assertEquals(13233 / 8, Watermarks.zoneHighsize(1273653, 13233, 63, 0, 0, 0, 8));
        // percpu_pagelist_high_fraction: managed / fraction, then split.
        assertEquals((int) (1273653L / 8 / 4), Watermarks.zoneHighsize(1273653, 13233, 63, 8, 4, 0, 4));
    }

    /** Properties over random machines: min <= low <= high <= promo; deltas equal; lowmem mins add up to pages_min. */
    @Test
    void watermarkProperties() {
        SplittableRandom rnd = new SplittableRandom(10);
        for (int round = 0; round < 2000; round++) {
            List<ZoneSizes> zones = randomX86(rnd);
            int minFree = rnd.nextInt(128, 262145);
            int wsf = rnd.nextInt(1, 3001);
            List<ZoneWatermarks> wm = Watermarks.setupPerZoneWmarks(zones, minFree, wsf);
            long sumMin = 0;
            long lowmem = zones.stream().mapToLong(ZoneSizes::managed).sum();
            for (int k = 0; k < zones.size(); k++) {
                ZoneWatermarks w = wm.get(k);
                assertTrue(w.min() <= w.low() && w.low() <= w.high() && w.high() <= w.promo());
                assertEquals(w.low() - w.min(), w.high() - w.low());
                assertEquals(w.high() - w.low(), w.promo() - w.high());
                sumMin += w.min();
                // delta is at least the scale-factor share of the zone
                assertTrue(w.low() - w.min() >= zones.get(k).managed() * wsf / 10000);
            }
            // Each floor loses less than a page: the mins add up to pages_min minus fewer than 5 pages.
            long pagesMin = minFree >> 2;
            assertTrue(sumMin <= pagesMin && sumMin > pagesMin - zones.size(), sumMin + " vs " + pagesMin);
            assertTrue(lowmem > 0);
        }
    }

    /** Raising watermark_scale_factor raises low and high (weakly) and never touches min. */
    @Test
    void scaleFactorMovesLowAndHighOnly() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int round = 0; round < 500; round++) {
            List<ZoneSizes> zones = randomX86(rnd);
            int minFree = rnd.nextInt(128, 100000);
            int a = rnd.nextInt(1, 3000);
            int b = rnd.nextInt(a + 1, 3001);
            List<ZoneWatermarks> lo = Watermarks.setupPerZoneWmarks(zones, minFree, a);
            List<ZoneWatermarks> hi = Watermarks.setupPerZoneWmarks(zones, minFree, b);
            for (int k = 0; k < zones.size(); k++) {
                assertEquals(lo.get(k).min(), hi.get(k).min());
                assertTrue(hi.get(k).low() >= lo.get(k).low());
                assertTrue(hi.get(k).high() >= lo.get(k).high());
            }
        }
        // On the 8 GiB machine a factor of 1000 (10%) makes the Normal deltas 127365 instead of 2646.
        List<ZoneWatermarks> wm = Watermarks.setupPerZoneWmarks(Machines.x86EightGig(), 67584, 1000);
        assertEquals(new ZoneWatermarks(10587, 10587 + 127365, 10587 + 2 * 127365, 10587 + 3 * 127365, 0), wm.get(2));
    }

    /** Changing min_free_kbytes reproduces the proportional split: each lowmem min is floor(pages_min * managed / lowmem). */
    @Test
    void minFreeKbytesSplitsProportionally() {
        SplittableRandom rnd = new SplittableRandom(12);
        List<ZoneSizes> zones = Machines.x86EightGig();
        long lowmem = zones.stream().mapToLong(ZoneSizes::managed).sum();
        for (int round = 0; round < 1000; round++) {
            int minFree = rnd.nextInt(0, Integer.MAX_VALUE);
            List<ZoneWatermarks> wm = Watermarks.setupPerZoneWmarks(zones, minFree, 10);
            for (int k = 0; k < zones.size(); k++) {
                // An independent exact computation in 128-bit arithmetic.
                long expected = java.math.BigInteger.valueOf(minFree >> 2).multiply(java.math.BigInteger.valueOf(zones.get(k).managed()))
                        .divide(java.math.BigInteger.valueOf(lowmem)).longValueExact();
                assertEquals(expected, wm.get(k).min());
            }
        }
    }

    private static List<ZoneSizes> randomX86(SplittableRandom rnd) {
        long dma = rnd.nextLong(0, 4000);
        long dma32 = rnd.nextLong(0, 1_000_000);
        long normal = rnd.nextLong(dma + dma32 == 0 ? 1 : 0, 1L << 34);
        return List.of(
                new ZoneSizes(0, 0, "DMA", false, dma, dma, 4095),
                new ZoneSizes(0, 1, "DMA32", false, dma32, dma32, 1044480),
                new ZoneSizes(0, 2, "Normal", false, normal, normal, normal),
                new ZoneSizes(0, 3, "Movable", false, 0, 0, 0),
                new ZoneSizes(0, 4, "Device", false, 0, 0, 0));
    }
}
