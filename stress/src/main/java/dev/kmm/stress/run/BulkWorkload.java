package dev.kmm.stress.run;

import static dev.kmm.core.gfp.Gfp.GFP_ATOMIC;
import static dev.kmm.core.gfp.Gfp.GFP_KERNEL;
import static dev.kmm.core.gfp.Gfp.__GFP_HIGHMEM;

/**
 * {@code bulk}: bursts of {@code alloc_pages_bulk_array()}, the batch allocator network drivers' page pools and
 * vmalloc use. Each step frees one due page (single order-0 frees, as those users release them) or, when none is
 * due, asks for a burst: 1 to 8 pages (20%), 16, 32 or 64 (20% each), 128 (15%) or 256 (5%), with
 * {@code GFP_KERNEL} (50%), {@code GFP_ATOMIC} (25%) or vmalloc's {@code GFP_KERNEL|__GFP_HIGHMEM} (25%). A burst's
 * pages share one exponential lifetime, scaled so the pages held settle near 90% of this worker's memory, where
 * bursts start to come back short (the bulk path wants the low watermark plus the burst free).
 */
final class BulkWorkload extends Workload {
    static final int[] GFP = {GFP_KERNEL, GFP_ATOMIC, GFP_KERNEL | __GFP_HIGHMEM};
    static final int[] GFP_WEIGHTS = cumulative(50, 25, 25);
    static final int[] SIZES = {0, 16, 32, 64, 128, 256};
    static final int[] SIZE_WEIGHTS = cumulative(20, 20, 20, 20, 15, 5);
    static final double TARGET = 0.9;

    private final int[] masks = new int[GFP.length];
    private final long[] pages = new long[256];
    private final double meanLifetime;

    BulkWorkload(Worker w) {
        super(w);
        for (int i = 0; i < GFP.length; i++) {
            masks[i] = w.stats.mask(GFP[i]);
        }
        // Every held page costs one step to free, so a step allocates about one page: held = mean lifetime.
        meanLifetime = TARGET * w.memoryShare;
    }

    @Override
    void run() {
        Worker w = this.w;
        while (w.more()) {
            if (w.live.nextDeath() <= w.steps) {
                w.free(0);
                continue;
            }
            int size = SIZES[pick(SIZE_WEIGHTS)];
            if (size == 0) {
                size = 1 + w.rng.nextInt(8);
            }
            int g = pick(GFP_WEIGHTS);
            w.allocPagesBulk(masks[g], GFP[g], size, pages, w.steps + w.lifetime(meanLifetime));
        }
    }
}
