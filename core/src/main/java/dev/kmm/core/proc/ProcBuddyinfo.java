package dev.kmm.core.proc;

import java.util.ArrayList;
import java.util.List;

/** {@code /proc/buddyinfo} of Linux 6.1 ({@code frag_show()}, mm/vmstat.c): populated zones only. */
public final class ProcBuddyinfo {
    private ProcBuddyinfo() {
    }

    /** One row per populated zone of every online node. */
    public static List<BuddyInfo> read(MmState state) {
        MmReader r = new MmReader(state);
        List<BuddyInfo> out = new ArrayList<>();
        for (int nid : r.nodes) {
            long pgdat = r.pgdat(nid);
            for (int z = 0; z < r.nrZones(); z++) {
                long zone = r.zone(pgdat, z);
                if (!r.populated(zone)) {
                    continue;
                }
                List<Long> nrFree = new ArrayList<>(r.config.maxOrder());
                for (int order = 0; order < r.config.maxOrder(); order++) {
                    nrFree.add(r.mem.getLong(zone + r.zl.nrFreeOffset(order)));
                }
                out.add(new BuddyInfo(r.nodeId(pgdat), r.zoneName(z), nrFree));
            }
        }
        return out;
    }

    /** {@code "Node %d, zone %8s "}, then {@code "%6lu "} per order, then a newline, per row. */
    public static String render(List<BuddyInfo> rows) {
        StringBuilder sb = new StringBuilder();
        for (BuddyInfo b : rows) {
            sb.append("Node ").append(b.nodeId()).append(", zone ").append(Fmt.right(b.zoneName(), 8)).append(' ');
            for (long n : b.nrFree()) {
                sb.append(Fmt.ul(n, 6)).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The text of {@code /proc/buddyinfo}. */
    public static String show(MmState state) {
        return render(read(state));
    }
}
