package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class BuddyinfoTest {
    private static FakeKernel machine(int nodes, long[][][] nrFree) {
        FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, nodes, 1);
        for (int nid = 0; nid < nodes; nid++) {
            for (int z = 0; z < nrFree[nid].length; z++) {
                if (nrFree[nid][z] != null) {
                    k.zoneSpan(nid, z, 1L + z * 0x100000, 0x1000, 0x1000, 0x1000).nrFree(nid, z, nrFree[nid][z]);
                }
            }
        }
        return k;
    }

    /**
     * A real x86_64 /proc/buddyinfo copied with its trailing spaces (a Chinese kernel-notes Markdown file in the
     * code index: "Page Alloc / buddyinfo"), byte for byte, six-digit counts included.
     */
    @Test
    void realBuddyinfoByteForByte() {
        String sample = """
                Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      2 \n\
                Node 0, zone    DMA32   2032   2113   2009   1981   1736   1426   1121    743    476    213    252 \n\
                Node 0, zone   Normal 251006 164925  58722  21092   7935   3333   5112   9579   4989   3387   4391 \n\
                """;
        long[][][] free = {{
                {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2},
                {2032, 2113, 2009, 1981, 1736, 1426, 1121, 743, 476, 213, 252},
                {251006, 164925, 58722, 21092, 7935, 3333, 5112, 9579, 4989, 3387, 4391}}};
        try (FakeKernel k = machine(1, free)) {
            assertEquals(sample, ProcBuddyinfo.show(k));
        }
    }

    /**
     * A real two-node /proc/buddyinfo (quoted in a Go buddyinfo-to-InfluxDB exporter's source comment, with
     * trailing blanks trimmed): rows per populated zone, empty zones skipped, node by node.
     */
    @Test
    void realTwoNodeBuddyinfo() {
        String sample = """
                Node 0, zone      DMA      1      1      1      0      2      1      1      0      1      1      3
                Node 0, zone    DMA32      3      6      5      3      3      4      2      4      3      1    270
                Node 0, zone   Normal  23821   5715     90     16      8      4      9      2      0      0      0
                Node 1, zone   Normal   3888  10304    405    139     50     59     38     19      4      2      9
                """;
        long[][][] free = {
                {{1, 1, 1, 0, 2, 1, 1, 0, 1, 1, 3}, {3, 6, 5, 3, 3, 4, 2, 4, 3, 1, 270},
                        {23821, 5715, 90, 16, 8, 4, 9, 2, 0, 0, 0}},
                {null, null, {3888, 10304, 405, 139, 50, 59, 38, 19, 4, 2, 9}}};
        try (FakeKernel k = machine(2, free)) {
            String text = ProcBuddyinfo.show(k);
            assertEquals(sample, text.replace(" \n", "\n"));
            List<BuddyInfo> rows = ProcBuddyinfo.read(k);
            assertEquals(new BuddyInfo(1, "Normal", List.of(3888L, 10304L, 405L, 139L, 50L, 59L, 38L, 19L, 4L, 2L, 9L)),
                    rows.get(3));
            assertEquals(ProcBuddyinfo.render(rows), text);
        }
    }

    @Test
    void countsPrintUnsignedAndWiderThanSix() {
        long[][][] free = {{{-1, 1234567, 0, 0, 0, 0, 0, 0, 0, 0, 0}}};
        try (FakeKernel k = machine(1, free)) {
            assertEquals("Node 0, zone      DMA 18446744073709551615 1234567      0      0      0      0      0      0"
                    + "      0      0      0 \n", ProcBuddyinfo.show(k));
        }
    }
}
