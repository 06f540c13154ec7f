package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_UNMOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.faultinject.FailPageAlloc;
import dev.kmm.core.faultinject.FaultLog;
import dev.kmm.core.faultinject.FaultRandom;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.trace.KmemEvent;
import dev.kmm.core.trace.KmemListener;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.vmstat.Vmstat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The allocator API: zeroing, compound pages, references, bulk, direct-map addresses, failures, events. */
class PageAllocTest {
    private static final int NORMAL = ZONE_NORMAL;

    private static void scribble(AllocMachine am, long page, int pages) {
        long va = am.alloc.pageAddress(page);
        for (long off = 0; off < (long) pages << 12; off += 512) {
            am.m.mem.putLong(va + off, 0x5a5a5a5a5a5a5a5aL);
        }
    }

    private static boolean zeroed(AllocMachine am, long page, int pages) {
        for (int i = 0; i < pages; i++) {
            if (!PageFrames.of(am.m.ram, am.m.ramBase).isZeroPage(am.pfn(page) + i)) {
                return false;
            }
        }
        return true;
    }

    /** __GFP_ZERO clears the frames; without it a recycled page keeps its bytes; init_on_alloc clears always. */
    @Test
    void gfpZeroClearsTheBlock() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            scribble(am, page, 1);
            am.alloc.__freePages(page, 0);
            long again = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            assertEquals(page, again, "the pcp list is LIFO: the hot page comes back");
            assertFalse(zeroed(am, again, 1));
            am.alloc.__freePages(again, 0);
            long zero = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0);
            assertEquals(page, zero);
            assertTrue(zeroed(am, zero, 1));
            long block = am.alloc.allocPages(Gfp.GFP_KERNEL, 2);
            scribble(am, block, 4);
            am.alloc.__freePages(block, 2);
            long block2 = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 2);
            assertEquals(block, block2);
            assertTrue(zeroed(am, block2, 4));
            long va = am.alloc.getZeroedPage(Gfp.GFP_KERNEL);
            assertTrue(zeroed(am, am.m.model.pfnToPage(am.m.space.pa(va) >>> 12), 1));
            am.alloc.freePages(va, 0);
            am.alloc.freePages(0, 3); // free_pages(0, ...) does nothing
            am.alloc.__freePages(zero, 0);
            am.alloc.__freePages(block2, 2);
            assertEquals(List.of(), am.drainAndVerify());
        }
        try (AllocMachine am = AllocMachine.x86(128, 1, dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC,
                b -> b.initOnAlloc(true))) {
            am.enter(0);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            scribble(am, page, 1);
            am.alloc.__freePages(page, 0);
            long again = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            assertEquals(page, again);
            assertTrue(zeroed(am, again, 1), "init_on_alloc");
            am.alloc.__freePages(again, 0);
        }
    }

    /** A __GFP_COMP block as prep_compound_page leaves it, references through any page, freed whole by put_page. */
    @Test
    void compoundPagesCarryTheirHeadAndOrder() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long normal = am.zone(NORMAL);
            long free = am.freePages(normal) + am.pcpPages(normal);
            long head = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 3);
            var mem = am.m.mem;
            assertTrue(PageFlags.pageHead(mem, head));
            assertEquals(1, PageRef.pageRefCount(mem, head));
            long first = head + PageLayout.SIZE;
            assertEquals(Compound.COMPOUND_PAGE_DTOR, mem.getByte(first + PageLayout.COMPOUND_DTOR));
            assertEquals(3, mem.getByte(first + PageLayout.COMPOUND_ORDER));
            assertEquals(-1, mem.getInt(first + PageLayout.COMPOUND_MAPCOUNT));
            assertEquals(0, mem.getInt(first + PageLayout.COMPOUND_PINCOUNT));
            assertEquals(8, mem.getInt(first + PageLayout.COMPOUND_NR));
            assertEquals(8, Compound.compoundNr(mem, head));
            assertEquals(3, PageFlags.compoundOrder(mem, head));
            for (int i = 1; i < 8; i++) {
                long tail = head + i * PageLayout.SIZE;
                assertEquals(head | 1, mem.getLong(tail + PageLayout.COMPOUND_HEAD), "tail " + i);
                assertEquals(head, PageFlags.compoundHead(mem, tail));
                assertEquals(0, PageRef.pageRefCount(mem, tail));
                if (i >= 2) {
                    assertEquals(Compound.TAIL_MAPPING, mem.getLong(tail + PageLayout.MAPPING));
                    assertEquals(0, mem.getLong(tail + PageLayout.PRIVATE));
                }
            }
            am.alloc.getPage(head + 5 * PageLayout.SIZE);
            assertEquals(2, PageRef.pageRefCount(mem, head));
            am.alloc.putPage(head + 7 * PageLayout.SIZE);
            assertEquals(1, PageRef.pageRefCount(mem, head));
            am.alloc.putPage(head);
            assertFalse(PageFlags.pageHead(mem, head));
            assertFalse(PageFlags.pageTail(mem, head + PageLayout.SIZE));
            assertEquals(free, am.freePages(normal) + am.pcpPages(normal));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /**
     * __free_pages on a non-compound block someone else still references frees the upper halves at once; the last
     * put_page then frees the head page.
     */
    @Test
    void aSharedNonCompoundBlockLosesItsTailsFirst() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long normal = am.zone(NORMAL);
            long free = am.freePages(normal) + am.pcpPages(normal);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 2);
            am.alloc.getPage(page);
            am.alloc.__freePages(page, 2);
            assertEquals(free - 1, am.freePages(normal) + am.pcpPages(normal), "3 of 4 pages back");
            assertEquals(1, PageRef.pageRefCount(am.m.mem, page));
            am.alloc.putPage(page);
            assertEquals(free, am.freePages(normal) + am.pcpPages(normal));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** alloc_pages_bulk_array fills only the empty slots, from one pcp list, and counts PGALLOC once per page. */
    @Test
    void bulkAllocationFillsTheEmptySlots() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            Cpu cpu = am.enter(0);
            long normal = am.zone(NORMAL);
            Vmstat vm = am.alloc.vmstat();
            long pgalloc = vm.sumVmEvent(Vmstat.PGALLOC_FIRST + NORMAL);
            long[] pages = new long[40];
            long keep = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            pages[3] = keep;
            assertEquals(32, am.alloc.allocPagesBulk(Gfp.GFP_KERNEL, 32, pages));
            assertEquals(keep, pages[3]);
            Set<Long> distinct = new HashSet<>();
            for (int i = 0; i < 32; i++) {
                assertNotEquals(0, pages[i]);
                assertTrue(distinct.add(pages[i]));
                assertEquals(1, PageRef.pageRefCount(am.m.mem, pages[i]));
            }
            assertEquals(0, pages[32]);
            assertEquals(pgalloc + 32, vm.sumVmEvent(Vmstat.PGALLOC_FIRST + NORMAL));
            assertEquals(32, am.alloc.allocPagesBulk(Gfp.GFP_KERNEL, 32, pages), "already full");
            long[] one = new long[1];
            assertEquals(1, am.alloc.allocPagesBulk(cpu, Gfp.GFP_KERNEL, 0, null, 1, one));
            assertNotEquals(0, one[0]);
            for (int i = 0; i < 32; i++) {
                am.alloc.__freePages(pages[i], 0);
            }
            am.alloc.__freePages(one[0], 0);
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** PGALLOC_<zone> and PGFREE count pages; NR_FREE_PAGES deltas wait on the CPU until they pass the threshold. */
    @Test
    void vmstatCountsEventsAndFoldsDeltasAtTheThreshold() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            Cpu cpu = am.enter(0);
            long normal = am.zone(NORMAL);
            Vmstat vm = am.alloc.vmstat();
            am.alloc.pcp().zoneSetPagesetHighAndBatch(normal, 0, 1);
            vm.setStatThreshold(normal, 5);
            long zoneValue = vm.zonePageState(normal, Vmstat.NR_FREE_PAGES);
            long pgfree = vm.sumVmEvent(vm.pgfree());
            long p1 = am.alloc.allocPages(Gfp.GFP_KERNEL, 2);
            assertEquals(-4, vm.pendingDelta(cpu, normal, Vmstat.NR_FREE_PAGES));
            assertEquals(zoneValue, vm.zonePageState(normal, Vmstat.NR_FREE_PAGES));
            assertEquals(zoneValue - 4, vm.zonePageStateSnapshot(normal, Vmstat.NR_FREE_PAGES));
            long p2 = am.alloc.allocPages(Gfp.GFP_KERNEL, 2);
            assertEquals(0, vm.pendingDelta(cpu, normal, Vmstat.NR_FREE_PAGES), "-8 passed the threshold of 5");
            assertEquals(zoneValue - 8, vm.zonePageState(normal, Vmstat.NR_FREE_PAGES));
            am.alloc.__freePages(p1, 2);
            am.alloc.__freePages(p2, 2);
            assertEquals(pgfree + 8, vm.sumVmEvent(vm.pgfree()));
            assertEquals(zoneValue, vm.zonePageStateSnapshot(normal, Vmstat.NR_FREE_PAGES));
            long[] all = new long[vm.nrVmEventItems()];
            vm.allVmEvents(all);
            assertEquals(vm.sumVmEvent(Vmstat.PGALLOC_FIRST + NORMAL), all[Vmstat.PGALLOC_FIRST + NORMAL]);
        }
    }

    /** warn_alloc: the kernel's line, __GFP_NOWARN, the nodemask list and the ten-second rate limit. */
    @Test
    void warnAllocPrintsTheKernelsLineAtMostOncePerInterval() {
        AtomicLong clock = new AtomicLong(1);
        try (AllocMachine am = AllocMachine.x86(128, 1, dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC,
                b -> b.clock(clock::get))) {
            am.enter(0);
            String comm = Thread.currentThread().getName();
            int top = am.buddy.maxOrder() - 1;
            List<Long> taken = new ArrayList<>();
            long p;
            while ((p = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, top)) != 0) {
                taken.add(p);
            }
            assertEquals(List.of(), am.printk, "__GFP_NOWARN");
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_KERNEL, top));
            assertEquals(0, am.alloc.__allocPages(Gfp.GFP_ATOMIC, top, 0, new long[] {1}));
            clock.addAndGet(WarnAlloc.INTERVAL_NANOS + 1);
            assertEquals(0, am.alloc.__allocPages(Gfp.GFP_USER | Gfp.__GFP_COMP, top, 0, new long[] {0b1}));
            assertEquals(List.of(
                    comm + ": page allocation failure: order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null)",
                    "warn_alloc: 1 callbacks suppressed",
                    comm + ": page allocation failure: order:10, mode:0x140cc0(GFP_USER|__GFP_COMP), nodemask=0"),
                    am.printk.stream().map(PrintkLine::text).toList());
            assertTrue(am.printk.stream().allMatch(l -> l.level() == PrintkLine.Level.WARNING));
            for (long t : taken) {
                am.alloc.__freePages(t, top);
            }
        }
        assertEquals("0-2,5,7-8", WarnAlloc.nodemaskList(new long[] {0b110100111}, 64));
        assertEquals("", WarnAlloc.nodemaskList(new long[] {0}, 64));
        assertEquals("(null)", WarnAlloc.nodemaskList(null, 64));
    }

    /** A nodemask without the node's bit leaves no zone to try: the allocation fails. */
    @Test
    void aNodemaskWithoutMemoryFails() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            assertEquals(0, am.alloc.__allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 0, 0, new long[] {0b10}));
            assertNotEquals(0, am.alloc.__allocPages(Gfp.GFP_KERNEL, 0, 0, new long[] {0b1}));
            assertThrows(IllegalArgumentException.class, () -> am.alloc.allocPagesNode(1, Gfp.GFP_KERNEL, 0));
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_KERNEL, am.buddy.maxOrder()), "order >= MAX_ORDER");
            assertThrows(IllegalArgumentException.class, () -> am.alloc.allocPages(Gfp.GFP_KERNEL, -1));
        }
    }

    /**
     * fail_page_alloc: with probability 100 it fails non-blocking requests from min-order 1 on, silently and before
     * the allocator is entered (no mm_page_alloc event); reclaiming requests and order 0 are spared by default.
     */
    @Test
    void faultInjectionFailsTheRequestsItMay() {
        FailPageAlloc fail = new FailPageAlloc(FaultRandom.seeded(7), FaultLog.DISCARD);
        fail.attr().setProbability(100);
        fail.attr().setTimes(-1);
        KmemTrace trace = new KmemTrace();
        List<Long> allocEvents = new ArrayList<>();
        try (AllocMachine am = AllocMachine.x86(128, 1, dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC,
                b -> b.failPageAlloc(fail).trace(trace));
             var a = trace.attach(new KmemListener() {
                 @Override
                 public void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
                     allocEvents.add(pfn);
                 }
             }, KmemEvent.MM_PAGE_ALLOC)) {
            am.enter(0);
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_ATOMIC, 1));
            assertEquals(List.of(), allocEvents);
            assertEquals(List.of(), am.printk);
            long kernel = am.alloc.allocPages(Gfp.GFP_KERNEL, 1);
            long atomic0 = am.alloc.allocPages(Gfp.GFP_ATOMIC, 0);
            assertNotEquals(0, kernel);
            assertNotEquals(0, atomic0);
            assertEquals(List.of(am.pfn(kernel), am.pfn(atomic0)), allocEvents);
            fail.setIgnoreGfpReclaim(false);
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_KERNEL, 1));
            long nofail = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOFAIL, 1);
            assertNotEquals(0, nofail, "__GFP_NOFAIL is never failed");
            am.alloc.__freePages(nofail, 1);
            am.alloc.__freePages(kernel, 1);
            am.alloc.__freePages(atomic0, 0);
        }
    }

    /** The kmem tracepoints fire where the kernel's do, with its arguments. */
    @Test
    void tracepointsFireWithTheKernelsArguments() {
        KmemTrace trace = new KmemTrace();
        List<String> events = new ArrayList<>();
        try (AllocMachine am = AllocMachine.x86(128, 1, dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC,
                b -> b.trace(trace));
             var a = trace.attach(new KmemListener() {
                 @Override
                 public void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
                     events.add("alloc " + pfn + " " + order + " " + Integer.toHexString(gfpFlags) + " " + migratetype);
                 }

                 @Override
                 public void mmPageFree(long pfn, int order) {
                     events.add("free " + pfn + " " + order);
                 }

                 @Override
                 public void mmPageAllocZoneLocked(long pfn, int order, int migratetype, int percpuRefill) {
                     events.add("zone_locked " + order + " " + migratetype + " " + percpuRefill);
                 }

                 @Override
                 public void mmPagePcpuDrain(long pfn, int order, int migratetype) {
                     events.add("drain " + order + " " + migratetype);
                 }
             })) {
            am.enter(0);
            long normal = am.zone(NORMAL);
            am.alloc.pcp().zoneSetPagesetHighAndBatch(normal, 0, 1);
            long page = am.alloc.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
            long big = am.alloc.allocPages(Gfp.GFP_HIGHUSER, 5);
            long pfn = am.pfn(page);
            am.alloc.__freePages(page, 0);
            assertEquals(List.of(
                    "zone_locked 0 " + MIGRATE_MOVABLE + " 1",
                    "alloc " + pfn + " 0 " + Integer.toHexString(Gfp.GFP_HIGHUSER_MOVABLE) + " " + MIGRATE_MOVABLE,
                    "zone_locked 5 " + MIGRATE_UNMOVABLE + " 0",
                    "alloc " + am.pfn(big) + " 5 " + Integer.toHexString(Gfp.GFP_HIGHUSER) + " " + MIGRATE_UNMOVABLE,
                    "free " + pfn + " 0",
                    "drain 0 " + MIGRATE_MOVABLE), events);
            events.clear();
            long va = am.alloc.__getFreePages(Gfp.GFP_HIGHUSER, 0);
            assertEquals("alloc " + (am.m.space.pa(va) >>> 12) + " 0 " + Integer.toHexString(Gfp.GFP_USER) + " "
                    + MIGRATE_UNMOVABLE, events.get(1), "__get_free_pages drops __GFP_HIGHMEM");
            am.alloc.freePages(va, 0);
            am.alloc.__freePages(big, 5);
        }
    }

    /** A page needed below the min watermark with __GFP_MEMALLOC is marked pfmemalloc; others are not. */
    @Test
    void memallocPagesAreMarkedPfmemalloc() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            am.enter(0);
            long normal = am.zone(NORMAL);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            assertFalse(am.alloc.pageIsPfmemalloc(page));
            for (long zone : am.populatedZones) {
                am.setWatermarks(zone, 1 << 30, 1 << 30, 1 << 30);
            }
            am.alloc.drainAllPages(0);
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 0));
            long reserve = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_MEMALLOC, 0);
            assertNotEquals(0, reserve);
            assertTrue(am.alloc.pageIsPfmemalloc(reserve));
            assertEquals(0, am.alloc.allocPages(
                    Gfp.GFP_KERNEL | Gfp.__GFP_MEMALLOC | Gfp.__GFP_NOMEMALLOC | Gfp.__GFP_NOWARN, 0));
            am.alloc.__freePages(page, 0);
            am.alloc.__freePages(reserve, 0);
            assertEquals(normal, am.buddy.pageZone(page));
        }
    }
}
