package dev.kmm.core.page;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;

/** {@code struct page} field helpers of include/linux/mm.h and mm_types.h (Linux 6.1). */
public final class Page {
    private Page() {
    }

    /** {@code PAGE_MAPPING_ANON | PAGE_MAPPING_MOVABLE}: low bits of {@code page->mapping} that are flags. */
    public static final long PAGE_MAPPING_FLAGS = 0x3;

    /** {@code page_private}. */
    public static long pagePrivate(KernelMemory mem, long page) {
        return mem.getLong(page + PageLayout.PRIVATE);
    }

    /** {@code set_page_private}. */
    public static void setPagePrivate(KernelMemory mem, long page, long value) {
        mem.putLong(page + PageLayout.PRIVATE, value);
    }

    /** {@code page_mapcount_reset}: {@code _mapcount = -1}, which also removes any page type. */
    public static void pageMapcountReset(KernelMemory mem, long page) {
        mem.putInt(page + PageLayout.MAPCOUNT, -1);
    }

    /** {@code page->mapping}. */
    public static long pageMapping(KernelMemory mem, long page) {
        return mem.getLong(page + PageLayout.MAPPING);
    }
}
