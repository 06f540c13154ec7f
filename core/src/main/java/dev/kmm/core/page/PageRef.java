package dev.kmm.core.page;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;

/** The reference count of a page (include/linux/page_ref.h of Linux 6.1), without the tracepoints. */
public final class PageRef {
    private PageRef() {
    }

    /** {@code page_ref_count}: {@code atomic_read(&page->_refcount)}. */
    public static int pageRefCount(KernelMemory mem, long page) {
        return mem.getIntVolatile(page + PageLayout.REFCOUNT);
    }

    /** {@code page_count}: the reference count of the page's compound head. */
    public static int pageCount(KernelMemory mem, long page) {
        return pageRefCount(mem, PageFlags.compoundHead(mem, page));
    }

    /** {@code set_page_count}: {@code atomic_set(&page->_refcount, v)}. */
    public static void setPageCount(KernelMemory mem, long page, int v) {
        mem.putIntRelease(page + PageLayout.REFCOUNT, v);
    }

    /** {@code init_page_count}: a fresh page is "allocated", refcount 1, until the boot free path frees it. */
    public static void initPageCount(KernelMemory mem, long page) {
        setPageCount(mem, page, 1);
    }
}
