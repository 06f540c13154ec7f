package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_PCPTYPES;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.layout.PglistDataLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.page.PageType;
import dev.kmm.core.sparse.MemoryModel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The free half of Linux 6.1's buddy allocator (mm/page_alloc.c, mm/internal.h): merging a freed block with its
 * free buddies ({@code __free_one_page}), the checks and bookkeeping around it ({@code free_pages_prepare},
 * {@code __free_pages_ok}) and the boot path that hands memblock's free memory over ({@code __free_pages_core},
 * {@code memblock_free_pages}). The allocation half (rmqueue, expand, pcp lists) builds on the same
 * {@link FreeArea} and {@link PageblockFlags}.
 *
 * <p>Zones are {@code struct zone}s in simulated RAM inside each node's {@code pglist_data}; a page's zone comes
 * from its flags ({@code page_zone}), as in the kernel.
 *
 * <p><b>Locking.</b> The kernel holds {@code zone->lock} around {@code __free_one_page}. kmm's queued spinlock is
 * not in the tree yet, so the methods here take no lock: the caller serialises all work on a zone (boot runs on
 * one thread). {@link #freePagesOk} marks where the lock is taken.
 *
 * <p>Left out, each off in the reference config's defaults: compaction capture (only during direct compaction),
 * debug_pagealloc guard pages, page shuffling ({@code page_alloc.shuffle} off), free page reporting notification
 * (no reporting device), KASAN/KMSAN, init_on_free and page poisoning, memcg kmem uncharging, page_owner. Zone
 * counters are added straight into {@code zone->vm_stat} (per-cpu vmstat diffs come with vmstat); vm events
 * ({@code PGFREE}) are not counted yet.
 */
public final class Buddy {
    /** {@code FPI_NONE}. */
    public static final int FPI_NONE = 0;
    /** {@code FPI_SKIP_REPORT_NOTIFY}: do not tell free page reporting about the freed block. */
    public static final int FPI_SKIP_REPORT_NOTIFY = 1;
    /** {@code FPI_TO_TAIL}: put the (merged) block at the tail of its free list. */
    public static final int FPI_TO_TAIL = 1 << 1;
    /** {@code FPI_SKIP_KASAN_POISON}. */
    public static final int FPI_SKIP_KASAN_POISON = 1 << 2;

    /** {@code enum zone_stat_item}: {@code NR_FREE_PAGES}. */
    public static final int NR_FREE_PAGES = 0;
    /** {@code enum zone_stat_item}: {@code NR_MLOCK}. */
    public static final int NR_MLOCK = 7;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final KernelMemory mem;
    private final ZoneLayout zoneLayout;
    private final PglistDataLayout pgdatLayout;
    private final PageFlagsLayout flagsLayout;
    private final MemoryModel model;
    private final PageblockFlags pageblockFlags;
    private final FreeArea freeArea;
    private final long[] nodeData;
    private final int maxOrder;
    private final int pageblockOrder;
    private final int migrateCma;
    private final int migrateIsolate;
    private final int nrFreeCmaPages;

    /**
     * @param mem            the kernel's memory: struct pages, zones, pageblock bitmaps
     * @param layouts        the config's structure layouts
     * @param flagsLayout    where zone and node sit in page flags
     * @param model          the memory model
     * @param pageblockOrder {@code pageblock_order}
     * @param nodeData       {@code NODE_DATA(nid)}: the pglist_data address by node id, 0 for no node
     */
    public Buddy(KernelMemory mem, KernelLayouts layouts, PageFlagsLayout flagsLayout, MemoryModel model,
            int pageblockOrder, long[] nodeData) {
        this.mem = Objects.requireNonNull(mem, "mem");
        this.zoneLayout = layouts.zone();
        this.pgdatLayout = layouts.pglistData();
        this.flagsLayout = Objects.requireNonNull(flagsLayout, "flagsLayout");
        this.model = Objects.requireNonNull(model, "model");
        this.maxOrder = layouts.config().maxOrder();
        if (pageblockOrder > maxOrder - 1) {
            throw new IllegalArgumentException("pageblock_order " + pageblockOrder + " exceeds MAX_ORDER-1 "
                    + (maxOrder - 1));
        }
        this.pageblockOrder = pageblockOrder;
        this.pageblockFlags = new PageblockFlags(mem, model, pageblockOrder);
        this.freeArea = new FreeArea(mem, zoneLayout);
        this.nodeData = nodeData.clone();
        // enum migratetype: ..., HIGHATOMIC, [CMA,] [ISOLATE,] MIGRATE_TYPES; CMA selects MEMORY_ISOLATION
        int types = layouts.config().migrateTypes();
        this.migrateCma = layouts.config().cma() ? MIGRATE_PCPTYPES + 1 : -1;
        this.migrateIsolate = types > MIGRATE_PCPTYPES + 1 ? types - 1 : -1;
        this.nrFreeCmaPages = layouts.config().nrVmZoneStatItems() - 1;
    }

    // ---- parts and facts -------------------------------------------------------------------------------

    /** The kernel memory this allocator works in. */
    public KernelMemory mem() {
        return mem;
    }

    /** The free lists. */
    public FreeArea freeArea() {
        return freeArea;
    }

    /** The pageblock flags. */
    public PageblockFlags pageblockFlags() {
        return pageblockFlags;
    }

    /** The memory model. */
    public MemoryModel model() {
        return model;
    }

    /** The page-flags layout. */
    public PageFlagsLayout flagsLayout() {
        return flagsLayout;
    }

    /** The zone layout. */
    public ZoneLayout zoneLayout() {
        return zoneLayout;
    }

    /** {@code MAX_ORDER}: orders run 0..MAX_ORDER-1. */
    public int maxOrder() {
        return maxOrder;
    }

    /** {@code pageblock_order}. */
    public int pageblockOrder() {
        return pageblockOrder;
    }

    /** {@code MIGRATE_ISOLATE}, or -1 without CONFIG_MEMORY_ISOLATION. */
    public int migrateIsolate() {
        return migrateIsolate;
    }

    /** {@code MIGRATE_CMA}, or -1 without CONFIG_CMA. */
    public int migrateCma() {
        return migrateCma;
    }

    /** {@code is_migrate_isolate}. */
    public boolean isMigrateIsolate(int migratetype) {
        return migratetype == migrateIsolate && migrateIsolate >= 0;
    }

    /** {@code is_migrate_cma}. */
    public boolean isMigrateCma(int migratetype) {
        return migratetype == migrateCma && migrateCma >= 0;
    }

    /** {@code migratetype_is_mergeable}: only the pcp types may merge across pageblocks of different types. */
    public static boolean migratetypeIsMergeable(int migratetype) {
        return migratetype < MIGRATE_PCPTYPES;
    }

    // ---- nodes and zones ---------------------------------------------------------------------------------

    /** The highest node id + 1 this allocator knows. */
    public int nrNodeIds() {
        return nodeData.length;
    }

    /** {@code NODE_DATA(nid)}, or 0 for a node without pglist_data. */
    public long nodeData(int nid) {
        return nid >= 0 && nid < nodeData.length ? nodeData[nid] : 0;
    }

    /** {@code &NODE_DATA(nid)->node_zones[zoneIdx]}. */
    public long zone(int nid, int zoneIdx) {
        long pgdat = nodeData(nid);
        if (pgdat == 0) {
            throw new IllegalArgumentException("node " + nid + " has no pglist_data");
        }
        return pgdat + pgdatLayout.nodeZoneOffset(zoneIdx);
    }

    /** {@code page_zone(page)}: from the node and zone in the page's flags. */
    public long pageZone(long page) {
        long flags = mem.getLong(page + PageLayout.FLAGS);
        return zone(flagsLayout.pageToNid(flags), flagsLayout.pageZonenum(flags));
    }

    /** {@code zone_to_nid}. */
    public int zoneToNid(long zone) {
        return mem.getInt(zone + zoneLayout.node);
    }

    /** {@code zone_idx(zone)}. */
    public int zoneIdx(long zone) {
        long off = zone - nodeData(zoneToNid(zone)) - pgdatLayout.nodeZones;
        return (int) (off / zoneLayout.size);
    }

    /** {@code zone->zone_start_pfn}. */
    public long zoneStartPfn(long zone) {
        return mem.getLong(zone + zoneLayout.zoneStartPfn);
    }

    /** {@code zone_end_pfn}: start plus spanned pages. */
    public long zoneEndPfn(long zone) {
        return zoneStartPfn(zone) + mem.getLong(zone + zoneLayout.spannedPages);
    }

    /** {@code populated_zone}: the zone has present pages. */
    public boolean populatedZone(long zone) {
        return mem.getLong(zone + zoneLayout.presentPages) != 0;
    }

    /** {@code zone_managed_pages}. */
    public long zoneManagedPages(long zone) {
        return mem.getLongVolatile(zone + zoneLayout.managedPages);
    }

    /** {@code zone_page_state(zone, item)}: the zone counter (per-cpu diffs are not modelled yet). */
    public long zonePageState(long zone, int item) {
        return mem.getLongVolatile(zone + zoneLayout.vmStatOffset(item));
    }

    /** {@code has_isolate_pageblock}: the zone has isolated pageblocks. */
    public boolean hasIsolatePageblock(long zone) {
        return migrateIsolate >= 0 && mem.getLong(zone + zoneLayout.nrIsolatePageblock) != 0;
    }

    // ---- buddies -----------------------------------------------------------------------------------------

    /** {@code set_buddy_order}: the head of a free block records its order and becomes PageBuddy. */
    public static void setBuddyOrder(KernelMemory mem, long page, int order) {
        Page.setPagePrivate(mem, page, order);
        PageType.setPageBuddy(mem, page);
    }

    /** {@code buddy_order}: the order of a free block's head page (PageBuddy checked by the caller). */
    public static int buddyOrder(KernelMemory mem, long page) {
        return (int) Page.pagePrivate(mem, page);
    }

    /** {@code __find_buddy_pfn}: the pfn of the block's buddy at {@code order}. */
    public static long findBuddyPfn(long pfn, int order) {
        return pfn ^ (1L << order);
    }

    /**
     * {@code page_is_buddy}: {@code buddy} is the head of a free block of {@code order} in {@code page}'s zone,
     * so the two may merge.
     */
    public boolean pageIsBuddy(long page, long buddy, int order) {
        if (!PageType.pageBuddy(mem, buddy)) {
            return false;
        }
        if (buddyOrder(mem, buddy) != order) {
            return false;
        }
        // the zone check comes last: most candidates fail the cheaper tests
        return flagsLayout.pageZoneId(mem, page) == flagsLayout.pageZoneId(mem, buddy);
    }

    /** {@code find_buddy_page_pfn}: the buddy's struct page if it is a free buddy of {@code order}, else 0. */
    public long findBuddyPagePfn(long page, long pfn, int order) {
        long buddyPfn = findBuddyPfn(pfn, order);
        long buddy = page + ((buddyPfn - pfn) << 6);
        return pageIsBuddy(page, buddy, order) ? buddy : 0;
    }

    /**
     * {@code buddy_merge_likely}: whether the block's parent has a free buddy one order up, so the block will
     * probably merge soon and should go to the tail of its list.
     */
    public boolean buddyMergeLikely(long pfn, long buddyPfn, long page, int order) {
        if (order >= maxOrder - 2) {
            return false;
        }
        long higherPagePfn = buddyPfn & pfn;
        long higherPage = page + ((higherPagePfn - pfn) << 6);
        return findBuddyPagePfn(higherPage, higherPagePfn, order + 1) != 0;
    }

    /** {@code __mod_zone_freepage_state}: NR_FREE_PAGES, and NR_FREE_CMA_PAGES for CMA blocks. */
    public void modZoneFreepageState(long zone, long nrPages, int migratetype) {
        mem.getAndAddLong(zone + zoneLayout.vmStatOffset(NR_FREE_PAGES), nrPages);
        if (isMigrateCma(migratetype)) {
            mem.getAndAddLong(zone + zoneLayout.vmStatOffset(nrFreeCmaPages), nrPages);
        }
    }

    /**
     * {@code __free_one_page}: puts a block of {@code 1 << order} pages back, merging it with its free buddy
     * order by order up to {@code MAX_ORDER - 1}. From {@code pageblock_order} up, a block does not merge with a
     * buddy whose pageblock has another migrate type when either type is not mergeable (isolated, CMA,
     * highatomic), so isolation and CMA accounting stay exact. Pages freed into an isolated pageblock are not
     * counted as free.
     *
     * @param page        the head page of the block
     * @param pfn         its pfn, aligned to {@code 1 << order}
     * @param zone        the zone the block belongs to
     * @param migratetype the free list to use (the pageblock's type, or the type cached on a pcp page)
     * @param fpiFlags    {@code FPI_*}
     */
    public void freeOnePage(long page, long pfn, long zone, int order, int migratetype, int fpiFlags) {
        if (order < 0 || order >= maxOrder) {
            throw new IllegalArgumentException("order " + order + " is outside 0.." + (maxOrder - 1));
        }
        if ((pfn & ((1L << order) - 1)) != 0) {
            throw new IllegalArgumentException(String.format("pfn 0x%x is not aligned to order %d", pfn, order));
        }
        if (migratetype < 0 || migratetype >= freeArea.migrateTypes()) {
            throw new IllegalArgumentException("migratetype " + migratetype + " is outside 0.."
                    + (freeArea.migrateTypes() - 1));
        }
        if (!isMigrateIsolate(migratetype)) {
            modZoneFreepageState(zone, 1L << order, migratetype);
        }
        long buddyPfn = 0;
        while (order < maxOrder - 1) {
            buddyPfn = findBuddyPfn(pfn, order);
            long buddy = page + ((buddyPfn - pfn) << 6);
            if (!pageIsBuddy(page, buddy, order)) {
                break;
            }
            if (order >= pageblockOrder) {
                int buddyMt = pageblockFlags.getPfnblockMigratetype(buddy, buddyPfn);
                if (migratetype != buddyMt
                        && (!migratetypeIsMergeable(migratetype) || !migratetypeIsMergeable(buddyMt))) {
                    break;
                }
            }
            freeArea.delPageFromFreeList(buddy, zone, order);
            long combinedPfn = buddyPfn & pfn;
            page += (combinedPfn - pfn) << 6;
            pfn = combinedPfn;
            order++;
        }
        setBuddyOrder(mem, page, order);
        boolean toTail = (fpiFlags & FPI_TO_TAIL) != 0 || buddyMergeLikely(pfn, buddyPfn, page, order);
        if (toTail) {
            freeArea.addToFreeListTail(page, zone, order, migratetype);
        } else {
            freeArea.addToFreeList(page, zone, order, migratetype);
        }
    }

    // ---- freeing pages ---------------------------------------------------------------------------------

    /**
     * {@code page_expected_state} and {@code page_bad_reason} in one: null when the page has no mapcount, mapping,
     * references, memcg, nor any of {@code checkFlags}; else the kernel's reason (the last failing test wins).
     */
    private String badReason(long page, long mapping, long flags, long checkFlags) {
        String reason = null;
        if (mem.getInt(page + PageLayout.MAPCOUNT) != -1) {
            reason = "nonzero mapcount";
        }
        if (mapping != 0) {
            reason = "non-NULL mapping";
        }
        if (PageRef.pageRefCount(mem, page) != 0) {
            reason = "nonzero _refcount";
        }
        if ((flags & checkFlags) != 0) {
            reason = checkFlags == flagsLayout.pageFlagsCheckAtPrep ? "PAGE_FLAGS_CHECK_AT_PREP flag(s) set"
                    : "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
        }
        if (mem.getLong(page + PageLayout.MEMCG_DATA) != 0) {
            reason = "page still charged to cgroup";
        }
        return reason;
    }

    private BadPageException badPage(long page, String reason) {
        return new BadPageException(model.pageToPfn(page), reason, dumpPage(page));
    }

    /**
     * {@code dump_page}'s first lines: {@code page:... refcount:.. mapcount:.. mapping:.. index:.. pfn:..}, the
     * flags by name, and the struct page as raw words.
     */
    public String dumpPage(long page) {
        StringBuilder sb = new StringBuilder(String.format(
                "page:0x%016x refcount:%d mapcount:%d mapping:%016x index:%#x pfn:%#x%nflags: %s", page,
                PageRef.pageRefCount(mem, page), mem.getInt(page + PageLayout.MAPCOUNT) + 1,
                mem.getLong(page + PageLayout.MAPPING), mem.getLong(page + PageLayout.INDEX), model.pageToPfn(page),
                flagsLayout.formatFlags(mem.getLong(page + PageLayout.FLAGS))));
        for (int line = 0; line < 2; line++) {
            sb.append(System.lineSeparator()).append("raw:");
            for (int w = 0; w < 4; w++) {
                sb.append(String.format(" %016x", mem.getLong(page + (line * 4L + w) * 8)));
            }
        }
        return sb.toString();
    }

    /**
     * {@code free_pages_prepare}: checks the pages of a block about to be freed and clears what must not survive
     * the free (flags checked on allocation, compound and tail-page state). As in the kernel, an mlocked head is
     * first cleared and NR_MLOCK fixed; then every page is checked before anything else changes.
     *
     * @return false when the page must not go to the buddy (an order-0 hwpoisoned page)
     * @throws BadPageException for a page in a bad state ({@code bad_page}); the block is then not freed
     */
    public boolean freePagesPrepare(long page, int order, boolean checkFree, int fpiFlags) {
        if (PageFlags.pageTail(mem, page)) {
            throw badPage(page, "freeing a tail page");
        }
        if (PageFlags.testBit(mem.getLong(page + PageLayout.FLAGS), PageFlags.PG_mlocked)) {
            // truncation raced with munlock: clear the flag and fix NR_MLOCK (folio_nr_pages)
            PageFlags.clearFlagNonAtomic(mem, page, PageFlags.PG_mlocked);
            long nrPages = 1L << PageFlags.compoundOrder(mem, page);
            mem.getAndAddLong(pageZone(page) + zoneLayout.vmStatOffset(NR_MLOCK), -nrPages);
        }
        if (flagsLayout.pgHwpoison >= 0 && order == 0
                && PageFlags.testBit(mem.getLong(page + PageLayout.FLAGS), flagsLayout.pgHwpoison)) {
            return false; // do not let hwpoison pages hit pcplists/buddy
        }
        boolean compound = order != 0 && PageFlags.pageCompound(mem, page);
        if (compound && PageFlags.compoundOrder(mem, page) != order) {
            throw badPage(page, "compound order " + PageFlags.compoundOrder(mem, page) + " freed as order " + order);
        }
        long checkAtFree = flagsLayout.pageFlagsCheckAtFree;
        long nr = 1L << order;
        // the tails are read and written through the block's host memory (boot frees 16M of them), at their
        // offsets in its region's segment: no slice is made, so the allocator's frees allocate nothing
        MemorySegment block = nr == 1 ? null : mem.regionSegment(page, nr << 6);
        long base = nr == 1 ? 0 : mem.regionOffset(page);
        for (long off = base + PageLayout.SIZE; off < base + (nr << 6); off += PageLayout.SIZE) {
            // free_tail_pages_check clears a compound tail's mapping before the tail is checked
            long mapping = compound ? 0 : block.get(LONG, off + PageLayout.MAPPING);
            if (block.get(INT, off + PageLayout.MAPCOUNT) != -1 || (mapping | block.get(INT, off + PageLayout.REFCOUNT)
                    | block.get(LONG, off + PageLayout.MEMCG_DATA)
                    | (block.get(LONG, off + PageLayout.FLAGS) & checkAtFree)) != 0) {
                long tail = page + (off - base);
                throw badPage(tail, badReason(tail, mapping, mem.getLong(tail + PageLayout.FLAGS), checkAtFree));
            }
        }
        boolean clearMapping = (Page.pageMapping(mem, page) & Page.PAGE_MAPPING_FLAGS) != 0;
        if (checkFree) {
            long mapping = clearMapping ? 0 : Page.pageMapping(mem, page);
            String reason = badReason(page, mapping, mem.getLong(page + PageLayout.FLAGS), checkAtFree);
            if (reason != null) {
                throw badPage(page, reason);
            }
        }

        if (compound) {
            long second = page + PageLayout.SIZE; // PF_SECOND flags live in the first tail
            PageFlags.clearFlagNonAtomic(mem, second, PageFlags.PG_double_map);
            PageFlags.clearFlagNonAtomic(mem, second, PageFlags.PG_has_hwpoisoned);
        }
        long keep = ~flagsLayout.pageFlagsCheckAtPrep;
        for (long off = base + PageLayout.SIZE; off < base + (nr << 6); off += PageLayout.SIZE) {
            if (compound) {
                block.set(LONG, off + PageLayout.MAPPING, 0L);
                block.set(LONG, off + PageLayout.COMPOUND_HEAD, 0L); // clear_compound_head
            }
            block.set(LONG, off + PageLayout.FLAGS, block.get(LONG, off + PageLayout.FLAGS) & keep);
        }
        if (clearMapping) {
            mem.putLong(page + PageLayout.MAPPING, 0);
        }
        flagsLayout.pageCpupidResetLast(mem, page);
        long va = page + PageLayout.FLAGS;
        mem.putLong(va, mem.getLong(va) & ~flagsLayout.pageFlagsCheckAtPrep);
        return true;
    }

    /**
     * {@code __free_pages_ok}: frees a block straight to the buddy lists (no pcp): prepares it, reads its
     * pageblock's migrate type and merges it in, re-reading the type when the zone has isolated pageblocks.
     */
    public void freePagesOk(long page, int order, int fpiFlags) {
        long pfn = model.pageToPfn(page);
        long zone = pageZone(page);
        if (!freePagesPrepare(page, order, true, fpiFlags)) {
            return;
        }
        int migratetype = pageblockFlags.getPfnblockMigratetype(page, pfn);
        // spin_lock_irqsave(&zone->lock): held by the caller for now (see the class comment)
        if (hasIsolatePageblock(zone) || isMigrateIsolate(migratetype)) {
            migratetype = pageblockFlags.getPfnblockMigratetype(page, pfn);
        }
        freeOnePage(page, pfn, zone, order, migratetype, fpiFlags);
    }

    /**
     * {@code __free_pages_core}: a block of fresh boot memory goes to the buddy: memmap init left its pages
     * reserved-or-not with refcount 1; they become unreserved with refcount 0, count as managed by their zone,
     * and are freed to the tail of the lists ({@code FPI_TO_TAIL}), bypassing the pcp lists.
     */
    public void freePagesCore(long page, int order) {
        long nr = 1L << order;
        MemorySegment block = mem.slice(page, nr << 6);
        long notReserved = ~(1L << PageFlags.PG_reserved);
        for (long off = 0; off < nr << 6; off += PageLayout.SIZE) {
            block.set(LONG, off + PageLayout.FLAGS, block.get(LONG, off + PageLayout.FLAGS) & notReserved);
            block.set(INT, off + PageLayout.REFCOUNT, 0); // set_page_count: nobody else sees these pages yet
        }
        mem.getAndAddLong(pageZone(page) + zoneLayout.managedPages, nr);
        freePagesOk(page, order, FPI_TO_TAIL | FPI_SKIP_KASAN_POISON);
    }

    /**
     * {@code memblock_free_pages}: memblock_free_all() hands each aligned free block here. (Deferred struct page
     * init, which skips not-yet-initialised pages, is not modelled: all struct pages are initialised at boot.)
     */
    public void memblockFreePages(long page, long pfn, int order) {
        freePagesCore(page, order);
    }

    /**
     * {@code bad_page(page, page_bad_reason(page, checkFlags))}: the report of a page found in a bad state, for the
     * allocation side's checks.
     */
    BadPageException badPage(long page, long checkFlags) {
        return badPage(page, badReason(page, Page.pageMapping(mem, page), mem.getLong(page + PageLayout.FLAGS),
                checkFlags));
    }
}
