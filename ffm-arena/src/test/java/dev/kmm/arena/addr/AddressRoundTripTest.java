package dev.kmm.arena.addr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random round trips of every conversion on every profile, each checked against the profile's own
 * kernel formula written out here ({@code __va(x) = x - PHYS_OFFSET + PAGE_OFFSET}, {@code pfn_to_page(pfn) =
 * memmap base + (pfn - pfn offset) * 64}), plus the edges of each domain.
 */
class AddressRoundTripTest {
    private static final int N = 20_000;

    /** A profile with the bounds of its linear map and memmap spelled out independently of the class. */
    record Profile(String name, KernelAddressSpace space, long pageOffset, long physOffset, long linearBytes,
            long memMap, long pfnOffset, long firstPfn, long lastPfnExclusive, long maxLowPfn) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> profiles() {
        long x86Pfns = 1L << (46 - 12); // MAX_PHYSMEM_BITS 46
        long arm64Linear = 1L << 47; // PAGE_END - PAGE_OFFSET
        long vmemmapStart = 0xfffffc0000000000L;
        long memstart = 0x8_8000_0000L;
        long vexpress = 0x6000_0000L;
        // arm, 6.1, VMSPLIT_3G, 1 GiB at 0x60000000: lowmem to 0x90000000, mem_map near the top of lowmem
        KernelAddressSpace arm3g = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, vexpress)
                .withLowmem(0x9000_0000L, 0x90000L).withMemMap(0xEF00_0000L);
        // arm, VMSPLIT_1G with RAM at 0x80000000: the linear map stops at 4 GiB of physical space
        KernelAddressSpace arm1g = KernelAddressSpace.arm(VmSplit.VMSPLIT_1G, 0x8000_0000L)
                .withLowmem(0xC000_0000L, 0xBFE00L).withMemMap(0x4010_0000L);
        return Stream.of(
                Arguments.of(new Profile("x86_64", KernelAddressSpace.x86_64(), 0xffff888000000000L, 0, 1L << 46,
                        0xffffea0000000000L, 0, 0, x86Pfns, Long.MAX_VALUE)),
                Arguments.of(new Profile("arm64 memstart 0", KernelAddressSpace.arm64(0x1234_5000L), 0xffff000000000000L,
                        0, arm64Linear, vmemmapStart, 0, 0, arm64Linear >>> 12, Long.MAX_VALUE)),
                Arguments.of(new Profile("arm64 memstart 34G", KernelAddressSpace.arm64(memstart + 0x3000_0000L),
                        0xffff000000000000L, memstart, arm64Linear, vmemmapStart - (memstart >> 12) * 64, 0,
                        memstart >>> 12, (memstart + arm64Linear) >>> 12, Long.MAX_VALUE)),
                Arguments.of(new Profile("arm 3G", arm3g, 0xC000_0000L, vexpress, 0x3000_0000L, 0xEF00_0000L,
                        0x60000, 0x60000, 1L << 20, 0x90000)),
                Arguments.of(new Profile("arm 1G", arm1g, 0x4000_0000L, 0x8000_0000L, 0x4000_0000L, 0x4010_0000L,
                        0x80000, 0x80000, 1L << 20, 0xBFE00)));
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void paAndVaAreInverseOnTheLinearMap(Profile p) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_0001L);
        KernelAddressSpace s = p.space();
        for (int i = 0; i < N; i++) {
            long pa = p.physOffset() + rnd.nextLong(p.linearBytes());
            long va = s.va(pa);
            assertEquals(pa - p.physOffset() + p.pageOffset(), va);
            assertEquals(pa, s.pa(va));
        }
        assertEquals(p.pageOffset(), s.va(p.physOffset()));
        assertEquals(p.physOffset() + p.linearBytes() - 1, s.pa(p.pageOffset() + p.linearBytes() - 1));
        assertThrows(IllegalArgumentException.class, () -> s.va(p.physOffset() + p.linearBytes()));
        assertThrows(IllegalArgumentException.class, () -> s.pa(p.pageOffset() + p.linearBytes()));
        assertThrows(IllegalArgumentException.class, () -> s.pa(p.pageOffset() - 1));
        if (p.physOffset() > 0) {
            assertThrows(IllegalArgumentException.class, () -> s.va(p.physOffset() - 1));
        }
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void pfnAndPageAreInverseOnTheMemmap(Profile p) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_0002L);
        KernelAddressSpace s = p.space();
        for (int i = 0; i < N; i++) {
            long pfn = p.firstPfn() + rnd.nextLong(p.lastPfnExclusive() - p.firstPfn());
            long page = s.pfnToPage(pfn);
            assertEquals(p.memMap() + (pfn - p.pfnOffset()) * 64, page);
            assertEquals(pfn, s.pageToPfn(page));
        }
        assertThrows(IllegalArgumentException.class, () -> s.pfnToPage(p.lastPfnExclusive()));
        assertThrows(IllegalArgumentException.class, () -> s.pfnToPage(p.firstPfn() - 1));
        long first = s.pfnToPage(p.firstPfn());
        assertThrows(IllegalArgumentException.class, () -> s.pageToPfn(first - 64));
        assertThrows(IllegalArgumentException.class, () -> s.pageToPfn(first + 1));
        assertThrows(IllegalArgumentException.class, () -> s.pageToPfn(first + (p.lastPfnExclusive() - p.firstPfn()) * 64));
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void virtToPageAndPageAddressAgree(Profile p) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_0003L);
        KernelAddressSpace s = p.space();
        for (int i = 0; i < N; i++) {
            long pa = p.physOffset() + rnd.nextLong(p.linearBytes());
            long va = p.pageOffset() + (pa - p.physOffset());
            long pfn = pa >>> 12;
            long page = p.memMap() + (pfn - p.pfnOffset()) * 64;
            assertEquals(page, s.virtToPage(va));
            long expected = pfn < p.maxLowPfn() ? va & ~4095L : 0;
            assertEquals(expected, s.pageAddress(page));
        }
    }
}
