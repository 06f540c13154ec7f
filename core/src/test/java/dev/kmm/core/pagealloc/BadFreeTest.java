package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.page.PageType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad frees raise the kernel's bad_page report and change nothing: the allocator verifies clean afterwards and the
 * page can still be freed properly. A bad page found on allocation is reported and left out, as the kernel does.
 */
class BadFreeTest {
    private static BadPageException bad(AllocMachine am, long page, String reason, Executable free) {
        BadPageException e = assertThrows(BadPageException.class, free);
        assertEquals(reason, e.reason());
        assertEquals(am.pfn(page), e.pfn());
        assertTrue(e.getMessage().startsWith(String.format("BUG: Bad page state in process %s  pfn:%05x%n",
                Thread.currentThread().getName(), am.pfn(page))), e.getMessage());
        assertTrue(e.getMessage().endsWith("page dumped because: " + reason), e.getMessage());
        return e;
    }

    @Test
    void aDoubleFreeIsRejected() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            am.alloc.__freePages(page, 0);
            long count = am.pcpPages(am.zone(ZONE_NORMAL));
            bad(am, page, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)", () -> am.alloc.__freePages(page, 0));
            bad(am, page, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)", () -> am.alloc.putPage(page));
            bad(am, page, "VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio))", () -> am.alloc.getPage(page));
            assertEquals(count, am.pcpPages(am.zone(ZONE_NORMAL)));
            assertEquals(0, PageRef.pageRefCount(am.m.mem, page));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    @Test
    void tailPagesWrongOrdersAndBrokenTailsAreRejected() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            var mem = am.m.mem;
            long head = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 3);
            long tail = head + 5 * PageLayout.SIZE;
            bad(am, tail, "freeing a tail page", () -> am.alloc.__freePages(tail, 0));
            bad(am, head, "compound order 3 freed as order 2", () -> am.alloc.__freePages(head, 2));
            assertEquals(1, PageRef.pageRefCount(mem, head), "the reference is given back");
            mem.putLong(tail + PageLayout.MAPPING, 0);
            bad(am, tail, "corrupted mapping in tail page", () -> am.alloc.__freePages(head, 3));
            mem.putLong(tail + PageLayout.MAPPING, Compound.TAIL_MAPPING);
            long first = head + PageLayout.SIZE;
            mem.putInt(first + PageLayout.COMPOUND_MAPCOUNT, 0);
            bad(am, first, "nonzero compound_mapcount", () -> am.alloc.putPage(tail));
            mem.putInt(first + PageLayout.COMPOUND_MAPCOUNT, -1);
            mem.putLong(first + PageLayout.COMPOUND_HEAD, 0);
            bad(am, first, "PageTail not set", () -> am.alloc.__freePages(head, 3));
            mem.putLong(first + PageLayout.COMPOUND_HEAD, head + PageLayout.SIZE * 2 + 1);
            bad(am, first, "compound_head not consistent", () -> am.alloc.__freePages(head, 3));
            mem.putLong(first + PageLayout.COMPOUND_HEAD, head + 1);
            assertTrue(PageFlags.pageHead(mem, head));
            assertEquals(List.of(), am.drainAndVerify());
            am.alloc.__freePages(head, 3);

            long a = am.alloc.allocPages(Gfp.GFP_KERNEL, 1); // even pfn; its second page is another's below
            long b = a + PageLayout.SIZE;
            assertEquals(0, PageRef.pageRefCount(mem, b));
            PageRef.setPageCount(mem, b, 1); // as if the block had been split and b handed out
            bad(am, b, "nonzero _refcount", () -> am.alloc.__freePages(a, 2));
            PageRef.setPageCount(mem, b, 0);
            am.alloc.__freePages(a, 1);
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** An order-1 block freed as order 2 takes in its free buddy, whose PageBuddy mark is a mapcount. */
    @Test
    void freeingAnOrderTooLargeHitsTheFreeNeighbour() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
            List<Long> held = new java.util.ArrayList<>();
            long block;
            do { // the lower half of a split order-2 block, whose upper half stays free
                block = am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 1);
                held.add(block);
            } while (am.pfn(block) % 4 != 0 || !PageType.pageBuddy(am.m.mem, block + 2 * PageLayout.SIZE));
            long page = block;
            bad(am, page + 2 * PageLayout.SIZE, "nonzero mapcount", () -> am.alloc.__freePages(page, 2));
            assertEquals(1, PageRef.pageRefCount(am.m.mem, page));
            for (long h : held) {
                am.alloc.__freePages(h, 1);
            }
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    @Test
    void foreignPointersMappedPagesAndReservedPagesAreRejected() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            assertThrows(IllegalArgumentException.class, () -> am.alloc.__freePages(page + 8, 0));
            assertThrows(IllegalArgumentException.class, () -> am.alloc.__freePages(0x1000, 0));
            assertThrows(IllegalArgumentException.class, () -> am.alloc.freePages(0x1000, 0));
            assertThrows(IllegalArgumentException.class, () -> am.alloc.__freePages(page, 11));
            am.m.mem.putInt(page + PageLayout.MAPCOUNT, 0); // mapped once
            bad(am, page, "nonzero mapcount", () -> am.alloc.__freePages(page, 0));
            am.m.mem.putInt(page + PageLayout.MAPCOUNT, -1);
            long reserved = am.page(300); // the reservation at 1 MiB
            assertTrue(PageFlags.pageReserved(am.m.mem, reserved));
            bad(am, reserved, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set", () -> am.alloc.__freePages(reserved, 0));
            assertEquals(1, PageRef.pageRefCount(am.m.mem, reserved));
            am.alloc.__freePages(page, 0);
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** check_new_pages: a free page with a flag set is reported (KERN_ALERT), leaked, and another page served. */
    @Test
    void aCorruptFreePageIsReportedAndSkippedOnAllocation() {
        try (AllocMachine am = AllocMachine.x86Normal(64, 1, b -> { })) {
            am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            am.alloc.pcp().zoneSetPagesetHighAndBatch(zone, 0, 1);
            int order = 0;
            while (am.nrFree(zone, order) == 0) {
                order++;
            }
            long next = am.buddy.freeArea().getPageFromFreeArea(zone, order, MIGRATE_MOVABLE);
            PageFlags.setFlagNonAtomic(am.m.mem, next, PageFlags.PG_active);
            long page = am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
            assertNotEquals(0, page);
            assertNotEquals(next, page);
            List<String> alert = am.printk.stream().filter(l -> l.level() == PrintkLine.Level.ALERT)
                    .map(PrintkLine::text).toList();
            assertEquals(String.format("BUG: Bad page state in process %s  pfn:%05x", Thread.currentThread().getName(),
                    am.pfn(next)), alert.getFirst());
            assertEquals("page dumped because: PAGE_FLAGS_CHECK_AT_PREP flag(s) set", alert.getLast());
            am.alloc.__freePages(page, 0);
            List<String> v = am.drainAndVerify();
            assertEquals(1, v.size(), v.toString());
            assertTrue(v.getFirst().contains(String.format("pfn 0x%x is neither free, reserved nor allocated",
                    am.pfn(next))), v.getFirst());
        }
    }
}
