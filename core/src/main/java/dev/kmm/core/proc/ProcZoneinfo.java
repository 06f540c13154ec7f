package dev.kmm.core.proc;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PerCpuPagesLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * {@code /proc/zoneinfo} of Linux 6.1 ({@code zoneinfo_show()}, mm/vmstat.c): every zone of every online
 * node, populated or not, since {@code lowmem_reserve_ratio} acts on all of them.
 */
public final class ProcZoneinfo {
    private ProcZoneinfo() {
    }

    /** The zones of every online node, in node then zone order. */
    public static List<ZoneInfo> read(MmState state) {
        MmReader r = new MmReader(state);
        PerCpuPagesLayout pcpl = state.layouts().perCpuPages();
        List<ZoneInfo> out = new ArrayList<>();
        for (int nid : r.nodes) {
            long pgdat = r.pgdat(nid);
            int nodeId = r.nodeId(pgdat);
            int firstPopulated = -1;
            for (int z = 0; z < r.nrZones() && firstPopulated < 0; z++) {
                if (r.populated(r.zone(pgdat, z))) {
                    firstPopulated = z;
                }
            }
            boolean unreclaimable = r.mem.getInt(pgdat + r.pl.kswapdFailures) >= MmReader.MAX_RECLAIM_RETRIES;
            for (int z = 0; z < r.nrZones(); z++) {
                long zone = r.zone(pgdat, z);
                out.add(zoneInfo(r, pcpl, pgdat, nodeId, z, zone, z == firstPopulated, unreclaimable));
            }
        }
        return out;
    }

    private static ZoneInfo zoneInfo(MmReader r, PerCpuPagesLayout pcpl, long pgdat, int nodeId, int idx, long zone,
                                     boolean first, boolean unreclaimable) {
        SequencedMap<String, Long> nodeStats = new LinkedHashMap<>();
        if (first) {
            List<VmstatText.Item> items = r.text.nodeStatItems();
            for (int i = 0; i < items.size(); i++) {
                long pages = r.nodePageState(pgdat, i);
                if (printInThp(r, items.get(i))) {
                    pages = Long.divideUnsigned(pages, r.config.hpagePmdNr());
                }
                nodeStats.put(items.get(i).text(), pages);
            }
        }
        List<Long> protection = new ArrayList<>();
        for (int i = 0; i < r.nrZones(); i++) {
            protection.add(r.lowmemReserve(zone, i));
        }
        SequencedMap<String, Long> zoneStats = new LinkedHashMap<>();
        SequencedMap<String, Long> numaStats = new LinkedHashMap<>();
        List<ZoneInfo.Pageset> pagesets = new ArrayList<>();
        if (r.populated(zone)) {
            List<VmstatText.Item> items = r.text.zoneStatItems();
            for (int i = 0; i < items.size(); i++) {
                zoneStats.put(items.get(i).text(), r.zonePageState(zone, i));
            }
            List<VmstatText.Item> numa = r.text.numaStatItems();
            for (int i = 0; i < numa.size(); i++) {
                numaStats.put(numa.get(i).text(), r.zoneNumaEvent(zone, i));
            }
            long pcpBase = r.mem.getLong(zone + r.zl.perCpuPageset);
            long zsBase = r.mem.getLong(zone + r.zl.perCpuZonestats);
            for (int cpu : r.cpus) {
                long off = r.state.perCpuOffset(cpu);
                long pcp = pcpBase + off;
                pagesets.add(new ZoneInfo.Pageset(cpu, r.mem.getInt(pcp + pcpl.count), r.mem.getInt(pcp + pcpl.high),
                        r.mem.getInt(pcp + pcpl.batch), r.mem.getByte(zsBase + off + r.zsl.statThreshold)));
            }
        }
        return new ZoneInfo(nodeId, r.zoneName(idx), nodeStats, r.zonePageState(zone, 0), r.boost(zone),
                r.wmark(zone, KernelConstants.WMARK_MIN), r.wmark(zone, KernelConstants.WMARK_LOW),
                r.wmark(zone, KernelConstants.WMARK_HIGH), r.spanned(zone), r.present(zone), r.managed(zone),
                r.cma(zone), protection, zoneStats, numaStats, pagesets, unreclaimable, r.startPfn(zone));
    }

    /** {@code vmstat_item_print_in_thp()}: THP counters are kept in pages and printed in huge pages. */
    static boolean printInThp(MmReader r, VmstatText.Item item) {
        if (!r.config.has(Kconfig.TRANSPARENT_HUGEPAGE)) {
            return false;
        }
        return switch (item.enumName()) {
            case "NR_ANON_THPS", "NR_FILE_THPS", "NR_SHMEM_THPS", "NR_SHMEM_PMDMAPPED", "NR_FILE_PMDMAPPED" -> true;
            default -> false;
        };
    }

    /** The file's text for these zones, as {@code zoneinfo_show_print()} prints each. */
    public static String render(List<ZoneInfo> zones) {
        StringBuilder sb = new StringBuilder(zones.size() * 2048);
        for (ZoneInfo z : zones) {
            sb.append("Node ").append(z.nodeId()).append(", zone ").append(Fmt.right(z.zoneName(), 8));
            if (!z.nodeStats().isEmpty()) {
                sb.append("\n  per-node stats");
                stats(sb, z.nodeStats());
            }
            sb.append("\n  pages free     ").append(Fmt.ul(z.pagesFree()))
                    .append("\n        boost    ").append(Fmt.ul(z.boost()))
                    .append("\n        min      ").append(Fmt.ul(z.min()))
                    .append("\n        low      ").append(Fmt.ul(z.low()))
                    .append("\n        high     ").append(Fmt.ul(z.high()))
                    .append("\n        spanned  ").append(Fmt.ul(z.spanned()))
                    .append("\n        present  ").append(Fmt.ul(z.present()))
                    .append("\n        managed  ").append(Fmt.ul(z.managed()))
                    .append("\n        cma      ").append(Fmt.ul(z.cma()))
                    .append("\n        protection: (");
            for (int i = 0; i < z.protection().size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(z.protection().get(i).longValue());
            }
            sb.append(')');
            if (!z.populated()) {
                sb.append('\n');
                continue;
            }
            stats(sb, z.zoneStats());
            stats(sb, z.numaStats());
            sb.append("\n  pagesets");
            for (ZoneInfo.Pageset p : z.pagesets()) {
                sb.append("\n    cpu: ").append(p.cpu())
                        .append("\n              count: ").append(p.count())
                        .append("\n              high:  ").append(p.high())
                        .append("\n              batch: ").append(p.batch())
                        .append("\n  vm stats threshold: ").append(p.statThreshold());
            }
            sb.append("\n  node_unreclaimable:  ").append(z.nodeUnreclaimable() ? 1 : 0)
                    .append("\n  start_pfn:           ").append(Fmt.ul(z.startPfn()))
                    .append('\n');
        }
        return sb.toString();
    }

    private static void stats(StringBuilder sb, SequencedMap<String, Long> stats) {
        stats.forEach((name, value) -> sb.append("\n      ").append(Fmt.left(name, 12)).append(' ').append(Fmt.ul(value)));
    }

    /** The text of {@code /proc/zoneinfo}. */
    public static String show(MmState state) {
        return render(read(state));
    }
}
