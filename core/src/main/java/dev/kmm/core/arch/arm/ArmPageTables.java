package dev.kmm.core.arch.arm;

import dev.kmm.core.memblock.Memblock;

import java.util.HashSet;
import java.util.Set;

/**
 * The memblock side of arm's boot-time kernel page tables (arch/arm/mm/mmu.c, 2-level, no LPAE): which
 * Linux PMDs (2 MiB, a pair of 1 MiB hardware sections) hold a PTE table, so that {@code create_mapping()}
 * asks {@code early_alloc()} for a table exactly where the kernel does. A range that starts, ends and maps
 * physical memory on 1 MiB boundaries with a section-capable type is mapped with sections and costs
 * nothing; anything else needs the PMD's PTE table, one page (two hardware tables and their Linux shadows,
 * {@code PTE_HWTABLE_OFF + PTE_HWTABLE_SIZE}), allocated once per PMD.
 *
 * <p>The table contents are not modelled: no translation goes through them.
 */
final class ArmPageTables {
    /** {@code SECTION_SIZE}: one hardware section. */
    static final long SECTION_SIZE = 1L << 20;
    /** {@code PMD_SIZE}: what one Linux PMD (two sections) maps. */
    static final long PMD_SIZE = 2L << 20;
    /** {@code PTE_HWTABLE_OFF + PTE_HWTABLE_SIZE}: a PTE table and its Linux shadow. */
    static final long PTE_TABLE_SIZE = 4096;

    private final Memblock memblock;
    private final Set<Long> pteTables = new HashSet<>();

    ArmPageTables(Memblock memblock) {
        this.memblock = memblock;
    }

    /** {@code early_alloc(sz)}: {@code memblock_alloc(sz, sz)}, which must succeed. */
    long earlyAlloc(long size) {
        long pa = memblock.memblockAlloc(size, size);
        if (pa == 0) {
            throw new IllegalStateException(String.format(
                    "early_alloc: Failed to allocate %d bytes align=0x%x (the kernel panics)", size, size));
        }
        return pa;
    }

    /** Marks the PMD of {@code va} as holding a statically allocated table ({@code bm_pte}). */
    void populateStatic(long va) {
        pteTables.add(pmdOf(va));
    }

    /** {@code pmd_clear(pmd_off_k(va))}. */
    void pmdClear(long va) {
        pteTables.remove(pmdOf(va));
    }

    /** {@code early_pte_alloc(pmd_off_k(va), va, ...)}: a PTE table for the PMD of {@code va} unless it has one. */
    void earlyPteAlloc(long va) {
        if (pteTables.add(pmdOf(va))) {
            earlyAlloc(PTE_TABLE_SIZE);
        }
    }

    /**
     * {@code create_mapping()}: maps {@code [virt, virt + length)} to {@code phys}, 2 MiB at a time; each step
     * is a section mapping when the type allows it and all three addresses are section aligned, else it
     * goes through the PMD's PTE table.
     */
    void createMapping(long virt, long phys, long length, boolean sectionType) {
        long addr = virt & -4096L;
        long end = addr + ((length + (virt & 4095) + 4095) & -4096L);
        long p = phys;
        while (addr < end) {
            long next = Math.min((addr + PMD_SIZE) & -PMD_SIZE, end);
            if (!(sectionType && ((addr | next | p) & (SECTION_SIZE - 1)) == 0)) {
                earlyPteAlloc(addr);
            }
            p += next - addr;
            addr = next;
        }
    }

    private static long pmdOf(long va) {
        return va & -PMD_SIZE & 0xffff_ffffL;
    }
}
