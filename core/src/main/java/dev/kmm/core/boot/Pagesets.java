package dev.kmm.core.boot;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.PerCpuNodestatLayout;
import dev.kmm.arena.layout.PerCpuPagesLayout;
import dev.kmm.arena.layout.PerCpuZonestatLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import dev.kmm.core.pagealloc.FreeAreaInit;
import dev.kmm.core.pagealloc.Watermarks;
import dev.kmm.core.pagealloc.ZoneLimits;
import dev.kmm.core.percpu.PcpuFirstChunk;

/**
 * The per-CPU pagesets and vmstat diffs of 6.1: {@code zone_pcp_init()} points every zone at the static
 * {@code boot_pageset}/{@code boot_zonestats}; {@code setup_per_cpu_pageset()} then gives each populated zone
 * its own {@code struct per_cpu_pages} and {@code struct per_cpu_zonestat} per CPU ({@code alloc_percpu}),
 * initialised by {@code per_cpu_pages_init()}, and each node a {@code struct per_cpu_nodestat}; the
 * watermark code later sets each CPU's {@code high}/{@code batch} ({@code pageset_update()}) and
 * {@code stat_threshold} ({@code refresh_zone_stat_thresholds()}).
 *
 * <p>Everything lives in the first chunk's units in simulated RAM, placed through {@link PerCpuAreas}: the boot
 * copies at the start of the static area, the dynamic allocations bump-allocated from the start of the dynamic
 * area (kmm has no dynamic percpu allocator, so the offsets, not the sizes, differ from the kernel's). Percpu pointers are
 * zero-based, as on x86_64: the pointer is the offset inside a unit and {@code __per_cpu_offset[cpu]} is the
 * unit's VA. (On arm the kernel's pointers are {@code __per_cpu_start}-relative; only their numeric value
 * differs.)
 */
public final class Pagesets {
    /** {@code SMP_CACHE_BYTES}: {@code struct per_cpu_pages} is {@code ____cacheline_aligned_in_smp}. */
    private static final long CACHELINE = 64;

    private final KernelMemory mem;
    private final KernelLayouts layouts;
    private final PerCpuAreas areas;
    private final long bootPageset;
    private final long bootZonestats;

    private Pagesets(KernelMemory mem, KernelLayouts layouts, PerCpuAreas areas, long bootPageset, long bootZonestats) {
        this.mem = mem;
        this.layouts = layouts;
        this.areas = areas;
        this.bootPageset = bootPageset;
        this.bootZonestats = bootZonestats;
    }

    /**
     * {@code zone_pcp_init()} for every zone: {@code boot_pageset} and {@code boot_zonestats}, static per-CPU
     * variables, with the boot limits (high 0, batch 1: every page freed goes straight back to the buddy lists),
     * and every zone pointing at them until {@link #setupPerCpuPageset}.
     */
    static Pagesets zonePcpInit(EarlyBoot b, NodeStructs structs, PerCpuAreas areas) {
        KernelMemory mem = b.memory();
        KernelLayouts layouts = b.layouts();
        long bootPageset = areas.reserve(layouts.perCpuPages().size, CACHELINE);
        long bootZonestats = areas.reserve(layouts.perCpuZonestat().size, 8);
        Pagesets p = new Pagesets(mem, layouts, areas, bootPageset, bootZonestats);
        for (int cpu = 0; cpu < areas.nrCpus(); cpu++) {
            p.perCpuPagesInit(p.perCpuPtr(bootPageset, cpu), Watermarks.PcpLimits.BOOT_PAGESET);
            p.zeroPerCpu(bootZonestats, layouts.perCpuZonestat().size, cpu);
        }
        for (FreeAreaInit.NodeInit node : b.zones().nodes()) {
            for (FreeAreaInit.ZoneInit zi : node.zones()) {
                long zone = structs.zone(node.nid(), zi.zoneType());
                mem.putLong(zone + layouts.zone().perCpuPageset, bootPageset);
                mem.putLong(zone + layouts.zone().perCpuZonestats, bootZonestats);
            }
        }
        return p;
    }

    /**
     * {@code setup_per_cpu_pageset()}: the populated zones get their own per-CPU pagesets and statistics and
     * every node its per-CPU node statistics, from the first chunk's dynamic area.
     *
     * @throws IllegalStateException when the static variables placed so far overflow the static area, or the
     *                               structures the dynamic area
     */
    void setupPerCpuPageset(EarlyBoot b, NodeStructs structs, PcpuFirstChunk.Result pcpu) {
        PerCpuPagesLayout pcpL = layouts.perCpuPages();
        PerCpuZonestatLayout zsL = layouts.perCpuZonestat();
        PerCpuNodestatLayout nsL = layouts.perCpuNodestat();
        long staticEnd = pcpu.ai().staticSize() + pcpu.ai().reservedSize();
        if (areas.reserved() > staticEnd) {
            throw new IllegalStateException("percpu: the static per-CPU variables need " + areas.reserved()
                    + " bytes, more than the first chunk's " + staticEnd + " static and reserved bytes");
        }
        areas.reserveUpTo(staticEnd);
        for (FreeAreaInit.NodeInit node : b.zones().nodes()) {
            for (FreeAreaInit.ZoneInit zi : node.zones()) {
                if (zi.presentPages() == 0) { // for_each_populated_zone: setup_zone_pageset()
                    continue;
                }
                long zone = structs.zone(node.nid(), zi.zoneType());
                long pageset = areas.reserve(pcpL.size, CACHELINE);
                long zonestats = areas.reserve(zsL.size, 8);
                for (int cpu = 0; cpu < areas.nrCpus(); cpu++) {
                    zeroPerCpu(zonestats, zsL.size, cpu);
                    perCpuPagesInit(perCpuPtr(pageset, cpu), Watermarks.PcpLimits.BOOT_PAGESET);
                }
                mem.putLong(zone + layouts.zone().perCpuPageset, pageset);
                mem.putLong(zone + layouts.zone().perCpuZonestats, zonestats);
            }
            long nodestats = areas.reserve(nsL.size, 8);
            for (int cpu = 0; cpu < areas.nrCpus(); cpu++) {
                zeroPerCpu(nodestats, nsL.size, cpu);
            }
            mem.putLong(structs.pgdat(node.nid()) + layouts.pglistData().perCpuNodestats, nodestats);
        }
        long end = staticEnd + pcpu.ai().dynSize();
        if (areas.reserved() > end) {
            throw new IllegalStateException(String.format(
                    "percpu: the pagesets need %d bytes of the first chunk's %d dynamic bytes",
                    areas.reserved() - staticEnd, pcpu.ai().dynSize()));
        }
    }

    /** {@code per_cpu_pages_init()}: empty lists, no pages, the given high and batch. */
    private void perCpuPagesInit(long pcp, Watermarks.PcpLimits limits) {
        PerCpuPagesLayout l = layouts.perCpuPages();
        mem.slice(pcp, l.size).fill((byte) 0);
        for (int pindex = 0; pindex < l.nrPcpLists; pindex++) {
            ListHead.init(mem, pcp + l.listOffset(pindex));
        }
        pagesetUpdate(pcp, limits);
    }

    private void pagesetUpdate(long pcp, Watermarks.PcpLimits limits) {
        PerCpuPagesLayout l = layouts.perCpuPages();
        mem.putInt(pcp + l.high, limits.high());
        mem.putInt(pcp + l.batch, limits.batch());
    }

    private void zeroPerCpu(long ptr, long size, int cpu) {
        mem.slice(perCpuPtr(ptr, cpu), size).fill((byte) 0);
    }

    /**
     * The per-CPU part of the watermark code for one zone: {@code zone_set_pageset_high_and_batch()}'s
     * {@code pageset_update()} on every CPU, and {@code refresh_zone_stat_thresholds()}'s zone and node
     * {@code stat_threshold}. Zones still on the boot pageset are left alone, as the kernel's
     * {@code for_each_populated_zone} loops leave them.
     */
    void update(NodeStructs structs, ZoneLimits l) {
        long zone = structs.zone(l.zone().nid(), l.zone().zoneType());
        long pageset = mem.getLong(zone + layouts.zone().perCpuPageset);
        if (pageset == bootPageset) {
            return;
        }
        long zonestats = mem.getLong(zone + layouts.zone().perCpuZonestats);
        long nodestats = mem.getLong(structs.pgdat(l.zone().nid()) + layouts.pglistData().perCpuNodestats);
        for (int cpu = 0; cpu < areas.nrCpus(); cpu++) {
            pagesetUpdate(perCpuPtr(pageset, cpu), l.pcp());
            mem.putByte(perCpuPtr(zonestats, cpu) + layouts.perCpuZonestat().statThreshold, (byte) l.statThreshold());
            long nodeThreshold = perCpuPtr(nodestats, cpu) + layouts.perCpuNodestat().statThreshold;
            mem.putByte(nodeThreshold, (byte) Math.max(l.statThreshold(), mem.getByte(nodeThreshold)));
        }
    }

    /**
     * {@code refresh_zone_stat_thresholds()} first zeroes every node's per-CPU threshold, then raises each to
     * the largest of its zones' thresholds ({@link #update}).
     */
    void zeroNodeThresholds(NodeStructs structs, int[] nids) {
        for (int nid : nids) {
            long nodestats = mem.getLong(structs.pgdat(nid) + layouts.pglistData().perCpuNodestats);
            for (int cpu = 0; cpu < areas.nrCpus(); cpu++) {
                mem.putByte(perCpuPtr(nodestats, cpu) + layouts.perCpuNodestat().statThreshold, (byte) 0);
            }
        }
    }

    /** {@code __per_cpu_offset[cpu]}: the VA of CPU {@code cpu}'s unit. */
    public long perCpuOffset(int cpu) {
        return areas.perCpuOffset(cpu);
    }

    /** {@code per_cpu_ptr(ptr, cpu)}. */
    public long perCpuPtr(long ptr, int cpu) {
        return areas.perCpuPtr(ptr, cpu);
    }

    /** The number of possible CPUs. */
    public int nrCpus() {
        return areas.nrCpus();
    }

}
