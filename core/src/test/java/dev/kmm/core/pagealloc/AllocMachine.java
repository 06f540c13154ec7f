package dev.kmm.core.pagealloc;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.ZonerefLayout;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import dev.kmm.core.pagealloc.Machine.Range;
import dev.kmm.core.pagealloc.Machine.ZoneSpec;
import dev.kmm.core.vmstat.Vmstat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A test {@link Machine} taken up to a running page allocator: per-cpu areas from memblock, memblock_free_all(),
 * zonelists in the node, pcp high/batch from the kernel's formulas, then {@link PageAlloc}. Watermarks and
 * lowmem reserves start at 0; tests set them.
 */
final class AllocMachine implements AutoCloseable {
    static final long M = 1L << 20;
    static final long UNIT_SIZE = 16 * 1024;

    final Machine m;
    final CpuContexts cpus;
    final PageAlloc alloc;
    final Buddy buddy;
    final List<PrintkLine> printk = new ArrayList<>();
    final List<Long> populatedZones = new ArrayList<>();

    AllocMachine(Machine m, ZoneTypes zoneTypes, int nrCpus, CpuContexts.Mode mode,
            Consumer<PageAlloc.Builder> options) {
        this.m = m;
        this.buddy = m.buddy;
        long phys = m.memblock.memblockPhysAlloc(UNIT_SIZE * nrCpus, KernelConstants.PAGE_SIZE);
        PerCpuAreas areas = new PerCpuAreas(m.mem, m.space.va(phys), UNIT_SIZE, nrCpus);
        this.cpus = new CpuContexts(areas, mode);
        m.freeAll();
        for (int z = 0; z < zoneTypes.maxNrZones(); z++) {
            long zone = m.zone(z);
            if (buddy.populatedZone(zone)) {
                populatedZones.add(zone);
                long managed = buddy.zoneManagedPages(zone);
                int batch = Math.max(1, Watermarks.zoneBatchsize(managed));
                int high = Watermarks.zoneHighsize(managed, 0, batch, 0, nrCpus, 0, nrCpus);
                m.mem.putInt(zone + m.layouts.zone().pagesetHigh, high);
                m.mem.putInt(zone + m.layouts.zone().pagesetBatch, batch);
            }
        }
        writeZonelists(zoneTypes);
        PageAlloc.Builder b = PageAlloc.builder(buddy, m.layouts, cpus, zoneTypes, m.space, PageFrames.of(m.ram, m.ramBase))
                .printk(printk::add);
        options.accept(b);
        this.alloc = b.build();
        alloc.gfpAllowedMask().setSchedulerReady();
    }

    /** x86_64: ZONE_DMA32 below 64 MiB (minus the first MiB) and ZONE_NORMAL up to {@code mib}, one CPU. */
    static AllocMachine x86(int mib, int nrCpus) {
        return x86(mib, nrCpus, CpuContexts.Mode.DETERMINISTIC, b -> { });
    }

    static AllocMachine x86(int mib, int nrCpus, CpuContexts.Mode mode, Consumer<PageAlloc.Builder> options) {
        Machine m = Machine.x86(List.of(new Range(M, (mib - 1) * M)), List.of(new Range(M, 2 * M)),
                List.of(new ZoneSpec(KernelConstants.ZONE_DMA32, 256, 64 * M >>> 12),
                        new ZoneSpec(KernelConstants.ZONE_NORMAL, 64 * M >>> 12, mib * M >>> 12)));
        return new AllocMachine(m, ZoneTypes.X86_64, nrCpus, mode, options);
    }

    /** x86_64 with one ZONE_NORMAL of {@code mib} MiB from 0 (pfn 0 and the first 2 MiB reserved). */
    static AllocMachine x86Normal(int mib, int nrCpus, Consumer<PageAlloc.Builder> options) {
        Machine m = Machine.x86(List.of(new Range(0, mib * M)), List.of(new Range(0, 2 * M)),
                List.of(new ZoneSpec(KernelConstants.ZONE_NORMAL, 0, mib * M >>> 12)));
        return new AllocMachine(m, ZoneTypes.X86_64, nrCpus, CpuContexts.Mode.DETERMINISTIC, options);
    }

    /** {@code build_all_zonelists} for the one node: populated zones, highest first, in both lists. */
    private void writeZonelists(ZoneTypes zoneTypes) {
        for (int list = 0; list < KernelConstants.MAX_ZONELISTS; list++) {
            long zl = m.pgdat + m.layouts.pglistData().nodeZonelistOffset(list);
            int i = 0;
            for (int z = zoneTypes.maxNrZones() - 1; z >= 0; z--) {
                long zone = m.zone(z);
                if (buddy.populatedZone(zone)) {
                    long ref = zl + m.layouts.zonelist().zonerefOffset(i++);
                    m.mem.putLong(ref + ZonerefLayout.ZONE, zone);
                    m.mem.putInt(ref + ZonerefLayout.ZONE_IDX, z);
                }
            }
            long end = zl + m.layouts.zonelist().zonerefOffset(i);
            m.mem.putLong(end + ZonerefLayout.ZONE, 0);
            m.mem.putInt(end + ZonerefLayout.ZONE_IDX, 0);
        }
    }

    Cpu enter(int cpu) {
        return cpus.switchTo(cpu);
    }

    long zone(int idx) {
        return m.zone(idx);
    }

    /** Sets {@code _watermark[]} min/low/high (promo = high) and no boost. */
    void setWatermarks(long zone, long min, long low, long high) {
        m.mem.putLong(zone + m.layouts.zone().watermarkOffset(KernelConstants.WMARK_MIN), min);
        m.mem.putLong(zone + m.layouts.zone().watermarkOffset(KernelConstants.WMARK_LOW), low);
        m.mem.putLong(zone + m.layouts.zone().watermarkOffset(KernelConstants.WMARK_HIGH), high);
        m.mem.putLong(zone + m.layouts.zone().watermarkOffset(KernelConstants.WMARK_PROMO), high);
        m.mem.putLong(zone + m.layouts.zone().watermarkBoost, 0);
    }

    void setLowmemReserve(long zone, int idx, long pages) {
        m.mem.putLong(zone + m.layouts.zone().lowmemReserveOffset(idx), pages);
    }

    long nrFree(long zone, int order) {
        return buddy.freeArea().nrFree(zone, order);
    }

    long[] nrFree(long zone) {
        long[] out = new long[buddy.maxOrder()];
        for (int o = 0; o < out.length; o++) {
            out[o] = nrFree(zone, o);
        }
        return out;
    }

    long pfn(long page) {
        return buddy.model().pageToPfn(page);
    }

    long page(long pfn) {
        return buddy.model().pfnToPage(pfn);
    }

    /** NR_FREE_PAGES with every CPU's pending delta. */
    long freePages(long zone) {
        return alloc.vmstat().zonePageStateSnapshot(zone, Vmstat.NR_FREE_PAGES);
    }

    /** Pages on every CPU's pcp lists of the zone. */
    long pcpPages(long zone) {
        long n = 0;
        for (int c = 0; c < cpus.nrCpuIds(); c++) {
            n += alloc.pcp().count(alloc.pcp().pcp(zone, c));
        }
        return n;
    }

    /**
     * Drains every pcp, folds the per-cpu counters and verifies every populated zone; the caller is inside a CPU.
     *
     * @return the violations
     */
    List<String> drainAndVerify() {
        alloc.drainAllPages(0);
        List<String> out = new ArrayList<>();
        for (long zone : populatedZones) {
            alloc.vmstat().foldZone(zone);
            out.addAll(BuddyVerify.verifyZone(buddy, zone));
        }
        return out;
    }

    @Override
    public void close() {
        Cpu inside = null;
        try {
            inside = Cpu.current();
        } catch (IllegalStateException e) {
            // not inside any CPU
        }
        if (inside != null && inside.contexts() == cpus) {
            inside.exit();
        }
        alloc.close();
        m.close();
    }
}
