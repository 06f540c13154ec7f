package dev.kmm.core.memblock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Growth of the region arrays ({@code memblock_double_array}) and {@code memblock_discard}. */
class MemblockDoubleArrayTest {
    private final Memblock mb = new Memblock(MemblockConfig.X86_64, (l, m) -> { }, (b, s) -> { });

    private void reserveScattered(int n) {
        for (int i = 0; i < n; i++) {
            assertEquals(0, mb.memblockReserve(0x100_0000L + i * 0x2000L, 0x1000));
        }
    }

    @Test
    void secondDoublingFreesThePreviousArray() {
        mb.memblockAllowResize();
        mb.memblockAdd(0x100_0000L, 0x100_0000L);
        reserveScattered(129);
        long first = mb.reserved().arrayPhys();
        assertEquals(0x1ff_e000L, first); // 256 * 24 bytes = 2 pages, at the top
        assertTrue(mb.memblockIsReserved(first));

        reserveScattered(256);
        long second = mb.reserved().arrayPhys();
        assertEquals(512, mb.reserved().max());
        // 512 * 24 bytes = 3 pages, found while the first array was still reserved
        assertEquals(0x1ff_b000L, second);
        // the first array's two pages are free again
        assertFalse(mb.memblockIsReserved(first));
        assertFalse(mb.memblockIsReserved(first + 0x1000));
        assertTrue(mb.memblockIsReserved(second));
    }

    @Test
    void discardHandsBackDoubledArraysOnly() {
        List<long[]> freed = new ArrayList<>();
        mb.memblockDiscard((b, s) -> freed.add(new long[] {b, s}));
        assertTrue(freed.isEmpty(), "the static arrays are never freed");

        mb.memblockAllowResize();
        mb.memblockAdd(0x100_0000L, 0x100_0000L);
        reserveScattered(129);
        for (int i = 0; i < 129; i++) {
            mb.memblockAdd(0x1_0000_0000L + i * 0x2000L, 0x1000);
        }
        mb.memblockDiscard((b, s) -> freed.add(new long[] {b, s}));
        assertEquals(2, freed.size());
        assertEquals(mb.reserved().arrayPhys(), freed.get(0)[0]);
        assertEquals(0x2000, freed.get(0)[1]);
        assertEquals(mb.memory().arrayPhys(), freed.get(1)[0]);
        assertEquals(0x2000, freed.get(1)[1]);
    }

    @Test
    void isolatingNeedsTwoFreeSlots() {
        mb.memblockAllowResize();
        mb.memblockAdd(0x100_0000L, 0x100_0000L);
        reserveScattered(127);
        assertEquals(128, mb.reserved().max());
        // splitting one region in the middle takes cnt + 2 slots: 129 > 128
        assertEquals(0, mb.memblockPhysFree(0x100_0400L, 0x100));
        assertEquals(256, mb.reserved().max());
        assertEquals(127 + 1 + 1, mb.reserved().cnt()); // one split, plus the new array
    }
}
