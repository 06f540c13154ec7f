package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.page.PageType;
import dev.kmm.core.sparse.MemoryModel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * A full consistency check of one zone's buddy state, for tests and stress runs: it walks the free lists and the
 * zone's struct pages and reports every broken invariant as a message, without changing anything.
 *
 * <ul>
 * <li>every entry of {@code free_area[o].free_list[mt]} is a well-linked PageBuddy head page of order {@code o},
 *     naturally aligned, inside the zone, linked to the zone by its flags, overlapping no other free block;</li>
 * <li>each order's list lengths add up to {@code nr_free};</li>
 * <li>{@code NR_FREE_PAGES} equals the free pages outside MIGRATE_ISOLATE lists (and NR_FREE_CMA_PAGES the CMA
 *     lists');</li>
 * <li>no two free buddies of the same order are left unmerged, unless {@code __free_one_page} refuses the merge
 *     (at or above pageblock_order, across pageblocks whose types may not merge);</li>
 * <li>every pageblock has a valid migrate type and {@code nr_isolate_pageblock} counts the isolated ones;</li>
 * <li>every pfn with a struct page is in exactly one state: in a free block (not reserved, no references, and
 *     PageBuddy only at the block's head), reserved, or allocated (references, or a compound tail page).</li>
 * </ul>
 *
 * <p>Pages on per-cpu lists are in no state for this check alone; {@link PcpVerify#verifyAll} checks both together.
 * Tail pages of non-compound high-order allocations (refcount 0, not PageBuddy) look like pages in no state; only
 * the allocator's debug bookkeeping ({@link PageAlloc.Builder#debugVm}) tells them apart. With it,
 * {@link PcpVerify#verifyAll} also counts every page: free, on a pcp list and allocated pages must add up to the
 * zone's {@code managed_pages}, and with the reserved ones to its {@code present_pages} when the caller knows the
 * holes.
 */
public final class BuddyVerify {
    /** At most this many violations are listed; the rest are counted in a last line. */
    public static final int MAX_REPORTED = 200;

    private static final String[] MIGRATETYPE_NAMES = {"Unmovable", "Movable", "Reclaimable", "HighAtomic"};

    private final Buddy buddy;
    private final KernelMemory mem;
    private final MemoryModel model;
    private final PageFlagsLayout flagsLayout;
    private final FreeArea freeArea;
    private final long zone;
    private final long startPfn;
    private final long endPfn;
    private final String where;
    private final List<String> violations = new ArrayList<>();
    /** Pages on per-cpu lists ({@code pfn - startPfn}): free to the allocator, but not in the buddy lists. */
    private final BitSet onPcp;
    /** The zone counter an item reads. */
    private final java.util.function.IntToLongFunction zoneStat;
    /** The allocator's live non-compound blocks, or null when it does not track them (no page accounting). */
    private final HighOrderBlocks blocks;
    /** Whether a pfn is memory ({@code memblock.memory}), or null when the holes are unknown. */
    private final LongPredicate present;
    private int dropped;
    private long nrFree;
    private long nrPcp;
    private long nrAllocated;
    private long nrReserved;
    private long nrReservedHoles;
    private long nrPresent;

    private BuddyVerify(Buddy buddy, long zone, BitSet onPcp, java.util.function.IntToLongFunction zoneStat,
            HighOrderBlocks blocks, LongPredicate present) {
        this.onPcp = onPcp;
        this.zoneStat = zoneStat;
        this.blocks = blocks;
        this.present = present;
        this.buddy = buddy;
        this.mem = buddy.mem();
        this.model = buddy.model();
        this.flagsLayout = buddy.flagsLayout();
        this.freeArea = buddy.freeArea();
        this.zone = zone;
        this.startPfn = buddy.zoneStartPfn(zone);
        this.endPfn = buddy.zoneEndPfn(zone);
        this.where = "node " + buddy.zoneToNid(zone) + " zone " + buddy.zoneIdx(zone);
    }

    /**
     * Checks one zone.
     *
     * @return the violations found, each a sentence naming the zone, the structure and the page; empty when the
     *         zone is consistent
     */
    public static List<String> verifyZone(Buddy buddy, long zone) {
        return verifyZone(buddy, zone, new BitSet(), item -> buddy.zonePageState(zone, item), null, null);
    }

    /**
     * Checks one zone whose per-cpu lists hold the pages in {@code onPcp} (by {@code pfn - zone_start_pfn}),
     * reading the zone counters through {@code zoneStat}; with {@code blocks}, also the tails of the allocator's
     * non-compound blocks and the page accounting, against {@code present_pages} where {@code present} (pfn is
     * memory) is given.
     */
    static List<String> verifyZone(Buddy buddy, long zone, BitSet onPcp, java.util.function.IntToLongFunction zoneStat,
            HighOrderBlocks blocks, LongPredicate present) {
        BuddyVerify v = new BuddyVerify(buddy, zone, onPcp, zoneStat, blocks, present);
        v.run();
        if (v.dropped > 0) {
            v.violations.add(v.where + ": ... and " + v.dropped + " more violations");
        }
        return List.copyOf(v.violations);
    }

    /**
     * The number of the zone's pageblocks of each migrate type (index = type), counting the blocks that have a
     * memmap; a last slot counts blocks whose type is out of range.
     */
    public static long[] pageblockMigratetypeCounts(Buddy buddy, long zone) {
        int types = buddy.freeArea().migrateTypes();
        long[] counts = new long[types + 1];
        long blockNr = 1L << buddy.pageblockOrder();
        for (long pfn = buddy.zoneStartPfn(zone) & -blockNr; pfn < buddy.zoneEndPfn(zone); pfn += blockNr) {
            if (!buddy.model().pfnValid(pfn)) {
                continue;
            }
            long page = buddy.model().pfnToPage(pfn);
            int mt = buddy.pageblockFlags().getPfnblockMigratetype(page, pfn);
            counts[mt < types ? mt : types]++;
        }
        return counts;
    }

    private void report(String message) {
        if (violations.size() < MAX_REPORTED) {
            violations.add(where + ": " + message);
        } else {
            dropped++;
        }
    }

    private String mtName(int mt) {
        if (mt < MIGRATETYPE_NAMES.length) {
            return MIGRATETYPE_NAMES[mt];
        }
        return buddy.isMigrateCma(mt) ? "CMA" : buddy.isMigrateIsolate(mt) ? "Isolate" : Integer.toString(mt);
    }

    private void run() {
        long span = endPfn - startPfn;
        if (span < 0 || span > Integer.MAX_VALUE) {
            report("spans " + span + " pages, which the verifier cannot index");
            return;
        }
        BitSet covered = new BitSet((int) span);
        byte[] headOrder = new byte[(int) span];
        long freeCounted = 0;
        long freeCma = 0;
        for (int order = 0; order < freeArea.maxOrder(); order++) {
            long blocks = 0;
            for (int mt = 0; mt < freeArea.migrateTypes(); mt++) {
                long n = walkList(order, mt, covered, headOrder);
                blocks += n;
                if (!buddy.isMigrateIsolate(mt)) {
                    freeCounted += n << order;
                }
                if (buddy.isMigrateCma(mt)) {
                    freeCma += n << order;
                }
            }
            long nrFree = freeArea.nrFree(zone, order);
            if (nrFree != blocks) {
                report(String.format("free_area[%d].nr_free is %d but its lists hold %d blocks", order, nrFree, blocks));
            }
        }
        long nrFreePages = zoneStat.applyAsLong(Buddy.NR_FREE_PAGES);
        if (nrFreePages != freeCounted) {
            report(String.format("NR_FREE_PAGES is %d but the free lists (isolated ones excepted) hold %d pages",
                    nrFreePages, freeCounted));
        }
        if (buddy.migrateCma() >= 0) {
            long nrFreeCma = zoneStat.applyAsLong(buddy.zoneLayout().nrVmZoneStatItems - 1);
            if (nrFreeCma != freeCma) {
                report(String.format("NR_FREE_CMA_PAGES is %d but the CMA lists hold %d pages", nrFreeCma, freeCma));
            }
        }
        checkUnmergedBuddies(headOrder);
        checkPageblocks();
        BitSet tails = blocks == null ? new BitSet() : tails();
        checkPageStates(covered, headOrder, tails);
        if (blocks != null) {
            checkAccounting();
        }
    }

    /** The tail pages of the allocator's live non-compound blocks in this zone, by {@code pfn - startPfn}. */
    private BitSet tails() {
        BitSet tails = new BitSet();
        int span = (int) (endPfn - startPfn);
        for (int i = 0; i < span; i++) {
            int order = blocks.order(startPfn + i);
            if (order == 0) {
                continue;
            }
            long pfn = startPfn + i;
            if (order >= freeArea.maxOrder() || (pfn & ((1L << order) - 1)) != 0 || i + (1 << order) > span) {
                report(String.format("the allocator holds an order-%d block at pfn 0x%x, which is misaligned or "
                        + "leaves the zone", order, pfn));
                continue;
            }
            int inside = tails.nextSetBit(i);
            if (inside >= 0 && inside < i + (1 << order) || tails.get(i)) {
                report(String.format("the allocator's order-%d block at pfn 0x%x overlaps another of its blocks",
                        order, pfn));
            }
            tails.set(i + 1, i + (1 << order));
        }
        return tails;
    }

    /** The head of the live non-compound block whose tail {@code pfn} is. */
    private long headOf(long pfn) {
        for (int order = 1; order < freeArea.maxOrder(); order++) {
            long head = pfn & -(1L << order);
            if (head != pfn && blocks.order(head) >= order) {
                return head;
            }
        }
        return -1;
    }

    /** Every page counted once: free + pcp + allocated = managed_pages, and + reserved = present_pages. */
    private void checkAccounting() {
        long managed = buddy.zoneManagedPages(zone);
        long inUse = nrFree + nrPcp + nrAllocated;
        if (inUse != managed) {
            report(String.format("free %d + pcp %d + allocated %d = %d pages, but managed_pages is %d", nrFree, nrPcp,
                    nrAllocated, inUse, managed));
        }
        if (present == null) {
            return;
        }
        long presentPages = mem.getLong(zone + buddy.zoneLayout().presentPages);
        long reserved = nrReserved - nrReservedHoles;
        if (inUse + reserved != presentPages) {
            report(String.format("free %d + pcp %d + allocated %d + reserved %d = %d pages, but present_pages is %d "
                    + "(spanned %d minus %d holes)", nrFree, nrPcp, nrAllocated, reserved, inUse + reserved,
                    presentPages, endPfn - startPfn, endPfn - startPfn - nrPresent));
        }
    }

    /** Walks one free list, checking each entry; returns the number of well-formed entries. */
    private long walkList(int order, int mt, BitSet covered, byte[] headOrder) {
        long head = freeArea.freeList(zone, order, mt);
        String list = String.format("free_area[%d].free_list[%s]", order, mtName(mt));
        long limit = (endPfn - startPfn >>> order) + 1;
        long count = 0;
        long prev = head;
        long pos = ListHead.next(mem, head);
        while (pos != head) {
            if (count >= limit) {
                report(list + " does not return to its head after " + limit + " entries");
                return count;
            }
            if (!mem.isMapped(pos, ListHead.SIZE)) {
                report(String.format("%s: entry 0x%x after 0x%x is not mapped memory", list, pos, prev));
                return count;
            }
            if (ListHead.prev(mem, pos) != prev) {
                report(String.format("%s: entry 0x%x has prev 0x%x, expected 0x%x", list, pos,
                        ListHead.prev(mem, pos), prev));
                return count;
            }
            checkFreeBlock(list, pos - PageLayout.BUDDY_LIST, order, covered, headOrder);
            count++;
            prev = pos;
            pos = ListHead.next(mem, pos);
        }
        if (ListHead.prev(mem, head) != prev) {
            report(String.format("%s: head's prev is 0x%x, expected the last entry 0x%x", list,
                    ListHead.prev(mem, head), prev));
        }
        return count;
    }

    private void checkFreeBlock(String list, long page, int order, BitSet covered, byte[] headOrder) {
        long pfn = model.pageToPfn(page);
        if (pfn < startPfn || pfn + (1L << order) > endPfn) {
            report(String.format("%s: pfn 0x%x (order %d) lies outside the zone [0x%x, 0x%x)", list, pfn, order,
                    startPfn, endPfn));
            return;
        }
        String what = String.format("%s: pfn 0x%x", list, pfn);
        if ((pfn & ((1L << order) - 1)) != 0) {
            report(what + " is not aligned to its order " + order);
        }
        if (!PageType.pageBuddy(mem, page)) {
            report(String.format("%s is not PageBuddy (page_type 0x%08x)", what, mem.getInt(page + PageLayout.PAGE_TYPE)));
        }
        long private_ = Page.pagePrivate(mem, page);
        if (private_ != order) {
            report(what + " records order " + private_ + " in page->private");
        }
        long flags = mem.getLong(page + PageLayout.FLAGS);
        if (flagsLayout.pageToNid(flags) != buddy.zoneToNid(zone) || flagsLayout.pageZonenum(flags) != buddy.zoneIdx(zone)) {
            report(String.format("%s belongs by its flags to node %d zone %d", what, flagsLayout.pageToNid(flags),
                    flagsLayout.pageZonenum(flags)));
        }
        int from = (int) (pfn - startPfn);
        int to = from + (1 << order);
        int overlap = covered.nextSetBit(from);
        if (overlap >= 0 && overlap < to) {
            report(String.format("%s (order %d) overlaps another free block at pfn 0x%x", what, order, startPfn + overlap));
            return;
        }
        int onPcpToo = onPcp.nextSetBit(from);
        if (onPcpToo >= 0 && onPcpToo < to) {
            report(String.format("%s (order %d) holds pfn 0x%x, which is on a per-cpu list too", what, order,
                    startPfn + onPcpToo));
        }
        covered.set(from, to);
        headOrder[from] = (byte) (order + 1);
    }

    private void checkUnmergedBuddies(byte[] headOrder) {
        PageblockFlags pb = buddy.pageblockFlags();
        for (int i = 0; i < headOrder.length; i++) {
            int order = headOrder[i] - 1;
            if (order < 0 || order >= freeArea.maxOrder() - 1) {
                continue;
            }
            long pfn = startPfn + i;
            long buddyPfn = Buddy.findBuddyPfn(pfn, order);
            if (buddyPfn < pfn || buddyPfn >= endPfn || headOrder[(int) (buddyPfn - startPfn)] != order + 1) {
                continue;
            }
            if (order >= buddy.pageblockOrder()) {
                int mt = pb.getPfnblockMigratetype(model.pfnToPage(pfn), pfn);
                int buddyMt = pb.getPfnblockMigratetype(model.pfnToPage(buddyPfn), buddyPfn);
                if (mt != buddyMt && (!Buddy.migratetypeIsMergeable(mt) || !Buddy.migratetypeIsMergeable(buddyMt))) {
                    continue; // __free_one_page keeps these apart
                }
            }
            report(String.format("free buddies at pfn 0x%x and 0x%x (order %d) are not merged", pfn, buddyPfn, order));
        }
    }

    private void checkPageblocks() {
        long[] counts = pageblockMigratetypeCounts(buddy, zone);
        int types = freeArea.migrateTypes();
        if (counts[types] != 0) {
            report(counts[types] + " pageblocks have a migrate type above MIGRATE_TYPES-1");
        }
        if (buddy.migrateIsolate() >= 0) {
            long nrIsolate = mem.getLong(zone + buddy.zoneLayout().nrIsolatePageblock);
            if (nrIsolate != counts[buddy.migrateIsolate()]) {
                report(String.format("nr_isolate_pageblock is %d but %d pageblocks are MIGRATE_ISOLATE", nrIsolate,
                        counts[buddy.migrateIsolate()]));
            }
        }
    }

    private void checkPageStates(BitSet covered, byte[] headOrder, BitSet tails) {
        long blockNr = 1L << buddy.pageblockOrder();
        for (long block = startPfn & -blockNr; block < endPfn; block += blockNr) {
            if (!model.pfnValid(block)) {
                for (long pfn = Math.max(block, startPfn); pfn < Math.min(block + blockNr, endPfn); pfn++) {
                    if (covered.get((int) (pfn - startPfn))) {
                        report(String.format("pfn 0x%x is in a free block but has no memmap", pfn));
                    }
                    if (present != null && present.test(pfn)) {
                        nrPresent++; // a present page without memmap: the accounting will miss it
                    }
                }
                continue;
            }
            for (long pfn = Math.max(block, startPfn); pfn < Math.min(block + blockNr, endPfn); pfn++) {
                int i = (int) (pfn - startPfn);
                checkPageState(pfn, covered.get(i), headOrder[i] != 0, tails.get(i));
            }
        }
    }

    private void checkPageState(long pfn, boolean free, boolean head, boolean tail) {
        boolean hole = present != null && !present.test(pfn);
        if (!hole) {
            nrPresent++;
        }
        long page = model.pfnToPage(pfn);
        if (tail) {
            checkTail(pfn, page, free);
        } else if (blocks != null && blocks.order(pfn) != 0 && (free || onPcp.get((int) (pfn - startPfn)))) {
            report(String.format("pfn 0x%x is free but the allocator holds an order-%d block there", pfn,
                    blocks.order(pfn)));
        }
        if (!free && onPcp.get((int) (pfn - startPfn))) {
            nrPcp++;
            return; // PcpVerify checked it
        }
        long flags = mem.getLong(page + PageLayout.FLAGS);
        boolean reserved = PageFlags.testBit(flags, PageFlags.PG_reserved);
        int refcount = PageRef.pageRefCount(mem, page);
        boolean pageBuddy = PageType.pageBuddy(mem, page);
        if (hole && !reserved) {
            report(String.format("pfn 0x%x is a hole in memory but is not reserved: refcount %d, flags %s", pfn,
                    refcount, flagsLayout.formatFlags(flags)));
        }
        if (free) {
            nrFree++;
            if (reserved) {
                report(String.format("pfn 0x%x is free and reserved: %s", pfn, flagsLayout.formatFlags(flags)));
            }
            if (refcount != 0) {
                report(String.format("pfn 0x%x is free with refcount %d", pfn, refcount));
            }
            if (pageBuddy && !head) {
                report(String.format("pfn 0x%x is PageBuddy inside a free block, not at its head", pfn));
            }
            return;
        }
        if (reserved) {
            nrReserved++;
            nrReservedHoles += hole ? 1 : 0;
        } else if (refcount > 0 || PageFlags.pageTail(mem, page) || tail) {
            nrAllocated++;
        }
        if (pageBuddy) {
            report(String.format("pfn 0x%x is PageBuddy (order %d) but on no free list", pfn,
                    Page.pagePrivate(mem, page)));
        } else if (!reserved && refcount <= 0 && !PageFlags.pageTail(mem, page) && !tail) {
            report(String.format("pfn 0x%x is neither free, reserved nor allocated (refcount %d, flags %s)", pfn,
                    refcount, flagsLayout.formatFlags(flags)));
        }
    }

    /**
     * A tail page of a live non-compound block: allocated with its head, it must be nothing else (no reference,
     * not free, on no pcp list, not reserved, no compound state).
     */
    private void checkTail(long pfn, long page, boolean free) {
        long head = headOf(pfn);
        String what = String.format("pfn 0x%x, a tail of the order-%d block allocated at pfn 0x%x,", pfn,
                head < 0 ? 0 : blocks.order(head), head);
        long flags = mem.getLong(page + PageLayout.FLAGS);
        if (free) {
            report(what + " is in a free block");
        } else if (onPcp.get((int) (pfn - startPfn))) {
            report(what + " is on a per-cpu list");
        }
        int refcount = PageRef.pageRefCount(mem, page);
        if (refcount != 0 || PageFlags.testBit(flags, PageFlags.PG_reserved) || PageFlags.pageTail(mem, page)
                || PageFlags.pageHead(mem, page)) {
            report(String.format("%s has refcount %d, flags %s", what, refcount, flagsLayout.formatFlags(flags)));
        }
    }
}
