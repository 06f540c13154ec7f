package dev.kmm.core.arch.arm64;

import dev.kmm.core.memblock.Memblock;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The memblock side of arm64's {@code __create_pgd_mapping()} (arch/arm64/mm/mmu.c) with 4 KiB pages and four
 * levels (PGD 39, PUD 30, PMD 21 bits): which table pages a mapping needs, each from
 * {@code early_pgtable_alloc()} ({@code memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0,
 * MEMBLOCK_ALLOC_NOLEAKTRACE)}). A PUD entry maps a 1 GiB block and a PMD entry a 2 MiB block when virtual
 * address, end and physical address are aligned to it and the caller allows blocks ({@code NO_BLOCK_MAPPINGS}
 * clear); anything else takes the next level's table, allocated when the entry is still empty. The root
 * (swapper_pg_dir, idmap_pg_dir) is in the image. Contiguous-bit hints do not change the tables and table
 * contents are not modelled.
 */
final class Arm64PageTables {
    static final int PAGE_SHIFT = 12;
    static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    static final int PMD_SHIFT = 21;
    static final int PUD_SHIFT = 30;
    static final int PGDIR_SHIFT = 39;
    static final long PMD_SIZE = 1L << PMD_SHIFT;
    static final long PUD_SIZE = 1L << PUD_SHIFT;
    static final long PGDIR_SIZE = 1L << PGDIR_SHIFT;

    /** {@code NO_BLOCK_MAPPINGS}. */
    static final int NO_BLOCK_MAPPINGS = 1;
    /** {@code NO_CONT_MAPPINGS}: only a hint in the entries, kept for the callers' fidelity. */
    static final int NO_CONT_MAPPINGS = 2;

    /** What one root table (a pgd) has below it. */
    private static final class Root {
        final Set<Long> pudTables = new HashSet<>();   // by va >> PGDIR_SHIFT
        final Set<Long> pmdTables = new HashSet<>();   // by va >> PUD_SHIFT
        final Set<Long> pteTables = new HashSet<>();   // by va >> PMD_SHIFT
        final Set<Long> pudBlocks = new HashSet<>();
        final Set<Long> pmdBlocks = new HashSet<>();
    }

    private final Memblock memblock;
    private final Map<String, Root> roots = new HashMap<>();
    private int allocated;

    Arm64PageTables(Memblock memblock) {
        this.memblock = memblock;
    }

    /** Table pages {@code early_pgtable_alloc()} handed out so far. */
    int allocated() {
        return allocated;
    }

    /**
     * {@code __create_pgd_mapping(root, phys, virt, size, prot, early_pgtable_alloc, flags)}.
     *
     * @param root  the root table, by name ("swapper", "idmap")
     */
    void createPgdMapping(String root, long phys, long virt, long size, int flags) {
        Root r = roots.computeIfAbsent(root, k -> new Root());
        long addr = virt & -PAGE_SIZE;
        long end = (virt + size + PAGE_SIZE - 1) & -PAGE_SIZE;
        phys &= -PAGE_SIZE;
        while (addr != end) {
            long next = addrEnd(addr, end, PGDIR_SIZE);
            allocInitPud(r, addr, next, phys, flags);
            phys += next - addr;
            addr = next;
        }
    }

    private void allocInitPud(Root r, long addr, long end, long phys, int flags) {
        if (r.pudTables.add(addr >> PGDIR_SHIFT)) {
            alloc();
        }
        while (addr != end) {
            long next = addrEnd(addr, end, PUD_SIZE);
            long key = addr >> PUD_SHIFT;
            if (((addr | next | phys) & (PUD_SIZE - 1)) == 0 && (flags & NO_BLOCK_MAPPINGS) == 0
                    && !r.pmdTables.contains(key)) {
                r.pudBlocks.add(key); // pud_set_huge()
            } else {
                allocInitContPmd(r, addr, next, phys, flags);
            }
            phys += next - addr;
            addr = next;
        }
    }

    private void allocInitContPmd(Root r, long addr, long end, long phys, int flags) {
        long pudKey = addr >> PUD_SHIFT;
        if (r.pudBlocks.contains(pudKey)) {
            return; // already mapped by a block (the kernel BUG()s on a real conflict)
        }
        if (r.pmdTables.add(pudKey)) {
            alloc();
        }
        while (addr != end) {
            long next = addrEnd(addr, end, PMD_SIZE);
            long key = addr >> PMD_SHIFT;
            if (((addr | next | phys) & (PMD_SIZE - 1)) == 0 && (flags & NO_BLOCK_MAPPINGS) == 0
                    && !r.pteTables.contains(key)) {
                r.pmdBlocks.add(key); // pmd_set_huge()
            } else if (!r.pmdBlocks.contains(key) && r.pteTables.add(key)) {
                alloc(); // alloc_init_cont_pte(): a PTE table for an empty PMD entry
            }
            phys += next - addr;
            addr = next;
        }
    }

    /** {@code *_addr_end()}: the next boundary of {@code size}, or {@code end} if that comes first. */
    private static long addrEnd(long addr, long end, long size) {
        long boundary = (addr + size) & -size;
        return Long.compareUnsigned(boundary - 1, end - 1) < 0 ? boundary : end;
    }

    private void alloc() {
        if (memblock.memblockPhysAllocRange(PAGE_SIZE, PAGE_SIZE, 0, Memblock.MEMBLOCK_ALLOC_NOLEAKTRACE) == 0) {
            throw new IllegalStateException("Kernel panic - not syncing: Failed to allocate page table page");
        }
        allocated++;
    }
}
