package dev.kmm.core.boot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in PCs: their numbers written as the kernel's arithmetic, and the variants of the issue (mem=,
 * movablecore=, kernelcore=, numa=off, THP). The managed pages and watermarks of the unmodified machines are
 * held against real boots in {@link X86RealBootTest}.
 */
class X86BootTest {
    private static final long MAX_DMA_PFN = (16L << 20) >>> 12;
    private static final long MAX_DMA32_PFN = (4L << 30) >>> 12;

    /**
     * zone_sizes_init(): DMA below 16 MiB, DMA32 below 4 GiB, Normal above. SeaBIOS's e820 RAM is
     * [0, 0x9fc00), [1 MiB, 0xbffe0000) and [4 GiB, 9 GiB); trim_bios_range() makes the first page reserved
     * and memblock_trim_memory() drops the partial page at 0x9f000, so ZONE_DMA holds pfns 1..0x9e and
     * 0x100..0xfff, with 1 + 97 pages of holes ("On node 0, zone DMA: ... unavailable ranges").
     */
    @Test
    void zoneSpansAndPresentPages() {
        try (Kernel k = Kernel.boot(Machines.pcX86_64())) {
            long lowTop = 0xbffe0000L >>> 12;
            long highEnd = (9L << 30) >>> 12;
            assertArrayEquals(new long[] {0, highEnd, highEnd}, k.pfnLimits());
            ZoneInfo dma = k.zone(0, "DMA");
            ZoneInfo dma32 = k.zone(0, "DMA32");
            ZoneInfo normal = k.zone(0, "Normal");
            assertEquals(1, dma.zoneStartPfn());
            assertEquals(MAX_DMA_PFN - 1, dma.spanned());
            assertEquals((0x9f - 1) + (MAX_DMA_PFN - 0x100), dma.present());
            assertEquals(3998, dma.present());
            assertEquals(MAX_DMA_PFN, dma32.zoneStartPfn());
            assertEquals(MAX_DMA32_PFN - MAX_DMA_PFN, dma32.spanned());
            assertEquals(lowTop - MAX_DMA_PFN, dma32.present());
            assertEquals(MAX_DMA32_PFN, normal.zoneStartPfn());
            assertEquals(highEnd - MAX_DMA32_PFN, normal.spanned());
            assertEquals(highEnd - MAX_DMA32_PFN, normal.present());
            assertTrue(k.dmesg().contains("On node 0, zone DMA: 97 pages in unavailable ranges"));
            // DMA keeps its dma_reserve (memblock_find_dma_reserve: the reserved pages below 16 MiB, here the
            // first MiB) out of the zone's estimate; the 3840 managed pages are 0x100..0xfff.
            assertEquals(MAX_DMA_PFN - 0x100, dma.managed());
        }
    }

    /** SRAT's two nodes: node 0 everything below 5 GiB (DMA, DMA32 and 1 GiB of Normal), node 1 the top 4 GiB. */
    @Test
    void numa2NodesAndZonelists() {
        try (Kernel k = Kernel.boot(Machines.numa2X86_64())) {
            assertEquals((1L << 30) >>> 12, k.zone(0, "Normal").present());
            assertEquals(MAX_DMA32_PFN + ((1L << 30) >>> 12), k.zone(1, "Normal").zoneStartPfn());
            assertEquals((4L << 30) >>> 12, k.zone(1, "Normal").present());
            assertEquals(0, k.zone(1, "DMA32").spanned());
            assertTrue(k.dmesg().contains("Built 2 zonelists, mobility grouping on.  Total pages: 2064096"));
            assertTrue(k.dmesg().contains("Policy zone: Normal"));
        }
    }

    /** numa=off: numa_init(dummy_numa_init) - one node over all memory, zones as on the UMA PC. */
    @Test
    void numaOffFakesOneNode() {
        Machine m = Machines.numa2X86_64().toBuilder().bootArgs("console=ttyS0 numa=off").build();
        try (Kernel k = Kernel.boot(m)) {
            assertTrue(k.dmesg().contains("NUMA turned off"));
            assertTrue(k.dmesg().contains("Faking a node at [mem 0x0000000000000000-0x000000023fffffff]"));
            assertEquals(1310720, k.zone(0, "Normal").present());
            assertTrue(k.zones().stream().allMatch(z -> z.nid() == 0));
        }
    }

    /**
     * mem=2G: e820__range_remove() from 2 GiB; max_pfn 0x80000, no ZONE_NORMAL. The loader's initrd (below
     * 3 GiB) is no longer directly mapped, so reserve_initrd() moves it (relocate_initrd(): memblock below
     * max_pfn_mapped) and frees its old place. The Memory line's total is the present pages:
     * (0x9f - 1) + (0x80000 - 0x100) pages.
     */
    @Test
    void memLimit() {
        Machine m = Machines.pcX86_64().toBuilder().bootArgs("console=ttyS0 mem=2G").build();
        try (Kernel k = Kernel.boot(m)) {
            assertArrayEquals(new long[] {0, 0x80000, 0x80000}, k.pfnLimits());
            assertEquals(0x80000 - MAX_DMA_PFN, k.zone(0, "DMA32").present());
            assertEquals(0, k.zone(0, "Normal").spanned());
            long totalK = ((0x9f - 1) + (0x80000 - 0x100)) * 4;
            assertEquals(2096760, totalK);
            assertTrue(k.dmesg().stream().anyMatch(l -> l.startsWith("Memory: ") && l.contains("/" + totalK + "K")));
            assertTrue(k.dmesg().stream().anyMatch(l -> l.startsWith("Move RAMDISK from [mem 0xbfbe0000-0xbffdffff]")));
            assertTrue(k.initrd().orElseThrow().end() <= 0x8000_0000L);
        }
    }

    /** movablecore=1G: ZONE_MOVABLE is the top 1 GiB of the node, 0x240000 - 0x40000 = 0x200000 on. */
    @Test
    void movablecore() {
        Machine m = Machines.pcX86_64().toBuilder().bootArgs("console=ttyS0 movablecore=1G").build();
        try (Kernel k = Kernel.boot(m)) {
            ZoneInfo movable = k.zone(0, "Movable");
            assertEquals(0x200000, movable.zoneStartPfn());
            assertEquals((1L << 30) >>> 12, movable.spanned());
            assertEquals(0x200000 - MAX_DMA32_PFN, k.zone(0, "Normal").spanned());
        }
    }

    /**
     * kernelcore=50% (find_zone_movable_pfns_for_nodes): required_kernelcore = 50% of the 2097022 present
     * pages = 1048511; the 786302 pages below ZONE_NORMAL count as kernelcore, so ZONE_NORMAL keeps the
     * next 262209 pages and ZONE_MOVABLE starts at roundup(0x100000 + 262209, MAX_ORDER_NR_PAGES) = 0x140400.
     */
    @Test
    void kernelcorePercent() {
        Machine m = Machines.pcX86_64().toBuilder().bootArgs("console=ttyS0 kernelcore=50%").build();
        try (Kernel k = Kernel.boot(m)) {
            long total = 3998 + 782304 + 1310720;
            long required = total * 5000 / 10000;
            long belowNormal = 158 + (0xbffe0 - 0x100);
            long start = MAX_DMA32_PFN + (required - belowNormal);
            long movableStart = (start + 1023) & ~1023L;
            assertEquals(0x140400, movableStart);
            assertEquals(movableStart, k.zone(0, "Movable").zoneStartPfn());
            assertEquals(movableStart - MAX_DMA32_PFN, k.zone(0, "Normal").spanned());
        }
    }

    /**
     * CONFIG_TRANSPARENT_HUGEPAGE=y: hugepage_init() -> set_recommended_min_free_kbytes() (mm/khugepaged.c):
     * two pageblocks per populated zone up to ZONE_NORMAL, plus MIGRATE_PCPTYPES^2 more, i.e.
     * 512 * 3 * 2 + 512 * 3 * 3 * 3 = 16896 pages = 67584 kB, above the 11412 of init_per_zone_wmark_min, so
     * min_free_kbytes is raised (silently: user_min_free_kbytes is still -1) and the watermarks follow.
     */
    @Test
    void transparentHugepageRaisesMinFreeKbytes() {
        Machine plain = Machines.pcX86_64();
        Machine thp = plain.toBuilder().config(plain.config().with("CONFIG_TRANSPARENT_HUGEPAGE=y")).build();
        try (Kernel k = Kernel.boot(thp)) {
            long recommended = 512 * 3 * 2 + 512 * 3 * 3 * 3;
            assertEquals(recommended * 4, k.minFreeKbytes());
            assertEquals(67584, k.minFreeKbytes());
            // __setup_per_zone_wmarks(): min = pages_min * managed / lowmem_pages with the managed counts of
            // hugepage_init's time: the final 3840 + 757834 + 1274456 less what is freed later, all of it in
            // DMA32 (the image at 16 MiB, the initrd below 3 GiB): the 4 MiB initrd, 1544K of initmem and
            // mark_rodata_ro()'s 2032K and 964K gaps. Then low and high each
            // max(min / 4, managed * watermark_scale_factor / 10000) above: 10586 / 4 = 2646 > 1274456 / 1000.
            var w = k.zone(0, "Normal").limits().watermarks();
            long pagesMin = 67584 >> 2;
            long lowmemAtBoot = 3840 + 757834 + 1274456 - (4096 + 1544 + 2032 + 964) / 4;
            assertEquals(1274456, k.zone(0, "Normal").managed());
            assertEquals(pagesMin * 1274456 / lowmemAtBoot, w.minWmarkPages());
            assertEquals(10586, w.minWmarkPages());
            assertEquals(10586 + 10586 / 4, w.lowWmarkPages());
            assertEquals(10586 + 2 * (10586 / 4), w.highWmarkPages());
        }
    }

    /** The sized PC: all RAM below 4 GiB under 3.5 GiB, else 3 GiB below and the rest from 4 GiB. */
    @Test
    void sizedPc() {
        Machine small = Machines.pcX86_64(2L << 30, 2);
        assertEquals(List.of(0x9fc00L, 0x8000_0000L - 0x20000 - 0x100000), small.ram().stream()
                .map(MemoryRange::size).toList());
        Machine big = Machines.pcX86_64(64L << 30, 8);
        assertEquals(1L << 32, big.ram().getLast().base());
        assertEquals((64L << 30) - 0xc000_0000L, big.ram().getLast().size());
        assertThrows(IllegalArgumentException.class, () -> Machines.pcX86_64(1L << 20, 1));
    }
}
