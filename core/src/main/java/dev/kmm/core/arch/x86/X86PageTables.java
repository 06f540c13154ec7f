package dev.kmm.core.arch.x86;

import dev.kmm.core.memblock.Memblock;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The memblock side of x86_64's {@code init_mem_mapping()} (arch/x86/mm/init.c, init_64.c): which page-table
 * pages the direct map needs and where they come from. The ISA range is mapped first, then the rest of RAM top
 * down in growing steps ({@code memory_map_top_down}), each RAM range split into 4 KiB head and tail and 2 MiB
 * (or 1 GiB with gbpages) middle ({@code split_mem_range}). A table page comes from the early buffer in the brk
 * area while it lasts and the range being mapped does not cover that buffer ({@code can_use_brk_pgt}), else from
 * memblock, inside what is already mapped ({@code alloc_low_pages}).
 *
 * <p>4-level paging: one PUD table per 512 GiB, one PMD table per GiB, one PTE table per 2 MiB that is not mapped
 * large. Table contents are not modelled.
 */
final class X86PageTables {
    private static final int PAGE_SHIFT = 12;
    private static final long PMD_SIZE = 1L << 21;
    private static final long PUD_SIZE = 1L << 30;

    private final Memblock memblock;
    private final boolean gbpages;
    private final Set<Long> pudTables = new HashSet<>();
    private final Set<Long> pmdTables = new HashSet<>();
    private final Set<Long> pteTables = new HashSet<>();
    private final Set<Long> largePmds = new HashSet<>();
    private final Set<Long> largePuds = new HashSet<>();
    private long pgtBufEnd;
    private final long pgtBufTop;
    private boolean canUseBrkPgt = true;
    private long minPfnMapped;
    private long maxPfnMapped;
    private int memblockPages;

    /**
     * @param pgtBufStart  first pfn of the early page-table buffer ({@code pgt_buf_start}, in the brk area)
     * @param pgtBufPages  its size, {@code INIT_PGT_BUF_SIZE / PAGE_SIZE}
     * @param maxPfnMapped {@code max_pfn_mapped} before: what the boot page tables map ({@code KERNEL_IMAGE_SIZE})
     */
    X86PageTables(Memblock memblock, boolean gbpages, long pgtBufStart, long pgtBufPages, long maxPfnMapped) {
        this.memblock = memblock;
        this.gbpages = gbpages;
        this.pgtBufEnd = pgtBufStart;
        this.pgtBufTop = pgtBufStart + pgtBufPages;
        this.maxPfnMapped = maxPfnMapped;
    }

    /**
     * {@code init_mem_mapping()}'s mapping: the ISA range, then {@code memory_map_top_down(ISA_END_ADDRESS, end)}.
     *
     * @return {@code max_pfn_mapped} afterwards
     */
    long initMemMapping(long end) {
        initMemoryMapping(0, 1L << 20);
        memoryMapTopDown(1L << 20, end);
        return maxPfnMapped;
    }

    /** Table pages that came from memblock. */
    int memblockPages() {
        return memblockPages;
    }

    private void memoryMapTopDown(long mapStart, long mapEnd) {
        // Start with the top-most PMD so that there is mapped memory to take tables from.
        long addr = memblock.memblockPhysAllocRange(PMD_SIZE, PMD_SIZE, mapStart, mapEnd);
        memblock.memblockPhysFree(addr, PMD_SIZE);
        long realEnd = addr + PMD_SIZE;
        long stepSize = PMD_SIZE;
        maxPfnMapped = 0;
        minPfnMapped = realEnd >>> PAGE_SHIFT;
        long lastStart = realEnd;
        long mappedRamSize = 0;
        while (lastStart > mapStart) {
            long start;
            if (lastStart > stepSize) {
                start = (lastStart - 1) & -stepSize;
                if (start < mapStart) {
                    start = mapStart;
                }
            } else {
                start = mapStart;
            }
            mappedRamSize += initRangeMemoryMapping(start, lastStart);
            lastStart = start;
            minPfnMapped = lastStart >>> PAGE_SHIFT;
            if (mappedRamSize >= stepSize) {
                stepSize <<= 21 - PAGE_SHIFT - 1; // get_new_step_size()
            }
        }
        if (realEnd < mapEnd) {
            initRangeMemoryMapping(realEnd, mapEnd);
        }
    }

    /** {@code init_range_memory_mapping()}: every RAM range inside {@code [rStart, rEnd)}. */
    private long initRangeMemoryMapping(long rStart, long rEnd) {
        List<long[]> ranges = new ArrayList<>();
        memblock.forEachMemPfnRange(memblock.maxNumNodes(), (s, e, nid) -> ranges.add(new long[] {s, e}));
        long mapped = 0;
        for (long[] r : ranges) {
            long start = Math.min(Math.max(r[0] << PAGE_SHIFT, rStart), rEnd);
            long end = Math.min(Math.max(r[1] << PAGE_SHIFT, rStart), rEnd);
            if (start >= end) {
                continue;
            }
            // Mapping the brk buffer itself cannot take tables from it.
            canUseBrkPgt = Math.max(start, pgtBufEnd << PAGE_SHIFT) >= Math.min(end, pgtBufTop << PAGE_SHIFT);
            initMemoryMapping(start, end);
            mapped += end - start;
        }
        return mapped;
    }

    /** {@code init_memory_mapping()}: {@code split_mem_range()} then {@code kernel_physical_mapping_init()}. */
    private void initMemoryMapping(long start, long end) {
        // Head: 4K up to the first 2M boundary; middle: 2M (1G when allowed); tail: 4K.
        long head = Math.min((start + PMD_SIZE - 1) & -PMD_SIZE, end);
        long tailStart = Math.max(end & -PMD_SIZE, head);
        mapRange(start, head, false);
        mapRange(head, tailStart, true);
        mapRange(tailStart, end, false);
        long endPfn = end >>> PAGE_SHIFT;
        if (endPfn > maxPfnMapped) {
            maxPfnMapped = endPfn;
        }
    }

    private void mapRange(long start, long end, boolean large) {
        for (long addr = start; addr < end; ) {
            long pud = addr & -PUD_SIZE;
            long pgd = addr >>> 39;
            if (pudTables.add(pgd)) {
                allocLowPage();
            }
            long pudEnd = Math.min(pud + PUD_SIZE, end);
            if (large && gbpages && addr == pud && pudEnd == pud + PUD_SIZE && !pmdTables.contains(pud)) {
                largePuds.add(pud);
                addr = pudEnd;
                continue;
            }
            if (!largePuds.contains(pud) && pmdTables.add(pud)) {
                allocLowPage();
            }
            for (; addr < pudEnd; ) {
                long pmd = addr & -PMD_SIZE;
                long pmdEnd = Math.min(pmd + PMD_SIZE, pudEnd);
                if (large && addr == pmd && pmdEnd == pmd + PMD_SIZE && !pteTables.contains(pmd)) {
                    largePmds.add(pmd);
                } else if (!largePmds.contains(pmd) && pteTables.add(pmd)) {
                    allocLowPage();
                }
                addr = pmdEnd;
            }
        }
    }

    /** {@code alloc_low_pages(1)}: the brk buffer while allowed and not used up, else memblock in the mapped area. */
    private void allocLowPage() {
        if (pgtBufEnd + 1 > pgtBufTop || !canUseBrkPgt) {
            long ret = 0;
            if (minPfnMapped < maxPfnMapped) {
                ret = memblock.memblockPhysAllocRange(1L << PAGE_SHIFT, 1L << PAGE_SHIFT, minPfnMapped << PAGE_SHIFT,
                        maxPfnMapped << PAGE_SHIFT);
            }
            if (ret == 0) {
                throw new IllegalStateException("alloc_low_pages: can not alloc memory (the kernel panics)");
            }
            memblockPages++;
        } else {
            pgtBufEnd++;
        }
    }
}
