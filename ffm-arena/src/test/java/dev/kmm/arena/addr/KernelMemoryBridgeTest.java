package dev.kmm.arena.addr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kmm.arena.BadAddressException;
import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reads and writes through kernel VAs land in the right bytes of the host segments, and nowhere else. */
class KernelMemoryBridgeTest {
    private static final long MiB = 1L << 20;
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** Writes through KernelMemory at random addresses of a segment, reads the segment directly, and back. */
    private static void checkBothWays(KernelMemory km, long va0, MemorySegment seg, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 2000; i++) {
            long off = rnd.nextLong(seg.byteSize() / 8) * 8;
            long v = rnd.nextLong();
            km.putLong(va0 + off, v);
            assertEquals(v, seg.get(ValueLayout.JAVA_LONG, off));
            seg.set(ValueLayout.JAVA_LONG, off, ~v);
            assertEquals(~v, km.getLong(va0 + off));
        }
    }

    @Test
    void x86DirectMapAndVmemmap() {
        KernelAddressSpace x86 = KernelAddressSpace.x86_64();
        long ramPhys = 16 * MiB;
        MemorySegment ram = arena.allocate(8 * MiB, 4096);
        long firstPfn = ramPhys >>> 12;
        MemorySegment memmap = arena.allocate((8 * MiB >>> 12) * 64, 64);
        KernelMemory km = x86.kernelMemory(ram, ramPhys, memmap, firstPfn);

        assertEquals("vmemmap", km.regions().get(0).name());
        assertEquals(0xffffea0000000000L + firstPfn * 64, km.regions().get(0).vaStart());
        assertEquals(0xffff888000000000L + ramPhys, km.regions().get(1).vaStart());
        checkBothWays(km, x86.va(ramPhys), ram, 1);
        checkBothWays(km, x86.pfnToPage(firstPfn), memmap, 2);

        // struct page of pfn firstPfn + 5: flags at offset 0, _refcount at 52
        long page = x86.pfnToPage(firstPfn + 5);
        km.putInt(page + 52, 7);
        assertEquals(7, memmap.get(ValueLayout.JAVA_INT, 5 * 64 + 52));
        // virt_to_page of a byte of RAM reaches the same struct page
        assertEquals(page, x86.virtToPage(x86.va(ramPhys + 5 * 4096 + 123)));

        assertThrows(BadAddressException.class, () -> km.getLong(x86.va(ramPhys + 8 * MiB)));
        assertThrows(BadAddressException.class, () -> km.getLong(x86.pfnToPage(firstPfn - 1)));
        assertThrows(UnsupportedOperationException.class, () -> x86.kernelMemory(ram, ramPhys));
    }

    @Test
    void arm64DirectMapAndVmemmap() {
        KernelAddressSpace a = KernelAddressSpace.arm64(0x4000_0000L);
        long ramPhys = 0x4000_0000L;
        MemorySegment ram = arena.allocate(4 * MiB, 4096);
        MemorySegment memmap = arena.allocate(1024 * 64, 64);
        KernelMemory km = a.kernelMemory(ram, ramPhys, memmap, 0x40000);
        assertEquals(0xfffffc0000000000L, km.regions().get(0).vaStart()); // first RAM pfn at VMEMMAP_START
        assertEquals(0xffff000000000000L, km.regions().get(1).vaStart());
        checkBothWays(km, 0xffff000000000000L, ram, 3);
        checkBothWays(km, 0xfffffc0000000000L, memmap, 4);
    }

    @Test
    void vmemmapRegionIsChecked() {
        KernelAddressSpace x86 = KernelAddressSpace.x86_64();
        assertThrows(IllegalArgumentException.class, () -> x86.vmemmapRegion(arena.allocate(100), 0));
        assertThrows(IllegalArgumentException.class, () -> x86.vmemmapRegion(MemorySegment.NULL, 0));
        // the last struct page would lie past the memmap's pfn range
        assertThrows(IllegalArgumentException.class, () -> x86.vmemmapRegion(arena.allocate(128), (1L << 34) - 1));
        assertThrows(IllegalArgumentException.class, () -> x86.linearRegion(arena.allocate(4096), 1L << 46));
    }

    @Test
    void armLinearRegionCoversLowmemOnly() {
        long ramPhys = 0x6000_0000L;
        // 32 MiB of RAM, lowmem limited to the first 16 MiB: the rest is highmem, outside the linear map
        KernelAddressSpace arm = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, ramPhys)
                .withLowmem(ramPhys + 16 * MiB, (ramPhys + 16 * MiB) >>> 12);
        MemorySegment ram = arena.allocate(32 * MiB, 4096);
        long memMapPhys = ramPhys + 8 * MiB;
        arm = arm.withMemMap(arm.va(memMapPhys));
        KernelMemory km = arm.kernelMemory(ram, ramPhys);

        assertEquals(1, km.regions().size());
        assertEquals(0xC000_0000L, km.regions().get(0).vaStart());
        assertEquals(16 * MiB, km.regions().get(0).size());
        checkBothWays(km, 0xC000_0000L, ram.asSlice(0, 16 * MiB), 5);

        // mem_map lives in lowmem: struct page of pfn 0x60010 is at RAM offset 8 MiB + 0x10 * 64
        long page = arm.pfnToPage(0x60010);
        assertEquals(0xC000_0000L + 8 * MiB + 0x10 * 64, page);
        km.putLong(page + 8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, ram.get(ValueLayout.JAVA_LONG, 8 * MiB + 0x10 * 64 + 8));
        // a highmem page's struct page is in mem_map too, but its contents have no linear address
        long highPage = arm.pfnToPage(0x61800);
        km.putLong(highPage, 1);
        assertEquals(0, arm.pageAddress(highPage));

        final KernelAddressSpace a = arm;
        assertThrows(BadAddressException.class, () -> km.getLong(0xC000_0000L + 16 * MiB));
        assertThrows(IllegalArgumentException.class, () -> a.linearRegion(ram, ramPhys + 16 * MiB));
        assertThrows(UnsupportedOperationException.class, () -> a.vmemmapRegion(ram, 0x60000));
        assertThrows(UnsupportedOperationException.class, () -> a.kernelMemory(ram, ramPhys, ram, 0x60000));
    }
}
