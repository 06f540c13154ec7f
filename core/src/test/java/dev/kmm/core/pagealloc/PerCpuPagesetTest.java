package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_RECLAIMABLE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_UNMOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.arena.list.Llist;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.trace.KmemEvent;
import dev.kmm.core.trace.KmemListener;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.vmstat.Vmstat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-cpu pagesets: counts against high and batch, free_factor, THP lists, trylock fallback, remote frees. */
class PerCpuPagesetTest {
    private static final int GFP = Gfp.GFP_KERNEL;

    @Test
    void listIndicesFollowOrderToPindex() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            PerCpuPageset pcp = am.alloc.pcp();
            for (int order = 0; order <= 3; order++) {
                for (int mt = MIGRATE_UNMOVABLE; mt <= MIGRATE_RECLAIMABLE; mt++) {
                    assertEquals(3 * order + mt, pcp.orderToPindex(mt, order));
                    assertEquals(order, pcp.pindexToOrder(3 * order + mt));
                }
            }
            assertEquals(12, pcp.orderToPindex(MIGRATE_UNMOVABLE, 9));
            assertEquals(12, pcp.orderToPindex(MIGRATE_RECLAIMABLE, 9));
            assertEquals(13, pcp.orderToPindex(MIGRATE_MOVABLE, 9), "6.1.192: movable THPs have their own list");
            assertEquals(9, pcp.pindexToOrder(12));
            assertEquals(9, pcp.pindexToOrder(13));
        }
    }

    /**
     * count against an independent model of 6.1's rules: a refill brings max(batch >> order, 2) pages, reaching high
     * frees batch << free_factor clamped to [batch, high - batch] (the factor growing up to 5 while that is below
     * high - batch), each allocation halves the factor; no page is lost between pcp and buddy.
     */
    @Test
    void countFollowsHighBatchAndFreeFactor() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            Cpu cpu = am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            PerCpuPageset pcps = am.alloc.pcp();
            int high = 40;
            int batch = 3;
            pcps.zoneSetPagesetHighAndBatch(zone, high, batch);
            long pcp = pcps.pcp(zone, cpu.id());
            assertEquals(high, pcps.high(pcp));
            assertEquals(batch, pcps.batch(pcp));
            long total = am.freePages(zone);
            int count = 0;
            int ff = 0;
            Deque<Long> held = new ArrayDeque<>();
            String script = "a".repeat(30) + "f".repeat(30) + "a".repeat(10) + "f".repeat(10) + "a".repeat(50)
                    + "f".repeat(50);
            for (char op : script.toCharArray()) {
                if (op == 'a') {
                    ff >>= 1;
                    if (count == 0) {
                        count += Math.max(batch, 2);
                    }
                    count--;
                    held.push(am.alloc.allocPages(GFP, 0));
                } else {
                    am.alloc.__freePages(held.pop(), 0);
                    count++;
                    if (count >= high) {
                        int b = batch << ff;
                        if (b < high - batch && ff < PerCpuPageset.PCP_BATCH_SCALE_MAX) {
                            ff++;
                        }
                        b = Math.clamp(b, batch, high - batch);
                        count -= Math.min(count, b);
                    }
                }
                assertEquals(count, pcps.count(pcp), "count after " + op);
                assertEquals(ff, pcps.freeFactor(pcp), "free_factor after " + op);
                assertEquals(total, am.freePages(zone) + count + held.size());
            }
        }
    }

    /** A high-order free while the CPU only frees (free_factor set) drains the whole pcp, as 6.1 does. */
    @Test
    void aHighOrderFreeWhileFreeingDrainsEverything() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            Cpu cpu = am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            PerCpuPageset pcps = am.alloc.pcp();
            pcps.zoneSetPagesetHighAndBatch(zone, 40, 3);
            long pcp = pcps.pcp(zone, cpu.id());
            List<Long> pages = new ArrayList<>();
            for (int i = 0; i < 45; i++) {
                pages.add(am.alloc.allocPages(GFP, 0));
            }
            long order1 = am.alloc.allocPages(GFP, 1);
            for (long p : pages) {
                am.alloc.__freePages(p, 0);
            }
            assertTrue(pcps.freeFactor(pcp) > 0);
            assertNotEquals(0, pcps.count(pcp));
            assertEquals(List.of(), PcpVerify.verifyZone(am.alloc, zone));
            am.alloc.__freePages(order1, 1);
            assertEquals(0, pcps.count(pcp));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** THP-order pages live on the THP list, two per refill. */
    /** PcpVerify notices a count that does not match the lists and a page on a list that is in use. */
    @Test
    void pcpVerifyReportsBrokenLists() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            Cpu cpu = am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            PerCpuPageset pcps = am.alloc.pcp();
            long page = am.alloc.allocPages(GFP, 0);
            am.alloc.__freePages(page, 0);
            long pcp = pcps.pcp(zone, cpu.id());
            assertEquals(List.of(), PcpVerify.verifyZone(am.alloc, zone));
            PageRef.setPageCount(am.m.mem, page, 1);
            am.m.mem.putInt(pcp + am.m.layouts.perCpuPages().count, pcps.count(pcp) + 1);
            List<String> v = PcpVerify.verifyZone(am.alloc, zone);
            assertEquals(2, v.size(), v.toString());
            assertTrue(v.get(0).contains(String.format("pfn 0x%x (order 0) is not a free pcp page", am.pfn(page))), v.get(0));
            assertTrue(v.get(1).startsWith("CPU 0: count is"), v.get(1));
        }
    }

    @Test
    void thpOrderPagesUseTheThpList() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            Cpu cpu = am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            PerCpuPageset pcps = am.alloc.pcp();
            long pcp = pcps.pcp(zone, cpu.id());
            long thp = am.alloc.allocPages(Gfp.GFP_TRANSHUGE_LIGHT, 9);
            assertNotEquals(0, thp);
            assertEquals(512, pcps.count(pcp));
            assertEquals(1, ListHead.countNodes(am.m.mem, pcps.list(pcp, 13)));
            am.alloc.putPage(thp);
            assertEquals(0, ListHead.countNodes(am.m.mem, pcps.list(pcp, 12)));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** While a drain holds the pcp lock, the owner's trylock fails: it allocates and frees through the zone. */
    @Test
    void aHeldPcpLockSendsTheOwnerToTheBuddy() {
        try (AllocMachine am = AllocMachine.x86(128, 1)) {
            Cpu cpu = am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            PerCpuPageset pcps = am.alloc.pcp();
            long first = am.alloc.allocPages(GFP, 0);
            long pcp = pcps.pcp(zone, cpu.id());
            int count = pcps.count(pcp);
            assertTrue(Spinlock.spinTrylock(am.m.mem, pcp), "the lock is the first field");
            long free = am.freePages(zone);
            long page = am.alloc.allocPages(GFP, 0);
            assertEquals(count, pcps.count(pcp));
            assertEquals(free - 1, am.freePages(zone), "taken from the buddy");
            am.alloc.__freePages(page, 0);
            assertEquals(free, am.freePages(zone), "given back to the buddy");
            Spinlock.spinUnlock(am.m.mem, pcp);
            am.alloc.__freePages(first, 0);
            assertEquals(count + 1, pcps.count(pcp));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /**
     * A remote free does not touch the target's pcp lock: it works while the lock is held (a spin would deadlock in
     * deterministic mode), the page waits on the llist, and the owner's next allocation takes it in and gets it.
     */
    @Test
    void remoteFreesGoThroughTheLlist() {
        try (AllocMachine am = AllocMachine.x86(128, 2)) {
            Cpu cpu0 = am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            PerCpuPageset pcps = am.alloc.pcp();
            Vmstat vm = am.alloc.vmstat();
            long page = am.alloc.allocPages(GFP, 0);
            long pcp0 = pcps.pcp(zone, 0);
            int count0 = pcps.count(pcp0);
            long pgfree = vm.sumVmEvent(vm.pgfree());
            Cpu cpu1 = am.enter(1);
            assertTrue(Spinlock.spinTrylock(am.m.mem, pcp0), "CPU 0 is busy with its lists");
            am.alloc.freePagesRemote(cpu1, page, 0, 0);
            Spinlock.spinUnlock(am.m.mem, pcp0);
            assertFalse(Llist.empty(am.m.mem, pcps.remoteFreeList(pcp0)));
            assertEquals(List.of(), PcpVerify.verifyZone(am.alloc, zone));
            assertEquals(count0, pcps.count(pcp0));
            assertEquals(0, pcps.count(pcps.pcp(zone, 1)));
            assertEquals(0, PageRef.pageRefCount(am.m.mem, page));
            assertEquals(pgfree + 1, vm.sumVmEvent(vm.pgfree()));
            am.enter(0);
            assertEquals(page, am.alloc.allocPages(cpu0, GFP, 0), "spliced to the head of the list");
            assertTrue(Llist.empty(am.m.mem, pcps.remoteFreeList(pcp0)));
            assertEquals(count0, pcps.count(pcp0));

            am.enter(1);
            am.alloc.freePagesRemote(cpu1, page, 0, 0);
            long other = am.alloc.allocPages(cpu1, GFP | Gfp.__GFP_COMP, 2);
            am.alloc.freePagesRemote(cpu1, other, 2, 0);
            am.alloc.drainAllPages(0);
            assertTrue(Llist.empty(am.m.mem, pcps.remoteFreeList(pcp0)));
            assertEquals(0, am.pcpPages(zone));
            assertEquals(List.of(), am.drainAndVerify());
        }
    }

    /** free_unref_page_list frees a list of pages with no references left, one PGFREE and one event each. */
    @Test
    void aListOfPagesIsFreedInOneGo() {
        KmemTrace trace = new KmemTrace();
        AtomicInteger batched = new AtomicInteger();
        try (AllocMachine am = AllocMachine.x86(128, 1, dev.kmm.concurrency.CpuContexts.Mode.DETERMINISTIC,
                b -> b.trace(trace));
             var a = trace.attach(new KmemListener() {
                 @Override
                 public void mmPageFreeBatched(long pfn) {
                     batched.incrementAndGet();
                 }
             }, KmemEvent.MM_PAGE_FREE_BATCHED)) {
            am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            Vmstat vm = am.alloc.vmstat();
            long headPage = am.alloc.allocPages(GFP, 0);
            long list = am.alloc.pageAddress(headPage);
            ListHead.init(am.m.mem, list);
            long before = am.freePages(zone) + am.pcpPages(zone);
            for (int i = 0; i < 40; i++) {
                long p = am.alloc.allocPages(GFP, 0);
                PageRef.setPageCount(am.m.mem, p, 0); // release_pages() dropped the last reference
                ListHead.addTail(am.m.mem, p + PageLayout.LRU, list);
            }
            long pgfree = vm.sumVmEvent(vm.pgfree());
            am.alloc.freeUnrefPageList(list);
            assertTrue(ListHead.empty(am.m.mem, list));
            assertEquals(40, batched.get());
            assertEquals(pgfree + 40, vm.sumVmEvent(vm.pgfree()));
            assertEquals(before, am.freePages(zone) + am.pcpPages(zone));
            am.alloc.__freePages(headPage, 0);
            assertEquals(List.of(), am.drainAndVerify());
        }
    }
}
