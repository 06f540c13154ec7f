package dev.kmm.core.proc;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code /proc/pagetypeinfo} of Linux 6.1 (mm/vmstat.c): per online node with memory, the free lists counted
 * by walking them and the pageblocks counted by migrate type, and with {@code page_owner=on} the pageblocks that
 * hold allocations of another migrate type ("Number of mixed blocks"). The kernel drains the pcp lists before that
 * count; a page on a pcp list counts as free either way, so kmm does not.
 */
public final class ProcPagetypeinfo {
    private ProcPagetypeinfo() {
    }

    /** One entry per online node that has memory ({@code N_MEMORY}); memoryless nodes print nothing. */
    public static List<PageTypeInfo> read(MmState state) {
        MmReader r = new MmReader(state);
        List<String> types = r.config.migratetypeNames();
        int maxOrder = r.config.maxOrder();
        long pageblockNrPages = 1L << r.config.pageblockOrder();
        List<PageTypeInfo> out = new ArrayList<>();
        for (int nid : r.nodes) {
            long pgdat = r.pgdat(nid);
            if (!r.nodeHasMemory(pgdat)) {
                continue;
            }
            List<PageTypeInfo.FreeCounts> free = new ArrayList<>();
            List<PageTypeInfo.BlockCounts> blocks = new ArrayList<>();
            for (int z = 0; z < r.nrZones(); z++) {
                long zone = r.zone(pgdat, z);
                if (!r.populated(zone)) {
                    continue;
                }
                for (int mt = 0; mt < types.size(); mt++) {
                    List<Long> counts = new ArrayList<>(maxOrder);
                    for (int order = 0; order < maxOrder; order++) {
                        counts.add(countFreeList(r, zone + r.zl.freeListOffset(order, mt)));
                    }
                    free.add(new PageTypeInfo.FreeCounts(r.zoneName(z), types.get(mt), counts));
                }
                blocks.add(new PageTypeInfo.BlockCounts(r.zoneName(z), countBlocks(r, zone, types.size(), pageblockNrPages)));
            }
            out.add(new PageTypeInfo(r.nodeId(pgdat), r.config.pageblockOrder(), maxOrder, types, free, blocks));
        }
        return out;
    }

    /** {@code list_for_each()} over one free list, stopping at {@link PageTypeInfo#FREECOUNT_CAP}. */
    private static long countFreeList(MmReader r, long head) {
        long count = 0;
        for (long curr = r.mem.getLong(head); curr != head; curr = r.mem.getLong(curr)) {
            if (++count >= PageTypeInfo.FREECOUNT_CAP) {
                break;
            }
        }
        return count;
    }

    /**
     * {@code pagetypeinfo_showblockcount_print()}: every {@code pageblock_nr_pages}-th pfn from the zone start,
     * skipping holes and pages of another zone (zones of different nodes may interleave).
     */
    private static List<Long> countBlocks(MmReader r, long zone, int migrateTypes, long pageblockNrPages) {
        long[] count = new long[migrateTypes];
        long start = r.startPfn(zone);
        long end = start + r.spanned(zone);
        for (long pfn = start; Long.compareUnsigned(pfn, end) < 0; pfn += pageblockNrPages) {
            long page = r.state.pfnToOnlinePage(pfn);
            if (page == 0 || r.state.pageZone(page) != zone) {
                continue;
            }
            int mt = r.state.getPageblockMigratetype(page);
            if (mt >= 0 && mt < migrateTypes) {
                count[mt]++;
            }
        }
        List<Long> out = new ArrayList<>(migrateTypes);
        for (long c : count) {
            out.add(c);
        }
        return out;
    }

    /** The text of these nodes, each with its own header as {@code pagetypeinfo_show()} prints it. */
    public static String render(List<PageTypeInfo> nodes) {
        StringBuilder sb = new StringBuilder();
        for (PageTypeInfo n : nodes) {
            sb.append("Page block order: ").append(n.pageblockOrder()).append('\n')
                    .append("Pages per block:  ").append(Fmt.ul(n.pagesPerBlock())).append('\n')
                    .append('\n')
                    .append(Fmt.left("Free pages count per migrate type at order", 43)).append(' ');
            for (int order = 0; order < n.maxOrder(); order++) {
                sb.append(Fmt.right(Integer.toString(order), 6)).append(' ');
            }
            sb.append('\n');
            for (PageTypeInfo.FreeCounts f : n.free()) {
                sb.append("Node ").append(Fmt.right(Integer.toString(n.nodeId()), 4)).append(", zone ")
                        .append(Fmt.right(f.zoneName(), 8)).append(", type ").append(Fmt.right(f.migratetype(), 12)).append(' ');
                for (long c : f.counts()) {
                    sb.append(c >= PageTypeInfo.FREECOUNT_CAP ? ">" : "").append(Fmt.ul(c, 6)).append(' ');
                }
                sb.append('\n');
            }
            sb.append('\n').append(Fmt.left("Number of blocks type ", 23));
            for (String t : n.migratetypes()) {
                sb.append(Fmt.right(t, 12)).append(' ');
            }
            sb.append('\n');
            for (PageTypeInfo.BlockCounts b : n.blocks()) {
                sb.append("Node ").append(n.nodeId()).append(", zone ").append(Fmt.right(b.zoneName(), 8)).append(' ');
                for (long c : b.counts()) {
                    sb.append(Fmt.ul(c, 12)).append(' ');
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /** The text of {@code /proc/pagetypeinfo}. */
    public static String show(MmState state) {
        List<PageTypeInfo> nodes = read(state);
        if (state.pageOwner().isEmpty()) {
            return render(nodes);
        }
        MmReader r = new MmReader(state);
        StringBuilder sb = new StringBuilder();
        for (PageTypeInfo n : nodes) {
            sb.append(render(List.of(n)));
            // pagetypeinfo_showmixedcount()
            sb.append('\n').append(Fmt.left("Number of mixed blocks ", 23));
            for (String t : n.migratetypes()) {
                sb.append(Fmt.right(t, 12)).append(' ');
            }
            sb.append('\n');
            long pgdat = r.pgdat(n.nodeId());
            for (int z = 0; z < r.nrZones(); z++) {
                long zone = r.zone(pgdat, z);
                if (!r.populated(zone)) {
                    continue;
                }
                sb.append("Node ").append(n.nodeId()).append(", zone ").append(Fmt.right(r.zoneName(z), 8)).append(' ');
                for (long c : state.pageOwner().get().mixedBlockCounts(zone)) {
                    sb.append(Fmt.ul(c, 12)).append(' ');
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
