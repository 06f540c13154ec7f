package dev.kmm.core.pagealloc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static dev.kmm.core.pagealloc.KernelMath.clamp;
import static dev.kmm.core.pagealloc.KernelMath.maxUnsigned;
import static dev.kmm.core.pagealloc.KernelMath.minUnsigned;
import static dev.kmm.core.pagealloc.KernelMath.roundup;
import static dev.kmm.core.pagealloc.PageAllocConfig.PAGE_SHIFT;
import static dev.kmm.core.pagealloc.PrintkLine.hex018;

/**
 * The arithmetic of {@code free_area_init()} in Linux 6.1 {@code mm/page_alloc.c}: the zone and node
 * spans of every node, the ZONE_MOVABLE split of {@code kernelcore=}/{@code movablecore=}, the early
 * managed-page estimate of {@code free_area_init_core()}, and the boot log lines of all of it, down to
 * the "pages in unavailable ranges" lines of {@code memmap_init()}.
 *
 * <p>Followed: the 6.1 LTS source as Debian ships it (linux-source-6.1, 6.1.192). From 6.4 these
 * functions live in {@code mm/mm_init.c}, and 6.10 removed {@code dma_reserve},
 * {@code calc_memmap_size()} and the early managed-page estimate; this class keeps 6.1's behaviour.
 *
 * <p>Nothing here builds memory structures: the inputs are the arch's zone limits
 * ({@code max_zone_pfn[]}), the memblock memory ranges with their nodes and the boot parameters; the
 * object is the resulting, immutable layout. Nodes {@code 0..nrNodeIds-1} are the possible nodes; a
 * node is online when it has memory, as on x86, so a node without memory takes the "memoryless" path.
 */
public final class FreeAreaInit {
    /** Sizes of one zone after {@code calculate_node_totalpages()} and {@code free_area_init_core()}. */
    public record ZoneInit(int nid, int zoneType, String name, long zoneStartPfn, long spannedPages,
                           long presentPages, long memmapPages, long managedPages) {
        /** {@code populated_zone()}: the zone has present pages. */
        public boolean populated() {
            return presentPages != 0;
        }

        /** {@code zone_end_pfn()}. */
        public long zoneEndPfn() {
            return zoneStartPfn + spannedPages;
        }
    }

    /** One node after {@code free_area_init_node()}; {@code zones} holds every zone type in order. */
    public record NodeInit(int nid, long nodeStartPfn, long nodeSpannedPages, long nodePresentPages,
                           List<ZoneInit> zones) {
        public NodeInit {
            zones = List.copyOf(zones);
        }
    }

    private final PageAllocConfig config;
    private final ZoneTypes types;
    private final List<MemPfnRange> memory;
    private final int nrNodeIds;
    private final long[] archZoneLowestPossiblePfn;
    private final long[] archZoneHighestPossiblePfn;
    private final long[] zoneMovablePfn;
    private final int movableZone;
    private final List<NodeInit> nodes;
    private final long nrKernelPages;
    private final long nrAllPages;
    private final List<PrintkLine> log;

    private FreeAreaInit(PageAllocConfig config, long[] maxZonePfn, List<MemPfnRange> memory, int nrNodeIds,
                         CoreParams core, long dmaReserve) {
        this.config = config;
        this.types = config.zoneTypes();
        this.memory = memory;
        this.nrNodeIds = nrNodeIds;
        int nrZones = types.maxNrZones();
        List<PrintkLine> out = new ArrayList<>();

        // Record where the zone boundaries are; each zone starts where the previous one ended.
        archZoneLowestPossiblePfn = new long[nrZones];
        archZoneHighestPossiblePfn = new long[nrZones];
        long startPfn = memory.getFirst().startPfn(); // PHYS_PFN(memblock_start_of_DRAM())
        for (int zone = 0; zone < nrZones; zone++) {
            if (zone == types.zoneMovable()) {
                continue;
            }
            long endPfn = maxUnsigned(maxZonePfn[zone], startPfn);
            archZoneLowestPossiblePfn[zone] = startPfn;
            archZoneHighestPossiblePfn[zone] = endPfn;
            startPfn = endPfn;
        }

        zoneMovablePfn = new long[nrNodeIds];
        movableZone = findUsableZoneForMovable();
        findZoneMovablePfnsForNodes(core);

        out.add(PrintkLine.info("Zone ranges:"));
        for (int i = 0; i < nrZones; i++) {
            if (i == types.zoneMovable()) {
                continue;
            }
            String head = String.format("  %-8s ", types.name(i));
            if (archZoneLowestPossiblePfn[i] == archZoneHighestPossiblePfn[i]) {
                out.add(PrintkLine.info(head + "empty"));
            } else {
                out.add(PrintkLine.info(head + "[mem " + hex018(archZoneLowestPossiblePfn[i] << PAGE_SHIFT) + "-"
                        + hex018((archZoneHighestPossiblePfn[i] << PAGE_SHIFT) - 1) + "]"));
            }
        }
        out.add(PrintkLine.info("Movable zone start for each node"));
        for (int nid = 0; nid < nrNodeIds; nid++) {
            if (zoneMovablePfn[nid] != 0) {
                out.add(PrintkLine.info("  Node " + nid + ": " + hex018(zoneMovablePfn[nid] << PAGE_SHIFT)));
            }
        }
        out.add(PrintkLine.info("Early memory node ranges"));
        for (MemPfnRange r : memory) {
            out.add(PrintkLine.info(String.format("  node %3d: [mem %s-%s]", r.nid(),
                    hex018(r.startPfn() << PAGE_SHIFT), hex018((r.endPfn() << PAGE_SHIFT) - 1))));
        }

        // free_area_init_node() for every possible node; nr_kernel_pages/nr_all_pages are global sums.
        long[] kernelAndAll = new long[2];
        List<NodeInit> initialized = new ArrayList<>(nrNodeIds);
        for (int nid = 0; nid < nrNodeIds; nid++) {
            long[] range = getPfnRangeForNid(nid);
            if (range[0] == range[1]) {
                out.add(PrintkLine.info("Initializing node " + nid + " as memoryless"));
            }
            initialized.add(freeAreaInitNode(nid, dmaReserve, kernelAndAll, out));
        }
        nodes = List.copyOf(initialized);
        nrKernelPages = kernelAndAll[0];
        nrAllPages = kernelAndAll[1];
        memmapInit(out);
        log = List.copyOf(out);
    }

    /**
     * Runs 6.1's {@code free_area_init(max_zone_pfn)} on the given memory.
     *
     * @param config     the build constants
     * @param maxZonePfn {@code max_zone_pfn[MAX_NR_ZONES]} as the arch's {@code zone_sizes_init()} fills it
     *                   (the ZONE_MOVABLE entry is ignored, as the kernel ignores it)
     * @param memory     {@code memblock.memory} as pfn ranges, sorted, not overlapping, at least one
     * @param nrNodeIds  the number of possible nodes ({@code nr_node_ids}); every range's nid is below it
     * @param core       {@code kernelcore=}/{@code movablecore=}
     * @param dmaReserve {@code dma_reserve} (x86's {@code memblock_find_dma_reserve()}), subtracted from
     *                   the first zone's early managed estimate; 0 elsewhere
     */
    public static FreeAreaInit freeAreaInit(PageAllocConfig config, long[] maxZonePfn, List<MemPfnRange> memory,
                                            int nrNodeIds, CoreParams core, long dmaReserve) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(core, "core");
        int nrZones = config.zoneTypes().maxNrZones();
        if (maxZonePfn.length != nrZones) {
            throw new IllegalArgumentException("max_zone_pfn has " + maxZonePfn.length + " entries, MAX_NR_ZONES is " + nrZones);
        }
        for (long pfn : maxZonePfn) {
            if (pfn < 0) {
                throw new IllegalArgumentException("negative max_zone_pfn " + pfn);
            }
        }
        if (nrNodeIds < 1) {
            throw new IllegalArgumentException("nr_node_ids must be at least 1: " + nrNodeIds);
        }
        if (dmaReserve < 0) {
            throw new IllegalArgumentException("negative dma_reserve " + dmaReserve);
        }
        List<MemPfnRange> ranges = List.copyOf(memory);
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("memblock.memory is empty");
        }
        for (int i = 0; i < ranges.size(); i++) {
            MemPfnRange r = ranges.get(i);
            if (r.nid() >= nrNodeIds) {
                throw new IllegalArgumentException("range " + r + " is on node " + r.nid() + " but nr_node_ids is " + nrNodeIds);
            }
            if (i > 0 && r.startPfn() < ranges.get(i - 1).endPfn()) {
                throw new IllegalArgumentException("memory ranges must be sorted and disjoint: " + ranges.get(i - 1) + " then " + r);
            }
        }
        if (config.bitsPerLong() == 32 && ranges.getLast().endPfn() > 1L << 32) {
            throw new IllegalArgumentException("pfn " + ranges.getLast().endPfn() + " does not fit a 32-bit unsigned long");
        }
        return new FreeAreaInit(config, maxZonePfn.clone(), ranges, nrNodeIds, core, dmaReserve);
    }

    /**
     * {@code calc_memmap_size()}: pages of {@code struct page} the zone's memmap costs; with SPARSEMEM
     * and more than 1/16 of holes, only the present pages are counted.
     */
    public static long calcMemmapSize(PageAllocConfig config, long spannedPages, long presentPages) {
        long pages = spannedPages;
        if (spannedPages > presentPages + (presentPages >> 4) && config.sparsemem()) {
            pages = presentPages;
        }
        long bytes = pages * config.structPageSize();
        return (bytes + PageAllocConfig.PAGE_SIZE - 1) >>> PAGE_SHIFT; // PAGE_ALIGN(...) >> PAGE_SHIFT
    }

    /** {@code find_usable_zone_for_movable()}: the highest non-movable zone with a non-empty arch range. */
    private int findUsableZoneForMovable() {
        for (int zoneIndex = types.maxNrZones() - 1; zoneIndex >= 0; zoneIndex--) {
            if (zoneIndex == types.zoneMovable()) {
                continue;
            }
            if (Long.compareUnsigned(archZoneHighestPossiblePfn[zoneIndex], archZoneLowestPossiblePfn[zoneIndex]) > 0) {
                return zoneIndex;
            }
        }
        throw new IllegalStateException("no zone has a non-empty pfn range"); // VM_BUG_ON in the kernel
    }

    /** {@code get_pfn_range_for_nid()}: {start, end} of the node's memory, {0, 0} without memory. */
    private long[] getPfnRangeForNid(int nid) {
        long start = -1L;
        long end = 0;
        for (MemPfnRange r : memory) {
            if (r.nid() == nid) {
                start = minUnsigned(start, r.startPfn());
                end = maxUnsigned(end, r.endPfn());
            }
        }
        return new long[]{start == -1L ? 0 : start, end};
    }

    /**
     * {@code find_zone_movable_pfns_for_nodes()} without the {@code movable_node} and
     * {@code kernelcore=mirror} branches: spreads {@code kernelcore} evenly over the nodes with memory
     * and starts ZONE_MOVABLE after it, aligned to {@code MAX_ORDER_NR_PAGES}.
     */
    private void findZoneMovablePfnsForNodes(CoreParams core) {
        // early_calculate_totalpages(): all memory, and which nodes have any (N_MEMORY).
        long totalpages = 0;
        boolean[] nMemory = new boolean[nrNodeIds];
        for (MemPfnRange r : memory) {
            totalpages += r.pages();
            nMemory[r.nid()] = true;
        }
        int usableNodes = 0;
        for (boolean b : nMemory) {
            usableNodes += b ? 1 : 0;
        }

        long requiredKernelcore = core.requiredKernelcore();
        long requiredMovablecore = core.requiredMovablecore();
        if (core.requiredKernelcorePercent() != 0) {
            requiredKernelcore = Long.divideUnsigned(config.ulong(totalpages * 100 * core.requiredKernelcorePercent()), 10000);
        }
        if (core.requiredMovablecorePercent() != 0) {
            requiredMovablecore = Long.divideUnsigned(config.ulong(totalpages * 100 * core.requiredMovablecorePercent()), 10000);
        }

        // movablecore= becomes the kernelcore that leaves that much (rounded up) to ZONE_MOVABLE;
        // with both given, the larger kernelcore wins.
        if (requiredMovablecore != 0) {
            requiredMovablecore = roundup(requiredMovablecore, config.maxOrderNrPages());
            requiredMovablecore = minUnsigned(totalpages, requiredMovablecore);
            long corepages = totalpages - requiredMovablecore;
            requiredKernelcore = maxUnsigned(requiredKernelcore, corepages);
        }

        if (requiredKernelcore == 0 || Long.compareUnsigned(requiredKernelcore, totalpages) >= 0) {
            return; // goto out: no ZONE_MOVABLE
        }

        // The lowest pfn ZONE_MOVABLE can start at.
        long usableStartpfn = archZoneLowestPossiblePfn[movableZone];

        do {
            long kernelcoreNode = Long.divideUnsigned(requiredKernelcore, usableNodes);
            for (int nid = 0; nid < nrNodeIds; nid++) {
                if (!nMemory[nid]) {
                    continue;
                }
                if (Long.compareUnsigned(requiredKernelcore, kernelcoreNode) < 0) {
                    kernelcoreNode = Long.divideUnsigned(requiredKernelcore, usableNodes);
                }
                long kernelcoreRemaining = kernelcoreNode;
                for (MemPfnRange r : memory) {
                    if (r.nid() != nid) {
                        continue;
                    }
                    long startPfn = maxUnsigned(r.startPfn(), zoneMovablePfn[nid]);
                    long endPfn = r.endPfn();
                    if (Long.compareUnsigned(startPfn, endPfn) >= 0) {
                        continue;
                    }
                    // Pages below usable_startpfn can only be kernelcore.
                    if (Long.compareUnsigned(startPfn, usableStartpfn) < 0) {
                        long kernelPages = minUnsigned(endPfn, usableStartpfn) - startPfn;
                        kernelcoreRemaining -= minUnsigned(kernelPages, kernelcoreRemaining);
                        requiredKernelcore -= minUnsigned(kernelPages, requiredKernelcore);
                        if (Long.compareUnsigned(endPfn, usableStartpfn) <= 0) {
                            // Push past this range so a rebalancing pass does not count it twice.
                            zoneMovablePfn[nid] = endPfn;
                            continue;
                        }
                        startPfn = usableStartpfn;
                    }
                    long sizePages = endPfn - startPfn;
                    if (Long.compareUnsigned(sizePages, kernelcoreRemaining) > 0) {
                        sizePages = kernelcoreRemaining;
                    }
                    zoneMovablePfn[nid] = startPfn + sizePages;
                    requiredKernelcore -= minUnsigned(requiredKernelcore, sizePages);
                    kernelcoreRemaining -= sizePages;
                    if (kernelcoreRemaining == 0) {
                        break;
                    }
                }
            }
            // Kernelcore still owed: another pass with one node fewer pushes the split further up.
            usableNodes--;
        } while (usableNodes != 0 && Long.compareUnsigned(requiredKernelcore, usableNodes) > 0);

        // out2: align ZONE_MOVABLE's start; a start at or past the node's end means no ZONE_MOVABLE there.
        for (int nid = 0; nid < nrNodeIds; nid++) {
            zoneMovablePfn[nid] = roundup(zoneMovablePfn[nid], config.maxOrderNrPages());
            long[] range = getPfnRangeForNid(nid);
            if (Long.compareUnsigned(zoneMovablePfn[nid], range[1]) >= 0) {
                zoneMovablePfn[nid] = 0;
            }
        }
    }

    /**
     * {@code adjust_zone_range_for_zone_movable()}: ZONE_MOVABLE takes the top of the node from
     * {@code zone_movable_pfn[nid]} up to the end of {@code movable_zone}; the zones below are cut there.
     * Adjusts {@code zone[0..1]} = {start, end} in place.
     */
    private void adjustZoneRangeForZoneMovable(int nid, int zoneType, long nodeEndPfn, long[] zone) {
        long zmp = zoneMovablePfn[nid];
        if (zmp == 0) {
            return;
        }
        if (zoneType == types.zoneMovable()) {
            zone[0] = zmp;
            zone[1] = minUnsigned(nodeEndPfn, archZoneHighestPossiblePfn[movableZone]);
        } else if (Long.compareUnsigned(zone[0], zmp) < 0 && Long.compareUnsigned(zone[1], zmp) > 0) {
            zone[1] = zmp;
        } else if (Long.compareUnsigned(zone[0], zmp) >= 0) {
            zone[0] = zone[1];
        }
    }

    /**
     * {@code zone_spanned_pages_in_node()}: the pages the zone spans on the node, holes included.
     *
     * @return {zone_start_pfn, zone_end_pfn, spanned}; the bounds mean nothing when spanned is 0
     */
    public long[] zoneSpannedPagesInNode(int nid, int zoneType, long nodeStartPfn, long nodeEndPfn) {
        checkNode(nid);
        checkZone(zoneType);
        if (nodeStartPfn == 0 && nodeEndPfn == 0) {
            return new long[]{0, 0, 0};
        }
        long zoneLow = archZoneLowestPossiblePfn[zoneType];
        long zoneHigh = archZoneHighestPossiblePfn[zoneType];
        long[] zone = {clamp(nodeStartPfn, zoneLow, zoneHigh), clamp(nodeEndPfn, zoneLow, zoneHigh)};
        adjustZoneRangeForZoneMovable(nid, zoneType, nodeEndPfn, zone);
        // Does this node have pages within the zone's range at all?
        if (Long.compareUnsigned(zone[1], nodeStartPfn) < 0 || Long.compareUnsigned(zone[0], nodeEndPfn) > 0) {
            return new long[]{zone[0], zone[1], 0};
        }
        zone[1] = minUnsigned(zone[1], nodeEndPfn);
        zone[0] = maxUnsigned(zone[0], nodeStartPfn);
        return new long[]{zone[0], zone[1], zone[1] - zone[0]};
    }

    /**
     * {@code __absent_pages_in_range()}: page frames of {@code [rangeStartPfn, rangeEndPfn)} not covered
     * by the memory of node {@code nid}, or of any node when {@code nid} is {@code nrNodeIds}
     * ({@code MAX_NUMNODES}).
     */
    public long absentPagesInRange(int nid, long rangeStartPfn, long rangeEndPfn) {
        long nrAbsent = rangeEndPfn - rangeStartPfn;
        for (MemPfnRange r : memory) {
            if (nid != nrNodeIds && r.nid() != nid) {
                continue;
            }
            long start = clamp(r.startPfn(), rangeStartPfn, rangeEndPfn);
            long end = clamp(r.endPfn(), rangeStartPfn, rangeEndPfn);
            nrAbsent -= end - start;
        }
        return nrAbsent;
    }

    /** {@code zone_absent_pages_in_node()} (without the {@code kernelcore=mirror} correction). */
    public long zoneAbsentPagesInNode(int nid, int zoneType, long nodeStartPfn, long nodeEndPfn) {
        checkNode(nid);
        checkZone(zoneType);
        if (nodeStartPfn == 0 && nodeEndPfn == 0) {
            return 0;
        }
        long zoneLow = archZoneLowestPossiblePfn[zoneType];
        long zoneHigh = archZoneHighestPossiblePfn[zoneType];
        long[] zone = {clamp(nodeStartPfn, zoneLow, zoneHigh), clamp(nodeEndPfn, zoneLow, zoneHigh)};
        adjustZoneRangeForZoneMovable(nid, zoneType, nodeEndPfn, zone);
        return absentPagesInRange(nid, zone[0], zone[1]);
    }

    /** {@code free_area_init_node()}: {@code calculate_node_totalpages()} then {@code free_area_init_core()}. */
    private NodeInit freeAreaInitNode(int nid, long dmaReserve, long[] kernelAndAll, List<PrintkLine> out) {
        long[] range = getPfnRangeForNid(nid);
        long startPfn = range[0];
        long endPfn = range[1];
        if (startPfn != endPfn) {
            out.add(PrintkLine.info("Initmem setup node " + nid + " [mem " + hex018(startPfn << PAGE_SHIFT) + "-"
                    + hex018(endPfn != 0 ? (endPfn << PAGE_SHIFT) - 1 : 0) + "]"));
        } else {
            out.add(PrintkLine.info("Initmem setup node " + nid + " as memoryless"));
        }

        // calculate_node_totalpages()
        int nrZones = types.maxNrZones();
        long[] zoneStart = new long[nrZones];
        long[] spanned = new long[nrZones];
        long[] present = new long[nrZones];
        long totalpages = 0;
        long realtotalpages = 0;
        for (int i = 0; i < nrZones; i++) {
            long[] span = zoneSpannedPagesInNode(nid, i, startPfn, endPfn);
            long absent = zoneAbsentPagesInNode(nid, i, startPfn, endPfn);
            spanned[i] = span[2];
            present[i] = span[2] - absent;
            zoneStart[i] = span[2] != 0 ? span[0] : 0;
            totalpages += spanned[i];
            realtotalpages += present[i];
        }
        out.add(PrintkLine.debug("On node " + nid + " totalpages: " + Long.toUnsignedString(realtotalpages)));

        // free_area_init_core(): the early managed estimate is present minus memmap minus dma_reserve.
        List<ZoneInit> zones = new ArrayList<>(nrZones);
        for (int j = 0; j < nrZones; j++) {
            long freesize = present[j];
            long memmapPages = calcMemmapSize(config, spanned[j], freesize);
            boolean highmem = types.isHighmemIdx(j, movableZone);
            if (!highmem) {
                if (Long.compareUnsigned(freesize, memmapPages) >= 0) {
                    freesize -= memmapPages;
                    if (memmapPages != 0) {
                        out.add(PrintkLine.debug("  " + types.name(j) + " zone: " + memmapPages + " pages used for memmap"));
                    }
                } else {
                    out.add(PrintkLine.warn("  " + types.name(j) + " zone: " + memmapPages
                            + " memmap pages exceeds freesize " + freesize));
                }
            }
            if (j == 0 && Long.compareUnsigned(freesize, dmaReserve) > 0) {
                freesize -= dmaReserve;
                out.add(PrintkLine.debug("  " + types.name(0) + " zone: " + dmaReserve + " pages reserved"));
            }
            if (!highmem) {
                kernelAndAll[0] += freesize;
            } else if (Long.compareUnsigned(kernelAndAll[0], memmapPages * 2) > 0) {
                // Charge for highmem memmap if there are enough kernel pages.
                kernelAndAll[0] -= memmapPages;
            }
            kernelAndAll[1] += freesize;
            // zone_init_internals() sets managed_pages = freesize, then zone_pcp_init() reports the batch.
            if (present[j] != 0) {
                out.add(PrintkLine.debug("  " + types.name(j) + " zone: " + present[j] + " pages, LIFO batch:"
                        + Watermarks.zoneBatchsize(freesize)));
            }
            zones.add(new ZoneInit(nid, j, types.name(j), zoneStart[j], spanned[j], present[j], memmapPages, freesize));
        }
        return new NodeInit(nid, startPfn, totalpages, realtotalpages, zones);
    }

    /**
     * {@code memmap_init()}: walks the memory ranges zone by zone and reports the holes whose struct
     * pages {@code init_unavailable_range()} initializes as reserved. A hole is charged to the zone
     * above it, and the tail up to the end of the last section (SPARSEMEM) to the last zone seen.
     */
    private void memmapInit(List<PrintkLine> out) {
        long holePfn = 0;
        long endPfn = 0;
        int zoneId = 0;
        int nid = 0;
        for (MemPfnRange r : memory) {
            nid = r.nid();
            endPfn = r.endPfn();
            for (ZoneInit zone : nodes.get(nid).zones()) {
                if (!zone.populated()) {
                    continue;
                }
                // memmap_init_zone_range()
                long start = clamp(r.startPfn(), zone.zoneStartPfn(), zone.zoneEndPfn());
                long end = clamp(r.endPfn(), zone.zoneStartPfn(), zone.zoneEndPfn());
                if (Long.compareUnsigned(start, end) < 0) {
                    if (Long.compareUnsigned(holePfn, start) < 0) {
                        initUnavailableRange(holePfn, start, zone.zoneType(), nid, out);
                    }
                    holePfn = end;
                }
                zoneId = zone.zoneType();
            }
        }
        if (config.sparsemem()) {
            endPfn = roundup(endPfn, config.pagesPerSection());
        }
        if (Long.compareUnsigned(holePfn, endPfn) < 0) {
            initUnavailableRange(holePfn, endPfn, zoneId, nid, out);
        }
    }

    /**
     * {@code init_unavailable_range()}: counts the pfns of {@code [spfn, epfn)} that have a struct page,
     * skipping whole pageblocks whose first pfn fails {@code pfn_valid()}.
     */
    private void initUnavailableRange(long spfn, long epfn, int zone, int node, List<PrintkLine> out) {
        long pageblock = config.pageblockNrPages();
        long pgcnt = 0;
        long pfn = spfn;
        while (Long.compareUnsigned(pfn, epfn) < 0) {
            long blockStart = pfn & -pageblock;
            long next;
            if (config.sparsemem()) {
                // Every pageblock of a present early section is valid; an absent section is skipped whole.
                long sectionEnd = (pfn | (config.pagesPerSection() - 1)) + 1;
                next = minUnsigned(sectionEnd, epfn);
                if (sectionHasMemory(blockStart)) {
                    pgcnt += next - pfn;
                }
            } else {
                next = minUnsigned(blockStart + pageblock, epfn);
                if (armPfnValid(blockStart)) {
                    pgcnt += next - pfn;
                }
            }
            pfn = next;
        }
        if (pgcnt != 0) {
            out.add(PrintkLine.info("On node " + node + ", zone " + types.name(zone) + ": " + pgcnt
                    + " pages in unavailable ranges"));
        }
    }

    /** SPARSEMEM {@code pfn_valid()} at boot: the pfn's section overlaps some memory range. */
    private boolean sectionHasMemory(long pfn) {
        long sectionStart = pfn & -config.pagesPerSection();
        long sectionEnd = sectionStart + config.pagesPerSection();
        return overlapsMemory(sectionStart, sectionEnd);
    }

    /** ARM's FLATMEM {@code pfn_valid()}: the pageblock around the pfn overlaps {@code memblock.memory}. */
    private boolean armPfnValid(long pfn) {
        long blockStart = pfn & -config.pageblockNrPages();
        return overlapsMemory(blockStart, blockStart + config.pageblockNrPages());
    }

    private boolean overlapsMemory(long start, long end) {
        for (MemPfnRange r : memory) {
            if (r.startPfn() < end && start < r.endPfn()) {
                return true;
            }
        }
        return false;
    }

    private void checkNode(int nid) {
        if (nid < 0 || nid >= nrNodeIds) {
            throw new IllegalArgumentException("node " + nid + " outside 0.." + (nrNodeIds - 1));
        }
    }

    private void checkZone(int zoneType) {
        if (zoneType < 0 || zoneType >= types.maxNrZones()) {
            throw new IllegalArgumentException("zone type " + zoneType + " outside 0.." + (types.maxNrZones() - 1));
        }
    }

    /** The build constants this layout was computed for. */
    public PageAllocConfig config() {
        return config;
    }

    /** The possible nodes, each with all its zones. */
    public List<NodeInit> nodes() {
        return nodes;
    }

    /** {@code nr_kernel_pages}: the early estimate of lowmem pages (for large system hashes). */
    public long nrKernelPages() {
        return nrKernelPages;
    }

    /** {@code nr_all_pages}: the early estimate of all managed pages. */
    public long nrAllPages() {
        return nrAllPages;
    }

    /** The kernel log of {@code free_area_init()}, in order; DEBUG records are {@code pr_debug()}. */
    public List<PrintkLine> log() {
        return log;
    }

    /** {@code movable_zone}: the zone ZONE_MOVABLE takes its pages from. */
    public int movableZone() {
        return movableZone;
    }

    /** {@code zone_movable_pfn[nid]}: where ZONE_MOVABLE starts on the node, 0 when it has none. */
    public long zoneMovablePfn(int nid) {
        checkNode(nid);
        return zoneMovablePfn[nid];
    }

    /** {@code arch_zone_lowest_possible_pfn[]} (0 for ZONE_MOVABLE). */
    public long[] archZoneLowestPossiblePfn() {
        return archZoneLowestPossiblePfn.clone();
    }

    /** {@code arch_zone_highest_possible_pfn[]} (0 for ZONE_MOVABLE). */
    public long[] archZoneHighestPossiblePfn() {
        return archZoneHighestPossiblePfn.clone();
    }

    /** {@code is_highmem_idx()} with this layout's {@code movable_zone}. */
    public boolean isHighmemIdx(int zoneType) {
        return types.isHighmemIdx(zoneType, movableZone);
    }

    /**
     * Every zone of every node in {@code for_each_zone()} order, sized for the watermark formulas, with
     * {@code managed} taken from {@code managedPages[nid][zoneType]} (the counts after memblock has
     * released its free memory to the buddy allocator).
     */
    public List<ZoneSizes> zoneSizes(long[][] managedPages) {
        if (managedPages.length != nodes.size()) {
            throw new IllegalArgumentException("managed pages given for " + managedPages.length + " nodes, layout has " + nodes.size());
        }
        List<ZoneSizes> sizes = new ArrayList<>();
        for (NodeInit node : nodes) {
            long[] managed = managedPages[node.nid()];
            if (managed.length != types.maxNrZones()) {
                throw new IllegalArgumentException("node " + node.nid() + ": managed pages for " + managed.length
                        + " zones, MAX_NR_ZONES is " + types.maxNrZones() + " " + Arrays.toString(managed));
            }
            for (ZoneInit z : node.zones()) {
                sizes.add(new ZoneSizes(z.nid(), z.zoneType(), z.name(), isHighmemIdx(z.zoneType()),
                        managed[z.zoneType()], z.presentPages(), z.spannedPages()));
            }
        }
        return List.copyOf(sizes);
    }

    /** {@link #zoneSizes(long[][])} with the early estimate ({@code freesize}) as managed pages. */
    public List<ZoneSizes> zoneSizes() {
        long[][] managed = new long[nodes.size()][];
        for (NodeInit node : nodes) {
            managed[node.nid()] = node.zones().stream().mapToLong(ZoneInit::managedPages).toArray();
        }
        return zoneSizes(managed);
    }
}
