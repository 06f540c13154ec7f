package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.PAGE_ALLOC_COSTLY_ORDER;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_CMA;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_CPUSET;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_HIGHATOMIC;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_KSWAPD;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_MIN_RESERVE;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_NO_WATERMARKS;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_WMARK_HIGH;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_WMARK_LOW;
import static dev.kmm.core.pagealloc.AllocFlags.ALLOC_WMARK_MASK;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.layout.ZonerefLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.faultinject.FailPageAlloc;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.gfp.GfpAllowedMask;
import dev.kmm.core.gfp.GfpZones;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageRef;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.vmstat.Vmstat;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The page allocator of Linux 6.1 ("the heart of the zoned buddy allocator", mm/page_alloc.c): {@code __alloc_pages}
 * and its fast path over the zonelist ({@code get_page_from_freelist} with watermark checks, per-cpu lists and the
 * buddy lists), its slow path, the bulk allocator, and the free side ({@code __free_pages}, {@code put_page}).
 *
 * <p>Pages are named by the kernel virtual address of their {@code struct page} ({@code page_to_pfn} and friends
 * via the memory model); {@link #__getFreePages} returns direct-map addresses. Failures return 0.
 *
 * <p><b>CPUs.</b> Every call runs on a CPU context: the methods without a {@link Cpu} argument use the one the
 * calling thread is inside ({@link Cpu#current()}); the hot ones also take it explicitly.
 *
 * <p><b>What the slow path does here.</b> kmm has no reclaim, compaction or OOM killer yet: kswapd is woken through
 * the {@link Kswapd} hook, direct reclaim makes no progress, compaction is treated as not configured, and the OOM
 * killer kills nothing. The kernel's retry rules still decide: {@code __GFP_NORETRY} and costly orders fail after
 * the reserve attempt, others retry while the min watermark could be met ({@code MAX_RECLAIM_RETRIES}), then give
 * up the high-order atomic reserve and fail with {@code warn_alloc}. {@code __GFP_NOFAIL} loops as in the kernel,
 * yielding the host CPU each round, but at most {@link #NOFAIL_RETRIES} rounds (another CPU must free memory in
 * that time); then it throws. Cpusets are disabled ({@code cpusets_enabled()} false), as in a kernel with only the
 * root cpuset; dirty-page spreading and node reclaim ({@code node_reclaim_mode} 0) do not apply; memcg accounting
 * ({@code __GFP_ACCOUNT}) is not modelled.
 */
public final class PageAlloc {
    /** {@code NUMA_NO_NODE}. */
    public static final int NUMA_NO_NODE = -1;
    /** {@code MAX_RECLAIM_RETRIES} (mm/internal.h). */
    public static final int MAX_RECLAIM_RETRIES = 16;
    /** Rounds a {@code __GFP_NOFAIL} allocation retries before kmm gives up on it. */
    public static final int NOFAIL_RETRIES = 1000;

    /** {@code wakeup_kswapd(zone, gfp_flags, order, highest_zoneidx)}: filled in by reclaim. */
    @FunctionalInterface
    public interface Kswapd {
        /** Wakes the node's kswapd for {@code zone}. */
        void wakeupKswapd(long zone, int gfpFlags, int order, int highestZoneidx);
    }

    private final Buddy buddy;
    private final KernelMemory mem;
    private final CpuContexts cpus;
    private final ZoneTypes zoneTypes;
    private final GfpZones gfpZones;
    private final ZonelistWalk walk;
    private final ZoneWatermarkCheck watermarks;
    private final Vmstat vmstat;
    private final Fallback fallback;
    private final Rmqueue rmqueue;
    private final FreePages freePages;
    private final PerCpuPageset pcp;
    private final WarnAlloc warnAlloc;
    private final KmemTrace trace;
    private final FailPageAlloc failPageAlloc;
    private final GfpAllowedMask gfpAllowedMask;
    private final PageFrames frames;
    private final KernelAddressSpace space;
    private final Kswapd kswapd;
    private final ReentrantLock oomLock = new ReentrantLock();
    private final boolean initOnAlloc;
    private final boolean initOnFree;
    /** page_owner, or null when off: the allocator's only cost of it then is the null check. */
    private final PageOwner pageOwner;
    private final Consumer<PrintkLine> printk;
    /** The non-compound high-order blocks, kept only under {@link Builder#debugVm}, else null. */
    private final HighOrderBlocks blocks;
    private final boolean cma;
    private final int maxOrder;
    private final int nrOnlineNodes;
    private final int allocNofragment;
    private final long zoneFlags;
    private final long memmapStartPfn;
    private final long memmapEndPfn;

    private PageAlloc(Builder b) {
        this.buddy = b.buddy;
        this.mem = buddy.mem();
        this.cpus = b.cpus;
        this.zoneTypes = b.zoneTypes;
        this.gfpZones = GfpZones.of(zoneTypes.zoneDma(), zoneTypes.zoneDma32(), zoneTypes.zoneNormal(),
                zoneTypes.zoneHighmem(), zoneTypes.zoneMovable(), zoneTypes.maxNrZones(), zoneTypes.zoneDevice() >= 0);
        this.walk = new ZonelistWalk(mem, b.layouts, nodeData(buddy), b.numa);
        this.vmstat = new Vmstat(mem, b.layouts, cpus, b.nrVmEventItems, b.cpuToNode);
        this.watermarks = new ZoneWatermarkCheck(buddy, vmstat);
        this.trace = b.trace;
        this.fallback = new Fallback(buddy, trace);
        boolean thp = b.layouts.config().nrPcpThp() > 0;
        this.rmqueue = new Rmqueue(buddy, fallback, vmstat, trace, b.printk, thp);
        this.initOnAlloc = b.initOnAlloc;
        this.initOnFree = b.initOnFree;
        this.pageOwner = b.pageOwner ? new PageOwner(buddy, b.clock, cpus.nrCpuIds()) : null;
        this.blocks = b.debugVm ? new HighOrderBlocks(buddy.model().memmapStartPfn(), buddy.model().memmapEndPfn())
                : null;
        this.freePages = new FreePages(buddy, vmstat, trace, pageOwner, blocks, initOnFree ? b.frames : null);
        this.pcp = new PerCpuPageset(buddy, cpus, b.layouts.perCpuPages(), b.layouts.perCpuZonestat().size, rmqueue,
                freePages, vmstat, trace);
        this.warnAlloc = new WarnAlloc(b.printk, b.clock, b.layouts.config().maxNumNodes());
        this.failPageAlloc = b.failPageAlloc;
        this.gfpAllowedMask = b.gfpAllowedMask;
        this.frames = b.frames;
        this.space = b.space;
        this.kswapd = b.kswapd;
        this.cma = buddy.migrateCma() >= 0;
        this.maxOrder = buddy.maxOrder();
        this.allocNofragment = AllocFlags.allocNofragment(zoneTypes.zoneDma32() >= 0);
        this.zoneFlags = buddy.zoneLayout().flags;
        this.memmapStartPfn = buddy.model().memmapStartPfn();
        this.memmapEndPfn = buddy.model().memmapEndPfn();
        int online = 0;
        for (int nid = 0; nid < buddy.nrNodeIds(); nid++) {
            if (buddy.nodeData(nid) == 0) {
                continue;
            }
            online++;
            for (int z = 0; z < zoneTypes.maxNrZones(); z++) {
                long zone = buddy.zone(nid, z);
                if (b.adoptPagesets) {
                    if (buddy.populatedZone(zone)) {
                        pcp.adoptZonePageset(zone);
                    }
                } else {
                    pcp.zonePcpInit(zone);
                }
            }
        }
        this.nrOnlineNodes = online;
        if (!b.adoptPagesets) {
            setupPerCpuPageset();
        }
        this.printk = b.printk;
        if (pageOwner != null && !b.pageOwnerInitLater) {
            initPageOwner();
        }
    }

    /**
     * {@code init_page_owner()} (from {@code page_ext_init()}): page_owner starts recording, and each populated
     * zone's pages allocated before get their early records and {@code init_early_allocated_pages}' line. For
     * allocators built with {@link Builder#pageOwnerInitLater()}; call it once, before any CPU allocates.
     *
     * @throws IllegalStateException without page_owner, or when it was initialised already
     */
    public void initPageOwner() {
        if (pageOwner == null) {
            throw new IllegalStateException("page_owner is off");
        }
        for (String line : pageOwner.init(zoneTypes)) {
            printk.accept(new PrintkLine(PrintkLine.Level.INFO, line));
        }
    }

    private static long[] nodeData(Buddy buddy) {
        long[] nodes = new long[buddy.nrNodeIds()];
        for (int nid = 0; nid < nodes.length; nid++) {
            nodes[nid] = buddy.nodeData(nid);
        }
        return nodes;
    }

    /** {@code setup_per_cpu_pageset}: every populated zone gets its own pagesets. */
    private void setupPerCpuPageset() {
        for (int nid = 0; nid < buddy.nrNodeIds(); nid++) {
            if (buddy.nodeData(nid) == 0) {
                continue;
            }
            for (int z = 0; z < zoneTypes.maxNrZones(); z++) {
                long zone = buddy.zone(nid, z);
                if (buddy.populatedZone(zone)) {
                    pcp.setupZonePageset(zone);
                }
            }
        }
    }

    /**
     * Starts building the allocator of a machine whose zones, zonelists and free lists boot has filled. Building
     * sets up the per-cpu pagesets ({@code zone_pcp_init}, {@code setup_per_cpu_pageset}) in the CPUs' per-cpu
     * areas, unless boot did ({@link Builder#adoptPagesets()}); every populated zone needs its
     * {@code pageset_high}/{@code pageset_batch} set beforehand. The vm event counters are reserved in the per-cpu
     * areas.
     *
     * @param frames the RAM behind the pages, which {@code __GFP_ZERO} and {@code init_on_alloc} clear
     */
    public static Builder builder(Buddy buddy, KernelLayouts layouts, CpuContexts cpus, ZoneTypes zoneTypes,
            KernelAddressSpace space, PageFrames frames) {
        return new Builder(buddy, layouts, cpus, zoneTypes, space, frames);
    }

    /** The allocator's configuration; every setting but the constructor's arguments has the kernel's default. */
    public static final class Builder {
        private final Buddy buddy;
        private final KernelLayouts layouts;
        private final CpuContexts cpus;
        private final ZoneTypes zoneTypes;
        private final KernelAddressSpace space;
        private final PageFrames frames;
        private Consumer<PrintkLine> printk = line -> { };
        private KmemTrace trace;
        private FailPageAlloc failPageAlloc;
        private GfpAllowedMask gfpAllowedMask = new GfpAllowedMask();
        private boolean initOnAlloc;
        private boolean initOnFree;
        private boolean pageOwner;
        private boolean pageOwnerInitLater;
        private boolean debugVm = PageAlloc.class.desiredAssertionStatus();
        private boolean numa;
        private int nrVmEventItems;
        private int[] cpuToNode;
        private Kswapd kswapd = (zone, gfp, order, highestZoneidx) -> { };
        private LongSupplier clock = System::nanoTime;
        private boolean adoptPagesets;

        private Builder(Buddy buddy, KernelLayouts layouts, CpuContexts cpus, ZoneTypes zoneTypes,
                KernelAddressSpace space, PageFrames frames) {
            this.buddy = Objects.requireNonNull(buddy, "buddy");
            this.layouts = Objects.requireNonNull(layouts, "layouts");
            this.cpus = Objects.requireNonNull(cpus, "cpus");
            this.zoneTypes = Objects.requireNonNull(zoneTypes, "zoneTypes");
            this.space = Objects.requireNonNull(space, "space");
            this.frames = Objects.requireNonNull(frames, "frames");
            if (zoneTypes.maxNrZones() != layouts.config().maxNrZones()) {
                throw new IllegalArgumentException(zoneTypes + " does not match MAX_NR_ZONES "
                        + layouts.config().maxNrZones() + " of the layouts");
            }
            this.numa = layouts.config().nrVmNumaEventItems() > 0;
            this.nrVmEventItems = Vmstat.PGALLOC_FIRST + 3 * zoneTypes.maxNrZones() + 1;
            this.cpuToNode = new int[cpus.nrCpuIds()];
        }

        /** Where {@code warn_alloc} and {@code bad_page} print (default: nowhere). */
        public Builder printk(Consumer<PrintkLine> sink) {
            this.printk = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** The kmem tracepoints (default: none). */
        public Builder trace(KmemTrace kmemTrace) {
            this.trace = kmemTrace;
            return this;
        }

        /** {@code fail_page_alloc} (default: none, as without CONFIG_FAIL_PAGE_ALLOC). */
        public Builder failPageAlloc(FailPageAlloc fail) {
            this.failPageAlloc = fail;
            return this;
        }

        /** {@code gfp_allowed_mask} (default: a fresh one, still the boot mask). */
        public Builder gfpAllowedMask(GfpAllowedMask mask) {
            this.gfpAllowedMask = Objects.requireNonNull(mask, "mask");
            return this;
        }

        /**
         * {@code init_on_alloc}: zero every allocated page. Debian's 6.1 config turns it on
         * ({@code CONFIG_INIT_ON_ALLOC_DEFAULT_ON}); the kernel default and kmm's is off.
         */
        public Builder initOnAlloc(boolean on) {
            this.initOnAlloc = on;
            return this;
        }

        /**
         * {@code init_on_free}: zero every freed page ({@code kernel_init_pages} in {@code free_pages_prepare}).
         * Off by default, as in the kernel. With it on, allocations are not zeroed again: 6.1's
         * {@code post_alloc_hook} clears at allocation only when {@code !want_init_on_free()}, {@code __GFP_ZERO}
         * included, since every free page is already zero. Boot's frees ({@link Buddy#freePagesCore}) are not
         * cleared: in kmm nothing writes the memory boot frees (memblock zeroes what it hands out, the initrd and
         * the init sections are not loaded), so it is zero already, and clearing it would make the host commit the
         * whole simulated RAM.
         */
        public Builder initOnFree(boolean on) {
            this.initOnFree = on;
            return this;
        }

        /**
         * {@code page_owner=on}: record who allocated every page ({@link PageOwner}), at the cost of a stack walk
         * per allocation and free. Off by default, as in the kernel. Building prints
         * {@code init_early_allocated_pages}' line for each populated zone; {@link #close()} releases the
         * records.
         */
        public Builder pageOwner(boolean on) {
            this.pageOwner = on;
            return this;
        }

        /**
         * With {@link #pageOwner}: record nothing until {@link PageAlloc#initPageOwner()}, as a booting kernel's
         * allocations before {@code page_ext_init()} go unrecorded.
         */
        public Builder pageOwnerInitLater() {
            this.pageOwnerInitLater = true;
            return this;
        }

        /**
         * A CONFIG_DEBUG_VM-like bookkeeping for checks: the allocator remembers its live non-compound blocks of
         * order above 0 (one byte per pfn) so that {@link PcpVerify#verifyAll} can tell their tail pages from
         * leaked ones. Off, it costs one null check per allocation and free. Default: on when the JVM runs this
         * class with assertions enabled ({@code -ea}, as test runners do), off otherwise.
         */
        public Builder debugVm(boolean on) {
            this.debugVm = on;
            return this;
        }

        /** CONFIG_NUMA (default: the layouts have NUMA events): {@code __GFP_THISNODE} lists, NUMA statistics. */
        public Builder numa(boolean on) {
            this.numa = on;
            return this;
        }

        /** {@code NR_VM_EVENT_ITEMS} of the build (default: just past PGFREE). */
        public Builder nrVmEventItems(int n) {
            this.nrVmEventItems = n;
            return this;
        }

        /** {@code cpu_to_node} of every CPU (default: all on node 0). */
        public Builder cpuToNode(int... nodes) {
            this.cpuToNode = nodes.clone();
            return this;
        }

        /** The {@code wakeup_kswapd} hook (default: does nothing). */
        public Builder kswapd(Kswapd hook) {
            this.kswapd = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /**
         * {@code local_clock()} in nanoseconds: the clock of {@code warn_alloc}'s rate limit and of page_owner's
         * timestamps (default: {@link System#nanoTime}).
         */
        public Builder clock(LongSupplier nanoTime) {
            this.clock = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /**
         * Use the per-cpu pagesets and zone statistics boot already set up ({@code zone->per_cpu_pageset} and
         * {@code per_cpu_zonestats} of every populated zone, with their high and batch) instead of creating them.
         */
        public Builder adoptPagesets() {
            this.adoptPagesets = true;
            return this;
        }

        /** Sets up the per-cpu pagesets and returns the allocator. */
        public PageAlloc build() {
            return new PageAlloc(this);
        }
    }

    // ---- parts -----------------------------------------------------------------------------------------

    /** The buddy free lists. */
    public Buddy buddy() {
        return buddy;
    }

    /** The per-cpu pagesets. */
    public PerCpuPageset pcp() {
        return pcp;
    }

    /** The zone counters and vm events. */
    public Vmstat vmstat() {
        return vmstat;
    }

    /** The watermark checks. */
    public ZoneWatermarkCheck watermarks() {
        return watermarks;
    }

    /** Migrate-type fallback and {@code vm.watermark_boost_factor}. */
    public Fallback fallback() {
        return fallback;
    }

    /** The zonelist walker. */
    public ZonelistWalk zonelists() {
        return walk;
    }

    /** {@code fail_page_alloc}, when the allocator was built with it ({@link Builder#failPageAlloc}). */
    public java.util.Optional<FailPageAlloc> failPageAlloc() {
        return java.util.Optional.ofNullable(failPageAlloc);
    }

    /** {@code gfp_allowed_mask}. */
    public GfpAllowedMask gfpAllowedMask() {
        return gfpAllowedMask;
    }

    /** page_owner's records, or null when page_owner is off. */
    public PageOwner pageOwner() {
        return pageOwner;
    }

    /** {@code want_init_on_alloc(GFP_KERNEL)}: {@code init_on_alloc} is on. */
    public boolean initOnAlloc() {
        return initOnAlloc;
    }

    /** {@code want_init_on_free()}. */
    public boolean initOnFree() {
        return initOnFree;
    }

    /** Whether the debug bookkeeping of non-compound blocks is on ({@link Builder#debugVm}). */
    public boolean debugVm() {
        return blocks != null;
    }

    HighOrderBlocks highOrderBlocks() {
        return blocks;
    }

    /** Releases what the allocator holds outside the simulated RAM: page_owner's records. */
    public void close() {
        if (pageOwner != null) {
            pageOwner.close();
        }
    }

    /** {@code numa_node_id()} of CPU {@code cpu}. */
    public int numaNodeId(Cpu cpu) {
        return vmstat.cpuToNode(cpu.id());
    }

    // ---- allocation API --------------------------------------------------------------------------------

    /** {@code alloc_pages(gfp, order)} on the current CPU: the default (local) memory policy. */
    public long allocPages(int gfp, int order) {
        return allocPages(Cpu.current(), gfp, order);
    }

    /** {@code alloc_pages(gfp, order)} on {@code cpu}. */
    public long allocPages(Cpu cpu, int gfp, int order) {
        return __allocPages(cpu, gfp, order, numaNodeId(cpu), null);
    }

    /**
     * {@code alloc_pages_node(nid, gfp, order)}: {@link #NUMA_NO_NODE} means the current CPU's node.
     *
     * @throws IllegalArgumentException for a node that is negative, too large or has no memory
     */
    public long allocPagesNode(int nid, int gfp, int order) {
        Cpu cpu = Cpu.current();
        if (nid == NUMA_NO_NODE) {
            nid = numaNodeId(cpu);
        }
        return __allocPages(cpu, gfp, order, nid, null);
    }

    /** {@code __alloc_pages(gfp, order, preferred_nid, nodemask)} on the current CPU. */
    public long __allocPages(int gfp, int order, int preferredNid, long[] nodemask) {
        return __allocPages(Cpu.current(), gfp, order, preferredNid, nodemask);
    }

    /**
     * {@code __alloc_pages}: a block of {@code 1 << order} pages, tried first on the zonelist of
     * {@code preferredNid} down from {@code gfp_zone(gfp)} above the low watermark, then by the slow path.
     *
     * @param nodemask allowed nodes as a bitmap, or null for all
     * @return the head page's struct page address, or 0 (also for {@code order >= MAX_ORDER}, as the kernel's
     *         {@code WARN_ON_ONCE_GFP} does)
     * @throws IllegalArgumentException for a negative order or a node without memory
     */
    public long __allocPages(Cpu cpu, int gfp, int order, int preferredNid, long[] nodemask) {
        if (order < 0) {
            throw new IllegalArgumentException("negative order " + order);
        }
        if (order >= maxOrder) {
            return 0;
        }
        gfp = gfpAllowedMask.apply(gfp);
        int allocGfp = gfp;
        int highestZoneidx = gfpZones.gfpZone(gfp);
        long zonelist = walk.nodeZonelist(preferredNid, gfp);
        int migratetype = Gfp.gfpMigratetype(gfp, buddy.pageblockFlags().pageGroupByMobilityDisabled());
        if (failPageAlloc != null && failPageAlloc.shouldFailAllocPage(gfp, order)) {
            return 0;
        }
        int allocFlags = AllocFlags.gfpToAllocFlagsCma(gfp, ALLOC_WMARK_LOW, cma);
        long preferredZoneref = walk.firstZonesZonelist(zonelist, highestZoneidx, nodemask);
        allocFlags |= allocFlagsNofragment(walk.zone(preferredZoneref), gfp);
        long page = getPageFromFreelist(cpu, allocGfp, order, allocFlags, preferredZoneref, highestZoneidx, nodemask,
                migratetype);
        if (page == 0) {
            page = allocPagesSlowpath(cpu, gfp, order, zonelist, highestZoneidx, nodemask, migratetype);
        }
        KmemTrace.mmPageAlloc(trace, page == 0 ? -1 : buddy.model().pageToPfn(page), order, allocGfp, migratetype);
        return page;
    }

    /**
     * {@code __get_free_pages}: the direct-map address of a new block. {@code __GFP_HIGHMEM} is dropped, because a
     * highmem page has no such address.
     */
    public long __getFreePages(int gfpMask, int order) {
        long page = allocPages(gfpMask & ~Gfp.__GFP_HIGHMEM, order);
        return page == 0 ? 0 : pageAddress(page);
    }

    /** {@code get_zeroed_page}: one zeroed page's direct-map address. */
    public long getZeroedPage(int gfpMask) {
        return __getFreePages(gfpMask | Gfp.__GFP_ZERO, 0);
    }

    /** {@code page_address(page)} of a lowmem page: {@code __va(PFN_PHYS(page_to_pfn(page)))}. */
    public long pageAddress(long page) {
        return space.va(buddy.model().pageToPfn(page) << KernelConstants.PAGE_SHIFT);
    }

    /**
     * {@code alloc_pages_bulk_array(gfp, nr_pages, page_array)}: fills the zero slots of
     * {@code pageArray[0..nrPages)} with order-0 pages, straight from this CPU's pcp list of the first local zone
     * that stays above its low watermark plus {@code nrPages}; falls back to one {@link #__allocPages}.
     *
     * @return how many of the first {@code nrPages} slots hold a page
     */
    public int allocPagesBulk(int gfp, int nrPages, long[] pageArray) {
        Cpu cpu = Cpu.current();
        return allocPagesBulk(cpu, gfp, numaNodeId(cpu), null, nrPages, pageArray);
    }

    /** {@code __alloc_pages_bulk} with an array, on {@code cpu}. */
    public int allocPagesBulk(Cpu cpu, int gfp, int preferredNid, long[] nodemask, int nrPages, long[] pageArray) {
        if (nrPages > pageArray.length) {
            throw new IllegalArgumentException("nr_pages " + nrPages + " exceeds the array's " + pageArray.length);
        }
        int nrPopulated = 0;
        while (nrPopulated < nrPages && pageArray[nrPopulated] != 0) {
            nrPopulated++;
        }
        if (nrPages <= 0 || nrPages - nrPopulated == 0) {
            return nrPopulated;
        }
        if (nrPages - nrPopulated > 1) {
            gfp = gfpAllowedMask.apply(gfp);
            int highestZoneidx = gfpZones.gfpZone(gfp);
            long zonelist = walk.nodeZonelist(preferredNid, gfp);
            int migratetype = Gfp.gfpMigratetype(gfp, buddy.pageblockFlags().pageGroupByMobilityDisabled());
            if (failPageAlloc != null && failPageAlloc.shouldFailAllocPage(gfp, 0)) {
                return nrPopulated;
            }
            int allocFlags = AllocFlags.gfpToAllocFlagsCma(gfp, ALLOC_WMARK_LOW, cma);
            long preferredZoneref = walk.firstZonesZonelist(zonelist, highestZoneidx, nodemask);
            int bulk = allocBulkFromPcp(cpu, gfp, nrPages, pageArray, nrPopulated, preferredZoneref, highestZoneidx,
                    nodemask, migratetype, allocFlags);
            if (bulk >= 0) {
                return bulk;
            }
        }
        long page = __allocPages(cpu, gfp, 0, preferredNid, nodemask);
        if (page != 0) {
            pageArray[nrPopulated++] = page;
        }
        return nrPopulated;
    }

    /** The pcp part of {@code __alloc_pages_bulk}; -1 when it must fall back to a single allocation. */
    private int allocBulkFromPcp(Cpu cpu, int gfp, int nrPages, long[] pageArray, int nrPopulated,
            long preferredZoneref, int highestZoneidx, long[] nodemask, int migratetype, int allocFlags) {
        long preferredZone = walk.zone(preferredZoneref);
        long zone = 0;
        for (long z = preferredZoneref; walk.zone(z) != 0;
                z = walk.nextZonesZonelist(z + ZonerefLayout.SIZE, highestZoneidx, nodemask)) {
            long candidate = walk.zone(z);
            if (nrOnlineNodes > 1 && candidate != preferredZone
                    && buddy.zoneToNid(candidate) != buddy.zoneToNid(preferredZone)) {
                return -1;
            }
            long mark = watermarks.wmarkPages(candidate, allocFlags & ALLOC_WMARK_MASK) + nrPages;
            if (watermarks.zoneWatermarkFast(candidate, 0, mark, walk.zoneIdx(preferredZoneref), allocFlags, gfp)) {
                zone = candidate;
                break;
            }
        }
        if (zone == 0) {
            return -1;
        }
        long p = pcp.pcpSpinTrylock(cpu, zone);
        if (p == 0) {
            return -1;
        }
        int nrAccount = 0;
        try {
            long list = pcp.list(p, pcp.orderToPindex(migratetype, 0));
            while (nrPopulated < nrPages) {
                if (pageArray[nrPopulated] != 0) {
                    nrPopulated++;
                    continue;
                }
                long page = pcp.rmqueuePcplistLocked(cpu, zone, 0, migratetype, allocFlags, p, list);
                if (page == 0) {
                    if (nrAccount == 0) {
                        return -1; // try for at least one page the ordinary way
                    }
                    break;
                }
                nrAccount++;
                prepNewPage(cpu, page, 0, gfp, 0);
                pageArray[nrPopulated++] = page;
            }
        } finally {
            pcp.pcpSpinUnlock(p);
        }
        vmstat.countPgalloc(cpu, buddy.zoneIdx(zone), nrAccount);
        vmstat.zoneStatistics(cpu, preferredZone, zone, nrAccount);
        return nrPopulated;
    }

    // ---- the fast path ---------------------------------------------------------------------------------

    /**
     * {@code alloc_flags_nofragment}: {@code ALLOC_KSWAPD} from the mask, and {@code ALLOC_NOFRAGMENT} when the
     * preferred zone is ZONE_NORMAL with a DMA32 zone below to spread into (on NUMA, a populated one).
     */
    int allocFlagsNofragment(long zone, int gfpMask) {
        int allocFlags = gfpMask & Gfp.__GFP_KSWAPD_RECLAIM;
        if (allocNofragment == 0 || zone == 0 || buddy.zoneIdx(zone) != zoneTypes.zoneNormal()) {
            return allocFlags;
        }
        if (nrOnlineNodes > 1 && !buddy.populatedZone(zone - buddy.zoneLayout().size)) {
            return allocFlags;
        }
        return allocFlags | allocNofragment;
    }

    /**
     * {@code get_page_from_freelist}: the first zone from {@code preferredZoneref} on that passes its watermark
     * (or any, with {@code ALLOC_NO_WATERMARKS}) and has a page. Under {@code ALLOC_NOFRAGMENT} the walk stops at
     * the first remote node and retries, and a failed walk retries without it.
     */
    long getPageFromFreelist(Cpu cpu, int gfpMask, int order, int allocFlags, long preferredZoneref,
            int highestZoneidx, long[] nodemask, int migratetype) {
        long preferredZone = walk.zone(preferredZoneref);
        retry:
        for (;;) {
            boolean noFallback = (allocFlags & allocNofragment) != 0;
            for (long z = preferredZoneref; walk.zone(z) != 0;
                    z = walk.nextZonesZonelist(z + ZonerefLayout.SIZE, highestZoneidx, nodemask)) {
                long zone = walk.zone(z);
                if (noFallback && nrOnlineNodes > 1 && zone != preferredZone
                        && buddy.zoneToNid(zone) != buddy.zoneToNid(preferredZone)) {
                    allocFlags &= ~allocNofragment;
                    continue retry;
                }
                long mark = watermarks.wmarkPages(zone, allocFlags & ALLOC_WMARK_MASK);
                if (!watermarks.zoneWatermarkFast(zone, order, mark, highestZoneidx, allocFlags, gfpMask)
                        && (allocFlags & ALLOC_NO_WATERMARKS) == 0) {
                    continue; // node reclaim is off (node_reclaim_mode 0)
                }
                long page = rmqueue(cpu, preferredZone, zone, order, gfpMask, allocFlags, migratetype);
                if (page != 0) {
                    prepNewPage(cpu, page, order, gfpMask, allocFlags);
                    if ((allocFlags & ALLOC_HIGHATOMIC) != 0) {
                        fallback.reserveHighatomicPageblock(cpu, page, zone);
                    }
                    return page;
                }
            }
            if (noFallback) {
                allocFlags &= ~allocNofragment;
                continue;
            }
            return 0;
        }
    }

    /**
     * {@code rmqueue}: pcp orders from this CPU's lists (movable requests skip them when they may not use CMA),
     * else from the buddy; a zone flagged for a boosted watermark wakes kswapd.
     */
    private long rmqueue(Cpu cpu, long preferredZone, long zone, int order, int gfpFlags, int allocFlags,
            int migratetype) {
        long page = 0;
        if (rmqueue.pcpAllowedOrder(order)
                && (!cma || (allocFlags & ALLOC_CMA) != 0 || migratetype != MIGRATE_MOVABLE)) {
            page = pcp.rmqueuePcplist(cpu, preferredZone, zone, order, migratetype, allocFlags);
        }
        if (page == 0) {
            page = rmqueue.rmqueueBuddy(cpu, preferredZone, zone, order, allocFlags, migratetype);
        }
        long flags = zone + zoneFlags;
        if ((mem.getLongOpaque(flags) & 1L << Fallback.ZONE_BOOSTED_WATERMARK) != 0) {
            mem.getAndBitwiseAndLong(flags, ~(1L << Fallback.ZONE_BOOSTED_WATERMARK));
            kswapd.wakeupKswapd(zone, 0, 0, buddy.zoneIdx(zone));
        }
        return page;
    }

    /**
     * {@code prep_new_page} on {@code cpu}: {@code post_alloc_hook} (private cleared, refcount 1, the block zeroed
     * when {@code !want_init_on_free() && want_init_on_alloc(gfp)}, i.e. for {@code init_on_alloc} or
     * {@code __GFP_ZERO} unless freed pages are zero already, and {@code set_page_owner}),
     * {@code prep_compound_page} for {@code __GFP_COMP}, and the pfmemalloc mark of a page that needed
     * {@code ALLOC_NO_WATERMARKS} ({@code page->lru.next} bit 1).
     */
    void prepNewPage(Cpu cpu, long page, int order, int gfpFlags, int allocFlags) {
        Page.setPagePrivate(mem, page, 0);
        PageRef.setPageCount(mem, page, 1);
        if (!initOnFree && (initOnAlloc || (gfpFlags & Gfp.__GFP_ZERO) != 0)) {
            long pfn = buddy.model().pageToPfn(page);
            for (int i = 0; i < 1 << order; i++) {
                frames.clearPage(pfn + i);
            }
        }
        if (pageOwner != null) {
            pageOwner.setPageOwner(cpu.id(), buddy.model().pageToPfn(page), order, gfpFlags);
        }
        if (order != 0 && (gfpFlags & Gfp.__GFP_COMP) != 0) {
            Compound.prepCompoundPage(mem, page, order);
        } else if (order != 0 && blocks != null) {
            blocks.allocated(buddy.model().pageToPfn(page), order);
        }
        mem.putLong(page + PageLayout.LRU, (allocFlags & ALLOC_NO_WATERMARKS) != 0 ? 1L << 1 : 0);
    }

    /** {@code page_is_pfmemalloc}: the page was allocated from the reserves below the min watermark. */
    public boolean pageIsPfmemalloc(long page) {
        return (mem.getLong(page + PageLayout.LRU) & 1L << 1) != 0;
    }

    // ---- the slow path ---------------------------------------------------------------------------------

    /** {@code __alloc_pages_slowpath} as far as kmm has the machinery (see the class comment). */
    private long allocPagesSlowpath(Cpu cpu, int gfp, int order, long zonelist, int highestZoneidx, long[] nodemask,
            int migratetype) {
        boolean canDirectReclaim = (gfp & Gfp.__GFP_DIRECT_RECLAIM) != 0;
        boolean costlyOrder = order > PAGE_ALLOC_COSTLY_ORDER;
        if ((gfp & (Gfp.__GFP_ATOMIC | Gfp.__GFP_DIRECT_RECLAIM)) == (Gfp.__GFP_ATOMIC | Gfp.__GFP_DIRECT_RECLAIM)) {
            gfp &= ~Gfp.__GFP_ATOMIC; // atomic reserves are for callers that cannot reclaim
        }
        int allocFlags = AllocFlags.gfpToAllocFlags(gfp, order, cma);
        long preferredZoneref = walk.firstZonesZonelist(zonelist, highestZoneidx, nodemask);
        if (walk.zone(preferredZoneref) == 0) {
            return fail(gfp, order, nodemask);
        }
        if ((allocFlags & ALLOC_KSWAPD) != 0) {
            wakeAllKswapds(order, gfp, zonelist, highestZoneidx, nodemask);
        }
        long page = getPageFromFreelist(cpu, gfp, order, allocFlags, preferredZoneref, highestZoneidx, nodemask,
                migratetype);
        if (page != 0) {
            return page;
        }
        int noProgressLoops = 0;
        int nofailRounds = 0;
        for (;;) {
            // retry:
            if ((allocFlags & ALLOC_KSWAPD) != 0) {
                wakeAllKswapds(order, gfp, zonelist, highestZoneidx, nodemask);
            }
            int reserveFlags = AllocFlags.gfpPfmemallocFlags(gfp);
            if (reserveFlags != 0) {
                allocFlags = AllocFlags.gfpToAllocFlagsCma(gfp, reserveFlags, cma) | (allocFlags & ALLOC_KSWAPD);
            }
            if ((allocFlags & ALLOC_CPUSET) == 0 || reserveFlags != 0) {
                nodemask = null;
                preferredZoneref = walk.firstZonesZonelist(zonelist, highestZoneidx, null);
            }
            page = getPageFromFreelist(cpu, gfp, order, allocFlags, preferredZoneref, highestZoneidx, nodemask,
                    migratetype);
            if (page != 0) {
                return page;
            }
            boolean retry = false;
            if (canDirectReclaim && (gfp & Gfp.__GFP_NORETRY) == 0 && !costlyOrder) {
                // direct reclaim and compaction made no progress: there are none yet
                noProgressLoops++;
                retry = noProgressLoops <= MAX_RECLAIM_RETRIES
                        && reclaimCouldSucceed(order, zonelist, highestZoneidx, nodemask, allocFlags);
                if (!retry) {
                    retry = unreserveHighatomicPageblock(cpu, zonelist, highestZoneidx, nodemask, migratetype, true);
                }
                if (!retry) {
                    long[] progress = new long[1];
                    page = allocPagesMayOom(cpu, gfp, order, preferredZoneref, highestZoneidx, nodemask,
                            migratetype, progress);
                    if (page != 0) {
                        return page;
                    }
                    if (progress[0] != 0) {
                        noProgressLoops = 0;
                        retry = true;
                    }
                }
            }
            if (!retry && (gfp & Gfp.__GFP_NOFAIL) != 0) {
                // nopage: __GFP_NOFAIL never fails (blockable callers only), helped by part of the reserves
                if (!canDirectReclaim) {
                    return fail(gfp, order, nodemask);
                }
                page = getPageFromFreelist(cpu, gfp, order, ALLOC_MIN_RESERVE | ALLOC_CPUSET, preferredZoneref,
                        highestZoneidx, nodemask, migratetype);
                if (page != 0) {
                    return page;
                }
                retry = true;
            }
            if (!retry) {
                return fail(gfp, order, nodemask);
            }
            if ((gfp & Gfp.__GFP_NOFAIL) != 0) {
                if (++nofailRounds > NOFAIL_RETRIES) {
                    fail(gfp, order, nodemask);
                    throw new IllegalStateException("__GFP_NOFAIL allocation of order " + order + " still failed after "
                            + NOFAIL_RETRIES + " rounds: kmm has no reclaim or OOM killer to free memory yet");
                }
                Thread.yield(); // cond_resched(): let other CPUs free memory
            }
        }
    }

    /** The {@code fail:} label: {@code warn_alloc}, then no page. */
    private long fail(int gfp, int order, long[] nodemask) {
        warnAlloc.warnAlloc(gfp, nodemask, "page allocation failure: order:" + order, hasManagedDma());
        return 0;
    }

    /** {@code has_managed_dma}: some node's ZONE_DMA manages pages. */
    private boolean hasManagedDma() {
        if (zoneTypes.zoneDma() < 0) {
            return false;
        }
        for (int nid = 0; nid < buddy.nrNodeIds(); nid++) {
            if (buddy.nodeData(nid) != 0 && buddy.zoneManagedPages(buddy.zone(nid, zoneTypes.zoneDma())) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The zone loop of {@code should_reclaim_retry}: could some zone meet its min watermark if all its reclaimable
     * pages (the file LRU; no swap) were reclaimed?
     */
    private boolean reclaimCouldSucceed(int order, long zonelist, int highestZoneidx, long[] nodemask,
            int allocFlags) {
        for (long z = walk.firstZonesZonelist(zonelist, highestZoneidx, nodemask); walk.zone(z) != 0;
                z = walk.nextZonesZonelist(z + ZonerefLayout.SIZE, highestZoneidx, nodemask)) {
            long zone = walk.zone(z);
            long available = vmstat.zonePageStateSnapshot(zone, NR_ZONE_INACTIVE_FILE)
                    + vmstat.zonePageStateSnapshot(zone, NR_ZONE_ACTIVE_FILE)
                    + vmstat.zonePageStateSnapshot(zone, Vmstat.NR_FREE_PAGES);
            long minWmark = watermarks.wmarkPages(zone, KernelConstants.WMARK_MIN);
            if (watermarks.zoneWatermarkOk(zone, order, minWmark, highestZoneidx, allocFlags, available)) {
                return true;
            }
        }
        return false;
    }

    private static final int NR_ZONE_INACTIVE_FILE = 3;
    private static final int NR_ZONE_ACTIVE_FILE = 4;

    /** {@code unreserve_highatomic_pageblock} over the zonelist. */
    boolean unreserveHighatomicPageblock(Cpu cpu, long zonelist, int highestZoneidx, long[] nodemask,
            int migratetype, boolean force) {
        for (long z = walk.firstZonesZonelist(zonelist, highestZoneidx, nodemask); walk.zone(z) != 0;
                z = walk.nextZonesZonelist(z + ZonerefLayout.SIZE, highestZoneidx, nodemask)) {
            if (fallback.unreserveHighatomicPageblock(cpu, walk.zone(z), migratetype, force)) {
                return true;
            }
        }
        return false;
    }

    /** {@code wake_all_kswapds}: each node's kswapd once, for the first managed zone of it in the zonelist. */
    private void wakeAllKswapds(int order, int gfp, long zonelist, int highestZoneidx, long[] nodemask) {
        long lastPgdat = 0;
        for (long z = walk.firstZonesZonelist(zonelist, highestZoneidx, nodemask); walk.zone(z) != 0;
                z = walk.nextZonesZonelist(z + ZonerefLayout.SIZE, highestZoneidx, nodemask)) {
            long zone = walk.zone(z);
            if (buddy.zoneManagedPages(zone) == 0) {
                continue;
            }
            long pgdat = buddy.nodeData(buddy.zoneToNid(zone));
            if (pgdat != lastPgdat) {
                kswapd.wakeupKswapd(zone, gfp, order, highestZoneidx);
                lastPgdat = pgdat;
            }
        }
    }

    /**
     * {@code __alloc_pages_may_oom}: one more try at the high watermark (to catch a parallel OOM kill), then the
     * OOM killer, which kmm does not have: only {@code __GFP_NOFAIL} then gets the full reserves.
     *
     * @param progress set to 1 when the caller should retry ({@code did_some_progress})
     */
    private long allocPagesMayOom(Cpu cpu, int gfp, int order, long preferredZoneref, int highestZoneidx,
            long[] nodemask, int migratetype, long[] progress) {
        if (!oomLock.tryLock()) {
            progress[0] = 1; // somebody else is making progress for us
            Thread.yield();
            return 0;
        }
        try {
            long page = getPageFromFreelist(cpu, (gfp | Gfp.__GFP_HARDWALL) & ~Gfp.__GFP_DIRECT_RECLAIM, order,
                    ALLOC_WMARK_HIGH | ALLOC_CPUSET, preferredZoneref, highestZoneidx, nodemask, migratetype);
            if (page != 0 || order > PAGE_ALLOC_COSTLY_ORDER
                    || (gfp & (Gfp.__GFP_RETRY_MAYFAIL | Gfp.__GFP_THISNODE)) != 0
                    || highestZoneidx < zoneTypes.zoneNormal()) {
                return page;
            }
            if ((gfp & Gfp.__GFP_NOFAIL) != 0) { // out_of_memory() found nothing to kill
                progress[0] = 1;
                return getPageFromFreelist(cpu, gfp, order, ALLOC_NO_WATERMARKS | ALLOC_CPUSET, preferredZoneref,
                        highestZoneidx, nodemask, migratetype);
            }
            return 0;
        } finally {
            oomLock.unlock();
        }
    }

    // ---- freeing API -----------------------------------------------------------------------------------

    /**
     * {@code __free_pages(page, order)} on the current CPU.
     *
     * @throws BadPageException for a bad free (the page is then left as found)
     */
    public void __freePages(long page, int order) {
        __freePages(Cpu.current(), page, order);
    }

    /**
     * {@code __free_pages}: drops the caller's reference to a block from {@link #__allocPages}; the last reference
     * frees the block (pcp orders to this CPU's lists). When another reference remains on a non-compound block,
     * its upper halves are freed and the head page waits for its last reference, as in the kernel.
     *
     * @throws BadPageException for a bad free: a tail page, a page without references (double free), a page whose
     *                          state or order does not fit ({@code bad_page}); nothing is changed
     * @throws IllegalArgumentException when {@code page} is not a struct page of this memory map
     */
    public void __freePages(Cpu cpu, long page, int order) {
        freePagesTo(cpu, page, order, -1);
    }

    /**
     * Frees like {@link #__freePages} on {@code cpu}, but a pcp-order block goes to CPU {@code targetCpu}'s lists
     * through its lock-less remote-free list (see {@link PerCpuPageset}) instead of this CPU's.
     */
    public void freePagesRemote(Cpu cpu, long page, int order, int targetCpu) {
        if (targetCpu < 0 || targetCpu >= cpus.nrCpuIds()) {
            throw new IllegalArgumentException("no CPU " + targetCpu + ": nr_cpu_ids is " + cpus.nrCpuIds());
        }
        freePagesTo(cpu, page, order, targetCpu);
    }

    private void freePagesTo(Cpu cpu, long page, int order, int targetCpu) {
        checkStructPage(page);
        if (order < 0 || order >= maxOrder) {
            throw new IllegalArgumentException("order " + order + " is outside 0.." + (maxOrder - 1));
        }
        if (PageFlags.pageTail(mem, page)) {
            throw badFree(page, "freeing a tail page");
        }
        boolean head = PageFlags.pageHead(mem, page);
        if (putPageTestzero(page)) {
            try {
                freeThePage(cpu, page, order, targetCpu);
            } catch (RuntimeException e) {
                mem.getAndAddInt(page + PageLayout.REFCOUNT, 1); // the free did not happen: the reference stays
                throw e;
            }
        } else if (!head) {
            if (blocks != null) {
                blocks.freed(buddy.model().pageToPfn(page)); // only the head page stays allocated
            }
            while (order-- > 0) {
                freeThePage(cpu, page + (PageLayout.SIZE << order), order, targetCpu);
            }
        }
    }

    /** {@code free_pages(addr, order)}: {@link #__freePages} of the direct-map address {@code addr} (0 is ignored). */
    public void freePages(long addr, int order) {
        if (addr == 0) {
            return;
        }
        long pfn = space.pa(addr) >>> KernelConstants.PAGE_SHIFT;
        if (pfn < memmapStartPfn || pfn >= memmapEndPfn || !buddy.model().pfnValid(pfn)) {
            throw new IllegalArgumentException(String.format("free_pages(0x%x): pfn 0x%x has no struct page", addr,
                    pfn));
        }
        __freePages(buddy.model().pfnToPage(pfn), order);
    }

    /** {@code free_unref_page_list}: frees the order-0 pages on the list at {@code list} (linked by lru). */
    public void freeUnrefPageList(long list) {
        pcp.freeUnrefPageList(Cpu.current(), list);
    }

    /** {@code free_the_page}: pcp orders through the pcp lists, the rest straight to the buddy. */
    private void freeThePage(Cpu cpu, long page, int order, int targetCpu) {
        if (!rmqueue.pcpAllowedOrder(order)) {
            freePages.freePagesOk(cpu, page, order, Buddy.FPI_NONE);
        } else if (targetCpu < 0) {
            pcp.freeUnrefPage(cpu, page, order);
        } else {
            pcp.freeUnrefPageRemote(cpu, page, order, targetCpu);
        }
    }

    /**
     * {@code get_page}: one more reference to the page's compound head.
     *
     * @throws BadPageException when the page has no reference to add to (CONFIG_DEBUG_VM's check)
     */
    public void getPage(long page) {
        checkStructPage(page);
        long head = PageFlags.compoundHead(mem, page);
        int ref = PageRef.pageRefCount(mem, head);
        if (ref + 127 <= 127 && ref + 127 >= 0) { // folio_ref_zero_or_close_to_overflow
            throw badFree(head, "VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio))");
        }
        mem.getAndAddInt(head + PageLayout.REFCOUNT, 1);
    }

    /**
     * {@code put_page}: drops a reference to the page's compound head; the last one frees it: a compound page
     * whole ({@code free_compound_page}), any other page as an order-0 page (a non-compound block's other pages
     * are not freed by put_page, as in the kernel).
     *
     * @throws BadPageException for a page without references or in a bad state; nothing is changed
     */
    public void putPage(long page) {
        checkStructPage(page);
        Cpu cpu = Cpu.current();
        long head = PageFlags.compoundHead(mem, page);
        if (!putPageTestzero(head)) {
            return;
        }
        try {
            if (PageFlags.pageHead(mem, head)) {
                int dtor = Byte.toUnsignedInt(mem.getByte(head + PageLayout.SIZE + PageLayout.COMPOUND_DTOR));
                if (dtor != Compound.COMPOUND_PAGE_DTOR) {
                    throw badFree(head, "compound destructor " + dtor + " is not free_compound_page");
                }
                freeThePage(cpu, head, PageFlags.compoundOrder(mem, head), -1);
            } else {
                pcp.freeUnrefPage(cpu, head, 0);
            }
        } catch (RuntimeException e) {
            mem.getAndAddInt(head + PageLayout.REFCOUNT, 1);
            throw e;
        }
    }

    /**
     * {@code put_page_testzero}: drops a reference and tells whether it was the last.
     *
     * @throws BadPageException for a page without references (CONFIG_DEBUG_VM's {@code VM_BUG_ON_PAGE})
     */
    private boolean putPageTestzero(long page) {
        if (PageRef.pageRefCount(mem, page) <= 0) {
            throw badFree(page, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
        }
        return mem.getAndAddInt(page + PageLayout.REFCOUNT, -1) == 1;
    }

    private BadPageException badFree(long page, String reason) {
        return new BadPageException(buddy.model().pageToPfn(page), reason, buddy.dumpPage(page));
    }

    /** Rejects an address that is not a struct page of the memory map. */
    private void checkStructPage(long page) {
        long pfn = buddy.model().pageToPfn(page);
        if (pfn < memmapStartPfn || pfn >= memmapEndPfn || buddy.model().pfnToPage(pfn) != page) {
            throw new IllegalArgumentException(String.format(
                    "0x%x is not a struct page of this memory map (pfns 0x%x-0x%x)", page, memmapStartPfn,
                    memmapEndPfn));
        }
    }

    // ---- draining --------------------------------------------------------------------------------------

    /** {@code drain_local_pages(zone)}: this CPU's pcp pages of {@code zone} (all zones for 0) back to the buddy. */
    public void drainLocalPages(long zone) {
        pcp.drainLocalPages(Cpu.current(), zone);
    }

    /** {@code drain_all_pages(zone)}: every CPU's pcp pages of {@code zone} (all zones for 0) back to the buddy. */
    public void drainAllPages(long zone) {
        pcp.drainAllPages(Cpu.current(), zone);
    }
}
