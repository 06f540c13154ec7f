package dev.kmm.stress.run;

import static dev.kmm.core.gfp.Gfp.GFP_HIGHUSER_MOVABLE;
import static dev.kmm.core.gfp.Gfp.GFP_KERNEL;
import static dev.kmm.core.gfp.Gfp.__GFP_COMP;
import static dev.kmm.core.gfp.Gfp.__GFP_NORETRY;
import static dev.kmm.core.gfp.Gfp.__GFP_NOWARN;
import static dev.kmm.core.gfp.Gfp.__GFP_RECLAIMABLE;

/**
 * {@code fragment}, in three phases. Fill: order-0 pages of the three mobility types (unmovable 1/3, reclaimable
 * 1/6, movable 1/2, with {@code __GFP_NOWARN|__GFP_NORETRY}) until the allocator has refused each type
 * {@value #REFUSALS} times; boot left every pageblock movable, so the unmovable and reclaimable pages fall back to
 * movable blocks and steal them. Scatter: free a random half of those pages, leaving free memory in small pieces
 * among the held ones. High orders: each step asks for a block of order 1 to the highest (3 of 4 steps) or frees a
 * random held block (1 of 4); successes are held. Orders above 3 carry {@code __GFP_COMP|__GFP_NOWARN|__GFP_NORETRY}.
 * Steps count the third phase only; the first two take as many calls as memory needs.
 */
final class FragmentWorkload extends Workload {
    static final int REFUSALS = 8;
    static final int[] TYPES = {GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_HIGHUSER_MOVABLE};
    static final String[] TYPE_NAMES = {"unmovable", "reclaimable", "movable"};
    static final int[] FILL_WEIGHTS = cumulative(2, 1, 3);
    static final int FILL = __GFP_NOWARN | __GFP_NORETRY;
    static final int COSTLY = __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY;

    private final int[] fill = new int[TYPES.length];
    private final int[] small = new int[TYPES.length];
    private final int[] costly = new int[TYPES.length];

    FragmentWorkload(Worker w) {
        super(w);
        for (int i = 0; i < TYPES.length; i++) {
            fill[i] = w.stats.mask(TYPES[i] | FILL);
        }
        for (int i = 0; i < TYPES.length; i++) {
            small[i] = w.stats.mask(TYPES[i] | __GFP_COMP);
        }
        for (int i = 0; i < TYPES.length; i++) {
            costly[i] = w.stats.mask(TYPES[i] | COSTLY);
        }
    }

    @Override
    void run() {
        RunStats s = w.stats;
        int[] refused = new int[TYPES.length];
        long[] filled = new long[TYPES.length];
        int open = TYPES.length;
        while (open > 0) {
            w.tick();
            int t = pick(FILL_WEIGHTS);
            while (refused[t] >= REFUSALS) {
                t = (t + 1) % TYPES.length;
            }
            if (w.allocPages(fill[t], TYPES[t] | FILL, 0, 0) != 0) {
                filled[t]++;
            } else if (++refused[t] == REFUSALS) {
                open--;
            }
        }
        for (int t = 0; t < TYPES.length; t++) {
            s.count("fill: " + TYPE_NAMES[t] + " pages", filled[t]);
        }
        s.count("fill: fallbacks", s.fallbacks());
        s.count("fill: pageblock steals", s.steals());

        long freed = 0;
        for (int i = w.live.size() - 1; i >= 0; i--) {
            w.tick();
            if (w.rng.nextBoolean()) {
                w.free(i);
                freed++;
            }
        }
        s.count("scatter: pages freed", freed);

        long fallbacks = s.fallbacks();
        long steals = s.steals();
        long requests = 0;
        long failed = 0;
        int maxOrder = w.buddy.maxOrder();
        while (w.more()) {
            if (w.live.size() > 0 && w.rng.nextInt(4) == 0) {
                w.free(w.rng.nextInt(w.live.size()));
                continue;
            }
            int order = 1 + w.rng.nextInt(maxOrder - 1);
            int t = w.rng.nextInt(TYPES.length);
            requests++;
            long page = order <= Worker.PCP_MAX_ORDER
                    ? w.allocPages(small[t], TYPES[t] | __GFP_COMP, order, 0)
                    : w.allocPages(costly[t], TYPES[t] | COSTLY, order, 0);
            if (page == 0) {
                failed++;
            }
        }
        s.count("high orders: requests", requests);
        s.count("high orders: failed", failed);
        s.count("high orders: fallbacks", s.fallbacks() - fallbacks);
        s.count("high orders: pageblock steals", s.steals() - steals);
    }
}
