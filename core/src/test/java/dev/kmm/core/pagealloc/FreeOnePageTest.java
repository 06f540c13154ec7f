package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_ISOLATE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.core.memblock.MemblockFreeAll;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageRef;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FreeOnePageTest {
    private static long[] nrFree(Machine m, long zone) {
        long[] out = new long[m.buddy.maxOrder()];
        for (int o = 0; o < out.length; o++) {
            out[o] = m.buddy.freeArea().nrFree(zone, o);
        }
        return out;
    }

    /** Single pages freed in a random order end fully merged: the same blocks as the model's. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void randomSinglePageFreesEndFullyMerged(long seed) {
        try (Machine m = BootFreeTest.x86OneZone()) {
            long zone = m.zone(ZONE_NORMAL);
            MemblockFreeAll.resetAllZonesManagedPages(m.buddy);
            BitSet free = m.expectedFreePfns();
            List<Long> pfns = new ArrayList<>();
            free.stream().forEach(pfn -> pfns.add((long) pfn));
            Collections.shuffle(pfns, new Random(seed));
            for (long pfn : pfns) {
                m.buddy.freePagesCore(m.model.pfnToPage(pfn), 0);
            }
            long start = m.buddy.zoneStartPfn(zone);
            long end = m.buddy.zoneEndPfn(zone);
            assertArrayEquals(BuddyModel.expectedNrFree(free, start, end, m.buddy.maxOrder()), nrFree(m, zone));
            assertEquals(free.cardinality(), m.buddy.zonePageState(zone, Buddy.NR_FREE_PAGES));
            assertEquals(free.cardinality(), m.buddy.zoneManagedPages(zone));
            assertEquals(List.of(), BuddyVerify.verifyZone(m.buddy, zone));
        }
    }

    private static void freeOrder0(Machine m, long pfn, int fpi) {
        long page = m.model.pfnToPage(pfn);
        PageRef.setPageCount(m.mem, page, 0);
        m.buddy.freePagesOk(page, 0, fpi);
    }

    private static List<Long> listPfns(Machine m, long zone, int order, int mt) {
        List<Long> out = new ArrayList<>();
        long head = m.buddy.freeArea().freeList(zone, order, mt);
        for (long p = ListHead.next(m.mem, head); p != head; p = ListHead.next(m.mem, p)) {
            out.add(m.model.pageToPfn(p - PageLayout.BUDDY_LIST));
        }
        return out;
    }

    /**
     * buddy_merge_likely: page 2 (its buddy 3 busy) goes to the tail because its parent's buddy, the order-1 block
     * at 0, is free; page 5 has no such prospect and goes to the head. FPI_TO_TAIL puts both at the tail.
     */
    @Test
    void blocksLikelyToMergeGoToTheTail() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            long zone = m.zone(ZONE_NORMAL);
            long base = 1024;
            freeOrder0(m, base, Buddy.FPI_NONE);
            freeOrder0(m, base + 1, Buddy.FPI_NONE); // merges into order 1 at base
            freeOrder0(m, base + 2, Buddy.FPI_NONE);
            freeOrder0(m, base + 5, Buddy.FPI_NONE);
            assertEquals(List.of(base + 5, base + 2), listPfns(m, zone, 0, MIGRATE_MOVABLE));
            assertEquals(List.of(base), listPfns(m, zone, 1, MIGRATE_MOVABLE));
            freeOrder0(m, base + 9, Buddy.FPI_TO_TAIL);
            assertEquals(List.of(base + 5, base + 2, base + 9), listPfns(m, zone, 0, MIGRATE_MOVABLE));
        }
    }

    /**
     * At pageblock_order an ISOLATE block does not merge with its MOVABLE buddy, and its pages are not counted as
     * free; below pageblock_order isolated pages merge among themselves.
     */
    @Test
    void isolatedPageblocksDoNotMergeAcrossTheBlock() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            long zone = m.zone(ZONE_NORMAL);
            m.buddy.pageblockFlags().setPageblockMigratetype(m.model.pfnToPage(2048 + 512), MIGRATE_ISOLATE);
            m.mem.putLong(zone + m.buddy.zoneLayout().nrIsolatePageblock, 1);
            MemblockFreeAll.resetAllZonesManagedPages(m.buddy);
            for (long pfn = 2048; pfn < 3072; pfn++) { // an order-10 block: one MOVABLE and one ISOLATE pageblock
                m.buddy.freePagesCore(m.model.pfnToPage(pfn), 0);
            }
            assertEquals(List.of(2048L), listPfns(m, zone, 9, MIGRATE_MOVABLE));
            assertEquals(List.of(2560L), listPfns(m, zone, 9, MIGRATE_ISOLATE));
            assertEquals(2, m.buddy.freeArea().nrFree(zone, 9));
            assertEquals(0, m.buddy.freeArea().nrFree(zone, 10));
            assertEquals(512, m.buddy.zonePageState(zone, Buddy.NR_FREE_PAGES));
            assertEquals(List.of(), BuddyVerify.verifyZone(m.buddy, zone));
        }
    }

    @Test
    void freeingAReferencedPageIsABadPageAndChangesNothing() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            long zone = m.zone(ZONE_NORMAL);
            long page = m.model.pfnToPage(1024);
            long flags = m.mem.getLong(page);
            BadPageException e = assertThrows(BadPageException.class, () -> m.buddy.freePagesOk(page, 0, 0));
            assertEquals("nonzero _refcount", e.reason());
            assertEquals(1024, e.pfn());
            assertTrue(e.getMessage().startsWith("BUG: Bad page state in process "), e.getMessage());
            assertTrue(e.getMessage().contains("pfn:00400"), e.getMessage());
            assertTrue(e.getMessage().contains("flags: 0x17ffffc0000000(node=0|zone=2|lastcpupid=0x1fffff)"),
                    e.getMessage());
            assertEquals(1, PageRef.pageRefCount(m.mem, page));
            assertEquals(flags, m.mem.getLong(page));
            assertEquals(0, m.buddy.zonePageState(zone, Buddy.NR_FREE_PAGES));
            assertArrayEquals(new long[m.buddy.maxOrder()], nrFree(m, zone));

            PageRef.setPageCount(m.mem, page, 0);
            PageFlags.setFlagNonAtomic(m.mem, page, PageFlags.PG_lru);
            BadPageException lru = assertThrows(BadPageException.class, () -> m.buddy.freePagesOk(page, 0, 0));
            assertEquals("PAGE_FLAGS_CHECK_AT_FREE flag(s) set", lru.reason());
            long tail = m.model.pfnToPage(2049);
            PageRef.setPageCount(m.mem, m.model.pfnToPage(2048), 0);
            BadPageException tailBad = assertThrows(BadPageException.class,
                    () -> m.buddy.freePagesOk(m.model.pfnToPage(2048), 1, 0));
            assertEquals(2049, tailBad.pfn());
            assertEquals(1, PageRef.pageRefCount(m.mem, tail));
        }
    }

    /** A free order-4 head as kernel dumps show it: mapcount -128, private 4, page_type 0xffffff7f. */
    @Test
    void dumpOfAFreeHeadMatchesTheKernelsFormat() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            MemblockFreeAll.resetAllZonesManagedPages(m.buddy);
            m.buddy.freePagesCore(m.model.pfnToPage(1040), 4);
            String dump = m.buddy.dumpPage(m.model.pfnToPage(1040));
            assertTrue(dump.contains("refcount:0 mapcount:-128 mapping:0000000000000000 index:0x0 pfn:0x410"), dump);
            assertTrue(dump.contains("flags: 0x17ffffc0000000(node=0|zone=2|lastcpupid=0x1fffff)"), dump);
            assertTrue(dump.endsWith("raw: 0000000000000000 0000000000000004 00000000ffffff7f 0000000000000000"), dump);
        }
    }

    @Test
    void argumentsOfFreeOnePageAreChecked() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            long zone = m.zone(ZONE_NORMAL);
            long page = m.model.pfnToPage(1025);
            assertThrows(IllegalArgumentException.class, () -> m.buddy.freeOnePage(page, 1025, zone, 1, 1, 0));
            assertThrows(IllegalArgumentException.class, () -> m.buddy.freeOnePage(page, 1025, zone, 11, 1, 0));
            assertThrows(IllegalArgumentException.class, () -> m.buddy.freeOnePage(page, 1025, zone, 0, 5, 0));
            assertEquals(0, m.buddy.zonePageState(zone, Buddy.NR_FREE_PAGES));
        }
    }
}
