package dev.kmm.arena.addr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * x86_64 (4-level, no KASLR) against Linux 6.1's headers, written as the kernel's own expressions, and
 * against the addresses of Documentation/x86/x86_64/mm.rst.
 */
class X86_64AddressSpaceTest {
    private static final long MiB = 1L << 20;
    private static final long PAGE_SIZE = 4096;
    private final KernelAddressSpace x86 = KernelAddressSpace.x86_64();

    @Test
    void facts() {
        assertEquals(Arch.X86_64, x86.arch());
        assertEquals(64, Arch.X86_64.pointerBits());
        assertEquals(4, Arch.X86_64.pageTableLevels());
        assertEquals(MemoryModel.SPARSEMEM_VMEMMAP, Arch.X86_64.memoryModel());
    }

    @Test
    void constantsFollowTheHeaders() {
        // page_64_types.h: __PAGE_OFFSET_BASE_L4, __START_KERNEL_map, KERNEL_IMAGE_SIZE (!RANDOMIZE_BASE)
        assertEquals(0xffff888000000000L, x86.pageOffset());
        assertEquals(0L, x86.physOffset());
        assertEquals(0xffffffff80000000L, x86.startKernelMap());
        assertEquals(512 * 1024 * 1024L, x86.kernelImageSize());
        // task_size_max() = (1UL << __VIRTUAL_MASK_SHIFT) - PAGE_SIZE, shift 47
        assertEquals((1L << 47) - PAGE_SIZE, x86.taskSize());
        // pgtable_64_types.h: VMALLOC_START = __VMALLOC_BASE_L4, VMALLOC_END = VMALLOC_START + (32UL << 40) - 1
        assertEquals(0xffffc90000000000L, x86.vmallocStart());
        assertEquals(0xffffc90000000000L + (32L << 40) - 1, x86.vmallocEnd());
        // VMEMMAP_START = __VMEMMAP_BASE_L4; pgtable_64.h: vmemmap = (struct page *)VMEMMAP_START
        assertEquals(0xffffea0000000000L, x86.vmemmapStart());
        assertEquals(x86.vmemmapStart(), x86.vmemmap());
        // MODULES_VADDR = __START_KERNEL_map + KERNEL_IMAGE_SIZE; MODULES_END = 0xffffffffff000000
        assertEquals(0xffffffff80000000L + 512 * 1024 * 1024L, x86.modulesVaddr());
        assertEquals(0xffffffffff000000L, x86.modulesEnd());
        // CPU_ENTRY_AREA_BASE = CPU_ENTRY_AREA_PGD << P4D_SHIFT = -4UL << 39
        assertEquals(-4L << 39, x86.cpuEntryAreaBase());
    }

    @Test
    void fixmapFollowsFixmapH() {
        long vsyscallAddr = -10L << 20; // uapi/asm/vsyscall.h
        long pmdSize = 1L << 21;
        // FIXADDR_TOP = round_up(VSYSCALL_ADDR + PAGE_SIZE, 1 << PMD_SHIFT) - PAGE_SIZE
        long fixaddrTop = ((vsyscallAddr + PAGE_SIZE + pmdSize - 1) & ~(pmdSize - 1)) - PAGE_SIZE;
        assertEquals(fixaddrTop, x86.fixaddrTop());
        // enum fixed_addresses with the Debian 6.1 amd64 config: VSYSCALL_PAGE = (FIXADDR_TOP - VSYSCALL_ADDR)
        // >> PAGE_SHIFT, then FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE, FIX_APIC_BASE, MAX_IO_APICS (128) IO-APIC
        // slots, FIX_PARAVIRT_BOOTMAP, FIX_APEI_GHES_IRQ and _NMI, then __end_of_permanent_fixed_addresses.
        long vsyscallPage = (fixaddrTop - vsyscallAddr) >> 12;
        assertEquals(511, vsyscallPage);
        long endOfPermanent = vsyscallPage + 1 + 1 + 1 + 1 + 128 + 1 + 2;
        // FIXADDR_START = FIXADDR_TOP - (__end_of_permanent_fixed_addresses << PAGE_SHIFT)
        assertEquals(fixaddrTop - (endOfPermanent << 12), x86.fixaddrStart());
    }

    @Test
    void conversionsUseDirectMapAndKernelImage() {
        // __va(x) = x + PAGE_OFFSET; __pa undoes it
        assertEquals(0xffff888000000000L + 0x12345000L, x86.va(0x12345000L));
        assertEquals(0x12345678L, x86.pa(0xffff888000000000L + 0x12345678L));
        // __phys_addr_nodebug: x >= __START_KERNEL_map gives x - __START_KERNEL_map + phys_base (0)
        assertEquals(0x1000000L, x86.pa(0xffffffff81000000L));
        assertEquals(x86.pfnToPage(0x1000), x86.virtToPage(0xffffffff81000000L));
        // pfn_to_page(pfn) = vmemmap + pfn
        assertEquals(0xffffea0000000000L + 0x1000L * 64, x86.pfnToPage(0x1000));
        assertEquals(0x1000, x86.pageToPfn(0xffffea0000000000L + 0x1000L * 64));
        assertEquals(0xffff888000000000L + 0x1000000L, x86.pageAddress(x86.pfnToPage(0x1000)));
    }

    @Test
    void badAddressesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> x86.pa(x86.vmallocStart()));
        assertThrows(IllegalArgumentException.class, () -> x86.pa(x86.pageOffset() - 1));
        assertThrows(IllegalArgumentException.class, () -> x86.pa(0xffffffff80000000L + 512 * MiB)); // modules
        assertThrows(IllegalArgumentException.class, () -> x86.va(1L << 46));
        assertThrows(IllegalArgumentException.class, () -> x86.va(-1));
        assertThrows(IllegalArgumentException.class, () -> x86.pfnToPage(1L << 34));
        assertThrows(IllegalArgumentException.class, () -> x86.pfnToPage(-1));
        assertThrows(IllegalArgumentException.class, () -> x86.pageToPfn(0xffffea0000000000L + 65));
        assertThrows(IllegalArgumentException.class, () -> x86.pageToPfn(0xffffea0000000000L - 64));
    }

    @Test
    void constantsOfOtherProfilesAreAbsent() {
        assertThrows(UnsupportedOperationException.class, x86::pkmapBase);
        assertThrows(UnsupportedOperationException.class, x86::vectorsBase);
        assertThrows(UnsupportedOperationException.class, x86::fixaddrEnd);
        assertThrows(UnsupportedOperationException.class, x86::vmemmapEnd);
        assertThrows(UnsupportedOperationException.class, x86::pageEnd);
        assertThrows(UnsupportedOperationException.class, x86::memMap);
        assertThrows(UnsupportedOperationException.class, x86::vmallocMin);
        assertThrows(UnsupportedOperationException.class, x86::armLowmemLimit);
        assertThrows(UnsupportedOperationException.class, () -> x86.withMemMap(x86.pageOffset()));
        assertThrows(UnsupportedOperationException.class, () -> x86.withLowmem(1L << 30, 1L << 18));
        assertThrows(UnsupportedOperationException.class, () -> x86.virtualKernelMemoryLayout(1L << 30));
    }

    /** Start and inclusive end of every mapped area of mm.rst's 4-level table. */
    private static final long[][] MM_RST = {
            {0x0000000000000000L, 0x00007fffffffffffL},
            {0xffff800000000000L, 0xffff87ffffffffffL},
            {0xffff880000000000L, 0xffff887fffffffffL},
            {0xffff888000000000L, 0xffffc87fffffffffL},
            {0xffffc90000000000L, 0xffffe8ffffffffffL},
            {0xffffea0000000000L, 0xffffeaffffffffffL},
            {0xfffffe0000000000L, 0xfffffe7fffffffffL},
            {0xffffff0000000000L, 0xffffff7fffffffffL},
            {0xffffffef00000000L, 0xfffffffeffffffffL},
            {0xffffffff80000000L, 0xffffffff9fffffffL},
            {0xffffffffa0000000L, 0xfffffffffeffffffL},
            {KernelAddressSpace.x86_64().fixaddrStart(), 0xffffffffff5fffffL},
            {0xffffffffff600000L, 0xffffffffff600fffL},
    };

    @Test
    void layoutTableListsTheAreasOfMmRst() {
        String[] lines = x86.virtualKernelMemoryLayout().split("\n");
        assertEquals("  Start\t\t\tEnd\t\t\tSize\t\tUse", lines[0]);
        List<long[]> rows = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            String[] cols = lines[i].trim().split("\t+");
            rows.add(new long[] {Long.parseUnsignedLong(cols[0], 16), Long.parseUnsignedLong(cols[1], 16)});
        }
        assertEquals(MM_RST.length, rows.size());
        for (int i = 0; i < MM_RST.length; i++) {
            assertEquals(MM_RST[i][0], rows.get(i)[0], "start of row " + i);
            assertEquals(MM_RST[i][1], rows.get(i)[1], "end of row " + i);
        }
        String dump = x86.virtualKernelMemoryLayout();
        assertTrue(dump.contains("\t  64TB\t\tdirect mapping of all physical memory (page_offset_base)\n"), dump);
        assertTrue(dump.contains("\t1520MB\t\tmodule mapping space\n"), dump);
        assertTrue(dump.contains("\t 512GB\t\tcpu_entry_area mapping\n"), dump);
    }
}
