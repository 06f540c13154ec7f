package dev.kmm.core.trace;

/**
 * The {@code kmem} trace events of Linux 6.1 ({@code include/trace/events/kmem.h}) that kmm emits, by
 * their kernel names.
 */
public enum KmemEvent {
    /** {@code mm_page_alloc}: every {@code __alloc_pages()} result, including failures (no page). */
    MM_PAGE_ALLOC("mm_page_alloc"),
    /** {@code mm_page_free}: a page block of some order handed back to the allocator. */
    MM_PAGE_FREE("mm_page_free"),
    /** {@code mm_page_free_batched}: an order-0 page freed through {@code free_unref_page_list()}. */
    MM_PAGE_FREE_BATCHED("mm_page_free_batched"),
    /** {@code mm_page_alloc_zone_locked}: a block taken from the buddy lists under the zone lock. */
    MM_PAGE_ALLOC_ZONE_LOCKED("mm_page_alloc_zone_locked"),
    /** {@code mm_page_pcpu_drain}: a page moved from a per-CPU list back to the buddy lists. */
    MM_PAGE_PCPU_DRAIN("mm_page_pcpu_drain"),
    /** {@code mm_page_alloc_extfrag}: an allocation fell back to another migratetype's free list. */
    MM_PAGE_ALLOC_EXTFRAG("mm_page_alloc_extfrag"),
    /** {@code kmem_cache_alloc}: an object from a slab cache. */
    KMEM_CACHE_ALLOC("kmem_cache_alloc"),
    /** {@code kmalloc}: a kmalloc object. */
    KMALLOC("kmalloc"),
    /** {@code kfree}: a kmalloc object freed. */
    KFREE("kfree"),
    /** {@code kmem_cache_free}: a slab cache object freed. */
    KMEM_CACHE_FREE("kmem_cache_free");

    private final String eventName;

    KmemEvent(String eventName) {
        this.eventName = eventName;
    }

    /** The event's name in the trace output and under {@code events/kmem/}. */
    public String eventName() {
        return eventName;
    }
}
