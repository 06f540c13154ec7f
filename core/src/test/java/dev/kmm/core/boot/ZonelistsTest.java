package dev.kmm.core.boot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** build_zonelists() and find_next_best_node() of Linux 6.1 mm/page_alloc.c. */
class ZonelistsTest {
    private static final int DMA = 0;
    private static final int DMA32 = 1;
    private static final int NORMAL = 2;
    private static final int MOVABLE = 3;

    /** Without NUMA: the node's populated zones, highest first. */
    @Test
    void uma() {
        // Normal, HighMem, Movable: Movable empty.
        Zonelists z = Zonelists.build(false, 1, new boolean[][] {{true, true, false}}, n -> true, n -> true,
                (a, b) -> 10, 2);
        assertEquals(List.of(new Zonelists.ZoneRef(0, 1), new Zonelists.ZoneRef(0, 0)), z.nodes().getFirst().fallback());
        assertEquals(List.of(), z.nodes().getFirst().noFallback());
        assertEquals(1, z.policyZone());
    }

    /**
     * Two nodes at distance 20: each node first, then the other; node 0 holds DMA, DMA32 and Normal,
     * node 1 Normal only; the NOFALLBACK list is the local node alone.
     */
    @Test
    void twoNodes() {
        boolean[][] pop = {{true, true, true, false}, {false, false, true, false}};
        Zonelists z = Zonelists.build(true, 64, pop, n -> true, n -> true, (a, b) -> a == b ? 10 : 20, MOVABLE);
        assertEquals(List.of(0, 1), z.nodes().get(0).nodeOrder());
        assertEquals(List.of(1, 0), z.nodes().get(1).nodeOrder());
        assertEquals(List.of(ref(0, NORMAL), ref(0, DMA32), ref(0, DMA), ref(1, NORMAL)), z.nodes().get(0).fallback());
        assertEquals(List.of(ref(1, NORMAL), ref(0, NORMAL), ref(0, DMA32), ref(0, DMA)), z.nodes().get(1).fallback());
        assertEquals(List.of(ref(1, NORMAL)), z.nodes().get(1).noFallback());
        assertEquals(NORMAL, z.policyZone());
        assertEquals("Fallback order for Node 1: 1 0 ", z.fallbackOrderLine(1));
    }

    /**
     * Four nodes on a ring (distance 20 to neighbours, 30 across), all with CPUs: val = (distance + (n below
     * the local node) + 1) * MAX_NUMNODES + node_load[n]. From node 0: nodes 1 and 3 tie at 21 * 64, and only
     * a strictly smaller value replaces the best, so 1, then 3, then 2; node 1 and node 2 each start a new
     * distance group and get a load of 1.
     */
    @Test
    void ringOrderAndLoadBalancing() {
        int[][] d = {{10, 20, 30, 20}, {20, 10, 20, 30}, {30, 20, 10, 20}, {20, 30, 20, 10}};
        boolean[][] pop = new boolean[4][4];
        for (boolean[] p : pop) {
            p[NORMAL] = true;
        }
        Zonelists z = Zonelists.build(true, 64, pop, n -> true, n -> true, (a, b) -> d[a][b], MOVABLE);
        assertEquals(List.of(0, 1, 3, 2), z.nodes().get(0).nodeOrder());
        // From node 1: node 0 is below it, (20 + 1 + 1) * 64 = 1408; node 2: (20 + 1) * 64 + load 1 = 1345.
        assertEquals(List.of(1, 2, 0, 3), z.nodes().get(1).nodeOrder());
    }

    private static Zonelists.ZoneRef ref(int nid, int zone) {
        return new Zonelists.ZoneRef(nid, zone);
    }
}
