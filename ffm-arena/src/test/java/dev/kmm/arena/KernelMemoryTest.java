package dev.kmm.arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * KernelMemory's two ways to an address, the native hot regions at their host address and every other region
 * through its segment, give the same bytes; addresses outside every region, and any address once the memory is
 * released, raise BadAddressException.
 */
class KernelMemoryTest {
    private static final long MEMMAP = 0xffffea0000000000L;
    private static final long DIRECT = 0xffff888000000000L;
    private static final long OTHER = 0xffffc90000000000L;

    @Test
    void nativeHotRegionsAndSegmentRegionsHoldTheSameBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4096, 64);
            MemorySegment b = arena.allocate(4096, 64);
            MemorySegment c = arena.allocate(4096, 64);
            // Native hot regions first, then a third native region, then the same layout on the heap.
            KernelMemory nat = KernelMemory.of(new KernelMemory.Region("memmap", MEMMAP, a),
                    new KernelMemory.Region("directmap", DIRECT, b), new KernelMemory.Region("vmalloc", OTHER, c));
            KernelMemory heap = KernelMemory.of(
                    new KernelMemory.Region("memmap", MEMMAP, MemorySegment.ofArray(new long[512])),
                    new KernelMemory.Region("directmap", DIRECT, MemorySegment.ofArray(new long[512])),
                    new KernelMemory.Region("vmalloc", OTHER, MemorySegment.ofArray(new long[512])));
            SplittableRandom rnd = new SplittableRandom(7);
            long[] bases = {MEMMAP, DIRECT, OTHER};
            for (int i = 0; i < 20_000; i++) {
                long va = bases[rnd.nextInt(3)] + 8L * rnd.nextInt(512);
                long v = rnd.nextLong();
                switch (rnd.nextInt(6)) {
                    case 0 -> {
                        nat.putLong(va, v);
                        heap.putLong(va, v);
                    }
                    case 1 -> {
                        nat.putIntOpaque(va + 4, (int) v);
                        heap.putIntOpaque(va + 4, (int) v);
                    }
                    case 2 -> {
                        nat.putByte(va + 3, (byte) v);
                        heap.putByte(va + 3, (byte) v);
                    }
                    case 3 -> assertEquals(nat.getAndAddLong(va, v), heap.getAndAddLong(va, v));
                    case 4 -> assertEquals(nat.compareAndSetInt(va, (int) v, 1), heap.compareAndSetInt(va, (int) v, 1));
                    default -> assertEquals(nat.getShort(va + 6), heap.getShort(va + 6));
                }
                assertEquals(nat.getLong(va), heap.getLong(va), String.format("0x%x", va));
            }
            assertEquals(0x1122334455667788L, put(nat, DIRECT + 4088, 0x1122334455667788L));
            assertEquals(0x1122334455667788L, b.get(ValueLayout.JAVA_LONG, 4088), "the bytes are the region's own");
        }
    }

    private static long put(KernelMemory mem, long va, long v) {
        mem.putLongVolatile(va, v);
        return mem.getLongAcquire(va);
    }

    @Test
    void addressesOutsideEveryRegionAndReleasedMemoryRaise() {
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", DIRECT, arena.allocate(4096, 64)));
            for (long va : new long[] {DIRECT - 8, DIRECT + 4096, 0, MEMMAP}) {
                assertThrows(BadAddressException.class, () -> mem.getLong(va), String.format("0x%x", va));
                assertThrows(BadAddressException.class, () -> mem.putByte(va, (byte) 1), String.format("0x%x", va));
            }
            mem.putLong(DIRECT, 42);
            mem.release();
            assertThrows(BadAddressException.class, () -> mem.getLong(DIRECT));
            assertThrows(BadAddressException.class, () -> mem.compareAndSetLong(DIRECT, 42, 1));
            assertTrue(!mem.isMapped(DIRECT, 8));
        }
    }
}
