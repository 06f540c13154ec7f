package dev.kmm.core.trace;

/**
 * A probe on kmm's {@code kmem} tracepoints. Each method receives the tracepoint's arguments as
 * primitives, so firing an event allocates nothing; a listener that wants to keep an event allocates
 * inside its own method. Methods a listener does not override ignore their event.
 *
 * <p>A page is given by its pfn; {@code -1} stands for the kernel's NULL page (a failed allocation).
 * Probes run on the allocating thread, inside its CPU context, and must not call back into the
 * allocator.
 */
public interface KmemListener {
    /** {@code trace_mm_page_alloc(page, order, gfp_flags, migratetype)}; pfn -1 when it failed. */
    default void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
    }

    /** {@code trace_mm_page_free(page, order)}. */
    default void mmPageFree(long pfn, int order) {
    }

    /** {@code trace_mm_page_free_batched(page)}: always order 0. */
    default void mmPageFreeBatched(long pfn) {
    }

    /** {@code trace_mm_page_alloc_zone_locked(page, order, migratetype, percpu_refill)}. */
    default void mmPageAllocZoneLocked(long pfn, int order, int migratetype, int percpuRefill) {
    }

    /** {@code trace_mm_page_pcpu_drain(page, order, migratetype)}. */
    default void mmPagePcpuDrain(long pfn, int order, int migratetype) {
    }

    /**
     * {@code trace_mm_page_alloc_extfrag(page, alloc_order, fallback_order, alloc_migratetype,
     * fallback_migratetype)}; {@code changeOwnership} is the kernel's
     * {@code alloc_migratetype == get_pageblock_migratetype(page)}, evaluated by the caller.
     */
    default void mmPageAllocExtfrag(long pfn, int allocOrder, int fallbackOrder, int allocMigratetype,
                                    int fallbackMigratetype, int changeOwnership) {
    }

    /**
     * {@code trace_kmem_cache_alloc(call_site, ptr, s, gfp_flags, node)}, with the cache's
     * {@code object_size} and {@code size}, and {@code accounted} as the kernel computes it
     * ({@code __GFP_ACCOUNT} or {@code SLAB_ACCOUNT}, with {@code CONFIG_MEMCG_KMEM}).
     */
    default void kmemCacheAlloc(long callSite, long ptr, long bytesReq, long bytesAlloc, int gfpFlags, int node,
                                boolean accounted) {
    }

    /** {@code trace_kmalloc(call_site, ptr, bytes_req, bytes_alloc, gfp_flags, node)}. */
    default void kmalloc(long callSite, long ptr, long bytesReq, long bytesAlloc, int gfpFlags, int node) {
    }

    /** {@code trace_kfree(call_site, ptr)}. */
    default void kfree(long callSite, long ptr) {
    }

    /** {@code trace_kmem_cache_free(call_site, ptr, s)} with the cache's name. */
    default void kmemCacheFree(long callSite, long ptr, String name) {
    }
}
