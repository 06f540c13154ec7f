package dev.kmm.arena.addr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * 32-bit arm against Linux 6.1's arch/arm headers (and the two constants that differ in 4.14), written as the
 * kernel's expressions, and against the Versatile Express boots of the project's notes.
 */
class ArmAddressSpaceTest {
    private static final long SZ_1M = 1L << 20;
    private static final long SZ_16M = 16 * SZ_1M;
    private static final long PAGE_SIZE = 4096;
    private static final long PMD_SIZE = 1L << 21; // pgtable-2level.h: PMD_SHIFT 21
    private static final long VMALLOC_OFFSET = 8 * 1024 * 1024; // pgtable.h
    private static final long VEXPRESS_RAM = 0x6000_0000L; // vexpress-v2p-ca9.dts memory node
    private static final long VEXPRESS_RAM_END = VEXPRESS_RAM + 1024 * SZ_1M; // -m 1024M

    @Test
    void facts() {
        assertEquals(32, Arch.ARM.pointerBits());
        assertEquals(2, Arch.ARM.pageTableLevels());
        assertEquals(MemoryModel.FLATMEM, Arch.ARM.memoryModel());
    }

    @Test
    void splitsGiveKconfigsPageOffset() {
        // arch/arm/Kconfig, config PAGE_OFFSET
        assertEquals(0xC0000000L, KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM).pageOffset());
        assertEquals(0xB0000000L, KernelAddressSpace.arm(VmSplit.VMSPLIT_3G_OPT, VEXPRESS_RAM).pageOffset());
        assertEquals(0x80000000L, KernelAddressSpace.arm(VmSplit.VMSPLIT_2G, VEXPRESS_RAM).pageOffset());
        assertEquals(0x40000000L, KernelAddressSpace.arm(VmSplit.VMSPLIT_1G, VEXPRESS_RAM).pageOffset());
    }

    @ParameterizedTest
    @EnumSource(VmSplit.class)
    void constantsFollowTheHeaders(VmSplit split) {
        KernelAddressSpace a = KernelAddressSpace.arm(split, VEXPRESS_RAM);
        long pageOffset = split.pageOffset();
        assertEquals(VEXPRESS_RAM, a.physOffset());
        // memory.h: TASK_SIZE = CONFIG_PAGE_OFFSET - SZ_16M; MODULES_VADDR = PAGE_OFFSET - SZ_16M;
        // MODULES_END = PAGE_OFFSET - PMD_SIZE (CONFIG_HIGHMEM); VECTORS_BASE = 0xffff0000
        assertEquals(pageOffset - SZ_16M, a.taskSize());
        assertEquals(pageOffset - SZ_16M, a.modulesVaddr());
        assertEquals(pageOffset - PMD_SIZE, a.modulesEnd());
        assertEquals(0xffff0000L, a.vectorsBase());
        // highmem.h: PKMAP_BASE = PAGE_OFFSET - PMD_SIZE, LAST_PKMAP = PTRS_PER_PTE (512): pkmap ends at PAGE_OFFSET
        assertEquals(pageOffset - PMD_SIZE, a.pkmapBase());
        assertEquals(pageOffset, a.pkmapBase() + ArmLayout.LAST_PKMAP * PAGE_SIZE);
        // fixmap.h (6.1): FIXADDR_START 0xffc80000, FIXADDR_END 0xfff00000, FIXADDR_TOP = FIXADDR_END - PAGE_SIZE
        assertEquals(0xffc80000L, a.fixaddrStart());
        assertEquals(0xfff00000L, a.fixaddrEnd());
        assertEquals(0xfff00000L - PAGE_SIZE, a.fixaddrTop());
        // pgtable.h (6.1): VMALLOC_END 0xff800000; Documentation/arm/memory.rst: "VMALLOC_END is equal to 0xff800000"
        assertEquals(0xff800000L, a.vmallocEnd());
        assertEquals(ArmLayoutVersion.V6_1, a.armLayoutVersion());
        // mmu.c: vmalloc_limit = VMALLOC_END - vmalloc_size - VMALLOC_OFFSET - PAGE_OFFSET + PHYS_OFFSET
        assertEquals(0xff800000L - 240 * SZ_1M - VMALLOC_OFFSET - pageOffset + VEXPRESS_RAM, a.vmallocLimit());
    }

    @Test
    void version414MovesVmallocEndAndFixmap() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM, ArmLayoutVersion.V4_14);
        assertEquals(0xff000000L, a.vmallocEnd());
        assertEquals(0xffc00000L, a.fixaddrStart());
        assertEquals(0xfff00000L, a.fixaddrEnd());
        assertEquals(ArmLayoutVersion.V4_14, a.armLayoutVersion());
    }

    @Test
    void vexpressUnder414StopsLowmemAt0x8f800000() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM, ArmLayoutVersion.V4_14);
        // mmu.c (4.14): vmalloc_min = VMALLOC_END - (240 << 20) - VMALLOC_OFFSET
        assertEquals(0xff000000L - (240L << 20) - VMALLOC_OFFSET, a.vmallocMin());
        assertEquals(0xef800000L, a.vmallocMin());
        // adjust_lowmem_bounds: one bank below vmalloc_limit gives lowmem_limit = min(vmalloc_limit, bank end)
        long lowmemLimit = Math.min(a.vmallocLimit(), VEXPRESS_RAM_END);
        assertEquals(0x8f800000L, lowmemLimit); // the boot in the notes: max_low_pfn = 0x8f800
        assertEquals(0x8f800L, lowmemLimit >>> 12);
        assertEquals(0xef800000L, a.highMemory(lowmemLimit));
        assertEquals(0xf0000000L, a.vmallocStart(lowmemLimit));
    }

    @Test
    void vexpressUnder61HasEightMoreMegabytesOfLowmem() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM);
        assertEquals(0xff800000L - 240 * SZ_1M - VMALLOC_OFFSET, a.vmallocMin());
        long lowmemLimit = Math.min(a.vmallocLimit(), VEXPRESS_RAM_END);
        assertEquals(0xff800000L - 240 * SZ_1M - VMALLOC_OFFSET - 0xC0000000L + VEXPRESS_RAM, lowmemLimit);
        assertEquals(0x90000000L, lowmemLimit); // max_low_pfn 0x90000: 768 MiB lowmem, 256 MiB highmem
        // high_memory = __va(arm_lowmem_limit - 1) + 1; VMALLOC_START rounds high_memory + 8 MiB down to 8 MiB
        assertEquals(0xC0000000L + (lowmemLimit - VEXPRESS_RAM), a.highMemory(lowmemLimit));
        assertEquals((0xf0000000L + VMALLOC_OFFSET) & ~(VMALLOC_OFFSET - 1), a.vmallocStart(lowmemLimit));
    }

    @Test
    void vexpressWithTheDefconfigsTwoGigabyteSplitHasNoHighmem() {
        // 6.1's vexpress_defconfig sets CONFIG_VMSPLIT_2G: the limit lies above the 1 GiB of RAM
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_2G, VEXPRESS_RAM);
        assertTrue(a.vmallocLimit() > VEXPRESS_RAM_END);
        assertEquals(0x80000000L + 1024 * SZ_1M, a.highMemory(VEXPRESS_RAM_END));
    }

    @Test
    void boot414LayoutBlockMatchesItsLog() {
        // A Versatile Express boot of the 4.x era (1 GiB at 0x60000000, VMSPLIT_3G, HIGHMEM), as logged.
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM, ArmLayoutVersion.V4_14);
        String log = """
                Virtual kernel memory layout:
                    vector  : 0xffff0000 - 0xffff1000   (   4 kB)
                    fixmap  : 0xffc00000 - 0xfff00000   (3072 kB)
                    vmalloc : 0xf0000000 - 0xff000000   ( 240 MB)
                    lowmem  : 0xc0000000 - 0xef800000   ( 760 MB)
                    pkmap   : 0xbfe00000 - 0xc0000000   (   2 MB)
                    modules : 0xbf000000 - 0xbfe00000   (  14 MB)
                """;
        assertEquals(log, a.virtualKernelMemoryLayout(0x8f800000L));
    }

    @Test
    void layoutBlockWith61Constants() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM)
                .withLowmem(0x90000000L, 0x90000L);
        String dump = a.virtualKernelMemoryLayout();
        assertEquals(a.virtualKernelMemoryLayout(0x90000000L), dump);
        // fixmap: (0xfff00000 - 0xffc80000) >> 10 = 2560 kB; vmalloc 0xf0800000..0xff800000 = 240 MB
        assertTrue(dump.contains("    fixmap  : 0xffc80000 - 0xfff00000   (2560 kB)\n"), dump);
        assertTrue(dump.contains("    vmalloc : 0xf0800000 - 0xff800000   ( 240 MB)\n"), dump);
        assertTrue(dump.contains("    lowmem  : 0xc0000000 - 0xf0000000   ( 768 MB)\n"), dump);
        assertThrows(IllegalStateException.class,
                () -> KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM).virtualKernelMemoryLayout());
    }

    @Test
    void lowmemBoundsAreChecked() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM);
        assertThrows(IllegalArgumentException.class, () -> a.withLowmem(0x90000000L + PAGE_SIZE, 0x90000L));
        assertThrows(IllegalArgumentException.class, () -> a.withLowmem(VEXPRESS_RAM, 0x60000L));
        assertThrows(IllegalArgumentException.class, () -> a.withLowmem(0x90000000L, 0x90001L));
        assertThrows(IllegalArgumentException.class, () -> a.withLowmem(0x90000000L, 0x60000L));
        assertThrows(IllegalArgumentException.class, () -> a.highMemory(0x90000000L + PAGE_SIZE));
        assertThrows(IllegalStateException.class, a::armLowmemLimit);
        assertThrows(IllegalStateException.class, a::vmallocStart);
        KernelAddressSpace b = a.withLowmem(0x8fe00000L, 0x8fe00L);
        assertEquals(0x8fe00000L, b.armLowmemLimit());
        assertEquals(0x8fe00L, b.maxLowPfn());
        assertEquals(0xefe00000L, b.highMemory());
        assertEquals(0xf0000000L, b.vmallocStart());
        // the linear map now ends at high_memory
        assertEquals(0xefdff000L, b.va(0x8fdff000L));
        assertThrows(IllegalArgumentException.class, () -> b.va(0x8fe00000L));
        assertThrows(IllegalArgumentException.class, () -> b.pa(0xefe00000L));
    }

    @Test
    void badPhysOffsetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, 0x6000_0800L));
        assertThrows(IllegalArgumentException.class, () -> KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, -4096));
    }

    @Test
    void flatmemConversions() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM).withLowmem(0x90000000L, 0x90000L);
        assertThrows(IllegalStateException.class, () -> a.pfnToPage(0x60000));
        assertThrows(IllegalStateException.class, () -> a.pageToPfn(0xC0800000L));
        assertThrows(IllegalStateException.class, a::memMap);
        long memMap = 0xef000000L;
        KernelAddressSpace b = a.withMemMap(memMap);
        assertEquals(memMap, b.memMap());
        // __pfn_to_page(pfn) = mem_map + (pfn - ARCH_PFN_OFFSET), ARCH_PFN_OFFSET = PHYS_OFFSET >> PAGE_SHIFT
        assertEquals(memMap, b.pfnToPage(0x60000));
        assertEquals(memMap + (0x9ffffL - 0x60000) * 64, b.pfnToPage(0x9ffff));
        assertEquals(0x9ffffL, b.pageToPfn(memMap + (0x9ffffL - 0x60000) * 64));
        // virt_to_page(kaddr) = pfn_to_page(virt_to_pfn(kaddr)), virt_to_pfn = ((kaddr - PAGE_OFFSET) >> 12) + PHYS_PFN_OFFSET
        assertEquals(memMap + ((0xC1234567L - 0xC0000000L) >> 12) * 64, b.virtToPage(0xC1234567L));
        // page_address: lowmem pages have their linear address, highmem pages (no kmap) 0
        assertEquals(0xeffff000L, b.pageAddress(b.pfnToPage(0x8ffff)));
        assertEquals(0L, b.pageAddress(b.pfnToPage(0x90000)));
        assertEquals(0L, b.pageAddress(b.pfnToPage(0x9ffff)));
        assertThrows(IllegalArgumentException.class, () -> b.pfnToPage(0x5ffff));
        assertThrows(IllegalArgumentException.class, () -> b.pfnToPage(1L << 20));
        assertThrows(IllegalArgumentException.class, () -> b.pageToPfn(memMap + 32));
        assertThrows(IllegalArgumentException.class, () -> b.pageToPfn(memMap - 64));
        assertThrows(IllegalArgumentException.class, () -> a.withMemMap(0xf0000000L));
        assertThrows(IllegalArgumentException.class, () -> a.withMemMap(memMap + 8));
        // a later, smaller lowmem must still hold mem_map
        assertThrows(IllegalArgumentException.class,
                () -> KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM).withMemMap(memMap).withLowmem(0x80000000L, 0x80000L));
    }

    @Test
    void pageAddressNeedsTheLowmemLimit() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM).withMemMap(0xC0800000L);
        assertThrows(IllegalStateException.class, () -> a.pageAddress(0xC0800000L));
    }

    @Test
    void constantsOfOtherProfilesAreAbsent() {
        KernelAddressSpace a = KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, VEXPRESS_RAM);
        assertThrows(UnsupportedOperationException.class, a::vmemmapStart);
        assertThrows(UnsupportedOperationException.class, a::vmemmap);
        assertThrows(UnsupportedOperationException.class, a::vmemmapEnd);
        assertThrows(UnsupportedOperationException.class, a::pageEnd);
        assertThrows(UnsupportedOperationException.class, a::pciIoStart);
        assertThrows(UnsupportedOperationException.class, a::kernelImageSize);
    }
}
