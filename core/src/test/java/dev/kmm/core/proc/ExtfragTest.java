package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExtfragTest {
    private static FakeKernel machine(ProcConfig config, long[][][] nrFree) {
        FakeKernel k = new FakeKernel(config, nrFree.length, 1);
        for (int nid = 0; nid < nrFree.length; nid++) {
            for (int z = 0; z < nrFree[nid].length; z++) {
                if (nrFree[nid][z] != null) {
                    k.zoneSpan(nid, z, 1L + z * 0x100000, 0x1000, 0x1000, 0x1000).nrFree(nid, z, nrFree[nid][z]);
                }
            }
        }
        return k;
    }

    private static List<Long> counts(long... perOrder) {
        return java.util.Arrays.stream(perOrder).boxed().toList();
    }

    /**
     * Four free order-0 pages and one free order-2 block: 8 free pages in 5 blocks. Order 1 can use the order-2
     * block as two order-1 blocks (4 of 8 pages usable: 0.500), order 2 as one (0.500), order 3 none (1.000).
     * An order-3 request would fail: 1000 - (1000 + 8 * 1000 / 8) / 5 = 600; order 4: 1000 - (1000 + 500) / 5 = 700.
     */
    @Test
    void formulasAgainstHandArithmetic() {
        List<Long> nrFree = counts(4, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        ProcExtfrag.ContigPageInfo o1 = ProcExtfrag.ContigPageInfo.fill(nrFree, 1);
        assertEquals(new ProcExtfrag.ContigPageInfo(8, 5, 2), o1);
        assertEquals(500, o1.unusableFreeIndex(1));
        assertEquals(-1000, o1.fragmentationIndex(1));
        assertEquals(0, ProcExtfrag.ContigPageInfo.fill(nrFree, 0).unusableFreeIndex(0));
        assertEquals(500, ProcExtfrag.ContigPageInfo.fill(nrFree, 2).unusableFreeIndex(2));
        ProcExtfrag.ContigPageInfo o3 = ProcExtfrag.ContigPageInfo.fill(nrFree, 3);
        assertEquals(new ProcExtfrag.ContigPageInfo(8, 5, 0), o3);
        assertEquals(1000, o3.unusableFreeIndex(3));
        assertEquals(600, o3.fragmentationIndex(3));
        assertEquals(700, ProcExtfrag.ContigPageInfo.fill(nrFree, 4).fragmentationIndex(4));

        try (FakeKernel k = machine(ProcConfig.DEBIAN_X86_64, new long[][][] {{null, null,
                {4, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}}})) {
            assertEquals("Node 0, zone   Normal 0.000 0.500 0.500 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 \n",
                    ProcFs.read(k, "/sys/kernel/debug/extfrag/unusable_index"));
            assertEquals("Node 0, zone   Normal -1.000 -1.000 -1.000  0.600  0.700  0.750  0.775  0.788  0.794  0.797 "
                    + " 0.799 \n", ProcFs.read(k, "/sys/kernel/debug/extfrag/extfrag_index"));
        }
    }

    /** No free memory: every order unusable (1.000), and no fragmentation to blame (0.000). */
    @Test
    void emptyZone() {
        try (FakeKernel k = machine(ProcConfig.DEBIAN_X86_64, new long[][][] {{null, null, new long[11]}})) {
            assertEquals("Node 0, zone   Normal" + " 1.000".repeat(11) + " \n", ProcExtfrag.showUnusable(k));
            assertEquals("Node 0, zone   Normal" + "  0.000".repeat(11) + " \n", ProcExtfrag.showExtfrag(k));
        }
    }

    /**
     * One free page: an order-1 request gives 1000 - (1000 + 1000 / 2) / 1 = -500, which the kernel's
     * {@code "%2d.%03d"} prints as {@code " 0.-500"} (C's division truncates toward zero).
     */
    @Test
    void negativeIndexAboveMinusOnePrintsAsTheKernelDoes() {
        ProcExtfrag.ContigPageInfo one = ProcExtfrag.ContigPageInfo.fill(counts(1, 0, 0), 1);
        assertEquals(-500, one.fragmentationIndex(1));
        try (FakeKernel k = machine(ProcConfig.DEBIAN_X86_64, new long[][][] {{null, null,
                {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}})) {
            assertTrue(ProcExtfrag.showExtfrag(k).startsWith("Node 0, zone   Normal -1.000  0.-500  0.-250  0.-125 "),
                    ProcExtfrag.showExtfrag(k));
        }
    }

    /**
     * A real two-node x86_64 machine's /proc/buddyinfo with its unusable_index and extfrag_index, captured
     * together (quoted with trailing blanks trimmed in a note on vm.extfrag_threshold): from the buddyinfo
     * counts alone the views give the same numbers. That kernel printed extfrag_index with {@code "%d.%03d"};
     * 6.1 prints {@code "%2d.%03d"}, so positive indices gain a blank.
     */
    @Test
    void realTwoNodeSampleFromItsBuddyinfo() {
        long[][][] free = {
                {{1, 0, 1, 0, 2, 1, 1, 0, 0, 1, 3}, {7, 10, 13, 15, 11, 8, 9, 10, 8, 9, 309},
                        {1134904, 1124019, 975094, 1027980, 973525, 755862, 528091, 316182, 123744, 0, 0}},
                {null, null, {864976, 1041246, 994760, 895916, 726438, 565284, 415625, 266573, 118000, 0, 0}}};
        String unusable = """
                Node 0, zone      DMA 0.000 0.000 0.000 0.001 0.001 0.009 0.018 0.035 0.035 0.035 0.173
                Node 0, zone    DMA32 0.000 0.000 0.000 0.000 0.000 0.001 0.001 0.003 0.007 0.013 0.028
                Node 0, zone   Normal 0.000 0.007 0.020 0.045 0.096 0.192 0.342 0.552 0.803 1.000 1.000
                Node 1, zone   Normal 0.000 0.006 0.021 0.051 0.104 0.190 0.325 0.522 0.775 1.000 1.000
                """;
        String extfragAsCaptured = """
                Node 0, zone      DMA -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000
                Node 0, zone    DMA32 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000
                Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 0.955 0.978
                Node 1, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 0.956 0.978
                """;
        try (FakeKernel k = machine(ProcConfig.DEBIAN_X86_64, free)) {
            assertEquals(unusable, ProcFs.read(k, "/sys/kernel/debug/extfrag/unusable_index").replace(" \n", "\n"));
            assertEquals(extfragAsCaptured.replace(" 0.9", "  0.9"),
                    ProcFs.read(k, "/sys/kernel/debug/extfrag/extfrag_index").replace(" \n", "\n"));
            List<ExtfragInfo> rows = ProcExtfrag.read(k);
            assertEquals(4, rows.size());
            assertEquals(new ExtfragInfo(1, "Normal",
                    List.of(0, 6, 21, 51, 104, 190, 325, 522, 775, 1000, 1000),
                    List.of(-1000, -1000, -1000, -1000, -1000, -1000, -1000, -1000, -1000, 956, 978)), rows.get(3));
            assertEquals(ProcExtfrag.renderUnusable(rows), ProcExtfrag.showUnusable(k));
        }
    }

    @Test
    void onlyWithCompaction() {
        EnumSet<Kconfig> options = EnumSet.copyOf(ProcConfig.DEBIAN_X86_64.options());
        options.remove(Kconfig.COMPACTION);
        ProcConfig noCompaction = new ProcConfig(ProcConfig.DEBIAN_X86_64.pageAlloc(), 9, options);
        try (FakeKernel k = machine(noCompaction, new long[][][] {{null, null, new long[11]}})) {
            assertTrue(ProcFs.paths(k).stream().noneMatch(p -> p.contains("extfrag")), ProcFs.paths(k).toString());
            assertThrows(IllegalArgumentException.class,
                    () -> ProcFs.read(k, "/sys/kernel/debug/extfrag/extfrag_index"));
        }
        try (FakeKernel k = machine(ProcConfig.DEBIAN_X86_64, new long[][][] {{null, null, new long[11]}})) {
            assertTrue(ProcFs.paths(k).containsAll(List.of("/sys/kernel/debug/extfrag/unusable_index",
                    "/sys/kernel/debug/extfrag/extfrag_index")), ProcFs.paths(k).toString());
        }
    }
}
