package dev.kmm.stress.run;

import static dev.kmm.core.gfp.Gfp.GFP_HIGHUSER_MOVABLE;
import static dev.kmm.core.gfp.Gfp.GFP_KERNEL;
import static dev.kmm.core.gfp.Gfp.__GFP_NORETRY;
import static dev.kmm.core.gfp.Gfp.__GFP_NOWARN;
import static dev.kmm.core.gfp.Gfp.__GFP_THISNODE;

/**
 * {@code numa}: node-local and remote allocation on a NUMA machine. Each step frees the block that is due or
 * allocates one of order 0 (80%), 1 (10%), 2 (6%) or 3 (4%), {@code GFP_KERNEL} (40%) or
 * {@code GFP_HIGHUSER_MOVABLE} (60%): 70% with the default policy (the CPU's node first), 20% preferring another
 * node ({@code alloc_pages_node}), 10% with {@code __GFP_THISNODE} on the CPU's node. Halfway through, the first
 * worker fills the last node with long-held movable blocks ({@code __GFP_THISNODE}, highest order first, down to
 * order 0 until refused): from then on, allocations that prefer that node fall back to the others (numa_miss and
 * numa_foreign in /proc/vmstat) and {@code __GFP_THISNODE} ones there fail. Lifetimes as in {@code mixed}, scaled to
 * 40% of this worker's share of memory.
 */
final class NumaWorkload extends Workload {
    static final int[] GFP = {GFP_KERNEL, GFP_HIGHUSER_MOVABLE};
    static final int[] GFP_WEIGHTS = cumulative(40, 60);
    static final int[] ORDER_WEIGHTS = cumulative(80, 10, 6, 4);
    static final int[] POLICY_WEIGHTS = cumulative(70, 20, 10);
    static final int THISNODE = __GFP_THISNODE | __GFP_NOWARN;
    static final int HOG = GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY;
    static final double TARGET = 0.4;

    private final int nrNodes;
    private final int[] local = new int[GFP.length];
    private final int[] thisnode = new int[GFP.length];
    private final int hog;
    private final double[] means = new double[MixedWorkload.LIFETIME_SCALE.length];
    private boolean hogged;

    NumaWorkload(Worker w) {
        super(w);
        nrNodes = w.kernel.nrNodes();
        for (int i = 0; i < GFP.length; i++) {
            local[i] = w.stats.mask(GFP[i]);
        }
        for (int i = 0; i < GFP.length; i++) {
            thisnode[i] = w.stats.mask(GFP[i] | THISNODE);
        }
        hog = w.stats.mask(HOG);
        double meanPages = (80 * 1 + 10 * 2 + 6 * 4 + 4 * 8) / 100.0;
        double meanLifetime = 2 * TARGET * w.memoryShare / meanPages;
        double meanScale = (70 * 0.1 + 25 * 1 + 5 * 10) / 100.0;
        for (int i = 0; i < means.length; i++) {
            means[i] = MixedWorkload.LIFETIME_SCALE[i] * meanLifetime / meanScale;
        }
    }

    @Override
    void run() {
        Worker w = this.w;
        while (w.more()) {
            if (!hogged && w.index == 0 && (w.steps & (Worker.PROGRESS_STEPS - 1)) == 0 && w.elapsedShare() >= 0.5) {
                hogLastNode();
            }
            if (w.live.nextDeath() <= w.steps) {
                w.free(0);
                continue;
            }
            int order = pick(ORDER_WEIGHTS);
            int g = pick(GFP_WEIGHTS);
            long dueAt = w.steps + w.lifetime(means[pick(MixedWorkload.LIFETIME_WEIGHTS)]);
            int cpuNode = w.alloc.numaNodeId(w.cpu);
            switch (pick(POLICY_WEIGHTS)) {
                case 0 -> w.allocPages(local[g], GFP[g], order, dueAt);
                case 1 -> {
                    int other = (cpuNode + 1 + w.rng.nextInt(nrNodes - 1)) % nrNodes;
                    w.allocPagesNode(local[g], GFP[g], order, other, dueAt);
                }
                default -> w.allocPagesNode(thisnode[g], GFP[g] | THISNODE, order, cpuNode, dueAt);
            }
        }
    }

    /** Holds all it can of the last node until the end of the run, largest blocks first. */
    private void hogLastNode() {
        hogged = true;
        int node = nrNodes - 1;
        long pages = 0;
        for (int order = w.buddy.maxOrder() - 1; order >= 0; order--) {
            while (w.allocPagesNode(hog, HOG, order, node, Long.MAX_VALUE) != 0) {
                pages += 1L << order;
            }
        }
        w.stats.count("hog: from step", w.steps);
        w.stats.count("hog: node", node);
        w.stats.count("hog: pages held", pages);
    }
}
