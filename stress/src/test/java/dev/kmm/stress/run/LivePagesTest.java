package dev.kmm.stress.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LivePagesTest {
    /** Blocks come out in death order, whatever was removed from the middle, and the page count follows. */
    @Test
    void heapOrderSurvivesRemovalsAnywhere() {
        SplittableRandom rng = new SplittableRandom(7);
        LivePages live = new LivePages();
        List<Long> deaths = new ArrayList<>();
        long pages = 0;
        for (int i = 0; i < 5000; i++) {
            long death = rng.nextLong(1000);
            int order = rng.nextInt(11);
            live.add(0x1000L * i, order, i % 4, death);
            pages += 1L << order;
        }
        assertEquals(5000, live.size());
        assertEquals(pages, live.pages());
        for (int i = 0; i < 2000; i++) {
            int at = rng.nextInt(live.size());
            pages -= 1L << live.order(at);
            live.remove(at);
        }
        assertEquals(pages, live.pages());
        long last = -1;
        while (live.size() > 0) {
            long next = live.nextDeath();
            assertTrue(next >= last, next + " after " + last);
            int order = live.order(0);
            long page = live.page(0);
            assertEquals((page / 0x1000) % 4, live.cpu(0), "a slot keeps its fields together");
            pages -= 1L << order;
            live.remove(0);
            last = next;
        }
        assertEquals(0, pages);
        assertEquals(0, live.pages());
        assertEquals(Long.MAX_VALUE, live.nextDeath());
    }
}
