package dev.kmm.stress.run;

import static dev.kmm.core.gfp.Gfp.GFP_ATOMIC;
import static dev.kmm.core.gfp.Gfp.GFP_HIGHUSER_MOVABLE;
import static dev.kmm.core.gfp.Gfp.GFP_KERNEL;
import static dev.kmm.core.gfp.Gfp.GFP_NOWAIT;
import static dev.kmm.core.gfp.Gfp.__GFP_NORETRY;
import static dev.kmm.core.gfp.Gfp.__GFP_NOWARN;

import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.core.boot.ZoneInfo;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.ZoneWatermarkCheck;
import java.util.Arrays;
import java.util.List;

/**
 * {@code pressure}: allocate and hold past the low watermark, down to the min one, so allocations take the slow
 * path and fail with {@code warn_alloc}. First, outside the steps, movable order-3 blocks
 * ({@code __GFP_NOWARN|__GFP_NORETRY}) are taken until the free pages are down to twice the zones' high
 * watermarks. Then each step allocates and holds a block of order 0 (70%), 1 (15%), 2 (10%) or 3 (5%) with
 * {@code GFP_KERNEL} (50%), {@code GFP_HIGHUSER_MOVABLE} (20%), {@code GFP_KERNEL|__GFP_NORETRY},
 * {@code GFP_NOWAIT} or {@code GFP_ATOMIC} (10% each); after a failure, the next steps free a random 1/256 of the
 * blocks held, and the climb starts again. Each step samples every zone's free pages against its watermarks plus
 * {@code watermark_boost}, as the allocator compares them (the fast path needs the low one; below it only the slow
 * path allocates).
 */
final class PressureWorkload extends Workload {
    static final int[] GFP = {GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_NORETRY, GFP_NOWAIT, GFP_ATOMIC};
    static final int[] GFP_WEIGHTS = cumulative(50, 20, 10, 10, 10);
    static final int[] ORDER_WEIGHTS = cumulative(70, 15, 10, 5);
    static final int PRELOAD = GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | __GFP_NORETRY;
    static final int RELIEF = 256;

    private final int[] masks = new int[GFP.length];
    private final int preload;
    private final long[] zones;

    PressureWorkload(Worker w) {
        super(w);
        for (int i = 0; i < GFP.length; i++) {
            masks[i] = w.stats.mask(GFP[i]);
        }
        preload = w.stats.mask(PRELOAD);
        List<ZoneInfo> all = w.kernel.zones();
        zones = new long[all.size()];
        for (int z = 0; z < all.size(); z++) {
            ZoneInfo info = all.get(z);
            zones[z] = info.populated() ? info.address() : 0;
        }
        RunStats s = w.stats;
        s.lowestFree = new long[zones.length];
        Arrays.fill(s.lowestFree, Long.MAX_VALUE);
        s.belowLow = new long[zones.length];
        s.belowMin = new long[zones.length];
        s.maxBoost = new long[zones.length];
    }

    @Override
    void run() {
        Worker w = this.w;
        RunStats s = w.stats;
        long high = 0;
        for (long zone : zones) {
            if (zone != 0) {
                high += w.alloc.watermarks().wmarkPages(zone, KernelConstants.WMARK_HIGH);
            }
        }
        long target = 2 * high + w.kernel.totalramPages() - w.memoryShare;
        long preloaded = 0;
        while (Runner.zoneFreePages(w.kernel) > target) {
            w.tick();
            if (w.allocPages(preload, PRELOAD, 3, Long.MAX_VALUE) == 0) {
                break;
            }
            preloaded += 8;
        }
        s.count("preload: pages held", preloaded);
        int relief = 0;
        long reliefRounds = 0;
        while (w.more()) {
            sampleWatermarks(s);
            if (relief > 0 && w.live.size() > 0) {
                relief--;
                w.free(w.rng.nextInt(w.live.size()));
                continue;
            }
            int g = pick(GFP_WEIGHTS);
            if (w.allocPages(masks[g], GFP[g], pick(ORDER_WEIGHTS), Long.MAX_VALUE) == 0) {
                relief = 1 + w.live.size() / RELIEF;
                reliefRounds++;
            }
        }
        s.count("relief rounds (1/256 of the blocks freed after a failure)", reliefRounds);
    }

    private void sampleWatermarks(RunStats s) {
        for (int z = 0; z < zones.length; z++) {
            long zone = zones[z];
            if (zone == 0) {
                continue;
            }
            long free = w.buddy.zonePageState(zone, Buddy.NR_FREE_PAGES);
            ZoneWatermarkCheck wm = w.alloc.watermarks();
            long min = wm.wmarkPages(zone, KernelConstants.WMARK_MIN);
            s.lowestFree[z] = Math.min(s.lowestFree[z], free);
            s.maxBoost[z] = Math.max(s.maxBoost[z], min - wm.watermark(zone, KernelConstants.WMARK_MIN));
            if (free < wm.wmarkPages(zone, KernelConstants.WMARK_LOW)) {
                s.belowLow[z]++;
                if (free < min) {
                    s.belowMin[z]++;
                }
            }
        }
    }
}
