package dev.kmm.core.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_HIGHATOMIC;
import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;
import static dev.kmm.arena.layout.KernelConstants.ZONE_NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.list.ListHead;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.gfp.Gfp;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The MIGRATE_HIGHATOMIC reserve: a high-order atomic allocation that needed the reserves reserves its pageblock,
 * later ones of its kind are served from it, others are not, and unreserving gives the block back.
 */
class HighatomicTest {
    private static final long PAGEBLOCK = 512;

    private static long onHighatomicLists(AllocMachine am, long zone) {
        long pages = 0;
        for (int o = 0; o < am.buddy.maxOrder(); o++) {
            pages += ListHead.countNodes(am.m.mem, am.buddy.freeArea().freeList(zone, o, MIGRATE_HIGHATOMIC)) << o;
        }
        return pages;
    }

    @Test
    void anAtomicHighOrderAllocationReservesItsPageblock() {
        try (AllocMachine am = AllocMachine.x86Normal(64, 1, b -> { })) {
            Cpu cpu = am.enter(0);
            long zone = am.zone(ZONE_NORMAL);
            long reserved = zone + am.m.layouts.zone().nrReservedHighatomic;
            long free = am.freePages(zone);
            am.setWatermarks(zone, free + 4000, free + 4000, free + 4000);
            assertEquals(0, am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 4), "below min for a normal request");

            long first = am.alloc.allocPages(Gfp.GFP_ATOMIC, 4);
            assertNotEquals(0, first, "__GFP_HIGH and non-blocking reach 3/8 below min");
            long block = am.pfn(first) & -PAGEBLOCK;
            int mt = am.buddy.pageblockFlags().getPageblockMigratetype(am.page(block));
            assertEquals(MIGRATE_HIGHATOMIC, mt);
            assertEquals(PAGEBLOCK, am.m.mem.getLong(reserved));
            assertEquals(PAGEBLOCK - 16, onHighatomicLists(am, zone));

            long second = am.alloc.allocPages(Gfp.GFP_ATOMIC, 4);
            assertEquals(block, am.pfn(second) & -PAGEBLOCK, "served from the reserve");
            assertEquals(PAGEBLOCK, am.m.mem.getLong(reserved), "an already reserved block is not counted twice");

            am.setWatermarks(zone, 0, 0, 0);
            long normal = am.alloc.allocPages(Gfp.GFP_KERNEL, 4);
            assertNotEquals(block, am.pfn(normal) & -PAGEBLOCK, "a request without reserve rights stays out");
            assertEquals(PAGEBLOCK - 32, onHighatomicLists(am, zone));

            long zonelist = am.alloc.zonelists().nodeZonelist(0, Gfp.GFP_KERNEL);
            assertFalse(am.alloc.unreserveHighatomicPageblock(cpu, zonelist, ZONE_NORMAL, null, MIGRATE_MOVABLE,
                    false), "the last reserved pageblock is kept unless forced");
            assertTrue(am.alloc.unreserveHighatomicPageblock(cpu, zonelist, ZONE_NORMAL, null, MIGRATE_MOVABLE,
                    true));
            assertEquals(0, am.m.mem.getLong(reserved));
            assertEquals(MIGRATE_MOVABLE, am.buddy.pageblockFlags().getPageblockMigratetype(am.page(block)));
            assertEquals(0, onHighatomicLists(am, zone));

            am.alloc.__freePages(first, 4);
            am.alloc.__freePages(second, 4);
            am.alloc.__freePages(normal, 4);
            assertEquals(List.of(), am.drainAndVerify());
        }
    }
}
