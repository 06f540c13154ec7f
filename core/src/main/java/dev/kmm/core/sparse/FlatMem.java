package dev.kmm.core.sparse;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.page.PageFlagsLayout;
import java.util.Objects;

/**
 * FLATMEM as Linux 6.1 sets it up on 32-bit ARM: one {@code mem_map} for the node ({@code alloc_node_mem_map}) and
 * one pageblock bitmap per zone ({@code setup_usemap}), both allocated from memblock in lowmem.
 *
 * <p><b>Where the struct pages are.</b> memblock reserves the memmap with the simulated kernel's
 * {@code sizeof(struct page)} (32 bytes on the arm build), so lowmem loses exactly the pages the kernel's memmap
 * takes. The struct pages themselves use kmm's 64-byte LP64 layout, which cannot live in the 32-byte slots the
 * kernel reserved: they are kept in a separate host segment that the caller maps at {@link #MEM_MAP_VA}, a kernel
 * virtual address just above the 32-bit space, where no arm address can collide with it (as vmemmap is kept on the
 * 64-bit profiles). {@code mem_map} and {@code pfn_to_page} point there; the reserved range in lowmem stays
 * untouched. The pageblock bitmaps are in simulated RAM where the kernel puts them.
 *
 * <p>The reference {@code struct zone} layout is SPARSEMEM's and has no {@code pageblock_flags} member; FLATMEM's
 * zone pointer is kept here instead, in a Java array by zone index (FLATMEM means a single node). The bitmap
 * itself is in simulated RAM where the kernel puts it.
 *
 * <p>{@code pfn_valid} is ARM's (CONFIG_HAVE_ARCH_PFN_VALID): a pfn is valid when its pageblock overlaps memblock
 * memory, because the memmap of a hole is freed only in whole pageblocks ({@code free_unused_memmap}).
 */
public final class FlatMem implements MemoryModel {
    /** Where the struct page storage of the memmap's first pfn is mapped: the first VA past the 32-bit space. */
    public static final long MEM_MAP_VA = 1L << 32;
    /** {@code BITS_PER_LONG} of 32-bit ARM: the pageblock bitmaps are arrays of 32-bit longs. */
    private static final int ARM_BITS_PER_LONG = 32;
    private static final int PAGE_SHIFT = KernelConstants.PAGE_SHIFT;

    private final Memblock memblock;
    private final KernelAddressSpace space;
    private final KernelMemory mem;
    private final PageFlagsLayout flagsLayout;
    private final int pageblockOrder;
    private final long archPfnOffset;
    private final long memMap;
    private final long nodeMemMap;
    private final long mapStartPfn;
    private final long mapEndPfn;
    private final long mapPhys;
    private final int structPageSize;
    private final long[] zonePageblockFlags;
    private final long[] zoneStartPfn;

    private FlatMem(Memblock memblock, KernelAddressSpace space, KernelMemory mem, PageFlagsLayout flagsLayout,
            int pageblockOrder, long archPfnOffset, long memMap, long nodeMemMap, long mapStartPfn, long mapEndPfn,
            long mapPhys, int structPageSize, int maxNrZones) {
        this.memblock = memblock;
        this.space = space;
        this.mem = mem;
        this.flagsLayout = flagsLayout;
        this.pageblockOrder = pageblockOrder;
        this.archPfnOffset = archPfnOffset;
        this.memMap = memMap;
        this.nodeMemMap = nodeMemMap;
        this.mapStartPfn = mapStartPfn;
        this.mapEndPfn = mapEndPfn;
        this.mapPhys = mapPhys;
        this.structPageSize = structPageSize;
        this.zonePageblockFlags = new long[maxNrZones];
        this.zoneStartPfn = new long[maxNrZones];
    }

    /**
     * The pfns {@code alloc_node_mem_map()} gives struct pages to: {@code [start, end)} with the node's start
     * rounded down and its end rounded up to {@code MAX_ORDER_NR_PAGES}, so the buddy allocator always finds a
     * struct page for a buddy.
     */
    public static long[] memmapSpan(long nodeStartPfn, long nodeSpannedPages, int maxOrder) {
        long maxOrderNrPages = 1L << (maxOrder - 1);
        long start = nodeStartPfn & ~(maxOrderNrPages - 1);
        long end = (nodeStartPfn + nodeSpannedPages + maxOrderNrPages - 1) & ~(maxOrderNrPages - 1);
        return new long[] {start, end};
    }

    /** Bytes of 64-byte struct page storage the caller maps at {@link #MEM_MAP_VA} for the node's memmap. */
    public static long memmapStorageBytes(long nodeStartPfn, long nodeSpannedPages, int maxOrder) {
        long[] span = memmapSpan(nodeStartPfn, nodeSpannedPages, maxOrder);
        return (span[1] - span[0]) * PageLayout.SIZE;
    }

    /**
     * {@code alloc_node_mem_map(pgdat)}: reserves the memmap from memblock, {@code structPageSize} bytes per pfn of
     * {@link #memmapSpan}, raw with {@code SMP_CACHE_BYTES} alignment on the node, and sets {@code node_mem_map} and,
     * the node being node 0 of a non-NUMA kernel, {@code mem_map}, both in the storage at {@link #MEM_MAP_VA}.
     *
     * @param space          the ARM address space (its {@code PHYS_OFFSET} gives {@code ARCH_PFN_OFFSET})
     * @param mem            the kernel's memory: the linear map (pageblock bitmaps) and a region at
     *                       {@link #MEM_MAP_VA} of {@link #memmapStorageBytes} bytes for the struct pages
     * @param flagsLayout    decodes a page's zone for {@link #pageblockBitmap}
     * @param structPageSize {@code sizeof(struct page)} of the simulated kernel: what memblock reserves per pfn
     * @param maxOrder       {@code MAX_ORDER} (number of orders)
     * @param maxNrZones     {@code MAX_NR_ZONES}
     * @throws IllegalStateException when memblock cannot provide the memmap (the kernel panics)
     */
    public static FlatMem allocNodeMemMap(Memblock memblock, KernelAddressSpace space, KernelMemory mem,
            PageFlagsLayout flagsLayout, int structPageSize, int maxOrder, int maxNrZones, int pageblockOrder,
            long nodeStartPfn, long nodeSpannedPages, int nid) {
        Objects.requireNonNull(memblock, "memblock");
        Objects.requireNonNull(mem, "mem");
        Objects.requireNonNull(flagsLayout, "flagsLayout");
        if (space.arch() != Arch.ARM) {
            throw new IllegalArgumentException("FLATMEM is the ARM profile's model; " + space.arch()
                    + " uses SPARSEMEM_VMEMMAP");
        }
        if (nodeSpannedPages <= 0) {
            throw new IllegalArgumentException("alloc_node_mem_map: node " + nid + " spans no pages");
        }
        if (pageblockOrder < 0 || pageblockOrder > maxOrder - 1) {
            throw new IllegalArgumentException("pageblock_order " + pageblockOrder + " exceeds MAX_ORDER-1");
        }
        if (structPageSize <= 0) {
            throw new IllegalArgumentException("sizeof(struct page) must be positive: " + structPageSize);
        }
        long[] span = memmapSpan(nodeStartPfn, nodeSpannedPages, maxOrder);
        long start = span[0];
        long end = span[1];
        long offset = nodeStartPfn - start;
        if (!mem.isMapped(MEM_MAP_VA, (end - start) * PageLayout.SIZE)) {
            throw new IllegalArgumentException(String.format(
                    "the memmap storage is not mapped: map %d bytes at 0x%x", (end - start) * PageLayout.SIZE,
                    MEM_MAP_VA));
        }
        long size = (end - start) * structPageSize;
        long smpCacheBytes = memblock.config().smpCacheBytes();
        long map = memblock.memblockAllocTryNidRaw(size, smpCacheBytes, Memblock.MEMBLOCK_LOW_LIMIT,
                Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, nid);
        if (map == 0) {
            throw new IllegalStateException(String.format(
                    "Failed to allocate %d bytes for node %d memory map", size, nid));
        }
        long nodeMemMap = MEM_MAP_VA + offset * PageLayout.SIZE;
        long archPfnOffset = space.physOffset() >>> PAGE_SHIFT;
        long memMap = nodeMemMap;
        if (archPfnOffset != nodeStartPfn) {
            memMap -= offset * PageLayout.SIZE; // page_to_pfn(mem_map) != node_start_pfn
        }
        return new FlatMem(memblock, space, mem, flagsLayout, pageblockOrder, archPfnOffset, memMap, nodeMemMap,
                start, end, map, structPageSize, maxNrZones);
    }

    /**
     * {@code setup_usemap(zone)} of the FLATMEM build: the zone's {@code pageblock_flags}, one
     * {@code NR_PAGEBLOCK_BITS} group per pageblock the zone touches, rounded to longs, allocated zeroed on the node.
     *
     * @throws IllegalStateException when memblock cannot provide it (the kernel panics)
     */
    public void setupUsemap(int zoneIdx, String zoneName, long zoneStartPfn, long zoneSpannedPages, int nid) {
        Objects.checkIndex(zoneIdx, zonePageblockFlags.length);
        long usemapsize = usemapSize(zoneStartPfn, zoneSpannedPages);
        this.zonePageblockFlags[zoneIdx] = 0;
        this.zoneStartPfn[zoneIdx] = zoneStartPfn;
        if (usemapsize != 0) {
            long phys = memblock.memblockAllocNode(usemapsize, memblock.config().smpCacheBytes(), nid);
            if (phys == 0) {
                throw new IllegalStateException(String.format(
                        "Failed to allocate %d bytes for zone %s pageblock flags on node %d", usemapsize, zoneName, nid));
            }
            this.zonePageblockFlags[zoneIdx] = space.va(phys);
        }
    }

    /**
     * {@code usemap_size(zone_start_pfn, zonesize)} of FLATMEM: bytes of the zone's pageblock bitmap, rounded to
     * ARM's 32-bit {@code unsigned long}.
     */
    public long usemapSize(long zoneStartPfn, long zonesize) {
        long pageblockNrPages = 1L << pageblockOrder;
        zonesize += zoneStartPfn & (pageblockNrPages - 1);
        long usemapsize = (zonesize + pageblockNrPages - 1) & -pageblockNrPages;
        usemapsize >>>= pageblockOrder;
        usemapsize *= KernelConstants.NR_PAGEBLOCK_BITS;
        usemapsize = (usemapsize + ARM_BITS_PER_LONG - 1) & -ARM_BITS_PER_LONG;
        return usemapsize / 8;
    }

    /** {@code mem_map}: the struct page of {@code ARCH_PFN_OFFSET}; give it to {@link KernelAddressSpace#withMemMap}. */
    public long memMap() {
        return memMap;
    }

    /** The physical address memblock reserved for the memmap (the kernel's {@code __pa(node_mem_map)}, rounded). */
    public long memMapPhys() {
        return mapPhys;
    }

    /** {@code pgdat->node_mem_map}: the struct page of the node's first pfn. */
    public long nodeMemMap() {
        return nodeMemMap;
    }

    /** {@code zone->pageblock_flags} of a zone set up by {@link #setupUsemap}, or 0. */
    public long zonePageblockFlags(int zoneIdx) {
        return zonePageblockFlags[Objects.checkIndex(zoneIdx, zonePageblockFlags.length)];
    }

    @Override
    public long pfnToPage(long pfn) {
        return memMap + ((pfn - archPfnOffset) << 6);
    }

    @Override
    public long pageToPfn(long page) {
        return ((page - memMap) >> 6) + archPfnOffset;
    }

    /** ARM's {@code pfn_valid}: a 32-bit physical address whose pageblock overlaps memblock memory. */
    @Override
    public boolean pfnValid(long pfn) {
        long addr = pfn << PAGE_SHIFT;
        if ((addr & 0xffff_ffffL) >>> PAGE_SHIFT != pfn) {
            return false;
        }
        long pageblockSize = KernelConstants.PAGE_SIZE << pageblockOrder;
        return memblock.memblockOverlapsRegion(memblock.memory(), addr & -pageblockSize, pageblockSize);
    }

    /** {@code page_zone(page)->pageblock_flags}: the page's zone comes from its flags. */
    @Override
    public long pageblockBitmap(long page, long pfn) {
        long bitmap = zonePageblockFlags[flagsLayout.pageZonenum(mem, page)];
        if (bitmap == 0) {
            throw new IllegalArgumentException(String.format("pfn 0x%x: zone %d has no pageblock flags", pfn,
                    flagsLayout.pageZonenum(mem, page)));
        }
        return bitmap;
    }

    /** {@code pfn_to_bitidx}: relative to the pageblock holding the zone's first pfn. */
    @Override
    public long pfnToBitidx(long page, long pfn) {
        long zoneStart = zoneStartPfn[flagsLayout.pageZonenum(mem, page)];
        long base = zoneStart & -(1L << pageblockOrder);
        return ((pfn - base) >>> pageblockOrder) * KernelConstants.NR_PAGEBLOCK_BITS;
    }

    @Override
    public long memmapStartPfn() {
        return mapStartPfn;
    }

    @Override
    public long memmapEndPfn() {
        return mapEndPfn;
    }

    /**
     * The FLATMEM part of mm/memblock.c's {@code free_unused_memmap}: gives the memmap of the holes between memory
     * banks back to memblock, in whole pages and keeping every pageblock that holds memory. Called by
     * memblock_free_all() before it frees memory to the buddy allocator.
     */
    public void freeUnusedMemmap() {
        long pageblockNrPages = 1L << pageblockOrder;
        long[] prevEnd = {0};
        memblock.forEachMemPfnRange(memblock.maxNumNodes(), (start, end, nid) -> {
            start &= -pageblockNrPages; // pageblock_start_pfn: no holes in the memmap inside a pageblock
            if (prevEnd[0] != 0 && prevEnd[0] < start) {
                freeMemmap(prevEnd[0], start);
            }
            prevEnd[0] = (end + pageblockNrPages - 1) & -pageblockNrPages;
        });
    }

    /**
     * {@code free_memmap}: the whole pages of the reserved memmap strictly between the two pfns' struct pages (at
     * the kernel's {@code sizeof(struct page)}).
     */
    private void freeMemmap(long startPfn, long endPfn) {
        long startPg = mapPhys + (startPfn - mapStartPfn) * structPageSize;
        long endPg = mapPhys + (endPfn - mapStartPfn) * structPageSize;
        long pg = (startPg + KernelConstants.PAGE_SIZE - 1) & KernelConstants.PAGE_MASK;
        long pgend = endPg & KernelConstants.PAGE_MASK;
        if (pg < pgend) {
            memblock.memblockPhysFree(pg, pgend - pg);
        }
    }
}
