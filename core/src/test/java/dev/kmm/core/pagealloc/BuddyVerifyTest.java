package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.page.PageType;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Each test corrupts one thing in a freshly booted zone and checks the verifier names it. */
class BuddyVerifyTest {
    private static void assertReports(BiConsumer<Machine, Long> corrupt, String expected) {
        try (Machine m = BootFreeTest.x86OneZone()) {
            m.freeAll();
            long zone = m.zone(ZONE_NORMAL);
            assertEquals(List.of(), BuddyVerify.verifyZone(m.buddy, zone));
            corrupt.accept(m, zone);
            List<String> violations = BuddyVerify.verifyZone(m.buddy, zone);
            assertTrue(violations.stream().anyMatch(v -> v.contains(expected)),
                    "expected a violation containing \"" + expected + "\", got " + violations);
            assertTrue(violations.stream().allMatch(v -> v.startsWith("node 0 zone 2: ")), violations.toString());
        }
    }

    /** The first order-10 block of the zone. */
    private static long firstBlock(Machine m, long zone) {
        return m.buddy.freeArea().getPageFromFreeArea(zone, 10, MIGRATE_MOVABLE);
    }

    @Test
    void nrFreeMismatch() {
        assertReports((m, zone) -> m.mem.putLong(zone + m.buddy.zoneLayout().nrFreeOffset(3),
                m.buddy.freeArea().nrFree(zone, 3) + 1), "free_area[3].nr_free is");
    }

    @Test
    void listedPageWithoutPageBuddy() {
        assertReports((m, zone) -> PageType.clearPageBuddy(m.mem, firstBlock(m, zone)), "is not PageBuddy");
    }

    @Test
    void wrongOrderInPrivate() {
        assertReports((m, zone) -> Page.setPagePrivate(m.mem, firstBlock(m, zone), 9), "records order 9");
    }

    @Test
    void referencedPageInsideAFreeBlock() {
        assertReports((m, zone) -> PageRef.setPageCount(m.mem, firstBlock(m, zone) + 5 * PageLayout.SIZE, 1),
                "is free with refcount 1");
    }

    @Test
    void reservedPageInsideAFreeBlock() {
        assertReports((m, zone) -> PageFlags.setPageReservedNonAtomic(m.mem, firstBlock(m, zone) + PageLayout.SIZE),
                "is free and reserved");
    }

    @Test
    void brokenBackLink() {
        assertReports((m, zone) -> m.mem.putLong(firstBlock(m, zone) + PageLayout.BUDDY_LIST + ListHead.PREV, 0x1234),
                "has prev 0x1234");
    }

    @Test
    void freePagesCounterOff() {
        assertReports((m, zone) -> m.buddy.modZoneFreepageState(zone, -7, MIGRATE_MOVABLE), "NR_FREE_PAGES is");
    }

    @Test
    void unmergedBuddies() {
        assertReports((m, zone) -> {
            long block = firstBlock(m, zone);
            m.buddy.freeArea().delPageFromFreeList(block, zone, 10);
            Buddy.setBuddyOrder(m.mem, block, 9);
            m.buddy.freeArea().addToFreeList(block, zone, 9, MIGRATE_MOVABLE);
            long half = block + 512 * PageLayout.SIZE;
            Buddy.setBuddyOrder(m.mem, half, 9);
            m.buddy.freeArea().addToFreeList(half, zone, 9, MIGRATE_MOVABLE);
        }, "are not merged");
    }

    @Test
    void pageBuddyOnNoList() {
        assertReports((m, zone) -> {
            long image = m.model.pfnToPage(18L << 8); // inside the reserved kernel image
            PageFlags.clearPageReservedNonAtomic(m.mem, image);
            PageType.setPageBuddy(m.mem, image);
        }, "but on no free list");
    }

    @Test
    void pageInNoState() {
        assertReports((m, zone) -> {
            long image = m.model.pfnToPage(18L << 8);
            PageFlags.clearPageReservedNonAtomic(m.mem, image);
            PageRef.setPageCount(m.mem, image, 0);
        }, "is neither free, reserved nor allocated");
    }

    @Test
    void blockOutsideTheZone() {
        assertReports((m, zone) -> m.mem.putLong(zone + m.buddy.zoneLayout().spannedPages, 1024),
                "lies outside the zone");
    }

    @Test
    void isolatedBlockNotCounted() {
        assertReports((m, zone) -> m.mem.putLong(zone + m.buddy.zoneLayout().nrIsolatePageblock, 2),
                "nr_isolate_pageblock is 2 but 0 pageblocks are MIGRATE_ISOLATE");
    }
}
