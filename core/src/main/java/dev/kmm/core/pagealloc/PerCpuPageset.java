package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_PCPTYPES;
import static dev.kmm.arena.layout.KernelConstants.PAGE_ALLOC_COSTLY_ORDER;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.layout.PerCpuPagesLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.arena.list.Llist;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.locking.Spinlock;
import dev.kmm.core.page.Page;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.vmstat.Vmstat;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The per-cpu page lists of Linux 6.1 mm/page_alloc.c: each CPU keeps, per zone, a {@code struct per_cpu_pages}
 * in its per-cpu area with a list per (pcp migrate type, order up to PAGE_ALLOC_COSTLY_ORDER) and, with THP, lists
 * for pageblock-order pages. Allocations of those orders take a page from the CPU's list, refilling it from the
 * buddy lists a batch at a time ({@code rmqueue_pcplist}, {@code rmqueue_bulk}); frees put the page on the list
 * and, once {@code count} reaches {@code high}, return a batch to the buddy ({@code free_unref_page},
 * {@code free_pcppages_bulk}). {@code free_factor} doubles the batch for each free-heavy round and halves on each
 * allocation, as in 6.1.
 *
 * <p><b>Locking.</b> The pcp's {@code lock} is a {@link Spinlock}; its owner CPU only ever tries it
 * ({@code pcp_spin_trylock}) and falls back to the zone lock when it is held; drains take it, also for other
 * CPUs' lists. Nested under it, the zone lock guards the buddy lists.
 *
 * <p><b>Remote frees.</b> kmm adds one path that 6.1 does not have: {@link #freeUnrefPageRemote} frees a page into
 * <em>another</em> CPU's lists without touching that CPU's pcp lock. The page is pushed onto a lock-less
 * {@link Llist}, and whoever next holds that pcp lock (the owner allocating or freeing, or a drain) splices the
 * list into the pcp lists. In 6.1 a CPU only frees into its own lists and reaches another CPU's lists only to drain
 * them, taking the remote lock ({@code drain_pages_zone}); later kernels added lock-less frees of this kind. The
 * llist head sits in the tail padding of {@code struct per_cpu_pages} (8 bytes after {@code lists[]} in the
 * reference build, more with fewer THP lists), so every field keeps its 6.1 offset and {@code sizeof} is
 * unchanged; a pageset zeroed by {@code per_cpu_pages_init} starts with an empty llist.
 */
public final class PerCpuPageset {
    /** {@code BOOT_PAGESET_HIGH}: the boot pageset keeps no pages. */
    public static final int BOOT_PAGESET_HIGH = 0;
    /** {@code BOOT_PAGESET_BATCH}. */
    public static final int BOOT_PAGESET_BATCH = 1;
    /** {@code CONFIG_PCP_BATCH_SCALE_MAX} of Debian's 6.1 config: batches grow to at most {@code batch << 5}. */
    public static final int PCP_BATCH_SCALE_MAX = 5;
    /** {@code NR_LOWORDER_PCP_LISTS}. */
    public static final int NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
    /** {@code SWAP_CLUSTER_MAX}: {@code free_unref_page_list} drops the pcp lock after this many pages. */
    private static final int SWAP_CLUSTER_MAX = 32;

    private final Buddy buddy;
    private final KernelMemory mem;
    private final CpuContexts cpus;
    private final ZoneLayout zl;
    private final PerCpuPagesLayout pl;
    private final Rmqueue rmqueue;
    private final FreePages freePages;
    private final Vmstat vmstat;
    private final KmemTrace trace;
    private final int nrPcpLists;
    private final int nrPcpThp;
    private final int pageblockOrder;
    /** Offset of the remote-free llist head in the per_cpu_pages: the tail padding after lists[]. */
    private final long llistOffset;
    private final long zonestatSize;
    private long bootPageset;
    private long bootZonestats;
    private final ReentrantLock pcpuDrainMutex = new ReentrantLock();
    private long[] populatedZones = new long[0];

    PerCpuPageset(Buddy buddy, CpuContexts cpus, PerCpuPagesLayout pl, long zonestatSize, Rmqueue rmqueue,
            FreePages freePages, Vmstat vmstat, KmemTrace trace) {
        this.buddy = buddy;
        this.mem = buddy.mem();
        this.cpus = cpus;
        this.zl = buddy.zoneLayout();
        this.pl = pl;
        this.rmqueue = rmqueue;
        this.freePages = freePages;
        this.vmstat = vmstat;
        this.trace = trace;
        this.nrPcpLists = pl.nrPcpLists;
        this.nrPcpThp = nrPcpLists - NR_LOWORDER_PCP_LISTS;
        this.pageblockOrder = buddy.pageblockOrder();
        this.llistOffset = (pl.listOffset(nrPcpLists - 1) + ListHead.SIZE + Llist.SIZE - 1) & -Llist.SIZE;
        if (llistOffset + Llist.SIZE > pl.size) {
            throw new IllegalStateException("struct per_cpu_pages of " + pl.size + " bytes has no tail padding for"
                    + " the remote-free llist after " + nrPcpLists + " lists");
        }
        this.zonestatSize = zonestatSize;
    }

    /** Reserves a per_cpu_pages in every CPU's per-cpu area and initialises each copy. */
    private long allocPageset() {
        long ptr = cpus.areas().reserve(pl.size, KernelConstants.L1_CACHE_BYTES);
        for (int cpu = 0; cpu < cpus.nrCpuIds(); cpu++) {
            perCpuPagesInit(cpus.perCpuPtr(ptr, cpu));
        }
        return ptr;
    }

    /** {@code per_cpu_pages_init}: empty lists, boot high and batch (the per-cpu reservation is zeroed). */
    private void perCpuPagesInit(long pcp) {
        Spinlock.spinLockInit(mem, pcp + pl.lock);
        for (int pindex = 0; pindex < nrPcpLists; pindex++) {
            ListHead.init(mem, pcp + pl.listOffset(pindex));
        }
        mem.putInt(pcp + pl.high, BOOT_PAGESET_HIGH);
        mem.putInt(pcp + pl.batch, BOOT_PAGESET_BATCH);
        mem.putShort(pcp + pl.freeFactor, (short) 0);
        Llist.init(mem, pcp + llistOffset);
    }

    /**
     * {@code zone_pcp_init}: the zone starts on the shared boot pageset (high 0, batch 1), which stores no pages
     * (reserved in the per-cpu areas at the first call).
     */
    void zonePcpInit(long zone) {
        if (bootPageset == 0) {
            bootPageset = allocPageset();
            bootZonestats = cpus.areas().reserve(zonestatSize, Long.BYTES);
        }
        mem.putLong(zone + zl.perCpuPageset, bootPageset);
        mem.putLong(zone + zl.perCpuZonestats, bootZonestats);
    }

    /**
     * {@code setup_zone_pageset}: the zone gets its own per-cpu pagesets and zone statistics, with the
     * {@code pageset_high} and {@code pageset_batch} the zone limits computed (written to the zone by the zone
     * tuning, as {@code zone_set_pageset_high_and_batch} does).
     *
     * @throws IllegalStateException when the zone's {@code pageset_batch} is not set
     */
    void setupZonePageset(long zone) {
        int high = mem.getInt(zone + zl.pagesetHigh);
        int batch = mem.getInt(zone + zl.pagesetBatch);
        if (batch < 1) {
            throw new IllegalStateException(String.format(
                    "zone 0x%x has pageset_batch %d: compute the zone limits (ZoneTuning) before the pagesets",
                    zone, batch));
        }
        mem.putLong(zone + zl.perCpuZonestats, cpus.areas().reserve(zonestatSize, Long.BYTES));
        mem.putLong(zone + zl.perCpuPageset, allocPageset());
        zoneSetPagesetHighAndBatch(zone, high, batch);
        addPopulatedZone(zone);
    }

    /**
     * Takes over the pagesets boot set up for a populated zone ({@code setup_zone_pageset} done elsewhere): the zone
     * keeps its {@code per_cpu_pageset}, {@code per_cpu_zonestats}, high and batch.
     *
     * @throws IllegalStateException when the zone has no pageset with a batch of at least 1
     */
    void adoptZonePageset(long zone) {
        long ptr = mem.getLong(zone + zl.perCpuPageset);
        if (ptr == 0 || mem.getLong(zone + zl.perCpuZonestats) == 0 || batch(cpus.perCpuPtr(ptr, 0)) < 1) {
            throw new IllegalStateException(String.format("zone 0x%x has no per-cpu pageset to adopt", zone));
        }
        addPopulatedZone(zone);
    }

    private void addPopulatedZone(long zone) {
        long[] z = Arrays.copyOf(populatedZones, populatedZones.length + 1);
        z[populatedZones.length] = zone;
        populatedZones = z;
    }

    /**
     * {@code __zone_set_pageset_high_and_batch}: new {@code high} and {@code batch} for every CPU's pageset of
     * the zone ({@code pageset_update}, store-tear-free writes that the owners read racily), recorded in
     * {@code zone->pageset_high}/{@code pageset_batch}.
     */
    public void zoneSetPagesetHighAndBatch(long zone, int high, int batch) {
        if (batch < 1 || high < 0) {
            throw new IllegalArgumentException("pcp high " + high + " and batch " + batch + ": need batch >= 1, high >= 0");
        }
        mem.putInt(zone + zl.pagesetHigh, high);
        mem.putInt(zone + zl.pagesetBatch, batch);
        long ptr = mem.getLong(zone + zl.perCpuPageset);
        for (int cpu = 0; cpu < cpus.nrCpuIds(); cpu++) {
            long pcp = cpus.perCpuPtr(ptr, cpu);
            mem.putIntOpaque(pcp + pl.batch, batch);
            mem.putIntOpaque(pcp + pl.high, high);
        }
    }

    /** The populated zones that have their own pagesets, in setup order ({@code for_each_populated_zone}). */
    long[] populatedZones() {
        return populatedZones;
    }

    // ---- indices --------------------------------------------------------------------------------------

    /**
     * {@code order_to_pindex}: {@code MIGRATE_PCPTYPES * order + migratetype} up to the costly order; the THP
     * order goes to the THP lists (6.1.192: one for movable, one for the rest).
     */
    public int orderToPindex(int migratetype, int order) {
        if (order > PAGE_ALLOC_COSTLY_ORDER) {
            return NR_LOWORDER_PCP_LISTS + (nrPcpThp > 1 && migratetype == MIGRATE_MOVABLE ? 1 : 0);
        }
        return MIGRATE_PCPTYPES * order + migratetype;
    }

    /** {@code pindex_to_order}. */
    public int pindexToOrder(int pindex) {
        return pindex >= NR_LOWORDER_PCP_LISTS ? pageblockOrder : pindex / MIGRATE_PCPTYPES;
    }

    // ---- the pcp of a zone ---------------------------------------------------------------------------------

    /** {@code NR_PCP_LISTS}. */
    public int nrPcpLists() {
        return nrPcpLists;
    }

    /** {@code nr_cpu_ids}: the CPUs that have pagesets. */
    public int nrCpuIds() {
        return cpus.nrCpuIds();
    }

    /** {@code per_cpu_ptr(zone->per_cpu_pageset, cpu)}. */
    public long pcp(long zone, int cpu) {
        return cpus.perCpuPtr(mem.getLong(zone + zl.perCpuPageset), cpu);
    }

    /** {@code pcp->count}: pages on the lists (racy outside the pcp lock). */
    public int count(long pcp) {
        return mem.getIntOpaque(pcp + pl.count);
    }

    /** {@code pcp->high}. */
    public int high(long pcp) {
        return mem.getIntOpaque(pcp + pl.high);
    }

    /** {@code pcp->batch}. */
    public int batch(long pcp) {
        return mem.getIntOpaque(pcp + pl.batch);
    }

    /** {@code pcp->free_factor}. */
    public int freeFactor(long pcp) {
        return mem.getShort(pcp + pl.freeFactor);
    }

    /** The address of {@code pcp->lists[pindex]}. */
    public long list(long pcp, int pindex) {
        return pcp + pl.listOffset(pindex);
    }

    /** The head of the pcp's remote-free llist. */
    public long remoteFreeList(long pcp) {
        return pcp + llistOffset;
    }

    private void addCount(long pcp, int delta) {
        long va = pcp + pl.count;
        mem.putIntOpaque(va, mem.getInt(va) + delta);
    }

    /**
     * {@code pcp_spin_trylock(zone->per_cpu_pageset)} on this CPU: the pcp, or 0 when its lock is held. Taking the
     * lock also takes in the pages other CPUs freed to this pcp meanwhile.
     */
    long pcpSpinTrylock(Cpu cpu, long zone) {
        long pcp = cpu.thisCpuPtr(mem.getLong(zone + zl.perCpuPageset));
        if (!Spinlock.spinTrylock(mem, pcp + pl.lock)) {
            return 0;
        }
        spliceRemoteFrees(cpu, zone, pcp);
        return pcp;
    }

    void pcpSpinUnlock(long pcp) {
        Spinlock.spinUnlock(mem, pcp + pl.lock);
    }

    // ---- allocation ------------------------------------------------------------------------------------

    /**
     * {@code rmqueue_pcplist}: a page of {@code order} from this CPU's list, refilled from the buddy when empty;
     * 0 when the pcp lock is held (by a drain) or the zone has no page for it.
     */
    long rmqueuePcplist(Cpu cpu, long preferredZone, long zone, int order, int migratetype, int allocFlags) {
        long pcp = pcpSpinTrylock(cpu, zone);
        if (pcp == 0) {
            return 0;
        }
        long page;
        try {
            mem.putShort(pcp + pl.freeFactor, (short) (mem.getShort(pcp + pl.freeFactor) >> 1));
            long list = pcp + pl.listOffset(orderToPindex(migratetype, order));
            page = rmqueuePcplistLocked(cpu, zone, order, migratetype, allocFlags, pcp, list);
        } finally {
            pcpSpinUnlock(pcp);
        }
        if (page != 0) {
            vmstat.countPgalloc(cpu, buddy.flagsLayout().pageZonenum(mem, page), 1L << order);
            vmstat.zoneStatistics(cpu, preferredZone, zone, 1);
        }
        return page;
    }

    /**
     * {@code __rmqueue_pcplist}: the first page of {@code list}, refilling it with {@code max(batch >> order, 2)}
     * blocks when empty (a batch of 1 marks a boot pageset, which keeps nothing). Pages failing
     * {@code check_new_pcp} are left out. pcp lock held.
     */
    long rmqueuePcplistLocked(Cpu cpu, long zone, int order, int migratetype, int allocFlags, long pcp, long list) {
        long page;
        do {
            if (ListHead.empty(mem, list)) {
                int batch = mem.getIntOpaque(pcp + pl.batch);
                if (batch > 1) {
                    batch = Math.max(batch >> order, 2);
                }
                int alloced = rmqueueBulk(cpu, zone, order, batch, list, migratetype, allocFlags);
                addCount(pcp, alloced << order);
                if (ListHead.empty(mem, list)) {
                    return 0;
                }
            }
            page = ListHead.first(mem, list) - PageLayout.PCP_LIST;
            ListHead.del(mem, page + PageLayout.PCP_LIST);
            addCount(pcp, -(1 << order));
        } while (rmqueue.checkNewPages(page, order));
        return page;
    }

    /**
     * {@code rmqueue_bulk}: up to {@code count} blocks of {@code order} moved from the buddy to the tail of
     * {@code list} under one hold of the zone lock, in the physical order expand() leaves them.
     *
     * @return the blocks added
     */
    int rmqueueBulk(Cpu cpu, long zone, int order, int count, long list, int migratetype, int allocFlags) {
        long lock = zone + zl.lock;
        int i;
        int allocated = 0;
        Spinlock.spinLock(mem, lock, cpu);
        try {
            for (i = 0; i < count; ++i) {
                long page = rmqueue.rmqueue(zone, order, migratetype, allocFlags);
                if (page == 0) {
                    break;
                }
                ListHead.addTail(mem, page + PageLayout.PCP_LIST, list);
                allocated++;
                if (buddy.isMigrateCma((int) mem.getLong(page + PageLayout.INDEX))) {
                    vmstat.modZonePageState(cpu, zone, zl.nrVmZoneStatItems - 1, -(1L << order));
                }
            }
            vmstat.modZonePageState(cpu, zone, Vmstat.NR_FREE_PAGES, -((long) i << order));
        } finally {
            Spinlock.spinUnlock(mem, lock);
        }
        return allocated;
    }

    // ---- freeing ---------------------------------------------------------------------------------------

    /**
     * {@code free_unref_page_prepare}: the checks of a freed page, and its pageblock's type cached in
     * {@code page->index} for the pcp lists.
     *
     * @return false when the page must not be freed
     */
    private boolean freeUnrefPagePrepare(long page, long pfn, int order) {
        if (!freePages.freePagesPrepare(page, order)) {
            return false;
        }
        mem.putLong(page + PageLayout.INDEX, buddy.pageblockFlags().getPfnblockMigratetype(page, pfn));
        return true;
    }

    /**
     * {@code free_unref_page}: frees a block of a pcp order into this CPU's lists. Pages of an isolated pageblock
     * go straight to the buddy; HIGHATOMIC and CMA pages use the movable list. When the pcp lock is held the page
     * goes to the buddy under the zone lock.
     */
    void freeUnrefPage(Cpu cpu, long page, int order) {
        long pfn = buddy.model().pageToPfn(page);
        if (!freeUnrefPagePrepare(page, pfn, order)) {
            return;
        }
        int migratetype = (int) mem.getLong(page + PageLayout.INDEX);
        int pcpMigratetype = migratetype;
        long zone = buddy.pageZone(page);
        if (migratetype >= MIGRATE_PCPTYPES) {
            if (buddy.isMigrateIsolate(migratetype)) {
                freePages.freeOnePage(cpu, zone, page, pfn, order, migratetype, Buddy.FPI_NONE);
                return;
            }
            pcpMigratetype = MIGRATE_MOVABLE;
        }
        long pcp = pcpSpinTrylock(cpu, zone);
        if (pcp != 0) {
            try {
                vmstat.countPgfree(cpu, 1L << order);
                freeUnrefPageCommit(cpu, zone, pcp, page, pcpMigratetype, order);
            } finally {
                pcpSpinUnlock(pcp);
            }
        } else {
            freePages.freeOnePage(cpu, zone, page, pfn, order, migratetype, Buddy.FPI_NONE);
        }
    }

    /**
     * {@code free_unref_page_commit} (without its PGFREE count, which the callers do): the page goes to the head
     * of its list; at {@code high} a batch returns to the buddy. Freeing a high-order page while the CPU frees
     * without allocating ({@code free_factor} set) drains everything, as those pages fragment memory. pcp lock
     * held.
     */
    private void freeUnrefPageCommit(Cpu cpu, long zone, long pcp, long page, int migratetype, int order) {
        int pindex = orderToPindex(migratetype, order);
        ListHead.add(mem, page + PageLayout.PCP_LIST, pcp + pl.listOffset(pindex));
        addCount(pcp, 1 << order);
        boolean freeHigh = mem.getShort(pcp + pl.freeFactor) != 0 && order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
        int high = nrPcpHigh(pcp, zone, freeHigh);
        if (mem.getInt(pcp + pl.count) >= high) {
            int batch = mem.getIntOpaque(pcp + pl.batch);
            freePcppagesBulk(cpu, zone, nrPcpFree(pcp, high, batch, freeHigh), pcp, pindex);
        }
    }

    /**
     * {@code nr_pcp_free}: how many pages to return: all when {@code freeHigh}, 1 for a boot or disabled pageset,
     * else {@code batch << free_factor} clamped to {@code [batch, high - batch]}, the factor growing (up to
     * {@link #PCP_BATCH_SCALE_MAX}) while that stays below {@code high - batch}.
     */
    int nrPcpFree(long pcp, int high, int batch, boolean freeHigh) {
        if (freeHigh) {
            return mem.getInt(pcp + pl.count);
        }
        if (high < batch) {
            return 1;
        }
        int minNrFree = batch;
        int maxNrFree = high - batch;
        int freeFactor = mem.getShort(pcp + pl.freeFactor);
        batch <<= freeFactor;
        if (batch < maxNrFree && freeFactor < PCP_BATCH_SCALE_MAX) {
            mem.putShort(pcp + pl.freeFactor, (short) (freeFactor + 1));
        }
        return (int) KernelMath.clamp(batch, minNrFree, maxNrFree);
    }

    /**
     * {@code nr_pcp_high}: the count at which frees drain: {@code high}, 0 for {@code freeHigh} or a pageset that
     * keeps nothing, and at most {@code batch * 4} while kswapd reclaims the zone (ZONE_RECLAIM_ACTIVE).
     */
    int nrPcpHigh(long pcp, long zone, boolean freeHigh) {
        int high = mem.getIntOpaque(pcp + pl.high);
        if (high == 0 || freeHigh) {
            return 0;
        }
        if ((mem.getLongOpaque(zone + zl.flags) & 1L << Fallback.ZONE_RECLAIM_ACTIVE) == 0) {
            return high;
        }
        return Math.min(mem.getIntOpaque(pcp + pl.batch) << 2, high);
    }

    /**
     * {@code free_pcppages_bulk}: returns {@code count} pages (at most {@code pcp->count}) to the buddy, taking
     * the list {@code pindex} first and then the others round-robin, each from its tail (the coldest pages).
     * pcp lock held; takes the zone lock.
     */
    void freePcppagesBulk(Cpu cpu, long zone, int count, long pcp, int pindex) {
        int minPindex = 0;
        int maxPindex = nrPcpLists - 1;
        count = Math.min(mem.getInt(pcp + pl.count), count);
        pindex = pindex - 1;
        long lock = zone + zl.lock;
        Spinlock.spinLock(mem, lock, cpu);
        try {
            boolean isolatedPageblocks = buddy.hasIsolatePageblock(zone);
            while (count > 0) {
                long list;
                for (;;) {
                    if (++pindex > maxPindex) {
                        pindex = minPindex;
                    }
                    list = pcp + pl.listOffset(pindex);
                    if (!ListHead.empty(mem, list)) {
                        break;
                    }
                    if (pindex == maxPindex) {
                        maxPindex--;
                    }
                    if (pindex == minPindex) {
                        minPindex++;
                    }
                }
                int order = pindexToOrder(pindex);
                int nrPages = 1 << order;
                do {
                    long page = ListHead.last(mem, list) - PageLayout.PCP_LIST;
                    int mt = (int) mem.getLong(page + PageLayout.INDEX);
                    ListHead.del(mem, page + PageLayout.PCP_LIST);
                    count -= nrPages;
                    addCount(pcp, -nrPages);
                    if (isolatedPageblocks) {
                        mt = buddy.pageblockFlags().getPageblockMigratetype(page);
                    }
                    long pfn = buddy.model().pageToPfn(page);
                    buddy.freeOnePage(page, pfn, zone, order, mt, Buddy.FPI_NONE);
                    KmemTrace.mmPagePcpuDrain(trace, pfn, order, mt);
                } while (count > 0 && !ListHead.empty(mem, list));
            }
        } finally {
            Spinlock.spinUnlock(mem, lock);
        }
    }

    /**
     * {@code free_unref_page_list}: frees a list of order-0 pages (linked through {@code lru}) into this CPU's
     * lists, dropping the pcp lock every {@code SWAP_CLUSTER_MAX} pages and at each zone change. The freed pages
     * leave the list.
     *
     * @throws BadPageException for the first bad page: the pages before it are freed, it and the pages after it
     *                          stay on the list unchanged
     */
    void freeUnrefPageList(Cpu cpu, long list) {
        BadPageException bad = null;
        long stop = list;
        for (long pos = ListHead.next(mem, list); pos != list;) {
            long next = ListHead.next(mem, pos);
            long page = pos - PageLayout.LRU;
            long pfn = buddy.model().pageToPfn(page);
            boolean free;
            try {
                free = freeUnrefPagePrepare(page, pfn, 0);
            } catch (BadPageException e) {
                bad = e;
                stop = pos;
                break;
            }
            int migratetype = (int) mem.getLong(page + PageLayout.INDEX);
            if (!free) {
                ListHead.del(mem, pos);
            } else if (buddy.isMigrateIsolate(migratetype)) {
                ListHead.del(mem, pos);
                freePages.freeOnePage(cpu, buddy.pageZone(page), page, pfn, 0, migratetype, Buddy.FPI_NONE);
            }
            pos = next;
        }
        long pcp = 0;
        long lockedZone = 0;
        int batchCount = 0;
        try {
            for (long pos = ListHead.next(mem, list); pos != stop;) {
                long next = ListHead.next(mem, pos);
                long page = pos - PageLayout.LRU;
                long zone = buddy.pageZone(page);
                ListHead.del(mem, pos);
                int migratetype = (int) mem.getLong(page + PageLayout.INDEX);
                pos = next;
                if (zone != lockedZone) {
                    if (pcp != 0) {
                        pcpSpinUnlock(pcp);
                    }
                    pcp = pcpSpinTrylock(cpu, zone);
                    if (pcp == 0) {
                        freePages.freeOnePage(cpu, zone, page, buddy.model().pageToPfn(page), 0, migratetype,
                                Buddy.FPI_NONE);
                        lockedZone = 0;
                        continue;
                    }
                    lockedZone = zone;
                    batchCount = 0;
                }
                if (migratetype >= MIGRATE_PCPTYPES) {
                    migratetype = MIGRATE_MOVABLE;
                }
                KmemTrace.mmPageFreeBatched(trace, buddy.model().pageToPfn(page));
                vmstat.countPgfree(cpu, 1);
                freeUnrefPageCommit(cpu, zone, pcp, page, migratetype, 0);
                if (++batchCount == SWAP_CLUSTER_MAX) {
                    pcpSpinUnlock(pcp);
                    batchCount = 0;
                    pcp = 0;
                    lockedZone = 0;
                }
            }
        } finally {
            if (pcp != 0) {
                pcpSpinUnlock(pcp);
            }
        }
        if (bad != null) {
            throw bad;
        }
    }

    /**
     * Frees a block of a pcp order into CPU {@code targetCpu}'s lists from {@code cpu} (kmm's lock-less remote free):
     * the page is checked and prepared here, counted as freed by {@code cpu}, and pushed onto the target pcp's
     * llist; it joins the target's lists when the target pcp is next locked. Isolated pageblocks go to the buddy
     * at once, as in {@link #freeUnrefPage}.
     */
    void freeUnrefPageRemote(Cpu cpu, long page, int order, int targetCpu) {
        long pfn = buddy.model().pageToPfn(page);
        if (!freeUnrefPagePrepare(page, pfn, order)) {
            return;
        }
        int migratetype = (int) mem.getLong(page + PageLayout.INDEX);
        long zone = buddy.pageZone(page);
        if (buddy.isMigrateIsolate(migratetype)) {
            freePages.freeOnePage(cpu, zone, page, pfn, order, migratetype, Buddy.FPI_NONE);
            return;
        }
        vmstat.countPgfree(cpu, 1L << order);
        Page.setPagePrivate(mem, page, order);
        long head = remoteFreeList(pcp(zone, targetCpu));
        Llist.add(mem, page + PageLayout.PCP_LIST, head);
    }

    /** Moves the pages other CPUs pushed onto {@code pcp}'s llist into its lists, oldest first. pcp lock held. */
    private void spliceRemoteFrees(Cpu cpu, long zone, long pcp) {
        long head = pcp + llistOffset;
        if (Llist.empty(mem, head)) {
            return;
        }
        for (long node = Llist.reverseOrder(mem, Llist.delAll(mem, head)); node != 0;) {
            long next = Llist.next(mem, node);
            long page = node - PageLayout.PCP_LIST;
            int order = (int) Page.pagePrivate(mem, page);
            Page.setPagePrivate(mem, page, 0);
            int migratetype = (int) mem.getLong(page + PageLayout.INDEX);
            freeUnrefPageCommit(cpu, zone, pcp, page, migratetype >= MIGRATE_PCPTYPES ? MIGRATE_MOVABLE : migratetype,
                    order);
            node = next;
        }
    }

    // ---- draining --------------------------------------------------------------------------------------

    /**
     * {@code drain_pages_zone}: returns every page of CPU {@code targetCpu}'s pcp of {@code zone} (its remote frees
     * included) to the buddy, at most {@code batch << PCP_BATCH_SCALE_MAX} pages per hold of its lock. Runs on
     * {@code cpu}, which may be another CPU: it takes the target's pcp lock as 6.1 does.
     */
    void drainPagesZone(Cpu cpu, int targetCpu, long zone) {
        long pcp = pcp(zone, targetCpu);
        int count = 0;
        do {
            Spinlock.spinLock(mem, pcp + pl.lock, cpu);
            try {
                spliceRemoteFrees(cpu, zone, pcp);
                count = mem.getInt(pcp + pl.count);
                if (count != 0) {
                    int toDrain = Math.min(count, mem.getIntOpaque(pcp + pl.batch) << PCP_BATCH_SCALE_MAX);
                    freePcppagesBulk(cpu, zone, toDrain, pcp, 0);
                    count -= toDrain;
                }
            } finally {
                pcpSpinUnlock(pcp);
            }
        } while (count != 0);
    }

    /** {@code drain_pages}: every populated zone of CPU {@code targetCpu}. */
    void drainPages(Cpu cpu, int targetCpu) {
        for (long zone : populatedZones) {
            drainPagesZone(cpu, targetCpu, zone);
        }
    }

    /** {@code drain_local_pages}: this CPU's pages of {@code zone}, or of every zone when {@code zone} is 0. */
    void drainLocalPages(Cpu cpu, long zone) {
        if (zone != 0) {
            drainPagesZone(cpu, cpu.id(), zone);
        } else {
            drainPages(cpu, cpu.id());
        }
    }

    /**
     * {@code drain_all_pages}: every CPU's pages of {@code zone} (all zones when 0) back to the buddy, skipping
     * CPUs whose lists look empty. A drain of all zones gives way to one already running.
     */
    void drainAllPages(Cpu cpu, long zone) {
        if (!pcpuDrainMutex.tryLock()) {
            if (zone == 0) {
                return;
            }
            pcpuDrainMutex.lock();
        }
        try {
            for (int c = 0; c < cpus.nrCpuIds(); c++) {
                if (hasPcps(zone, c)) {
                    if (zone != 0) {
                        drainPagesZone(cpu, c, zone);
                    } else {
                        drainPages(cpu, c);
                    }
                }
            }
        } finally {
            pcpuDrainMutex.unlock();
        }
    }

    private boolean hasPcps(long zone, int c) {
        if (zone != 0) {
            long pcp = pcp(zone, c);
            return count(pcp) != 0 || !Llist.empty(mem, remoteFreeList(pcp));
        }
        for (long z : populatedZones) {
            long pcp = pcp(z, c);
            if (count(pcp) != 0 || !Llist.empty(mem, remoteFreeList(pcp))) {
                return true;
            }
        }
        return false;
    }
}
