package dev.kmm.core.memblock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Arguments the kernel would silently misuse are refused with a clear message, changing nothing. */
class MemblockArgumentsTest {
    private final Memblock mb = new Memblock(MemblockConfig.X86_64, (l, m) -> { }, (b, s) -> { });
    private final Memblock arm = new Memblock(MemblockConfig.ARM_VEXPRESS, (l, m) -> { }, (b, s) -> { });

    private void refused(Memblock m, String message, Executable call) {
        String before = Memblock.debugfsShow(m.memory(), 64) + Memblock.debugfsShow(m.reserved(), 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(before, Memblock.debugfsShow(m.memory(), 64) + Memblock.debugfsShow(m.reserved(), 64));
    }

    @Test
    void sizeZeroIsANoOpAsInTheKernel() {
        assertEquals(0, mb.memblockAdd(0x1000, 0));
        assertEquals(0, mb.memblockReserve(0x1000, 0));
        assertEquals(0, mb.memblockRemove(0x1000, 0));
        assertEquals(1, mb.memory().cnt());
        assertEquals(0, mb.memory().totalSize());
    }

    @Test
    void badArgumentsAreRefused() {
        mb.memblockAdd(0x10_0000L, 0x10_0000L);
        refused(mb, "align 0x3000 is not a power of two", () -> mb.memblockPhysAlloc(0x1000, 0x3000));
        refused(mb, "unknown region flags 0x10", () -> mb.memblockAddNode(0, 0x1000, 0, 0x10));
        refused(mb, "nid 1025 is outside 0..1024", () -> mb.memblockAddNode(0, 0x1000, 1025, 0));
        refused(mb, "nid -1 is outside", () -> mb.memblockSetNode(0, 0x1000, mb.memory(), -1));
        refused(mb, "nid -2 is outside", () -> mb.memblockAllocTryNid(0x1000, 0x1000, 0, 0, -2));
        refused(mb, "belongs to another memblock", () -> mb.memblockSetNode(0, 0x1000, arm.memory(), 0));
        refused(mb, "align 0x0 is not a power of two", () -> mb.memblockTrimMemory(0));
        refused(arm, "0x100000000 does not fit a 32-bit phys_addr_t", () -> arm.memblockAdd(0x1_0000_0000L, 0x1000));
        refused(arm, "size 0x100000000 does not fit", () -> arm.memblockReserve(0, 0x1_0000_0000L));
        refused(arm, "limit", () -> arm.memblockSetCurrentLimit(-1L));
        assertThrows(IndexOutOfBoundsException.class, () -> mb.memory().base(1));
    }

    @Test
    void configsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new MemblockConfig(48, true, 4, 12, 64, 0xffffffffL));
        assertThrows(IllegalArgumentException.class, () -> new MemblockConfig(64, false, 4, 12, 64, 0xffffffffL));
        assertThrows(IllegalArgumentException.class, () -> new MemblockConfig(64, true, 4, 12, 48, 0xffffffffL));
        assertThrows(IllegalArgumentException.class, () -> new MemblockConfig(32, false, 1, 12, 64, 1L << 32));
        assertEquals(24, MemblockConfig.X86_64.regionStructSize());
        assertEquals(12, MemblockConfig.ARM_VEXPRESS.regionStructSize());
        assertEquals(16, new MemblockConfig(32, true, 2, 12, 64, 0xffffffffL).regionStructSize());
        assertEquals(24, new MemblockConfig(64, false, 1, 12, 64, 0xffffffffL).regionStructSize());
    }
}
