package dev.kmm.core.trace;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KmemTraceTest {
    /** Records every call as text. */
    private static final class Recorder implements KmemListener {
        final String tag;
        final List<String> calls;

        Recorder(String tag, List<String> calls) {
            this.tag = tag;
            this.calls = calls;
        }

        @Override
        public void mmPageAlloc(long pfn, int order, int gfpFlags, int migratetype) {
            calls.add(tag + " alloc " + pfn + " " + order + " " + gfpFlags + " " + migratetype);
        }

        @Override
        public void mmPageFree(long pfn, int order) {
            calls.add(tag + " free " + pfn + " " + order);
        }

        @Override
        public void kmemCacheFree(long callSite, long ptr, String name) {
            calls.add(tag + " cachefree " + name);
        }
    }

    private static void fireAll(KmemTrace t) {
        KmemTrace.mmPageAlloc(t, 5, 1, 0xcc0, 0);
        KmemTrace.mmPageFree(t, 5, 1);
        KmemTrace.mmPageFreeBatched(t, 6);
        KmemTrace.mmPageAllocZoneLocked(t, 7, 0, 1, 1);
        KmemTrace.mmPagePcpuDrain(t, 8, 0, 1);
        KmemTrace.mmPageAllocExtfrag(t, 9, 0, 3, 0, 1, 0);
        KmemTrace.kmemCacheAlloc(t, 1, 2, 3, 4, 0xcc0, 0, false);
        KmemTrace.kmalloc(t, 1, 2, 3, 4, 0xcc0, 0);
        KmemTrace.kfree(t, 1, 2);
        KmemTrace.kmemCacheFree(t, 1, 2, "dentry");
    }

    @Test
    void disabledTracepointsCallNothing() {
        KmemTrace t = new KmemTrace();
        for (KmemEvent e : KmemEvent.values()) {
            assertFalse(t.isEnabled(e), e.eventName());
        }
        fireAll(t); // must not throw, nothing attached
        fireAll(null); // a machine without tracepoints
    }

    @Test
    void listenersGetOnlyTheirEventsUntilDetached() {
        KmemTrace t = new KmemTrace();
        List<String> calls = new ArrayList<>();
        KmemTrace.Attachment a = t.attach(new Recorder("a", calls), KmemEvent.MM_PAGE_ALLOC);
        assertTrue(t.isEnabled(KmemEvent.MM_PAGE_ALLOC));
        assertFalse(t.isEnabled(KmemEvent.MM_PAGE_FREE));
        fireAll(t);
        assertEquals(List.of("a alloc 5 1 3264 0"), calls);

        calls.clear();
        KmemTrace.Attachment b = t.attach(new Recorder("b", calls));
        assertEquals(KmemEvent.values().length, b.events().size());
        fireAll(t);
        assertEquals(List.of("a alloc 5 1 3264 0", "b alloc 5 1 3264 0", "b free 5 1", "b cachefree dentry"), calls);

        calls.clear();
        a.close();
        a.close();
        fireAll(t);
        assertEquals(List.of("b alloc 5 1 3264 0", "b free 5 1", "b cachefree dentry"), calls);

        calls.clear();
        b.close();
        fireAll(t);
        assertEquals(List.of(), calls);
        for (KmemEvent e : KmemEvent.values()) {
            assertFalse(t.isEnabled(e));
        }
    }

    @Test
    void anotherMachinesListenerDoesNotLeakIntoThisOne() {
        KmemTrace traced = new KmemTrace();
        KmemTrace quiet = new KmemTrace();
        List<String> calls = new ArrayList<>();
        try (KmemTrace.Attachment a = traced.attach(new Recorder("t", calls), KmemEvent.MM_PAGE_FREE)) {
            KmemTrace.mmPageFree(quiet, 1, 0);
            assertEquals(List.of(), calls);
            assertFalse(quiet.isEnabled(KmemEvent.MM_PAGE_FREE));
            KmemTrace.mmPageFree(traced, 2, 0);
            assertEquals(List.of("t free 2 0"), calls);
            assertTrue(a.events().contains(KmemEvent.MM_PAGE_FREE));
        }
        KmemTrace.mmPageFree(traced, 3, 0);
        assertEquals(List.of("t free 2 0"), calls);
    }

    @Test
    void eventsAreNamedAsInTheKernel() {
        List<String> names = new ArrayList<>();
        for (KmemEvent e : KmemEvent.values()) {
            names.add(e.eventName());
        }
        assertEquals(List.of("mm_page_alloc", "mm_page_free", "mm_page_free_batched", "mm_page_alloc_zone_locked",
                "mm_page_pcpu_drain", "mm_page_alloc_extfrag", "kmem_cache_alloc", "kmalloc", "kfree",
                "kmem_cache_free"), names);
    }
}
