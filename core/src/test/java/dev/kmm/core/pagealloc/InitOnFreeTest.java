package dev.kmm.core.pagealloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.gfp.Gfp;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** init_on_free and init_on_alloc as 6.1's free_pages_prepare and post_alloc_hook apply them. */
class InitOnFreeTest {
    private static AllocMachine machine(Consumer<PageAlloc.Builder> options) {
        return AllocMachine.x86(128, 1, CpuContexts.Mode.DETERMINISTIC, options);
    }

    /** Writes a pattern into every page frame of the block (its RAM, through the direct map). */
    private static void fill(AllocMachine am, long page, int order) {
        long va = am.alloc.pageAddress(page);
        for (long off = 0; off < 4096L << order; off += 8) {
            am.m.mem.putLong(va + off, 0x6b6b6b6b6b6b6b6bL);
        }
    }

    private static boolean zero(AllocMachine am, long page, int order) {
        PageFrames frames = PageFrames.of(am.m.ram, am.m.ramBase);
        for (int i = 0; i < 1 << order; i++) {
            if (!frames.isZeroPage(am.pfn(page) + i)) {
                return false;
            }
        }
        return true;
    }

    /** A filled block reads zero once freed, whether it went to a pcp list (order 0, 3) or the buddy (order 5). */
    @ParameterizedTest
    @ValueSource(ints = {0, 3, 5})
    void freeZeroesThePages(int order) {
        try (AllocMachine am = machine(b -> b.initOnFree(true))) {
            am.enter(0);
            assertTrue(am.alloc.initOnFree());
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, order);
            fill(am, page, order);
            assertFalse(zero(am, page, order));
            am.alloc.__freePages(page, order);
            assertTrue(zero(am, page, order), "init_on_free cleared the freed frames");
        }
    }

    /** Without init_on_free a freed page keeps its bytes (the default). */
    @Test
    void withoutItFreedPagesKeepTheirBytes() {
        try (AllocMachine am = machine(b -> { })) {
            am.enter(0);
            assertFalse(am.alloc.initOnFree());
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            fill(am, page, 0);
            am.alloc.__freePages(page, 0);
            assertFalse(zero(am, page, 0));
        }
    }

    /**
     * post_alloc_hook clears only when {@code !want_init_on_free() && want_init_on_alloc(gfp)}: with init_on_free a
     * free page is zero already, so neither __GFP_ZERO nor init_on_alloc clears again. A frame written while free
     * (which nothing but this test does) shows it.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void initOnFreeWinsOverAllocClearing(boolean initOnAlloc) {
        try (AllocMachine am = machine(b -> b.initOnFree(true).initOnAlloc(initOnAlloc))) {
            am.enter(0);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            am.alloc.__freePages(page, 0);
            fill(am, page, 0);
            assertEquals(page, am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0), "the hot page comes back");
            assertFalse(zero(am, page, 0), "not cleared at allocation");
        }
    }

    /** Without init_on_free, init_on_alloc and __GFP_ZERO clear at allocation. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void allocClearsWithoutInitOnFree(boolean initOnAlloc) {
        try (AllocMachine am = machine(b -> b.initOnAlloc(initOnAlloc))) {
            am.enter(0);
            long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            fill(am, page, 0);
            am.alloc.__freePages(page, 0);
            int gfp = initOnAlloc ? Gfp.GFP_KERNEL : Gfp.GFP_KERNEL | Gfp.__GFP_ZERO;
            assertEquals(page, am.alloc.allocPages(gfp, 0));
            assertTrue(zero(am, page, 0));
        }
    }
}
