package dev.kmm.stress.report;

import dev.kmm.concurrency.Cpu;
import dev.kmm.core.trace.KmemListener;

/**
 * The tracepoint probes of a run or a replay: {@code mm_page_alloc_zone_locked} (a block taken from the buddy lists
 * under {@code zone->lock}, for a pcp refill or directly) and {@code mm_page_alloc_extfrag} (a fallback to another
 * migrate type's free list; {@code change_ownership} when the pageblock became the allocating type's). Each event is
 * counted in the stats of the thread that drives the CPU it fired on, so the counts need no atomics.
 */
final class KmemCounters implements KmemListener {
    private final AllocStats[] byCpu;

    KmemCounters(AllocStats[] byCpu) {
        this.byCpu = byCpu;
    }

    @Override
    public void mmPageAllocZoneLocked(long pfn, int order, int migratetype, int percpuRefill) {
        AllocStats s = byCpu[Cpu.current().id()];
        s.zoneLocked = true;
        if (percpuRefill != 0) {
            s.zoneLockedRefill++;
        } else {
            s.zoneLockedDirect++;
        }
    }

    @Override
    public void mmPageAllocExtfrag(long pfn, int allocOrder, int fallbackOrder, int allocMigratetype,
            int fallbackMigratetype, int changeOwnership) {
        AllocStats s = byCpu[Cpu.current().id()];
        s.fallbacks++;
        s.fallbackTypes[allocMigratetype][fallbackMigratetype]++;
        if (changeOwnership != 0) {
            s.steals++;
            s.stealTypes[allocMigratetype][fallbackMigratetype]++;
        }
    }
}
