package dev.kmm.core.pagealloc;

import dev.kmm.core.pagealloc.Khugepaged.Thp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * set_recommended_min_free_kbytes() (mm/khugepaged.c, 6.1). The uncapped values for one, two and
 * three lowmem zones with 2 MiB pageblocks, 22528, 45056 and 67584 kB, are what {@code sysctl
 * vm.min_free_kbytes} reports on machines with THP enabled (67584 on x86_64 with DMA, DMA32 and
 * Normal: "69MB on my 128GB desktop", scylladb/seastar PR #1747, which also observes the 5% cap
 * on arm64 with 64 KiB pages).
 */
class KhugepagedTest {
    @Test
    void recommendationPerZoneCount() {
        long plenty = 100_000_000;
        assertEquals(22528, Khugepaged.recommendedMinFreeKbytes(1, 512, plenty));
        assertEquals(45056, Khugepaged.recommendedMinFreeKbytes(2, 512, plenty));
        assertEquals(67584, Khugepaged.recommendedMinFreeKbytes(3, 512, plenty));
        // 4 MiB pageblocks (no CONFIG_HUGETLB_PAGE, MAX_ORDER 11): twice as much.
        assertEquals(45056, Khugepaged.recommendedMinFreeKbytes(1, 1024, plenty));
        // Never more than 5% of lowmem: nr_free_buffer_pages() / 20.
        assertEquals(200_000 / 20 << 2, Khugepaged.recommendedMinFreeKbytes(3, 512, 200_000));
    }

    /**
     * An x86_64 guest with about 874 MiB: DMA and DMA32 only. Postcore gives int_sqrt(223840 * 64) =
     * 3784; the two-zone recommendation (11264 pages) exceeds 5% of the pages above the high
     * watermarks, (3840 - 24) + (220000 - 1393) = 222423, so the cap wins: 222423 / 20 pages.
     */
    @Test
    void capAtFivePercentOfLowmem() {
        List<ZoneSizes> zones = List.of(
                new ZoneSizes(0, 0, "DMA", false, 3840, 3998, 4095),
                new ZoneSizes(0, 1, "DMA32", false, 220000, 223000, 1044480),
                new ZoneSizes(0, 2, "Normal", false, 0, 0, 0),
                new ZoneSizes(0, 3, "Movable", false, 0, 0, 0),
                new ZoneSizes(0, 4, "Device", false, 0, 0, 0));
        ZoneTuning postcore = ZoneTuning.beforeInitcalls(PageAllocConfig.X86_64, zones, Sysctls.defaults(ZoneTypes.X86_64),
                Cpus.uma(2), Thp.ALWAYS).initPerZoneWmarkMin(l -> { });
        assertEquals(3784, postcore.minFreeKbytes());
        assertEquals(24, postcore.limits(0, 0).watermarks().high());
        assertEquals(1393, postcore.limits(0, 1).watermarks().high());
        ZoneTuning t = Khugepaged.hugepageInit(postcore, l -> { });
        assertEquals(((3840 - 24) + (220000 - 1393)) / 20 << 2, t.minFreeKbytes());
        assertEquals(44484, t.minFreeKbytes());
    }

    /** Under 512 MiB of RAM hugepage_init() switches THP off and leaves min_free_kbytes alone. */
    @Test
    void smallMachinesTurnThpOff() {
        List<ZoneSizes> zones = List.of(
                new ZoneSizes(0, 0, "DMA", false, 3840, 3998, 4095),
                new ZoneSizes(0, 1, "DMA32", false, 120000, 126000, 1044480),
                new ZoneSizes(0, 2, "Normal", false, 0, 0, 0),
                new ZoneSizes(0, 3, "Movable", false, 0, 0, 0),
                new ZoneSizes(0, 4, "Device", false, 0, 0, 0));
        ZoneTuning t = ZoneTuning.boot(PageAllocConfig.X86_64, zones, Sysctls.defaults(ZoneTypes.X86_64), Cpus.uma(1),
                Thp.ALWAYS, l -> { });
        assertEquals(KernelMath.intSqrt(123840L * 64), t.minFreeKbytes());
        assertEquals(Thp.NEVER, t.thp());
        assertFalse(t.khugepagedRunning());
    }

    /** The recommendation only raises: a larger min_free_kbytes stays. */
    @Test
    void onlyRaises() {
        ZoneTuning t = ZoneTuning.beforeInitcalls(PageAllocConfig.X86_64, Machines.x86EightGig(),
                Sysctls.defaults(ZoneTypes.X86_64), Cpus.uma(4), Thp.ALWAYS).minFreeKbytesSysctlHandler(90000);
        ZoneTuning after = Khugepaged.hugepageInit(t, l -> { });
        assertEquals(90000, after.minFreeKbytes());
        assertTrue(after.khugepagedRunning());
    }

    /** ZONE_MOVABLE and highmem zones lie above gfp_zone(GFP_USER) and are not counted. */
    @Test
    void movableZonesDoNotCount() {
        List<ZoneSizes> zones = List.of(
                new ZoneSizes(0, 0, "DMA", false, 3840, 3998, 4095),
                new ZoneSizes(0, 1, "DMA32", false, 755116, 782328, 1044480),
                new ZoneSizes(0, 2, "Normal", false, 0, 0, 0),
                new ZoneSizes(0, 3, "Movable", false, 1273653, 1310720, 1310720),
                new ZoneSizes(0, 4, "Device", false, 0, 0, 0));
        ZoneTuning t = ZoneTuning.boot(PageAllocConfig.X86_64, zones, Sysctls.defaults(ZoneTypes.X86_64), Cpus.uma(4),
                Thp.MADVISE, l -> { });
        assertEquals(45056, t.minFreeKbytes()); // two zones: DMA and DMA32
    }
}
