/**
 * {@code struct page} helpers of Linux 6.1: the page flags and their bit layout (include/linux/page-flags.h,
 * page-flags-layout.h), page types ({@code PageBuddy}), the reference count (page_ref.h) and the mm.h field
 * accessors.
 *
 * <p>Every helper takes a {@link dev.kmm.arena.KernelMemory} and the kernel virtual address of a
 * {@code struct page} (a vmemmap or mem_map address), reads and writes the fields at the offsets of
 * {@link dev.kmm.arena.layout.PageLayout}, and allocates nothing. The config-dependent part, where the zone,
 * node and last-cpupid fields sit in {@code page->flags}, is one immutable {@link dev.kmm.core.page.PageFlagsLayout}.
 */
package dev.kmm.core.page;
