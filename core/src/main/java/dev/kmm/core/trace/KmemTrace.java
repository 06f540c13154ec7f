package dev.kmm.core.trace;

import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code kmem} tracepoints of one simulated kernel. The allocator holds one in a final field and calls
 * e.g. {@code KmemTrace.mmPageAlloc(trace, ...)} where the kernel calls {@code trace_mm_page_alloc()}.
 * The tracepoint functions are static, like the kernel's, so that a disabled one does not even touch
 * {@code trace} (an instance call would have to null-check it); a null {@code trace} traces nothing.
 *
 * <p>Cost when nobody listens: nothing. Each event has a {@link StaticKey}, the JVM's form of the
 * kernel's static keys, that is on only while some {@code KmemTrace} in the JVM has a listener for the
 * event; compiled code folds it to a constant, so a disabled tracepoint compiles to no code at all. When
 * the key is on (some machine traces the event), each instance checks its own volatile probe field,
 * null while this machine has no listener: one load and a branch. When one listener is attached to an
 * event the call goes straight to it; with several, through a fan-out array.
 *
 * <p>Attaching and detaching are rare, synchronized, and visible to all CPUs at their next event;
 * flipping a static key deoptimizes the compiled code that folded it.
 */
public final class KmemTrace {
    // One static key per event, on while any KmemTrace in the JVM has a listener for it. The invokers
    // must be static final for the JIT to fold them.
    private static final StaticKey MM_PAGE_ALLOC_KEY = new StaticKey();
    private static final MethodHandle MM_PAGE_ALLOC_ON = MM_PAGE_ALLOC_KEY.invoker();
    private static final StaticKey MM_PAGE_FREE_KEY = new StaticKey();
    private static final MethodHandle MM_PAGE_FREE_ON = MM_PAGE_FREE_KEY.invoker();
    private static final StaticKey MM_PAGE_FREE_BATCHED_KEY = new StaticKey();
    private static final MethodHandle MM_PAGE_FREE_BATCHED_ON = MM_PAGE_FREE_BATCHED_KEY.invoker();
    private static final StaticKey MM_PAGE_ALLOC_ZONE_LOCKED_KEY = new StaticKey();
    private static final MethodHandle MM_PAGE_ALLOC_ZONE_LOCKED_ON = MM_PAGE_ALLOC_ZONE_LOCKED_KEY.invoker();
    private static final StaticKey MM_PAGE_PCPU_DRAIN_KEY = new StaticKey();
    private static final MethodHandle MM_PAGE_PCPU_DRAIN_ON = MM_PAGE_PCPU_DRAIN_KEY.invoker();
    private static final StaticKey MM_PAGE_ALLOC_EXTFRAG_KEY = new StaticKey();
    private static final MethodHandle MM_PAGE_ALLOC_EXTFRAG_ON = MM_PAGE_ALLOC_EXTFRAG_KEY.invoker();
    private static final StaticKey KMEM_CACHE_ALLOC_KEY = new StaticKey();
    private static final MethodHandle KMEM_CACHE_ALLOC_ON = KMEM_CACHE_ALLOC_KEY.invoker();
    private static final StaticKey KMALLOC_KEY = new StaticKey();
    private static final MethodHandle KMALLOC_ON = KMALLOC_KEY.invoker();
    private static final StaticKey KFREE_KEY = new StaticKey();
    private static final MethodHandle KFREE_ON = KFREE_KEY.invoker();
    private static final StaticKey KMEM_CACHE_FREE_KEY = new StaticKey();
    private static final MethodHandle KMEM_CACHE_FREE_ON = KMEM_CACHE_FREE_KEY.invoker();

    private volatile KmemListener mmPageAlloc;
    private volatile KmemListener mmPageFree;
    private volatile KmemListener mmPageFreeBatched;
    private volatile KmemListener mmPageAllocZoneLocked;
    private volatile KmemListener mmPagePcpuDrain;
    private volatile KmemListener mmPageAllocExtfrag;
    private volatile KmemListener kmemCacheAlloc;
    private volatile KmemListener kmalloc;
    private volatile KmemListener kfree;
    private volatile KmemListener kmemCacheFree;

    private final List<Attachment> attachments = new ArrayList<>();

    /** A listener attached to some events; closing it detaches it. */
    public final class Attachment implements AutoCloseable {
        private final KmemListener listener;
        private final Set<KmemEvent> events;

        private Attachment(KmemListener listener, Set<KmemEvent> events) {
            this.listener = listener;
            this.events = events;
        }

        /** The events this attachment receives. */
        public Set<KmemEvent> events() {
            return events;
        }

        /** Detaches the listener; idempotent. */
        @Override
        public void close() {
            detach(this);
        }
    }

    /**
     * Enables {@code events} (all kmem events when none are named) for {@code listener}, like
     * {@code echo 1 > events/kmem/<event>/enable} with a probe attached.
     */
    public Attachment attach(KmemListener listener, KmemEvent... events) {
        Objects.requireNonNull(listener, "listener");
        Set<KmemEvent> set = events.length == 0 ? EnumSet.allOf(KmemEvent.class) : EnumSet.noneOf(KmemEvent.class);
        for (KmemEvent e : events) {
            set.add(Objects.requireNonNull(e, "event"));
        }
        Attachment a = new Attachment(listener, Set.copyOf(set));
        synchronized (attachments) {
            attachments.add(a);
            rebuild();
        }
        return a;
    }

    private void detach(Attachment a) {
        synchronized (attachments) {
            if (attachments.remove(a)) {
                rebuild();
            }
        }
    }

    /** Whether some listener receives {@code event}. */
    public boolean isEnabled(KmemEvent event) {
        return probe(event) != null;
    }

    private KmemListener probe(KmemEvent event) {
        return switch (event) {
            case MM_PAGE_ALLOC -> mmPageAlloc;
            case MM_PAGE_FREE -> mmPageFree;
            case MM_PAGE_FREE_BATCHED -> mmPageFreeBatched;
            case MM_PAGE_ALLOC_ZONE_LOCKED -> mmPageAllocZoneLocked;
            case MM_PAGE_PCPU_DRAIN -> mmPagePcpuDrain;
            case MM_PAGE_ALLOC_EXTFRAG -> mmPageAllocExtfrag;
            case KMEM_CACHE_ALLOC -> kmemCacheAlloc;
            case KMALLOC -> kmalloc;
            case KFREE -> kfree;
            case KMEM_CACHE_FREE -> kmemCacheFree;
        };
    }

    private void rebuild() {
        for (KmemEvent event : KmemEvent.values()) {
            List<KmemListener> ls = new ArrayList<>();
            for (Attachment a : attachments) {
                if (a.events.contains(event)) {
                    ls.add(a.listener);
                }
            }
            KmemListener p = ls.isEmpty() ? null : ls.size() == 1 ? ls.get(0) : new Fanout(ls);
            boolean was = probe(event) != null;
            if (p != null && !was) {
                key(event).inc();
            }
            switch (event) {
                case MM_PAGE_ALLOC -> mmPageAlloc = p;
                case MM_PAGE_FREE -> mmPageFree = p;
                case MM_PAGE_FREE_BATCHED -> mmPageFreeBatched = p;
                case MM_PAGE_ALLOC_ZONE_LOCKED -> mmPageAllocZoneLocked = p;
                case MM_PAGE_PCPU_DRAIN -> mmPagePcpuDrain = p;
                case MM_PAGE_ALLOC_EXTFRAG -> mmPageAllocExtfrag = p;
                case KMEM_CACHE_ALLOC -> kmemCacheAlloc = p;
                case KMALLOC -> kmalloc = p;
                case KFREE -> kfree = p;
                case KMEM_CACHE_FREE -> kmemCacheFree = p;
            }
            if (p == null && was) {
                key(event).dec();
            }
        }
    }

    private static StaticKey key(KmemEvent event) {
        return switch (event) {
            case MM_PAGE_ALLOC -> MM_PAGE_ALLOC_KEY;
            case MM_PAGE_FREE -> MM_PAGE_FREE_KEY;
            case MM_PAGE_FREE_BATCHED -> MM_PAGE_FREE_BATCHED_KEY;
            case MM_PAGE_ALLOC_ZONE_LOCKED -> MM_PAGE_ALLOC_ZONE_LOCKED_KEY;
            case MM_PAGE_PCPU_DRAIN -> MM_PAGE_PCPU_DRAIN_KEY;
            case MM_PAGE_ALLOC_EXTFRAG -> MM_PAGE_ALLOC_EXTFRAG_KEY;
            case KMEM_CACHE_ALLOC -> KMEM_CACHE_ALLOC_KEY;
            case KMALLOC -> KMALLOC_KEY;
            case KFREE -> KFREE_KEY;
            case KMEM_CACHE_FREE -> KMEM_CACHE_FREE_KEY;
        };
    }

    /** {@code trace_mm_page_alloc()}: pfn -1 for a failed allocation. */
    public static void mmPageAlloc(KmemTrace trace, long pfn, int order, int gfpFlags, int migratetype) {
        if (!StaticKey.isOn(MM_PAGE_ALLOC_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.mmPageAlloc;
        if (p != null) {
            p.mmPageAlloc(pfn, order, gfpFlags, migratetype);
        }
    }

    /** {@code trace_mm_page_free()}. */
    public static void mmPageFree(KmemTrace trace, long pfn, int order) {
        if (!StaticKey.isOn(MM_PAGE_FREE_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.mmPageFree;
        if (p != null) {
            p.mmPageFree(pfn, order);
        }
    }

    /** {@code trace_mm_page_free_batched()}. */
    public static void mmPageFreeBatched(KmemTrace trace, long pfn) {
        if (!StaticKey.isOn(MM_PAGE_FREE_BATCHED_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.mmPageFreeBatched;
        if (p != null) {
            p.mmPageFreeBatched(pfn);
        }
    }

    /** {@code trace_mm_page_alloc_zone_locked()}. */
    public static void mmPageAllocZoneLocked(KmemTrace trace, long pfn, int order, int migratetype,
                                             int percpuRefill) {
        if (!StaticKey.isOn(MM_PAGE_ALLOC_ZONE_LOCKED_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.mmPageAllocZoneLocked;
        if (p != null) {
            p.mmPageAllocZoneLocked(pfn, order, migratetype, percpuRefill);
        }
    }

    /** {@code trace_mm_page_pcpu_drain()}. */
    public static void mmPagePcpuDrain(KmemTrace trace, long pfn, int order, int migratetype) {
        if (!StaticKey.isOn(MM_PAGE_PCPU_DRAIN_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.mmPagePcpuDrain;
        if (p != null) {
            p.mmPagePcpuDrain(pfn, order, migratetype);
        }
    }

    /** {@code trace_mm_page_alloc_extfrag()}. */
    public static void mmPageAllocExtfrag(KmemTrace trace, long pfn, int allocOrder, int fallbackOrder,
                                          int allocMigratetype, int fallbackMigratetype, int changeOwnership) {
        if (!StaticKey.isOn(MM_PAGE_ALLOC_EXTFRAG_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.mmPageAllocExtfrag;
        if (p != null) {
            p.mmPageAllocExtfrag(pfn, allocOrder, fallbackOrder, allocMigratetype, fallbackMigratetype,
                    changeOwnership);
        }
    }

    /** {@code trace_kmem_cache_alloc()}. */
    public static void kmemCacheAlloc(KmemTrace trace, long callSite, long ptr, long bytesReq, long bytesAlloc,
                                      int gfpFlags, int node, boolean accounted) {
        if (!StaticKey.isOn(KMEM_CACHE_ALLOC_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.kmemCacheAlloc;
        if (p != null) {
            p.kmemCacheAlloc(callSite, ptr, bytesReq, bytesAlloc, gfpFlags, node, accounted);
        }
    }

    /** {@code trace_kmalloc()}. */
    public static void kmalloc(KmemTrace trace, long callSite, long ptr, long bytesReq, long bytesAlloc, int gfpFlags,
                               int node) {
        if (!StaticKey.isOn(KMALLOC_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.kmalloc;
        if (p != null) {
            p.kmalloc(callSite, ptr, bytesReq, bytesAlloc, gfpFlags, node);
        }
    }

    /** {@code trace_kfree()}. */
    public static void kfree(KmemTrace trace, long callSite, long ptr) {
        if (!StaticKey.isOn(KFREE_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.kfree;
        if (p != null) {
            p.kfree(callSite, ptr);
        }
    }

    /** {@code trace_kmem_cache_free()}. */
    public static void kmemCacheFree(KmemTrace trace, long callSite, long ptr, String name) {
        if (!StaticKey.isOn(KMEM_CACHE_FREE_ON)) {
            return;
        }
        KmemListener p = trace == null ? null : trace.kmemCacheFree;
        if (p != null) {
            p.kmemCacheFree(callSite, ptr, name);
        }
    }

    /** Several listeners on one event, called in attach order. */
    private static final class Fanout implements KmemListener {
        private final KmemListener[] ls;

        Fanout(List<KmemListener> ls) {
            this.ls = ls.toArray(new KmemListener[0]);
        }

        @Override
        public void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
            for (KmemListener l : ls) {
                l.mmPageAlloc(pfn, order, gfpFlags, migratetype);
            }
        }

        @Override
        public void mmPageFree(long pfn, int order) {
            for (KmemListener l : ls) {
                l.mmPageFree(pfn, order);
            }
        }

        @Override
        public void mmPageFreeBatched(long pfn) {
            for (KmemListener l : ls) {
                l.mmPageFreeBatched(pfn);
            }
        }

        @Override
        public void mmPageAllocZoneLocked(long pfn, int order, int migratetype, int percpuRefill) {
            for (KmemListener l : ls) {
                l.mmPageAllocZoneLocked(pfn, order, migratetype, percpuRefill);
            }
        }

        @Override
        public void mmPagePcpuDrain(long pfn, int order, int migratetype) {
            for (KmemListener l : ls) {
                l.mmPagePcpuDrain(pfn, order, migratetype);
            }
        }

        @Override
        public void mmPageAllocExtfrag(long pfn, int allocOrder, int fallbackOrder, int allocMigratetype,
                                       int fallbackMigratetype, int changeOwnership) {
            for (KmemListener l : ls) {
                l.mmPageAllocExtfrag(pfn, allocOrder, fallbackOrder, allocMigratetype, fallbackMigratetype,
                        changeOwnership);
            }
        }

        @Override
        public void kmemCacheAlloc(long callSite, long ptr, long bytesReq, long bytesAlloc, int gfpFlags, int node,
                                   boolean accounted) {
            for (KmemListener l : ls) {
                l.kmemCacheAlloc(callSite, ptr, bytesReq, bytesAlloc, gfpFlags, node, accounted);
            }
        }

        @Override
        public void kmalloc(long callSite, long ptr, long bytesReq, long bytesAlloc, int gfpFlags, int node) {
            for (KmemListener l : ls) {
                l.kmalloc(callSite, ptr, bytesReq, bytesAlloc, gfpFlags, node);
            }
        }

        @Override
        public void kfree(long callSite, long ptr) {
            for (KmemListener l : ls) {
                l.kfree(callSite, ptr);
            }
        }

        @Override
        public void kmemCacheFree(long callSite, long ptr, String name) {
            for (KmemListener l : ls) {
                l.kmemCacheFree(callSite, ptr, name);
            }
        }
    }
}
