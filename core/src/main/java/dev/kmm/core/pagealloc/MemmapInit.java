package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.sparse.MemoryModel;
import dev.kmm.core.sparse.Sparse;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Boot-time initialisation of the memmap, Linux 6.1 mm/page_alloc.c: {@code memmap_init} walks memblock's memory
 * ranges zone by zone ({@code memmap_init_zone_range}, {@code memmap_init_range}), giving every struct page its
 * zone and node, a reference count of 1 (not free), no mapcount and an empty {@code lru}; the first page of every
 * pageblock marks the block MIGRATE_MOVABLE. Pages in holes get the same treatment plus PG_reserved
 * ({@code init_unavailable_range}). {@code reserve_bootmem_region} later marks memblock's reservations reserved.
 *
 * <p>A struct page is written in one pass of eight 8-byte stores ({@code __init_single_page}'s zeroing,
 * {@code set_page_links}, {@code init_page_count}, {@code page_mapcount_reset}, {@code page_cpupid_reset_last},
 * {@code INIT_LIST_HEAD}), straight into the host memory behind the memmap: 16M struct pages (64 GiB) take a
 * fraction of a second. Deferred struct page init is not modelled: every page is initialised here, which is the
 * state a kernel with CONFIG_DEFERRED_STRUCT_PAGE_INIT also reaches once page_alloc_init_late() has run.
 */
public final class MemmapInit {
    /** {@code MEMINIT_EARLY}: boot memory, with holes. */
    public static final int MEMINIT_EARLY = 0;
    /** {@code MEMINIT_HOTPLUG}: hot-added memory, whose pages start reserved. */
    public static final int MEMINIT_HOTPLUG = 1;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    /** {@code _mapcount = -1} and {@code _refcount = 1} as one 8-byte store at offset 48. */
    private static final long MAPCOUNT_REFCOUNT_INIT;

    static {
        if (PageLayout.SIZE != 64 || PageLayout.LRU != 8 || PageLayout.MAPCOUNT != 48 || PageLayout.REFCOUNT != 52
                || PageLayout.MEMCG_DATA != 56) {
            throw new ExceptionInInitializerError("MemmapInit's stores assume the 6.1 LP64 struct page layout");
        }
        MAPCOUNT_REFCOUNT_INIT = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                ? (1L << 32) | 0xffff_ffffL : 0xffff_ffff_0000_0001L;
    }

    private final Buddy buddy;
    private final KernelMemory mem;
    private final MemoryModel model;
    private final PageFlagsLayout flagsLayout;
    private final PageblockFlags pageblockFlags;
    private final ZoneLayout zoneLayout;
    private final String[] zoneNames;
    private final Consumer<String> log;
    private long highestMemmapPfn;
    private long unavailablePages;

    /**
     * @param buddy     the allocator whose memory, model and zones are initialised
     * @param zoneNames {@code zone_names[]} of the config, by zone index ("DMA", "DMA32", "Normal", ...)
     * @param log       receives the kernel's {@code pr_info} lines
     */
    public MemmapInit(Buddy buddy, String[] zoneNames, Consumer<String> log) {
        this.buddy = Objects.requireNonNull(buddy, "buddy");
        this.mem = buddy.mem();
        this.model = buddy.model();
        this.flagsLayout = buddy.flagsLayout();
        this.pageblockFlags = buddy.pageblockFlags();
        this.zoneLayout = buddy.zoneLayout();
        if (zoneNames.length != zoneLayout.maxNrZones) {
            throw new IllegalArgumentException(zoneNames.length + " zone names for MAX_NR_ZONES "
                    + zoneLayout.maxNrZones);
        }
        this.zoneNames = zoneNames.clone();
        this.log = Objects.requireNonNull(log, "log");
    }

    /** {@code highest_memmap_pfn}: the highest pfn memmap_init_range() has initialised. */
    public long highestMemmapPfn() {
        return highestMemmapPfn;
    }

    /** {@code __init_single_page}: one struct page, zeroed and linked to its zone and node, refcount 1. */
    public void initSinglePage(long page, long pfn, int zone, int nid) {
        initPages(page, 1, flagsLayout.initSinglePageFlags(zone, nid));
    }

    /** Writes {@code n} consecutive struct pages from {@code page} as __init_single_page does, with {@code flags}. */
    private void initPages(long page, long n, long flags) {
        MemorySegment seg = mem.slice(page, n * PageLayout.SIZE);
        long lru = page + PageLayout.LRU;
        for (long off = 0, end = n * PageLayout.SIZE; off < end; off += PageLayout.SIZE, lru += PageLayout.SIZE) {
            seg.set(LONG, off, flags);
            seg.set(LONG, off + 8, lru);
            seg.set(LONG, off + 16, lru);
            seg.set(LONG, off + 24, 0L);
            seg.set(LONG, off + 32, 0L);
            seg.set(LONG, off + 40, 0L);
            seg.set(LONG, off + 48, MAPCOUNT_REFCOUNT_INIT);
            seg.set(LONG, off + 56, 0L);
        }
    }

    /**
     * {@code memmap_init_range}: initialises the struct pages of {@code [startPfn, startPfn + size)} in zone
     * {@code zone} of node {@code nid}, and marks every pageblock that starts in the range {@code migratetype}
     * (no zone counters are touched). Hot-plugged pages start reserved. (ZONE_DEVICE ranges, which the kernel
     * initialises only up to their altmap, come from device memory hotplug and are not handled here.)
     */
    public void memmapInitRange(long size, int nid, int zone, long startPfn, long zoneEndPfn, int context,
            int migratetype) {
        if (context != MEMINIT_EARLY && context != MEMINIT_HOTPLUG) {
            throw new IllegalArgumentException("unknown meminit_context " + context);
        }
        if (size <= 0) {
            return;
        }
        long endPfn = startPfn + size;
        checkMemmap(startPfn, endPfn);
        if (highestMemmapPfn < endPfn - 1) {
            highestMemmapPfn = endPfn - 1;
        }
        long flags = flagsLayout.initSinglePageFlags(zone, nid);
        if (context == MEMINIT_HOTPLUG) {
            flags |= 1L << PageFlags.PG_reserved;
        }
        long blockMask = pageblockFlags.pageblockNrPages() - 1;
        for (long pfn = startPfn; pfn < endPfn; ) {
            long chunkEnd = Math.min(endPfn, (pfn | blockMask) + 1);
            long page = model.pfnToPage(pfn);
            initPages(page, chunkEnd - pfn, flags);
            if ((pfn & blockMask) == 0) {
                // usually MOVABLE, so boot-time unmovable allocations are not scattered everywhere
                pageblockFlags.setPageblockMigratetype(page, migratetype);
            }
            pfn = chunkEnd;
        }
    }

    private void checkMemmap(long startPfn, long endPfn) {
        if (startPfn < model.memmapStartPfn() || endPfn > model.memmapEndPfn()) {
            throw new IllegalArgumentException(String.format("pfns [0x%x, 0x%x) are outside the memmap [0x%x, 0x%x)",
                    startPfn, endPfn, model.memmapStartPfn(), model.memmapEndPfn()));
        }
    }

    /**
     * {@code init_unavailable_range}: struct pages of a hole in memblock.memory get zone and node (of the zone the
     * hole is in or next to) and PG_reserved; pageblocks without a memmap are skipped. Prints the kernel's line
     * when it initialised any page.
     *
     * @return the number of pages initialised
     */
    public long initUnavailableRange(long spfn, long epfn, int zone, int node) {
        long flags = flagsLayout.initSinglePageFlags(zone, node) | 1L << PageFlags.PG_reserved;
        long blockMask = pageblockFlags.pageblockNrPages() - 1;
        long pgcnt = 0;
        for (long pfn = spfn; pfn < epfn; ) {
            long blockEnd = (pfn | blockMask) + 1;
            if (!model.pfnValid(pfn & ~blockMask)) {
                pfn = blockEnd;
                continue;
            }
            long chunkEnd = Math.min(epfn, blockEnd);
            checkMemmap(pfn, chunkEnd);
            initPages(model.pfnToPage(pfn), chunkEnd - pfn, flags);
            pgcnt += chunkEnd - pfn;
            pfn = chunkEnd;
        }
        unavailablePages += pgcnt;
        if (pgcnt != 0) {
            log.accept(String.format("On node %d, zone %s: %d pages in unavailable ranges", node, zoneNames[zone],
                    pgcnt));
        }
        return pgcnt;
    }

    /**
     * {@code memmap_init_zone_range}: the part of a memory range that lies in {@code zone}, then the hole between
     * the previous range and this one.
     *
     * @param holePfn where the previous range ended
     * @return the new {@code hole_pfn}: the end of this range within the zone (unchanged when they do not meet)
     */
    public long memmapInitZoneRange(long zone, long startPfn, long endPfn, long holePfn) {
        long zoneStartPfn = buddy.zoneStartPfn(zone);
        long zoneEndPfn = buddy.zoneEndPfn(zone);
        int nid = buddy.zoneToNid(zone);
        int zoneId = buddy.zoneIdx(zone);
        startPfn = Math.clamp(startPfn, zoneStartPfn, zoneEndPfn);
        endPfn = Math.clamp(endPfn, zoneStartPfn, zoneEndPfn);
        if (startPfn >= endPfn) {
            return holePfn;
        }
        memmapInitRange(endPfn - startPfn, nid, zoneId, startPfn, zoneEndPfn, MEMINIT_EARLY,
                KernelConstants.MIGRATE_MOVABLE);
        if (holePfn < startPfn) {
            initUnavailableRange(holePfn, startPfn, zoneId, nid);
        }
        return endPfn;
    }

    /**
     * {@code memmap_init}: every memory range of memblock, in each populated zone of its node; the holes between
     * ranges, and under SPARSEMEM the rest of the last section, become reserved pages of the neighbouring zone.
     *
     * @return the pages initialised in unavailable ranges (the sum of the printed counts)
     */
    public long memmapInit(Memblock memblock) {
        long unavailableBefore = unavailablePages;
        long[] last = {0, 0, 0, 0}; // hole_pfn, zone_id, end_pfn and nid of the last range
        memblock.forEachMemPfnRange(memblock.maxNumNodes(), (startPfn, endPfn, nid) -> {
            if (buddy.nodeData(nid) == 0) {
                throw new IllegalStateException("memmap_init: memory [pfn 0x" + Long.toHexString(startPfn)
                        + "-0x" + Long.toHexString(endPfn) + ") is on node " + nid + ", which has no pglist_data");
            }
            for (int j = 0; j < zoneLayout.maxNrZones; j++) {
                long zone = buddy.zone(nid, j);
                if (!buddy.populatedZone(zone)) {
                    continue;
                }
                last[0] = memmapInitZoneRange(zone, startPfn, endPfn, last[0]);
                last[1] = j;
            }
            last[2] = endPfn;
            last[3] = nid;
        });
        long holePfn = last[0];
        long endPfn = last[2];
        if (model instanceof Sparse sparse) {
            // the hole [memory end, section end) joins the highest zone of the last node
            endPfn = (endPfn + sparse.pagesPerSection() - 1) & -sparse.pagesPerSection();
        }
        if (holePfn < endPfn) {
            initUnavailableRange(holePfn, endPfn, (int) last[1], (int) last[3]);
        }
        return unavailablePages - unavailableBefore;
    }

    /**
     * {@code reserve_bootmem_region}: the struct pages of a memblock reservation (physical {@code [start, end)},
     * widened to whole pages) get PG_reserved, so memblock_free_all() skips them; their {@code lru} is reset so
     * no stale bit 0 looks like a tail page.
     */
    public void reserveBootmemRegion(long start, long end) {
        long startPfn = start >>> KernelConstants.PAGE_SHIFT;
        long endPfn = (end + KernelConstants.PAGE_SIZE - 1)
                >>> KernelConstants.PAGE_SHIFT;
        for (long pfn = startPfn; pfn < endPfn; pfn++) {
            if (model.pfnValid(pfn)) {
                long page = model.pfnToPage(pfn);
                mem.putLong(page + PageLayout.LRU, page + PageLayout.LRU);
                mem.putLong(page + PageLayout.LRU + 8, page + PageLayout.LRU);
                PageFlags.setPageReservedNonAtomic(mem, page);
            }
        }
    }
}
