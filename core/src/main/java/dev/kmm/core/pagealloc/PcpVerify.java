package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.arena.list.Llist;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.page.PageType;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * A consistency check of one zone's per-cpu pagesets, the companion of {@link BuddyVerify} for the pages the
 * buddy lists do not hold: every CPU's {@code count} equals the pages on its lists; each entry is a well-linked,
 * naturally aligned block of the list's order inside the zone, free (refcount 0, no mapcount or page type, not
 * PageBuddy) with a valid migrate type in {@code page->index}; no block is on two lists; pages waiting on a
 * remote-free llist look the same, with their order in {@code page->private}.
 *
 * <p>Run it on a quiescent machine. {@link #verifyAll} checks the pagesets and the buddy state together, counting
 * the pcp pages as a state of their own.
 */
public final class PcpVerify {
    private final Buddy buddy;
    private final KernelMemory mem;
    private final PerCpuPageset pcps;
    private final long zone;
    private final List<String> violations = new ArrayList<>();
    private int dropped;
    private final Set<Long> seen = new HashSet<>();
    /** The pages on the zone's pcp lists and remote-free llists, by {@code pfn - zone_start_pfn}. */
    private final BitSet held = new BitSet();

    private PcpVerify(PageAlloc alloc, long zone) {
        this.buddy = alloc.buddy();
        this.mem = buddy.mem();
        this.pcps = alloc.pcp();
        this.zone = zone;
    }

    /**
     * Checks every CPU's pageset of {@code zone}.
     *
     * @return the violations, each naming the CPU, the list and the page; empty when consistent
     */
    public static List<String> verifyZone(PageAlloc alloc, long zone) {
        PcpVerify v = new PcpVerify(alloc, zone);
        v.run();
        return List.copyOf(v.violations());
    }

    /**
     * Checks the whole of {@code zone} without changing it: every CPU's pageset as {@link #verifyZone} does, then
     * the buddy state as {@link BuddyVerify} does, with the pages on pcp lists counted as held there (not as pages
     * in no state) and the zone counters read with every CPU's pending vmstat delta added.
     *
     * <p>With the allocator's debug bookkeeping ({@link PageAlloc.Builder#debugVm}) the tail pages of its live
     * non-compound blocks count as allocated (and are checked to be nothing else), and every page is accounted:
     * free + pcp + allocated pages must equal the zone's {@code managed_pages}.
     *
     * @return the violations of both checks; empty when the zone is consistent
     */
    public static List<String> verifyAll(PageAlloc alloc, long zone) {
        return verifyAll(alloc, zone, null);
    }

    /**
     * {@link #verifyAll(PageAlloc, long)}, knowing which pfns are memory ({@code present}: in
     * {@code memblock.memory}): with the debug bookkeeping, free + pcp + allocated + reserved pages must also
     * equal the zone's {@code present_pages} (its span minus the holes), and a hole's struct page must be reserved.
     */
    public static List<String> verifyAll(PageAlloc alloc, long zone, LongPredicate present) {
        PcpVerify v = new PcpVerify(alloc, zone);
        v.run();
        List<String> out = new ArrayList<>(v.violations());
        out.addAll(BuddyVerify.verifyZone(alloc.buddy(), zone, v.held,
                item -> alloc.vmstat().zonePageStateSnapshot(zone, item), alloc.highOrderBlocks(), present));
        return List.copyOf(out);
    }

    /** Keeps at most {@link BuddyVerify#MAX_REPORTED} violations, counting the rest. */
    private void report(String message) {
        if (violations.size() < BuddyVerify.MAX_REPORTED) {
            violations.add(message);
        } else {
            dropped++;
        }
    }

    private List<String> violations() {
        if (dropped > 0) {
            violations.add("... and " + dropped + " more violations of the per-cpu pagesets");
        }
        return violations;
    }

    private void run() {
        for (int cpu = 0; cpu < pcps.nrCpuIds(); cpu++) {
            long pcp = pcps.pcp(zone, cpu);
            long pages = 0;
            for (int pindex = 0; pindex < pcps.nrPcpLists(); pindex++) {
                pages += walkList(cpu, pindex, pcps.list(pcp, pindex));
            }
            if (pages != pcps.count(pcp)) {
                report(String.format("CPU %d: count is %d but its lists hold %d pages", cpu, pcps.count(pcp),
                        pages));
            }
            long limit = buddy.zoneEndPfn(zone) - buddy.zoneStartPfn(zone);
            long n = 0;
            for (long node = mem.getLongVolatile(pcps.remoteFreeList(pcp) + Llist.FIRST); node != 0;
                    node = Llist.next(mem, node)) {
                if (++n > limit) {
                    report(String.format("CPU %d: the remote-free llist does not end", cpu));
                    break;
                }
                long page = node - PageLayout.PCP_LIST;
                checkPage(String.format("CPU %d remote llist", cpu), page, (int) Page.pagePrivate(mem, page));
            }
        }
    }

    private long walkList(int cpu, int pindex, long head) {
        int order = pcps.pindexToOrder(pindex);
        String where = String.format("CPU %d lists[%d]", cpu, pindex);
        long limit = (buddy.zoneEndPfn(zone) - buddy.zoneStartPfn(zone) >>> order) + 1;
        long pages = 0;
        long prev = head;
        for (long pos = ListHead.next(mem, head); pos != head; pos = ListHead.next(mem, pos)) {
            if (!mem.isMapped(pos, ListHead.SIZE) || ListHead.prev(mem, pos) != prev) {
                report(String.format("%s: entry 0x%x after 0x%x is badly linked", where, pos, prev));
                return pages;
            }
            if (pages >> order >= limit) {
                report(where + " does not return to its head");
                return pages;
            }
            checkPage(where, pos - PageLayout.PCP_LIST, order);
            pages += 1L << order;
            prev = pos;
        }
        return pages;
    }

    private void checkPage(String where, long page, int order) {
        long pfn = buddy.model().pageToPfn(page);
        String what = String.format("%s: pfn 0x%x (order %d)", where, pfn, order);
        if (pfn < buddy.zoneStartPfn(zone) || pfn + (1L << order) > buddy.zoneEndPfn(zone)
                || (pfn & ((1L << order) - 1)) != 0) {
            report(what + " is misaligned or outside the zone");
            return;
        }
        if (!seen.add(pfn)) {
            report(what + " is on more than one list");
        }
        int from = (int) (pfn - buddy.zoneStartPfn(zone));
        held.set(from, from + (1 << order));
        if (PageRef.pageRefCount(mem, page) != 0 || mem.getInt(page + PageLayout.MAPCOUNT) != -1
                || PageType.pageBuddy(mem, page)) {
            report(String.format("%s is not a free pcp page: refcount %d, mapcount/type 0x%08x", what,
                    PageRef.pageRefCount(mem, page), mem.getInt(page + PageLayout.MAPCOUNT)));
        }
        long mt = mem.getLong(page + PageLayout.INDEX);
        if (mt < 0 || mt >= buddy.freeArea().migrateTypes() || buddy.isMigrateIsolate((int) mt)) {
            report(what + " caches migrate type " + mt);
        }
    }
}
