package dev.kmm.core.pagealloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.core.pagealloc.Machine.Range;
import dev.kmm.core.pagealloc.Machine.ZoneSpec;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** memblock_free_all() on small machines, held against the independent {@link BuddyModel}. */
class BootFreeTest {
    static final long M = 1L << 20;

    /** x86_64: one ZONE_NORMAL over [0, 80 MiB) with a 16 MiB hole, the kernel image reserved at 16 MiB. */
    static Machine x86OneZone() {
        return Machine.x86(List.of(new Range(0, 32 * M), new Range(48 * M, 32 * M)),
                List.of(new Range(16 * M, 5 * M + 123), new Range(0, 4096)),
                List.of(new ZoneSpec(KernelConstants.ZONE_NORMAL, 0, 80 * M >>> 12)));
    }

    /** x86_64 as the kernel zones 192 MiB: DMA below 16 MiB, DMA32 above, two sections, a 64 MiB hole. */
    static Machine x86TwoZones() {
        return Machine.x86(List.of(new Range(M, 63 * M), new Range(128 * M, 64 * M)),
                List.of(new Range(16 * M, 8 * M), new Range(0x2000800, 0x1000)),
                List.of(new ZoneSpec(KernelConstants.ZONE_DMA, 256, 4096),
                        new ZoneSpec(KernelConstants.ZONE_DMA32, 4096, 192 * M >>> 12)));
    }

    /** ARM: 64 MiB of RAM at 0x60000000 in two banks around a 10 MiB hole, one ZONE_NORMAL. */
    static Machine armOneZone() {
        long base = Machine.ARM_PHYS_OFFSET;
        return Machine.arm(List.of(new Range(base, 30 * M), new Range(base + 40 * M, 24 * M)),
                List.of(new Range(base + 0x8000, 8 * M)),
                List.of(new ZoneSpec(0, base >>> 12, (base + 64 * M) >>> 12)));
    }

    private static void assertMatchesModel(Machine m, List<Integer> zoneIdxs) {
        BitSet free = m.expectedFreePfns();
        long total = 0;
        for (int idx : zoneIdxs) {
            long zone = m.zone(idx);
            long start = m.buddy.zoneStartPfn(zone);
            long end = m.buddy.zoneEndPfn(zone);
            long[] expected = BuddyModel.expectedNrFree(free, start, end, m.buddy.maxOrder());
            long[] actual = new long[m.buddy.maxOrder()];
            for (int o = 0; o < actual.length; o++) {
                actual[o] = m.buddy.freeArea().nrFree(zone, o);
            }
            assertArrayEquals(expected, actual, "nr_free per order of zone " + idx);
            long pages = BuddyModel.freePages(free, start, end);
            assertEquals(pages, m.buddy.zonePageState(zone, Buddy.NR_FREE_PAGES), "NR_FREE_PAGES of zone " + idx);
            assertEquals(pages, m.buddy.zoneManagedPages(zone), "managed_pages of zone " + idx);
            assertEquals(List.of(), BuddyVerify.verifyZone(m.buddy, zone));
            total += pages;
        }
        assertEquals(free.cardinality(), total, "every free page lies in a zone");
    }

    @Test
    void x86OneZoneMatchesModel() {
        try (Machine m = x86OneZone()) {
            long released = m.freeAll();
            assertEquals(m.expectedFreePfns().cardinality(), released);
            assertMatchesModel(m, List.of(KernelConstants.ZONE_NORMAL));
            long zone = m.zone(KernelConstants.ZONE_NORMAL);
            assertTrue(m.buddy.freeArea().freeAreaEmpty(zone, 10, KernelConstants.MIGRATE_UNMOVABLE));
            assertTrue(!m.buddy.freeArea().freeAreaEmpty(zone, 10, KernelConstants.MIGRATE_MOVABLE));
        }
    }

    @Test
    void x86TwoZonesMatchModelAndDoNotMergeAcrossTheBoundary() {
        try (Machine m = x86TwoZones()) {
            long released = m.freeAll();
            assertEquals(m.expectedFreePfns().cardinality(), released);
            assertMatchesModel(m, List.of(KernelConstants.ZONE_DMA, KernelConstants.ZONE_DMA32));
            // DMA [1 MiB, 16 MiB) holds no order-10 block across 16 MiB: its largest blocks end at the boundary
            assertTrue(m.buddy.freeArea().nrFree(m.zone(KernelConstants.ZONE_DMA), 10) > 0);
        }
    }

    @Test
    void armFlatmemMatchesModel() {
        try (Machine m = armOneZone()) {
            long released = m.freeAll();
            assertEquals(m.expectedFreePfns().cardinality(), released);
            assertMatchesModel(m, List.of(0));
        }
    }

    /** Freed blocks go to the tail (FPI_TO_TAIL): the lowest block of each order is first on its list. */
    @Test
    void bootBlocksAreQueuedInAddressOrder() {
        try (Machine m = x86OneZone()) {
            m.freeAll();
            long zone = m.zone(KernelConstants.ZONE_NORMAL);
            long prev = -1;
            for (long p = m.buddy.freeArea().getPageFromFreeArea(zone, 10, KernelConstants.MIGRATE_MOVABLE); ;) {
                long pfn = m.model.pageToPfn(p);
                assertTrue(pfn > prev, "order-10 list out of address order at pfn " + pfn);
                prev = pfn;
                long next = m.mem.getLong(p + 8) - 8;
                if (next + 8 == m.buddy.freeArea().freeList(zone, 10, KernelConstants.MIGRATE_MOVABLE)) {
                    break;
                }
                p = next;
            }
        }
    }
}
