package dev.kmm.arena.addr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * arm64 (4 KiB pages, VA_BITS=48) against Linux 6.1's arch/arm64/include/asm/memory.h and pgtable.h, written
 * as the kernel's expressions, and against Documentation/arm64/memory.rst.
 */
class Arm64AddressSpaceTest {
    private static final long SZ_8M = 8L << 20;
    private static final long SZ_16M = 16L << 20;
    private static final long SZ_32M = 32L << 20;
    private static final long SZ_128M = 128L << 20;
    private static final long SZ_256M = 256L << 20;
    private static final int VA_BITS = 48;
    private static final int PAGE_SHIFT = 12;
    private static final int VMEMMAP_SHIFT = PAGE_SHIFT - 6; // PAGE_SHIFT - STRUCT_PAGE_MAX_SHIFT
    private static final long PAGE_OFFSET = -(1L << VA_BITS); // _PAGE_OFFSET(VA_BITS)
    private static final long PAGE_END = -(1L << (VA_BITS - 1)); // _PAGE_END(VA_BITS_MIN)
    private static final long VMEMMAP_START = -(1L << (VA_BITS - VMEMMAP_SHIFT));

    private final KernelAddressSpace a = KernelAddressSpace.arm64(0x4000_0000L);

    @Test
    void facts() {
        assertEquals(Arch.ARM64, a.arch());
        assertEquals(64, Arch.ARM64.pointerBits());
        assertEquals(4, Arch.ARM64.pageTableLevels());
        assertEquals(MemoryModel.SPARSEMEM_VMEMMAP, Arch.ARM64.memoryModel());
    }

    @Test
    void constantsFollowMemoryH() {
        assertEquals(PAGE_OFFSET, a.pageOffset());
        assertEquals(PAGE_END, a.pageEnd());
        // MODULES_VADDR = _PAGE_END(VA_BITS_MIN), MODULES_END = MODULES_VADDR + SZ_128M, KIMAGE_VADDR = MODULES_END
        assertEquals(PAGE_END, a.modulesVaddr());
        assertEquals(PAGE_END + SZ_128M, a.modulesEnd());
        assertEquals(PAGE_END + SZ_128M, a.kimageVaddr());
        // VMEMMAP_END = VMEMMAP_START + ((_PAGE_END(VA_BITS_MIN) - PAGE_OFFSET) >> VMEMMAP_SHIFT)
        assertEquals(VMEMMAP_START, a.vmemmapStart());
        assertEquals(VMEMMAP_START + ((PAGE_END - PAGE_OFFSET) >>> VMEMMAP_SHIFT), a.vmemmapEnd());
        // PCI_IO_END = VMEMMAP_START - SZ_8M, PCI_IO_START = PCI_IO_END - PCI_IO_SIZE (SZ_16M)
        assertEquals(VMEMMAP_START - SZ_8M, a.pciIoEnd());
        assertEquals(VMEMMAP_START - SZ_8M - SZ_16M, a.pciIoStart());
        // FIXADDR_TOP = VMEMMAP_START - SZ_32M
        assertEquals(VMEMMAP_START - SZ_32M, a.fixaddrTop());
        // pgtable.h: VMALLOC_START = MODULES_END, VMALLOC_END = VMEMMAP_START - SZ_256M
        assertEquals(PAGE_END + SZ_128M, a.vmallocStart());
        assertEquals(VMEMMAP_START - SZ_256M, a.vmallocEnd());
        // processor.h: TASK_SIZE_64 = 1UL << vabits_actual
        assertEquals(1L << VA_BITS, a.taskSize());
    }

    @Test
    void memstartAddrIsTheLowestRamRoundedDownToOneGiB() {
        // ARM64_MEMSTART_ALIGN = 1 << PUD_SHIFT (30), since PUD_SHIFT > SECTION_SIZE_BITS (27)
        assertEquals(0x4000_0000L, KernelAddressSpace.arm64(0x4000_0000L).physOffset());
        assertEquals(0x8000_0000L, KernelAddressSpace.arm64(0x8020_0000L).physOffset());
        assertEquals(0L, KernelAddressSpace.arm64(0x3fff_f000L).physOffset());
        assertEquals(0x8_8000_0000L, KernelAddressSpace.arm64(0x8_8000_0000L).physOffset());
        assertThrows(IllegalArgumentException.class, () -> KernelAddressSpace.arm64(1L << 48));
        assertThrows(IllegalArgumentException.class, () -> KernelAddressSpace.arm64(-4096));
    }

    @Test
    void vmemmapFollowsPgtableH() {
        // vmemmap = (struct page *)VMEMMAP_START - (memstart_addr >> PAGE_SHIFT)
        for (long dram : new long[] {0, 0x4000_0000L, 0x8_8000_0000L}) {
            KernelAddressSpace s = KernelAddressSpace.arm64(dram);
            assertEquals(VMEMMAP_START - (s.physOffset() >> PAGE_SHIFT) * 64, s.vmemmap());
            assertEquals(VMEMMAP_START, s.pfnToPage(s.physOffset() >>> PAGE_SHIFT));
        }
    }

    @Test
    void virtToPageAndPageToVirtMatchTheArm64Macros() {
        SplittableRandom rnd = new SplittableRandom(0x61);
        for (long dram : new long[] {0, 0x4000_0000L, 0x8_8000_0000L}) {
            KernelAddressSpace s = KernelAddressSpace.arm64(dram);
            for (int i = 0; i < 10_000; i++) {
                long va = PAGE_OFFSET + rnd.nextLong(PAGE_END - PAGE_OFFSET);
                // virt_to_page: VMEMMAP_START + ((x - PAGE_OFFSET) / PAGE_SIZE) * sizeof(struct page)
                long page = VMEMMAP_START + ((va - PAGE_OFFSET) / 4096) * 64;
                assertEquals(page, s.virtToPage(va));
                // page_to_virt: PAGE_OFFSET + ((page - VMEMMAP_START) / sizeof(struct page)) * PAGE_SIZE
                assertEquals(PAGE_OFFSET + ((page - VMEMMAP_START) / 64) * 4096, s.pageAddress(page));
                // __lm_to_phys and __phys_to_virt: ((x) - PHYS_OFFSET) | PAGE_OFFSET
                long pa = s.pa(va);
                assertEquals(va - PAGE_OFFSET + s.physOffset(), pa);
                assertEquals((pa - s.physOffset()) | PAGE_OFFSET, s.va(pa));
            }
        }
    }

    @Test
    void onlyTheLinearMapHasAPhysicalAddress() {
        assertThrows(IllegalArgumentException.class, () -> a.pa(PAGE_END)); // modules / kernel image
        assertThrows(IllegalArgumentException.class, () -> a.pa(a.kimageVaddr()));
        assertThrows(IllegalArgumentException.class, () -> a.pa(PAGE_OFFSET - 1));
        assertThrows(IllegalArgumentException.class, () -> a.va(0x4000_0000L - 1));
        assertThrows(IllegalArgumentException.class, () -> a.va(0x4000_0000L + (1L << 47)));
        assertThrows(IllegalArgumentException.class, () -> a.pfnToPage(0x3ffff));
        assertThrows(IllegalArgumentException.class, () -> a.pageToPfn(VMEMMAP_START - 64));
        assertThrows(IllegalArgumentException.class, () -> a.pageToPfn(a.vmemmapEnd()));
    }

    @Test
    void constantsOfOtherProfilesAreAbsent() {
        assertThrows(UnsupportedOperationException.class, a::fixaddrStart);
        assertThrows(UnsupportedOperationException.class, a::pkmapBase);
        assertThrows(UnsupportedOperationException.class, a::startKernelMap);
        assertThrows(UnsupportedOperationException.class, a::cpuEntryAreaBase);
        assertThrows(UnsupportedOperationException.class, a::memMap);
        assertThrows(UnsupportedOperationException.class, a::highMemory);
    }

    @Test
    void layoutTableIsMemoryRstsFourLevelTable() {
        // Documentation/arm64/memory.rst (6.1), "4KB pages + 4 levels (48-bit)", without the KASAN line.
        String memoryRst = """
                  Start\t\t\tEnd\t\t\tSize\t\tUse
                  -----------------------------------------------------------------------
                  0000000000000000\t0000ffffffffffff\t 256TB\t\tuser
                  ffff000000000000\tffff7fffffffffff\t 128TB\t\tkernel logical memory map
                  ffff800000000000\tffff800007ffffff\t 128MB\t\tmodules
                  ffff800008000000\tfffffbffefffffff\t 124TB\t\tvmalloc
                  fffffbfff0000000\tfffffbfffdffffff\t 224MB\t\tfixed mappings (top down)
                  fffffbfffe000000\tfffffbfffe7fffff\t   8MB\t\t[guard region]
                  fffffbfffe800000\tfffffbffff7fffff\t  16MB\t\tPCI I/O space
                  fffffbffff800000\tfffffbffffffffff\t   8MB\t\t[guard region]
                  fffffc0000000000\tfffffdffffffffff\t   2TB\t\tvmemmap
                  fffffe0000000000\tffffffffffffffff\t   2TB\t\t[guard region]
                """;
        assertEquals(memoryRst, a.virtualKernelMemoryLayout());
    }
}
