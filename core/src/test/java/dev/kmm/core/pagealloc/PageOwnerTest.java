package dev.kmm.core.pagealloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.gfp.Gfp;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** page_owner: records set and cleared on every path, and /sys/kernel/debug/page_owner in 6.1's format. */
class PageOwnerTest {
    private final AtomicLong now = new AtomicLong();

    private AllocMachine machine(int cpus) {
        return AllocMachine.x86(128, cpus, CpuContexts.Mode.DETERMINISTIC, b -> b.pageOwner(true).clock(now::get));
    }

    private static String flags(AllocMachine am, long page) {
        return am.buddy.flagsLayout().formatFlags(am.m.mem.getLong(page + PageLayout.FLAGS));
    }

    /**
     * One order-3 GFP_KERNEL block prints as print_page_owner does: the two lines of its format strings
     * ("Page allocated via order %u, mask %#x(%pGg), pid %d, tgid %d (%s), ts %llu ns, free_ts %llu ns" and
     * "PFN %lu type %s Block %lu type %s Flags %pGp"), the stack one frame a line with a leading blank, a blank line.
     */
    @Test
    void printsTheKernelsFormat() {
        try (AllocMachine am = machine(2)) {
            am.enter(1);
            now.set(5_123_456_789L);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 3);
            long pfn = am.pfn(page);
            String text = am.alloc.pageOwner().read();
            String head = "Page allocated via order 3, mask 0xcc0(GFP_KERNEL), pid 0, tgid 0 (swapper/1), "
                    + "ts 5123456789 ns, free_ts 0 ns\n"
                    + "PFN " + pfn + " type Unmovable Block " + (pfn >> am.buddy.pageblockOrder()) + " type Unmovable Flags "
                    + flags(am, page) + "\n";
            assertTrue(text.startsWith(head), text);
            List<String> stack = text.substring(head.length()).lines().toList();
            assertEquals("", stack.getLast(), "a blank line ends the record");
            assertEquals(1, text.split("Page allocated via", -1).length - 1, "the block prints once, not its tails");
            assertTrue(stack.getFirst().startsWith(" dev.kmm.core.pagealloc.PageAlloc.prepNewPage(PageAlloc.java:"),
                    stack.getFirst());
            assertTrue(stack.stream().anyMatch(l -> l.contains("PageOwnerTest.printsTheKernelsFormat(")), text);
            assertTrue(stack.size() - 1 <= PageOwner.PAGE_OWNER_STACK_DEPTH);
            assertTrue(stack.subList(0, stack.size() - 1).stream().allMatch(l -> l.matches(" [^ ].*\\(.*\\)")), text);

            // a migrated page says so after its stack
            am.alloc.pageOwner().setPageOwnerMigrateReason(pfn, 0);
            String migrated = am.alloc.pageOwner().printPageOwner(pfn);
            assertTrue(migrated.endsWith(")\nPage has been migrated, last migrate reason: compaction\n\n"), migrated);
            assertThrows(IllegalArgumentException.class, () -> am.alloc.pageOwner().setPageOwnerMigrateReason(pfn, 9));
        }
    }

    /** Every page of a block carries the record; freeing clears ALLOCATED and stamps free_ts on each. */
    @Test
    void recordsFollowAllocAndFree() {
        try (AllocMachine am = machine(1)) {
            am.enter(0);
            PageOwner owner = am.alloc.pageOwner();
            now.set(100);
            long page = am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_COMP, 2);
            long pfn = am.pfn(page);
            for (int i = 0; i < 4; i++) {
                PageOwner.Record r = owner.record(pfn + i);
                assertTrue(owner.allocated(pfn + i));
                assertEquals(2, r.order());
                assertEquals(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_COMP, r.gfpMask());
                assertEquals(100, r.tsNsec());
                assertEquals(-1, r.lastMigrateReason());
                assertEquals("swapper/0", r.comm());
            }
            assertTrue(owner.read().contains("type Movable Block"), owner.read());
            now.set(200);
            am.alloc.__freePages(page, 2);
            for (int i = 0; i < 4; i++) {
                assertFalse(owner.allocated(pfn + i));
                assertTrue(owner.hasOwner(pfn + i));
                assertEquals(200, owner.record(pfn + i).freeTsNsec());
                assertNotEquals(0, owner.record(pfn + i).freeHandle());
            }
            assertEquals("", owner.read(), "nothing is allocated");
        }
    }

    /** A pcp page is freed without a record; when it comes back, ts is new and free_ts the last free's. */
    @Test
    void pcpPagesAreFreeInTheRecords() {
        try (AllocMachine am = machine(1)) {
            am.enter(0);
            PageOwner owner = am.alloc.pageOwner();
            now.set(10);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            now.set(20);
            am.alloc.__freePages(page, 0);
            assertTrue(am.alloc.pcp().count(am.alloc.pcp().pcp(am.buddy.pageZone(page), 0)) > 0, "on the pcp");
            assertFalse(owner.allocated(am.pfn(page)));
            assertEquals("", owner.read(), "a page on a pcp list is not listed");
            now.set(30);
            assertEquals(page, am.alloc.allocPages(Gfp.GFP_KERNEL, 0), "the hot page comes back");
            assertTrue(owner.read().startsWith("Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 0, tgid 0 "
                    + "(swapper/0), ts 30 ns, free_ts 20 ns\n"), owner.read());
        }
    }

    /** The bulk allocator records each page it takes from the pcp list, with its own stack. */
    @Test
    void bulkAllocationsAreRecorded() {
        try (AllocMachine am = machine(1)) {
            am.enter(0);
            long[] pages = new long[8];
            assertEquals(8, am.alloc.allocPagesBulk(Gfp.GFP_KERNEL, 8, pages));
            PageOwner owner = am.alloc.pageOwner();
            int handle = owner.record(am.pfn(pages[0])).handle();
            for (long p : pages) {
                assertTrue(owner.allocated(am.pfn(p)));
                assertEquals(handle, owner.record(am.pfn(p)).handle(), "one call site, one depot stack");
            }
            String text = owner.read();
            assertEquals(8, text.split("Page allocated via order 0", -1).length - 1, text);
            assertTrue(text.contains("PageAlloc.allocBulkFromPcp("), text);
            for (long p : pages) {
                am.alloc.__freePages(p, 0);
            }
            for (long p : pages) {
                assertFalse(owner.allocated(am.pfn(p)));
            }
        }
    }

    /** The depot keeps one stack per call site, however many allocations come from it. */
    @Test
    void stacksAreDeduplicated() {
        try (AllocMachine am = machine(1)) {
            am.enter(0);
            PageOwner owner = am.alloc.pageOwner();
            long[] pages = new long[50];
            for (int i = 0; i < pages.length; i++) {
                pages[i] = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            }
            int stacks = owner.depot().size();
            for (int i = 0; i < pages.length; i++) {
                pages[i] = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            }
            assertEquals(stacks + 1, owner.depot().size(), "the second loop is one more call site");
            assertEquals(owner.record(am.pfn(pages[0])).handle(), owner.record(am.pfn(pages[49])).handle());
        }
    }

    /**
     * __free_pages of a non-compound block someone else still references frees its upper halves: their records
     * are freed, the head keeps its order-2 record (the kernel does not split it).
     */
    @Test
    void freeingUpperHalvesKeepsTheHeadsRecord() {
        try (AllocMachine am = machine(1)) {
            am.enter(0);
            PageOwner owner = am.alloc.pageOwner();
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 2);
            long pfn = am.pfn(page);
            am.alloc.getPage(page);
            am.alloc.__freePages(page, 2);
            assertTrue(owner.allocated(pfn));
            for (int i = 1; i < 4; i++) {
                assertFalse(owner.allocated(pfn + i));
            }
            assertTrue(owner.read().startsWith("Page allocated via order 2,"), owner.read());
            am.alloc.putPage(page);
            assertEquals("", owner.read());
        }
    }

    /** Building with page_owner prints init_early_allocated_pages' line per populated zone. */
    @Test
    void initCountsEarlyAllocatedPages() {
        try (AllocMachine am = machine(1)) {
            List<String> lines = am.printk.stream().map(PrintkLine::text).filter(l -> l.contains("page owner"))
                    .toList();
            assertEquals(List.of("Node 0, zone    DMA32: page owner found early allocated 0 pages",
                    "Node 0, zone   Normal: page owner found early allocated 0 pages"), lines);
        }
    }

    /** Off (the default), the allocator keeps no records at all. */
    @Test
    void offByDefault() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            assertNull(am.alloc.pageOwner());
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 3);
            am.alloc.__freePages(page, 3);
            assertTrue(am.printk.stream().noneMatch(l -> l.text().contains("page owner")));
        }
    }
}
