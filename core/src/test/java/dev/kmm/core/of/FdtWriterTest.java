package dev.kmm.core.of;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FdtWriterTest {

    @Test
    void machinesRoundTrip() {
        for (FdtWriter w : new FdtWriter[] {Machines.vexpressA9(), Machines.virtArm64(), Machines.numaArm64()}) {
            assertEquals(w.toFdt(), Fdt.parse(w.toBlob()));
        }
    }

    @Test
    void writesDtcHeaderLayout() {
        byte[] blob = new FdtWriter().bootCpuidPhys(2).memReserve(0x1000, 0x2000).toBlob();
        assertEquals(Fdt.FDT_MAGIC, RawFdt.getU32(blob, 0));
        assertEquals(blob.length, RawFdt.getU32(blob, 4));
        assertEquals(0x28, RawFdt.getU32(blob, 16), "reservation map right after the v17 header");
        assertEquals(0x28 + 32, RawFdt.getU32(blob, 8), "structure block after one entry and the terminator");
        assertEquals(17, RawFdt.getU32(blob, 20));
        assertEquals(16, RawFdt.getU32(blob, 24));
        assertEquals(2, RawFdt.getU32(blob, 28));
    }

    @Test
    void randomTreesRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int t = 0; t < 300; t++) {
            FdtWriter w = new FdtWriter().bootCpuidPhys(rnd.nextInt());
            for (int i = rnd.nextInt(4); i > 0; i--) {
                w.memReserve(rnd.nextLong(), rnd.nextLong() | 1);
            }
            fill(w.root(), rnd, 0);
            Fdt built = w.toFdt();
            assertEquals(built, Fdt.parse(w.toBlob()));
            assertEquals(built, Fdt.parse(FdtWriter.of(built).toBlob()));
        }
    }

    private static void fill(FdtWriter.Node node, SplittableRandom rnd, int depth) {
        for (int i = rnd.nextInt(5); i > 0; i--) {
            String name = "p" + i + (rnd.nextBoolean() ? ",x" : "");
            switch (rnd.nextInt(6)) {
                case 0 -> node.empty(name);
                case 1 -> node.string(name, "v" + rnd.nextInt(1000));
                case 2 -> node.strings(name, "a", "", "bc");
                case 3 -> node.u32(name, rnd.nextInt());
                case 4 -> node.u64(name, rnd.nextLong());
                default -> {
                    byte[] v = new byte[rnd.nextInt(9)];
                    rnd.nextBytes(v);
                    node.bytes(name, v);
                }
            }
        }
        if (depth < 6) {
            for (int i = rnd.nextInt(4); i > 0; i--) {
                fill(node.node("n" + i + (rnd.nextBoolean() ? "@" + Integer.toHexString(rnd.nextInt()) : "")), rnd,
                        depth + 1);
            }
        }
    }

    @Test
    void rejectsMisuse() {
        FdtWriter.Node root = new FdtWriter().root();
        root.node("a");
        assertThrows(IllegalArgumentException.class, () -> root.node("a"));
        assertThrows(IllegalArgumentException.class, () -> root.node("a/b"));
        assertThrows(IllegalArgumentException.class, () -> root.node(""));
        root.u32("x", 1);
        assertThrows(IllegalArgumentException.class, () -> root.u32("x", 2));
        assertThrows(IllegalArgumentException.class, () -> root.string("s", "a\0b"));
        assertThrows(IllegalArgumentException.class, () -> root.empty("\u0100"));
        assertThrows(IllegalArgumentException.class, () -> new FdtWriter().memReserve(1, 0));
        FdtWriter.Node deep = new FdtWriter().root();
        for (int i = 1; i < Fdt.FDT_MAX_DEPTH; i++) {
            deep = deep.node("n");
        }
        FdtWriter.Node last = deep;
        assertThrows(IllegalArgumentException.class, () -> last.node("n"));
    }
}
