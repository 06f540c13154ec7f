package dev.kmm.jcstress.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.concurrency.Cpu;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.concurrency.percpu.PerCpuAreas;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.page.PageType;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.pagealloc.PageFrames;
import dev.kmm.core.pagealloc.PerCpuPageset;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.sparse.MemoryModel;
import dev.kmm.core.vmstat.Vmstat;

/**
 * A running page allocator on a {@link ZoneImage}'s machine: one ZONE_NORMAL, two CPUs in
 * {@link CpuContexts.Mode#PARALLEL} mode (one thread per CPU), the buddy and the per-cpu pagesets. The image
 * builds one to boot and prepare the machine; every jcstress state gets a fresh one over its own copy of the
 * image's memory.
 */
final class SmallMachine {
    /** CPUs of the machine: one per jcstress actor. */
    static final int NR_CPUS = 2;

    final KernelMemory mem;
    final KernelLayouts layouts;
    final CpuContexts cpus;
    final Buddy buddy;
    final PageAlloc alloc;
    final PerCpuPageset pcp;
    /** The struct zone of ZONE_NORMAL, the machine's only zone. */
    final long zone;

    /**
     * The allocator over {@code mem}.
     *
     * @param perCpuBase   VA of CPU 0's per-cpu unit (the units follow each other)
     * @param perCpuInUse  bytes of each unit already holding per-cpu variables (0 on a machine booting now)
     * @param adopt        take over the pagesets boot left in {@code mem} instead of setting them up
     */
    SmallMachine(KernelMemory mem, KernelLayouts layouts, PageFlagsLayout flagsLayout, MemoryModel model,
            int pageblockOrder, long pgdat, KernelAddressSpace space, PageFrames frames, long perCpuBase,
            long unitSize, long perCpuInUse, boolean adopt) {
        this.mem = mem;
        this.layouts = layouts;
        PerCpuAreas areas = new PerCpuAreas(mem, perCpuBase, unitSize, NR_CPUS);
        this.cpus = new CpuContexts(areas, CpuContexts.Mode.PARALLEL);
        areas.reserveUpTo(perCpuInUse);
        this.buddy = new Buddy(mem, layouts, flagsLayout, model, pageblockOrder, new long[] {pgdat});
        this.zone = buddy.zone(0, KernelConstants.ZONE_NORMAL);
        PageAlloc.Builder b = PageAlloc.builder(buddy, layouts, cpus, ZoneTypes.X86_64, space, frames);
        if (adopt) {
            b.adoptPagesets();
        }
        this.alloc = b.build();
        alloc.gfpAllowedMask().setSchedulerReady();
        this.pcp = alloc.pcp();
    }

    /** Enters CPU {@code id} on the calling thread (leave it with {@link Cpu#close()}). */
    Cpu enter(int id) {
        return cpus.enter(id);
    }

    /** {@code page_to_pfn}. */
    long pfn(long page) {
        return buddy.model().pageToPfn(page);
    }

    /** {@code pfn_to_page}. */
    long page(long pfn) {
        return buddy.model().pfnToPage(pfn);
    }

    /** {@code free_area[order].nr_free}. */
    long nrFree(int order) {
        return buddy.freeArea().nrFree(zone, order);
    }

    /** NR_FREE_PAGES of the zone after folding every CPU's pending delta; the machine must be quiescent. */
    long freePages() {
        alloc.vmstat().foldZone(zone);
        return alloc.vmstat().zonePageState(zone, Vmstat.NR_FREE_PAGES);
    }

    /** Whether {@code page} heads a free block of {@code order} on the buddy lists. */
    boolean isFreeBlock(long page, int order) {
        return PageType.pageBuddy(mem, page) && Buddy.buddyOrder(mem, page) == order;
    }
}
