package dev.kmm.core.proc;

import java.util.ArrayList;
import java.util.List;

/**
 * Debugfs {@code extfrag/unusable_index} and {@code extfrag/extfrag_index} of Linux 6.1 (mm/vmstat.c, built with
 * CONFIG_DEBUG_FS and CONFIG_COMPACTION): per populated zone and order, how much of the free memory cannot serve
 * an allocation of that order, and whether a failing allocation of that order fails for fragmentation or for
 * lack of memory. Both are computed from {@code free_area[order].nr_free} alone, the counts
 * {@code /proc/buddyinfo} prints, so they are read from the same rows.
 */
public final class ProcExtfrag {
    private ProcExtfrag() {
    }

    /**
     * {@code struct contig_page_info}: a zone's free memory seen from one order.
     *
     * @param freePages          free base pages
     * @param freeBlocksTotal    free blocks of every order
     * @param freeBlocksSuitable free blocks counted in units of the order: a free block of a higher order holds
     *                           {@code 1 << (higher - order)} of them
     */
    public record ContigPageInfo(long freePages, long freeBlocksTotal, long freeBlocksSuitable) {
        /** {@code fill_contig_page_info(zone, suitable_order, info)} over the zone's {@code nr_free} per order. */
        public static ContigPageInfo fill(List<Long> nrFree, int suitableOrder) {
            long freePages = 0;
            long total = 0;
            long suitable = 0;
            for (int order = 0; order < nrFree.size(); order++) {
                long blocks = nrFree.get(order);
                total += blocks;
                freePages += blocks << order;
                if (order >= suitableOrder) {
                    suitable += blocks << (order - suitableOrder);
                }
            }
            return new ContigPageInfo(freePages, total, suitable);
        }

        /**
         * {@code unusable_free_index(order, info)}: the share of free pages, in thousandths, that lie in blocks
         * smaller than {@code 1 << order}; 1000 when nothing is free.
         */
        public int unusableFreeIndex(int order) {
            if (freePages == 0) {
                return 1000;
            }
            return (int) Long.divideUnsigned((freePages - (freeBlocksSuitable << order)) * 1000, freePages);
        }

        /**
         * {@code __fragmentation_index(order, info)}: 0 without free blocks, -1000 when a suitable block exists
         * (the allocation would succeed), else {@code 1000 - (1000 + free_pages * 1000 / 2^order) / blocks}.
         * The arithmetic is the kernel's unsigned 64-bit one, truncated to int; {@code div_u64} divides by a
         * 32-bit divisor, which no zone's block count exceeds.
         */
        public int fragmentationIndex(int order) {
            long requested = 1L << order;
            if (freeBlocksTotal == 0) {
                return 0;
            }
            if (freeBlocksSuitable != 0) {
                return -1000;
            }
            long perRequest = Long.divideUnsigned(freePages * 1000, requested & 0xffffffffL);
            return (int) (1000 - Long.divideUnsigned(1000 + perRequest, freeBlocksTotal & 0xffffffffL));
        }
    }

    /** One row per populated zone of every online node, the rows of {@code /proc/buddyinfo}. */
    public static List<ExtfragInfo> read(MmState state) {
        return of(ProcBuddyinfo.read(state));
    }

    /** The indices of the zones whose free counts {@code rows} hold. */
    public static List<ExtfragInfo> of(List<BuddyInfo> rows) {
        List<ExtfragInfo> out = new ArrayList<>(rows.size());
        for (BuddyInfo b : rows) {
            int maxOrder = b.nrFree().size();
            List<Integer> unusable = new ArrayList<>(maxOrder);
            List<Integer> extfrag = new ArrayList<>(maxOrder);
            for (int order = 0; order < maxOrder; order++) {
                ContigPageInfo info = ContigPageInfo.fill(b.nrFree(), order);
                unusable.add(info.unusableFreeIndex(order));
                extfrag.add(info.fragmentationIndex(order));
            }
            out.add(new ExtfragInfo(b.nodeId(), b.zoneName(), unusable, extfrag));
        }
        return out;
    }

    /** {@code unusable_show_print()}: {@code "Node %d, zone %8s "}, then {@code "%d.%03d "} per order. */
    public static String renderUnusable(List<ExtfragInfo> rows) {
        StringBuilder sb = new StringBuilder();
        for (ExtfragInfo r : rows) {
            head(sb, r);
            for (int index : r.unusableIndex()) {
                thousandths(sb, index, 0).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code extfrag_show_print()}: {@code "Node %d, zone %8s "}, then {@code "%2d.%03d "} per order, so -1000
     * prints {@code -1.000} and 955 {@code " 0.955"}. The C format of a negative index above -1000 is kept too:
     * -500 prints {@code " 0.-500"}, as the kernel does for a zone with very few free blocks.
     */
    public static String renderExtfrag(List<ExtfragInfo> rows) {
        StringBuilder sb = new StringBuilder();
        for (ExtfragInfo r : rows) {
            head(sb, r);
            for (int index : r.fragmentationIndex()) {
                thousandths(sb, index, 2).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The text of {@code /sys/kernel/debug/extfrag/unusable_index}. */
    public static String showUnusable(MmState state) {
        return renderUnusable(read(state));
    }

    /** The text of {@code /sys/kernel/debug/extfrag/extfrag_index}. */
    public static String showExtfrag(MmState state) {
        return renderExtfrag(read(state));
    }

    private static void head(StringBuilder sb, ExtfragInfo r) {
        sb.append("Node ").append(r.nodeId()).append(", zone ").append(Fmt.right(r.zoneName(), 8)).append(' ');
    }

    /** {@code "%<width>d.%03d"} of {@code index / 1000} and {@code index % 1000}, with C's truncating division. */
    private static StringBuilder thousandths(StringBuilder sb, int index, int width) {
        return sb.append(Fmt.d(index / 1000, width, false)).append('.').append(Fmt.d(index % 1000, 3, true));
    }
}
