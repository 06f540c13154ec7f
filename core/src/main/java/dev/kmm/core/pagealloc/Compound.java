package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;

/**
 * Compound pages of Linux 6.1 (mm/page_alloc.c, include/linux/mm.h, page-flags.h): a {@code __GFP_COMP} block of
 * order above 0 whose first page is the head (PG_head) and whose other pages are tails pointing at it.
 *
 * <pre>
 * head       PG_head
 * page[1]    compound_head = head|1, compound_dtor, compound_order, compound_mapcount -1, compound_pincount 0,
 *            compound_nr = 1 &lt;&lt; order (64-bit)
 * page[2..]  compound_head = head|1, mapping = TAIL_MAPPING, private 0
 * </pre>
 * (page[1]'s mapping word is overlaid by compound_pincount and compound_nr, which {@code prep_compound_head}
 * writes last.)
 */
public final class Compound {
    /** {@code enum compound_dtor_id}: {@code COMPOUND_PAGE_DTOR}, freed by {@code free_compound_page}. */
    public static final int COMPOUND_PAGE_DTOR = 1;
    /** {@code TAIL_MAPPING}: {@code 0x400 + POISON_POINTER_DELTA} on 64-bit, in tail pages' mapping. */
    public static final long TAIL_MAPPING = 0x400L + 0xdead000000000000L;

    private Compound() {
    }

    /** {@code prep_compound_page}: makes the block at {@code page} a compound page of {@code order}. */
    public static void prepCompoundPage(KernelMemory mem, long page, int order) {
        PageFlags.setFlagNonAtomic(mem, page, PageFlags.PG_head);
        int nrPages = 1 << order;
        for (int i = 1; i < nrPages; i++) {
            prepCompoundTail(mem, page, i);
        }
        prepCompoundHead(mem, page, order);
    }

    /** {@code prep_compound_tail}: the tail points at its head and carries TAIL_MAPPING. */
    static void prepCompoundTail(KernelMemory mem, long head, int tailIdx) {
        long p = head + (long) tailIdx * PageLayout.SIZE;
        mem.putLong(p + PageLayout.MAPPING, TAIL_MAPPING);
        mem.putLong(p + PageLayout.COMPOUND_HEAD, head + 1); // set_compound_head
        Page.setPagePrivate(mem, p, 0);
    }

    /** {@code prep_compound_head}: destructor, order (and nr), mapcount -1 and pincount 0 in the first tail. */
    static void prepCompoundHead(KernelMemory mem, long page, int order) {
        long first = page + PageLayout.SIZE;
        mem.putByte(first + PageLayout.COMPOUND_DTOR, (byte) COMPOUND_PAGE_DTOR);
        mem.putByte(first + PageLayout.COMPOUND_ORDER, (byte) order);
        mem.putInt(first + PageLayout.COMPOUND_NR, 1 << order);
        mem.putInt(first + PageLayout.COMPOUND_MAPCOUNT, -1);
        mem.putInt(first + PageLayout.COMPOUND_PINCOUNT, 0);
    }

    /** {@code compound_mapcount(page)}: PMD mappings of the compound page, {@code compound_mapcount + 1}. */
    public static int compoundMapcount(KernelMemory mem, long head) {
        return mem.getInt(head + PageLayout.SIZE + PageLayout.COMPOUND_MAPCOUNT) + 1;
    }

    /** {@code compound_nr(page)}: 1 for a page that is not a head, else {@code page[1].compound_nr}. */
    public static long compoundNr(KernelMemory mem, long page) {
        if (!PageFlags.pageHead(mem, page)) {
            return 1;
        }
        return Integer.toUnsignedLong(mem.getInt(page + PageLayout.SIZE + PageLayout.COMPOUND_NR));
    }

    /**
     * {@code free_tail_pages_check} with CONFIG_DEBUG_VM: the reason the tail {@code page} (index {@code i} of
     * {@code head}) is in a bad state, or null. The first tail must show no PMD mapcount, the second tail's
     * mapping is its deferred_list and is not checked, the others must keep TAIL_MAPPING; every tail must still
     * point at its head. The kernel then clears mapping and compound_head, which {@link Buddy#freePagesPrepare}
     * does.
     */
    static String freeTailPagesCheck(KernelMemory mem, long head, int i) {
        long page = head + (long) i * PageLayout.SIZE;
        if (i == 1) {
            if (compoundMapcount(mem, head) != 0) {
                return "nonzero compound_mapcount";
            }
        } else if (i != 2 && Page.pageMapping(mem, page) != TAIL_MAPPING) {
            return "corrupted mapping in tail page";
        }
        if (!PageFlags.pageTail(mem, page)) {
            return "PageTail not set";
        }
        if (PageFlags.compoundHead(mem, page) != head) {
            return "compound_head not consistent";
        }
        return null;
    }
}
