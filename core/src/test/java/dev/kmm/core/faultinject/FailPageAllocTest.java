package dev.kmm.core.faultinject;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kmm.core.gfp.Gfp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailPageAllocTest {
    private final RecordingLog log = new RecordingLog();

    private FailPageAlloc alwaysFailing() {
        FailPageAlloc f = new FailPageAlloc(FaultRandom.seeded(1), log);
        assertTrue(f.setupFailPageAlloc("1,100,0,-1"));
        return f;
    }

    @Test
    void kernelDefaults() {
        FailPageAlloc f = new FailPageAlloc(FaultRandom.seeded(1), log);
        assertTrue(f.ignoreGfpHighmem());
        assertTrue(f.ignoreGfpReclaim());
        assertEquals(1, f.minOrder());
        assertEquals("fail_page_alloc", f.attr().name());
        assertFalse(f.shouldFailAllocPage(GFP_ATOMIC, 3), "probability 0 by default");
    }

    @Test
    void filtersDecideBeforeTheAttributes() {
        FailPageAlloc f = alwaysFailing();
        assertFalse(f.shouldFailAllocPage(GFP_ATOMIC, 0), "order below min-order");
        assertTrue(f.shouldFailAllocPage(GFP_ATOMIC, 1));
        assertFalse(f.shouldFailAllocPage(GFP_KERNEL, 1), "ignore-gfp-wait spares reclaiming callers");
        assertFalse(f.shouldFailAllocPage(GFP_ATOMIC | __GFP_HIGHMEM, 1), "ignore-gfp-highmem");
        assertFalse(f.shouldFailAllocPage(GFP_ATOMIC | __GFP_NOFAIL, 5), "__GFP_NOFAIL never fails");

        f.setIgnoreGfpReclaim(false);
        f.setIgnoreGfpHighmem(false);
        f.setMinOrder(0);
        assertTrue(f.shouldFailAllocPage(GFP_KERNEL, 0));
        assertTrue(f.shouldFailAllocPage(GFP_HIGHUSER_MOVABLE, 0));
        assertFalse(f.shouldFailAllocPage(GFP_KERNEL | __GFP_NOFAIL, 0));

        f.setMinOrder(-1);
        assertFalse(f.shouldFailAllocPage(GFP_ATOMIC, 10), "min-order is a u32: 0xffffffff spares everything");
    }

    @Test
    void noWarnRequestsFailSilently() {
        FailPageAlloc f = alwaysFailing();
        assertTrue(f.shouldFailAllocPage(GFP_NOWAIT | __GFP_NOWARN, 2));
        assertEquals(List.of(), log.lines);
        assertTrue(f.shouldFailAllocPage(GFP_NOWAIT, 2));
        assertEquals(List.of("5:FAULT_INJECTION: forcing a failure.",
                "5:name fail_page_alloc, interval 1, probability 100, space 0, times -1"), log.lines);
    }

    @Test
    void spaceIsCountedInPages() {
        FailPageAlloc f = alwaysFailing();
        f.attr().setSpace(8);
        assertFalse(f.shouldFailAllocPage(GFP_ATOMIC, 2), "8 > 4 pages: charged, 4 left");
        assertEquals(4, f.attr().space());
        assertTrue(f.shouldFailAllocPage(GFP_ATOMIC, 2), "4 > 4 is false: fails");
    }

    @Test
    void failNthReachesThroughTheFilters() {
        FailPageAlloc f = new FailPageAlloc(FaultRandom.seeded(1), log);
        FailNth task = new FailNth();
        task.set(2);
        assertFalse(f.shouldFailAllocPage(task, GFP_ATOMIC, 0), "filtered calls do not count");
        assertFalse(f.shouldFailAllocPage(task, GFP_ATOMIC, 1));
        assertTrue(f.shouldFailAllocPage(task, GFP_ATOMIC, 1));
    }
}
