package dev.kmm.core.page;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;

/**
 * Page types of Linux 6.1 (include/linux/page-flags.h): pages that are never mapped to user space reuse
 * {@code _mapcount} as {@code page_type}. A page with no type has {@code _mapcount == -1} (all ones); a type is
 * marked by <em>clearing</em> its bit, so {@code PageType(page, flag)} holds when the high nibble still reads
 * {@link #PAGE_TYPE_BASE} and the flag bit is zero. A free buddy block's head page thus reads {@code 0xffffff7f}.
 */
public final class PageType {
    private PageType() {
    }

    /** The bits that stay set on a typed page. */
    public static final int PAGE_TYPE_BASE = 0xf0000000;
    /** {@code _mapcount} values below this are types, not mapcounts (0x7f catches underflows). */
    public static final int PAGE_MAPCOUNT_RESERVE = -128;
    /** Head page of a free block in the buddy allocator; its order is in {@code page->private}. */
    public static final int PG_buddy = 0x00000080;
    /** Logically offline (balloon, memory hotunplug). */
    public static final int PG_offline = 0x00000100;
    /** Page-table page. */
    public static final int PG_table = 0x00000200;
    /** Guard page of CONFIG_DEBUG_PAGEALLOC. */
    public static final int PG_guard = 0x00000400;

    /** {@code PageType(page, flag)} on a page_type value. */
    public static boolean pageType(int pageType, int flag) {
        return (pageType & (PAGE_TYPE_BASE | flag)) == PAGE_TYPE_BASE;
    }

    /** {@code page_has_type}. */
    public static boolean pageHasType(KernelMemory mem, long page) {
        return mem.getInt(page + PageLayout.PAGE_TYPE) < PAGE_MAPCOUNT_RESERVE;
    }

    /** {@code PageBuddy}. */
    public static boolean pageBuddy(KernelMemory mem, long page) {
        return pageType(mem.getInt(page + PageLayout.PAGE_TYPE), PG_buddy);
    }

    /** {@code __SetPageBuddy}: the page must have no type ({@code VM_BUG_ON_PAGE(!PageType(page, 0))}). */
    public static void setPageBuddy(KernelMemory mem, long page) {
        int type = mem.getInt(page + PageLayout.PAGE_TYPE);
        if (!pageType(type, 0)) {
            throw new IllegalStateException(String.format(
                    "__SetPageBuddy: page 0x%x has page_type 0x%08x, not a typeable mapcount", page, type));
        }
        mem.putInt(page + PageLayout.PAGE_TYPE, type & ~PG_buddy);
    }

    /** {@code __ClearPageBuddy}: the page must be PageBuddy. */
    public static void clearPageBuddy(KernelMemory mem, long page) {
        int type = mem.getInt(page + PageLayout.PAGE_TYPE);
        if (!pageType(type, PG_buddy)) {
            throw new IllegalStateException(String.format(
                    "__ClearPageBuddy: page 0x%x is not PageBuddy (page_type 0x%08x)", page, type));
        }
        mem.putInt(page + PageLayout.PAGE_TYPE, type | PG_buddy);
    }

    /** {@code PageGuard} (always false unless debug_pagealloc guard pages exist). */
    public static boolean pageGuard(KernelMemory mem, long page) {
        return pageType(mem.getInt(page + PageLayout.PAGE_TYPE), PG_guard);
    }
}
