package dev.kmm.stress.run;

import static dev.kmm.core.gfp.Gfp.GFP_ATOMIC;
import static dev.kmm.core.gfp.Gfp.GFP_HIGHUSER_MOVABLE;
import static dev.kmm.core.gfp.Gfp.GFP_KERNEL;
import static dev.kmm.core.gfp.Gfp.GFP_USER;
import static dev.kmm.core.gfp.Gfp.__GFP_COMP;
import static dev.kmm.core.gfp.Gfp.__GFP_NORETRY;
import static dev.kmm.core.gfp.Gfp.__GFP_NOWARN;
import static dev.kmm.core.gfp.Gfp.__GFP_RECLAIMABLE;

/**
 * {@code mixed}: each step frees the block that is due, if one is, else allocates one. Orders: 0 (70%), 1 (12%),
 * 2 (8%), 3 (6%), 4 (2%), and the two highest (1.5% and 0.5%: THP- and gigantic-buddy-sized). GFP: kernel 30%,
 * user 10%, movable user pages 40%, reclaimable 10%, atomic 10%; above order 3 with
 * {@code __GFP_COMP|__GFP_NOWARN|__GFP_NORETRY}, as the kernel's opportunistic high-order callers ask. Lifetimes:
 * exponential, 70% short, 25% medium, 5% long (means 1 : 10 : 100), scaled so that the blocks held settle near
 * 60% of this worker's share of memory.
 */
final class MixedWorkload extends Workload {
    static final int[] GFP = {GFP_KERNEL, GFP_USER, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC};
    static final int[] GFP_WEIGHTS = cumulative(30, 10, 40, 10, 10);
    static final int COSTLY = __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY;
    static final int[] ORDER_WEIGHTS = cumulative(700, 120, 80, 60, 20, 15, 5);
    static final int[] LIFETIME_WEIGHTS = cumulative(70, 25, 5);
    static final double[] LIFETIME_SCALE = {0.1, 1, 10};
    /** The share of memory the held blocks settle at. */
    static final double TARGET = 0.6;

    private final int[] orders;
    private final int[] small = new int[GFP.length];
    private final int[] costly = new int[GFP.length];
    private final double[] means = new double[LIFETIME_SCALE.length];

    MixedWorkload(Worker w) {
        super(w);
        int maxOrder = w.buddy.maxOrder();
        orders = new int[] {0, 1, 2, 3, 4, maxOrder - 2, maxOrder - 1};
        double meanPages = 0;
        for (int i = 0; i < orders.length; i++) {
            meanPages += (ORDER_WEIGHTS[i] - (i == 0 ? 0 : ORDER_WEIGHTS[i - 1])) * (double) (1L << orders[i]);
        }
        meanPages /= ORDER_WEIGHTS[ORDER_WEIGHTS.length - 1];
        // Held blocks = allocation rate (one per two steps) x mean lifetime.
        double meanLifetime = 2 * TARGET * w.memoryShare / meanPages;
        double meanScale = 0;
        for (int i = 0; i < LIFETIME_SCALE.length; i++) {
            meanScale += (LIFETIME_WEIGHTS[i] - (i == 0 ? 0 : LIFETIME_WEIGHTS[i - 1])) * LIFETIME_SCALE[i];
        }
        meanScale /= LIFETIME_WEIGHTS[LIFETIME_WEIGHTS.length - 1];
        for (int i = 0; i < means.length; i++) {
            means[i] = LIFETIME_SCALE[i] * meanLifetime / meanScale;
        }
        for (int i = 0; i < GFP.length; i++) {
            small[i] = w.stats.mask(GFP[i]);
        }
        for (int i = 0; i < GFP.length; i++) {
            costly[i] = w.stats.mask(GFP[i] | COSTLY);
        }
    }

    @Override
    void run() {
        Worker w = this.w;
        while (w.more()) {
            if (w.live.nextDeath() <= w.steps) {
                w.free(0);
                continue;
            }
            int order = orders[pick(ORDER_WEIGHTS)];
            int g = pick(GFP_WEIGHTS);
            long dueAt = w.steps + w.lifetime(means[pick(LIFETIME_WEIGHTS)]);
            if (order <= Worker.PCP_MAX_ORDER) {
                w.allocPages(small[g], GFP[g], order, dueAt);
            } else {
                w.allocPages(costly[g], GFP[g] | COSTLY, order, dueAt);
            }
        }
    }
}
