package dev.kmm.core.page;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;

/**
 * The low bits of {@code page->flags}: {@code enum pageflags} of Linux 6.1 (include/linux/page-flags.h) with the
 * reference config (x86_64, MMU, MEMORY_FAILURE, 64BIT), and the flag tests the allocator's hot paths use.
 *
 * <p>Values are the reference kernel's BTF enum. Bits 0..21 are the same on every profile; {@code PG_uncached},
 * {@code PG_hwpoison} and {@code PG_arch_2} exist only where their config is set (a 32-bit ARM kernel stops at
 * {@code PG_mlocked}, so its {@code __NR_PAGEFLAGS} is 22): {@link PageFlagsLayout} takes the count as a parameter.
 *
 * <p>Methods take a kernel virtual address of a {@code struct page}. The non-atomic setters are the kernel's
 * {@code __SetPage*}/{@code __ClearPage*}: used where nobody else can see the page yet (memmap init, the boot
 * free path) or under the zone lock.
 */
public final class PageFlags {
    private PageFlags() {
    }

    /** Page is locked: don't touch. */
    public static final int PG_locked = 0;
    /** Recently referenced. */
    public static final int PG_referenced = 1;
    /** Contents are valid. */
    public static final int PG_uptodate = 2;
    /** Contents must be written back. */
    public static final int PG_dirty = 3;
    /** On an LRU list. */
    public static final int PG_lru = 4;
    /** On the active LRU list. */
    public static final int PG_active = 5;
    /** Part of a workload's working set. */
    public static final int PG_workingset = 6;
    /** Someone waits on this page's wait queue. */
    public static final int PG_waiters = 7;
    /** I/O error occurred. */
    public static final int PG_error = 8;
    /** Owned by the slab allocator. */
    public static final int PG_slab = 9;
    /** Owner use: filesystems, swap cache. */
    public static final int PG_owner_priv_1 = 10;
    /** Architecture use. */
    public static final int PG_arch_1 = 11;
    /** Reserved: never handed to the buddy allocator (holes, memblock reservations). */
    public static final int PG_reserved = 12;
    /** {@code page->private} holds filesystem data. */
    public static final int PG_private = 13;
    /** Second private flag (fscache). */
    public static final int PG_private_2 = 14;
    /** Under writeback. */
    public static final int PG_writeback = 15;
    /** First page of a compound page. */
    public static final int PG_head = 16;
    /** Has blocks allocated on disk. */
    public static final int PG_mappedtodisk = 17;
    /** To be reclaimed as soon as writeback ends. */
    public static final int PG_reclaim = 18;
    /** Backed by swap/RAM (anonymous or shmem). */
    public static final int PG_swapbacked = 19;
    /** On the unevictable LRU. */
    public static final int PG_unevictable = 20;
    /** Mapped into a VM_LOCKED vma (CONFIG_MMU). */
    public static final int PG_mlocked = 21;
    /** Mapped uncached (x86's ARCH_USES_PG_UNCACHED). */
    public static final int PG_uncached = 22;
    /** Hardware poisoned (CONFIG_MEMORY_FAILURE). */
    public static final int PG_hwpoison = 23;
    /** Second architecture flag (CONFIG_64BIT). */
    public static final int PG_arch_2 = 24;
    /** {@code __NR_PAGEFLAGS} of the reference config. */
    public static final int NR_PAGEFLAGS = 25;

    /** Alias: filesystem use of PG_owner_priv_1. */
    public static final int PG_checked = PG_owner_priv_1;
    /** Alias: page is in the swap cache (with PG_swapbacked). */
    public static final int PG_swapcache = PG_owner_priv_1;
    /** Alias: fscache has a reference. */
    public static final int PG_fscache = PG_private_2;
    /** Alias (Xen): pinned page table. */
    public static final int PG_pinned = PG_owner_priv_1;
    /** Alias (Xen). */
    public static final int PG_savepinned = PG_dirty;
    /** Alias (Xen): foreign page. */
    public static final int PG_foreign = PG_owner_priv_1;
    /** Alias (Xen). */
    public static final int PG_xen_remapped = PG_owner_priv_1;
    /** Alias (SLOB). */
    public static final int PG_slob_free = PG_private;
    /** Alias, second page of a compound page: THP mapped by both PMD and PTEs. */
    public static final int PG_double_map = PG_workingset;
    /** Alias, second page of a compound page: some subpage is hwpoisoned. */
    public static final int PG_has_hwpoisoned = PG_error;
    /** Alias: isolated for migration (non-LRU movable pages). */
    public static final int PG_isolated = PG_reclaim;
    /** Alias: the free page was reported to the hypervisor (CONFIG_PAGE_REPORTING). */
    public static final int PG_reported = PG_uptodate;
    /** Alias: vmemmap pages that host their own memmap. */
    public static final int PG_vmemmap_self_hosted = PG_owner_priv_1;
    /** Alias: readahead marker. */
    public static final int PG_readahead = PG_reclaim;
    /** Alias: anonymous page exclusive to one process. */
    public static final int PG_anon_exclusive = PG_mappedtodisk;

    /** {@code test_bit(nr, &flags)} on a flags value. */
    public static boolean testBit(long flags, int nr) {
        return (flags >>> nr & 1) != 0;
    }

    private static long flags(KernelMemory mem, long page) {
        return mem.getLong(page + PageLayout.FLAGS);
    }

    /** {@code __set_bit(nr, &page->flags)}. */
    public static void setFlagNonAtomic(KernelMemory mem, long page, int nr) {
        mem.putLong(page + PageLayout.FLAGS, flags(mem, page) | 1L << nr);
    }

    /** {@code __clear_bit(nr, &page->flags)}. */
    public static void clearFlagNonAtomic(KernelMemory mem, long page, int nr) {
        mem.putLong(page + PageLayout.FLAGS, flags(mem, page) & ~(1L << nr));
    }

    /** {@code PageReserved}. */
    public static boolean pageReserved(KernelMemory mem, long page) {
        return testBit(flags(mem, page), PG_reserved);
    }

    /** {@code __SetPageReserved}. */
    public static void setPageReservedNonAtomic(KernelMemory mem, long page) {
        setFlagNonAtomic(mem, page, PG_reserved);
    }

    /** {@code __ClearPageReserved}. */
    public static void clearPageReservedNonAtomic(KernelMemory mem, long page) {
        clearFlagNonAtomic(mem, page, PG_reserved);
    }

    /** {@code PageHead}: the first page of a compound page. */
    public static boolean pageHead(KernelMemory mem, long page) {
        return testBit(flags(mem, page), PG_head);
    }

    /**
     * {@code PageTail}: bit 0 of {@code compound_head}. (6.1's fake-head test for HugeTLB vmemmap optimisation
     * is left out: that optimisation is off by default.)
     */
    public static boolean pageTail(KernelMemory mem, long page) {
        return (mem.getLongOpaque(page + PageLayout.COMPOUND_HEAD) & 1) != 0;
    }

    /** {@code PageCompound}: a head or a tail page. */
    public static boolean pageCompound(KernelMemory mem, long page) {
        return pageHead(mem, page) || pageTail(mem, page);
    }

    /** {@code compound_head(page)}: the head page of a tail page, else the page itself. */
    public static long compoundHead(KernelMemory mem, long page) {
        long head = mem.getLongOpaque(page + PageLayout.COMPOUND_HEAD);
        return (head & 1) != 0 ? head - 1 : page;
    }

    /** {@code compound_order(page)}: 0 unless a head page, else {@code page[1].compound_order}. */
    public static int compoundOrder(KernelMemory mem, long page) {
        if (!pageHead(mem, page)) {
            return 0;
        }
        return Byte.toUnsignedInt(mem.getByte(page + PageLayout.SIZE + PageLayout.COMPOUND_ORDER));
    }

    /** {@code PageReported}. */
    public static boolean pageReported(KernelMemory mem, long page) {
        return testBit(flags(mem, page), PG_reported);
    }
}
