package dev.kmm.core.proc;

import dev.kmm.arena.layout.KernelConstants;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * {@code /proc/vmstat} of Linux 6.1 (mm/vmstat.c). Zone, NUMA and node counters are the global ones
 * ({@code global_zone_page_state()} and friends, taken as sums over zones and nodes, see {@link MmState});
 * like the kernel it folds pending per-cpu NUMA events but not pending per-cpu zone or node deltas. The two
 * dirty thresholds come from {@code global_dirty_limits()} (mm/page-writeback.c) as seen by a task that is
 * not real-time; the events are {@code all_vm_events()} with pgpgin/pgpgout turned from sectors into kB.
 */
public final class ProcVmstat {
    private ProcVmstat() {
    }

    /** Every counter of this build, in the file's order. */
    public static VmStat read(MmState state) {
        MmReader r = new MmReader(state);
        SequencedMap<String, Long> v = new LinkedHashMap<>();
        List<VmstatText.Item> zone = r.text.zoneStatItems();
        for (int i = 0; i < zone.size(); i++) {
            v.put(zone.get(i).text(), r.globalZonePageState(i));
        }
        List<VmstatText.Item> numa = r.text.numaStatItems();
        for (int i = 0; i < numa.size(); i++) {
            v.put(numa.get(i).text(), r.globalNumaEvent(i));
        }
        List<VmstatText.Item> node = r.text.nodeStatItems();
        for (int i = 0; i < node.size(); i++) {
            long pages = r.globalNodePageState(i);
            if (ProcZoneinfo.printInThp(r, node.get(i))) {
                pages = Long.divideUnsigned(pages, r.config.hpagePmdNr());
            }
            v.put(node.get(i).text(), pages);
        }
        long[] limits = globalDirtyLimits(r);
        v.put("nr_dirty_threshold", limits[1]);
        v.put("nr_dirty_background_threshold", limits[0]);
        List<VmstatText.Item> events = r.text.vmEventItems();
        long[] ev = new long[events.size()];
        state.allVmEvents(ev);
        ev[r.text.vmEventIndex("PGPGIN")] >>>= 1; // sectors -> kbytes
        ev[r.text.vmEventIndex("PGPGOUT")] >>>= 1;
        for (int i = 0; i < events.size(); i++) {
            v.put(events.get(i).text(), ev[i]);
        }
        v.put("nr_unstable", 0L);
        return new VmStat(v);
    }

    /**
     * {@code global_dirty_limits()}: {@code {background, dirty}} thresholds in pages, from
     * {@code global_dirtyable_memory()} and {@code domain_dirty_limits()} for the global domain.
     */
    static long[] globalDirtyLimits(MmReader r) {
        VmSysctls s = r.state.vmSysctls();
        long available = globalDirtyableMemory(r, s);
        long pageSize = KernelConstants.PAGE_SIZE;
        long ratio = (s.dirtyRatio() * pageSize) / 100;
        long bgRatio = (s.dirtyBackgroundRatio() * pageSize) / 100;
        long thresh = s.dirtyBytes() != 0 ? divRoundUp(s.dirtyBytes(), pageSize)
                : Long.divideUnsigned(ratio * available, pageSize);
        long bgThresh = s.dirtyBackgroundBytes() != 0 ? divRoundUp(s.dirtyBackgroundBytes(), pageSize)
                : Long.divideUnsigned(bgRatio * available, pageSize);
        if (Long.compareUnsigned(thresh, 0xffff_ffffL) > 0) {
            thresh = 0xffff_ffffL; // the throttling maths keeps page counts in 32 bits
        }
        if (Long.compareUnsigned(bgThresh, thresh) >= 0) {
            bgThresh = thresh / 2;
        }
        return new long[]{bgThresh, thresh};
    }

    /**
     * {@code global_dirtyable_memory()}: free pages above the reserves plus the file LRU, less free and file
     * highmem unless {@code vm.highmem_is_dirtyable}; never 0.
     */
    private static long globalDirtyableMemory(MmReader r, VmSysctls s) {
        long x = r.globalZonePageState(0);
        x -= Math.min(x, r.totalreservePages());
        x += r.globalNodePageState(KernelConstants.LRU_INACTIVE_FILE);
        x += r.globalNodePageState(KernelConstants.LRU_ACTIVE_FILE);
        if (!s.highmemIsDirtyable()) {
            x -= highmemDirtyableMemory(r, x);
        }
        return x + 1;
    }

    /**
     * {@code highmem_dirtyable_memory()}: over nodes in {@code N_HIGH_MEMORY} (a populated zone below
     * ZONE_MOVABLE, {@code check_for_memory()}), each populated highmem zone's free pages above its high
     * watermark plus its file LRU pages; at most {@code total}. 0 without CONFIG_HIGHMEM.
     */
    private static long highmemDirtyableMemory(MmReader r, long total) {
        int highmem = r.zones.zoneHighmem();
        if (highmem < 0) {
            return 0;
        }
        int inactiveFile = r.zoneItem("NR_ZONE_INACTIVE_FILE");
        int activeFile = r.zoneItem("NR_ZONE_ACTIVE_FILE");
        long x = 0;
        for (int nid : r.nodes) {
            long pgdat = r.pgdat(nid);
            if (!nHighMemory(r, pgdat)) {
                continue;
            }
            for (int i = r.zones.zoneNormal() + 1; i < r.nrZones(); i++) {
                long z = r.zone(pgdat, i);
                if (!r.isHighmemIdx(i) || !r.populated(z)) {
                    continue;
                }
                long nrPages = r.zonePageState(z, 0);
                nrPages -= Math.min(nrPages, r.wmark(z, KernelConstants.WMARK_HIGH));
                nrPages += r.zonePageState(z, inactiveFile);
                nrPages += r.zonePageState(z, activeFile);
                x += nrPages;
            }
        }
        return Math.min(x, total);
    }

    private static boolean nHighMemory(MmReader r, long pgdat) {
        for (int z = 0; z < r.zones.zoneMovable(); z++) {
            if (r.populated(r.zone(pgdat, z))) {
                return true;
            }
        }
        return false;
    }

    private static long divRoundUp(long n, long d) {
        return Long.divideUnsigned(n + d - 1, d);
    }

    /** {@code "%s %lu\n"} per counter. */
    public static String render(VmStat stat) {
        StringBuilder sb = new StringBuilder(stat.counters().size() * 24);
        stat.counters().forEach((name, value) -> sb.append(name).append(' ').append(Fmt.ul(value)).append('\n'));
        return sb.toString();
    }

    /** The text of {@code /proc/vmstat}. */
    public static String show(MmState state) {
        return render(read(state));
    }
}
