package dev.kmm.core.vmstat;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.PerCpuZonestatLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import java.util.Objects;

/**
 * The page allocator's side of Linux 6.1's mm/vmstat.c and include/linux/vmstat.h: zone counters with per-cpu
 * deltas ({@code __mod_zone_page_state}), the per-cpu vm events ({@code __count_vm_events},
 * {@code __count_zid_vm_events}) and the NUMA events of {@code zone_statistics}.
 *
 * <p>A zone counter lives in {@code zone->vm_stat[item]}; each CPU keeps a signed byte of pending delta in its
 * {@code per_cpu_zonestat.vm_stat_diff[item]} (reached through the percpu pointer {@code zone->per_cpu_zonestats})
 * and folds it into the zone once it passes that CPU's {@code stat_threshold}. The zone value is therefore off by
 * at most {@code threshold} per CPU, as in the kernel; {@link #zonePageStateSnapshot} adds the pending deltas.
 * The global {@code vm_zone_stat[]} is not kept: it is the sum over zones.
 *
 * <p>The per-cpu parts belong to their CPU: only a thread inside that CPU context changes them, without atomics.
 * Readers on other CPUs see racy but untorn values, as the kernel's do.
 *
 * <p>vm events are {@code vm_event_states.event[NR_VM_EVENT_ITEMS]}, a per-cpu array of unsigned longs placed in
 * the per-cpu areas. Of {@code enum vm_event_item} the allocator counts {@code PGALLOC_<zone>} (which starts at
 * index 4, after PGPGIN, PGPGOUT, PSWPIN, PSWPOUT, one item per configured zone) and {@code PGFREE} (after the
 * three per-zone groups PGALLOC, ALLOCSTALL, PGSCAN_SKIP).
 */
public final class Vmstat {
    /** {@code enum zone_stat_item}: {@code NR_FREE_PAGES}. */
    public static final int NR_FREE_PAGES = 0;
    /** {@code enum numa_stat_item}: {@code NUMA_HIT}. */
    public static final int NUMA_HIT = 0;
    /** {@code NUMA_MISS}: allocated here although the preferred node was another. */
    public static final int NUMA_MISS = 1;
    /** {@code NUMA_FOREIGN}: meant for this node, allocated elsewhere. */
    public static final int NUMA_FOREIGN = 2;
    /** {@code NUMA_LOCAL}: allocated on the node of the allocating CPU. */
    public static final int NUMA_LOCAL = 4;
    /** {@code NUMA_OTHER}: allocated on another node than the allocating CPU's. */
    public static final int NUMA_OTHER = 5;
    /** {@code PGALLOC_<first zone>}: the index of the first per-zone PGALLOC event. */
    public static final int PGALLOC_FIRST = 4;

    private final KernelMemory mem;
    private final CpuContexts cpus;
    private final long vmStat;
    private final long perCpuZonestats;
    private final long vmStatDiff;
    private final long statThreshold;
    private final long vmNumaEvent;
    private final long zoneNode;
    private final int nrZoneStatItems;
    private final int nrNumaEventItems;
    private final int nrVmEventItems;
    private final int pgfree;
    private final long events;
    private final int[] cpuToNode;

    /**
     * Reserves {@code vm_event_states} in every CPU's per-cpu area.
     *
     * @param nrVmEventItems {@code NR_VM_EVENT_ITEMS} of the build (at least PGFREE + 1)
     * @param cpuToNode      {@code cpu_to_node(cpu)} of every CPU
     */
    public Vmstat(KernelMemory mem, KernelLayouts layouts, CpuContexts cpus, int nrVmEventItems, int[] cpuToNode) {
        this.mem = Objects.requireNonNull(mem, "mem");
        this.cpus = Objects.requireNonNull(cpus, "cpus");
        ZoneLayout zl = layouts.zone();
        PerCpuZonestatLayout zs = layouts.perCpuZonestat();
        this.vmStat = zl.vmStat;
        this.perCpuZonestats = zl.perCpuZonestats;
        this.vmStatDiff = zs.vmStatDiff;
        this.statThreshold = zs.statThreshold;
        this.vmNumaEvent = zs.vmNumaEvent;
        this.zoneNode = zl.node;
        this.nrZoneStatItems = zl.nrVmZoneStatItems;
        this.nrNumaEventItems = layouts.config().nrVmNumaEventItems();
        this.pgfree = PGALLOC_FIRST + 3 * zl.maxNrZones;
        if (nrVmEventItems <= pgfree) {
            throw new IllegalArgumentException("NR_VM_EVENT_ITEMS " + nrVmEventItems + " leaves no room for PGFREE ("
                    + pgfree + ") with " + zl.maxNrZones + " zones");
        }
        if (cpuToNode.length != cpus.nrCpuIds()) {
            throw new IllegalArgumentException("cpu_to_node has " + cpuToNode.length + " entries for "
                    + cpus.nrCpuIds() + " CPUs");
        }
        this.nrVmEventItems = nrVmEventItems;
        this.cpuToNode = cpuToNode.clone();
        this.events = cpus.areas().reserve((long) nrVmEventItems * Long.BYTES, Long.BYTES);
    }

    /** {@code NR_VM_EVENT_ITEMS}. */
    public int nrVmEventItems() {
        return nrVmEventItems;
    }

    /** {@code PGFREE}'s index in {@code enum vm_event_item}. */
    public int pgfree() {
        return pgfree;
    }

    /** {@code cpu_to_node(cpu)}. */
    public int cpuToNode(int cpu) {
        return cpuToNode[cpu];
    }

    private long diffVa(Cpu cpu, long zone, int item) {
        return cpu.thisCpuPtr(mem.getLong(zone + perCpuZonestats)) + vmStatDiff + item;
    }

    /**
     * {@code __mod_zone_page_state}: adds {@code delta} to this CPU's pending delta and folds it into the zone
     * when its magnitude passes the CPU's {@code stat_threshold}.
     */
    public void modZonePageState(Cpu cpu, long zone, int item, long delta) {
        long pzstats = cpu.thisCpuPtr(mem.getLong(zone + perCpuZonestats));
        long p = pzstats + vmStatDiff + item;
        long x = delta + mem.getByte(p);
        long t = mem.getByte(pzstats + statThreshold);
        if (Math.abs(x) > t) {
            mem.getAndAddLong(zone + vmStat + (long) item * Long.BYTES, x);
            x = 0;
        }
        mem.putByte(p, (byte) x);
    }

    /** This CPU's pending delta of a zone counter. */
    public int pendingDelta(Cpu cpu, long zone, int item) {
        return mem.getByte(diffVa(cpu, zone, item));
    }

    /** {@code zone_page_state}: the zone counter without pending per-cpu deltas, never below 0 (SMP). */
    public long zonePageState(long zone, int item) {
        return Math.max(0, mem.getLongVolatile(zone + vmStat + (long) item * Long.BYTES));
    }

    /** {@code zone_page_state_snapshot}: the zone counter plus every CPU's pending delta, never below 0. */
    public long zonePageStateSnapshot(long zone, int item) {
        long x = mem.getLongVolatile(zone + vmStat + (long) item * Long.BYTES);
        long ptr = mem.getLong(zone + perCpuZonestats);
        for (int cpu = 0; cpu < cpus.nrCpuIds(); cpu++) {
            x += mem.getByte(cpus.perCpuPtr(ptr, cpu) + vmStatDiff + item);
        }
        return Math.max(0, x);
    }

    /**
     * Folds every CPU's pending zone deltas of {@code zone} into the zone, as {@code cpu_vm_stats_fold} does for a
     * CPU going offline. The caller makes sure no CPU changes them meanwhile (a quiescent machine).
     */
    public void foldZone(long zone) {
        long ptr = mem.getLong(zone + perCpuZonestats);
        for (int cpu = 0; cpu < cpus.nrCpuIds(); cpu++) {
            long diff = cpus.perCpuPtr(ptr, cpu) + vmStatDiff;
            for (int item = 0; item < nrZoneStatItems; item++) {
                int v = mem.getByte(diff + item);
                if (v != 0) {
                    mem.putByte(diff + item, (byte) 0);
                    mem.getAndAddLong(zone + vmStat + (long) item * Long.BYTES, v);
                }
            }
        }
    }

    /** Sets {@code stat_threshold} of every CPU for {@code zone}, as {@code refresh_zone_stat_thresholds} does. */
    public void setStatThreshold(long zone, int threshold) {
        if (threshold < 0 || threshold > StatThresholds.MAX_THRESHOLD) {
            throw new IllegalArgumentException("stat_threshold " + threshold + " is outside 0.."
                    + StatThresholds.MAX_THRESHOLD);
        }
        long ptr = mem.getLong(zone + perCpuZonestats);
        for (int cpu = 0; cpu < cpus.nrCpuIds(); cpu++) {
            mem.putByte(cpus.perCpuPtr(ptr, cpu) + statThreshold, (byte) threshold);
        }
    }

    /** {@code __count_vm_events(item, delta)} on this CPU. */
    public void countVmEvents(Cpu cpu, int item, long delta) {
        long va = cpu.thisCpuPtr(events) + (long) item * Long.BYTES;
        mem.putLong(va, mem.getLong(va) + delta);
    }

    /**
     * Adds {@code delta} to CPU {@code cpu}'s count of {@code item} from outside its context: for boot, which
     * counts on the boot CPU before any thread has entered it.
     */
    public void addVmEvent(int cpu, int item, long delta) {
        long va = cpus.perCpuPtr(events, Objects.checkIndex(cpu, cpus.nrCpuIds())) + (long) Objects.checkIndex(item,
                nrVmEventItems) * Long.BYTES;
        mem.putLong(va, mem.getLong(va) + delta);
    }

    /** {@code __count_zid_vm_events(PGALLOC, zid, delta)}. */
    public void countPgalloc(Cpu cpu, int zid, long delta) {
        countVmEvents(cpu, PGALLOC_FIRST + zid, delta);
    }

    /** {@code __count_vm_events(PGFREE, delta)}. */
    public void countPgfree(Cpu cpu, long delta) {
        countVmEvents(cpu, pgfree, delta);
    }

    /** {@code sum_vm_event(item)}: the event summed over the CPUs. */
    public long sumVmEvent(int item) {
        long sum = 0;
        for (int cpu = 0; cpu < cpus.nrCpuIds(); cpu++) {
            sum += mem.getLong(cpus.perCpuPtr(events, cpu) + (long) item * Long.BYTES);
        }
        return sum;
    }

    /** {@code all_vm_events(ret)}: every event summed over the CPUs; {@code ret} must hold NR_VM_EVENT_ITEMS. */
    public void allVmEvents(long[] ret) {
        if (ret.length < nrVmEventItems) {
            throw new IllegalArgumentException("all_vm_events needs " + nrVmEventItems + " slots, got " + ret.length);
        }
        for (int item = 0; item < nrVmEventItems; item++) {
            ret[item] = sumVmEvent(item);
        }
    }

    /**
     * {@code zone_statistics}: with NUMA, counts the allocation of {@code nrAccount} pages in {@code z} as a hit or
     * a miss of the preferred zone's node (and a foreign allocation of that node), and as local or other to the
     * allocating CPU's node. Without NUMA there are no such events.
     */
    public void zoneStatistics(Cpu cpu, long preferredZone, long z, long nrAccount) {
        if (nrNumaEventItems == 0) {
            return;
        }
        int zNid = mem.getInt(z + zoneNode);
        int preferredNid = mem.getInt(preferredZone + zoneNode);
        int localStat = zNid != cpuToNode[cpu.id()] ? NUMA_OTHER : NUMA_LOCAL;
        if (zNid == preferredNid) {
            countNumaEvents(cpu, z, NUMA_HIT, nrAccount);
        } else {
            countNumaEvents(cpu, z, NUMA_MISS, nrAccount);
            countNumaEvents(cpu, preferredZone, NUMA_FOREIGN, nrAccount);
        }
        countNumaEvents(cpu, z, localStat, nrAccount);
    }

    /** {@code __count_numa_events}: this CPU's {@code vm_numa_event[item]} of {@code zone}. */
    public void countNumaEvents(Cpu cpu, long zone, int item, long delta) {
        long va = cpu.thisCpuPtr(mem.getLong(zone + perCpuZonestats)) + vmNumaEvent + (long) item * Long.BYTES;
        mem.putLong(va, mem.getLong(va) + delta);
    }
}
