package dev.kmm.core.pagealloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.layout.KernelConstants;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class PageblockFlagsTest {
    @Test
    void migratetypeAndSkipBitAreIndependentPerBlock() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            PageblockFlags pb = m.buddy.pageblockFlags();
            Random rnd = new Random(42);
            int[] expected = new int[64];
            boolean[] skip = new boolean[64];
            for (int round = 0; round < 2000; round++) {
                int block = rnd.nextInt(64);
                long page = m.model.pfnToPage(block * 512L + rnd.nextInt(512));
                if (rnd.nextBoolean()) {
                    expected[block] = rnd.nextInt(KernelConstants.MIGRATE_TYPES);
                    pb.setPageblockMigratetype(page, expected[block]);
                } else if (rnd.nextBoolean()) {
                    pb.setPageblockSkip(page);
                    skip[block] = true;
                } else {
                    pb.clearPageblockSkip(page);
                    skip[block] = false;
                }
            }
            for (int block = 0; block < 64; block++) {
                long page = m.model.pfnToPage(block * 512L);
                assertEquals(expected[block], pb.getPageblockMigratetype(page), "block " + block);
                assertEquals(skip[block], pb.getPageblockSkip(page), "block " + block);
                assertEquals(expected[block] | (skip[block] ? 8 : 0),
                        pb.getPfnblockFlagsMask(page, block * 512L, 0xf));
            }
        }
    }

    @Test
    void groupingByMobilityDisabledCollapsesPcpTypes() {
        try (Machine m = BootFreeTest.x86OneZone()) {
            PageblockFlags pb = m.buddy.pageblockFlags();
            long page = m.model.pfnToPage(0);
            pb.setPageGroupByMobilityDisabled(true);
            pb.setPageblockMigratetype(page, KernelConstants.MIGRATE_RECLAIMABLE);
            assertEquals(KernelConstants.MIGRATE_UNMOVABLE, pb.getPageblockMigratetype(page));
            pb.setPageblockMigratetype(page, KernelConstants.MIGRATE_ISOLATE);
            assertEquals(KernelConstants.MIGRATE_ISOLATE, pb.getPageblockMigratetype(page));
            assertThrows(IllegalArgumentException.class, () -> pb.setPageblockMigratetype(page, 8));
            assertThrows(IllegalArgumentException.class, () -> pb.setPfnblockFlagsMask(page, 0x10, 0, 0xf));
        }
    }

    /**
     * Sixteen pageblocks share one 64-bit word; two threads rewriting their own blocks must never lose each
     * other's bits, which a plain read-modify-write would.
     */
    @Test
    void concurrentWritersOfOneWordLoseNothing() throws InterruptedException {
        try (Machine m = BootFreeTest.x86OneZone()) {
            PageblockFlags pb = m.buddy.pageblockFlags();
            CountDownLatch start = new CountDownLatch(1);
            int rounds = 200_000;
            Thread[] threads = new Thread[2];
            for (int t = 0; t < 2; t++) {
                int first = t;
                threads[t] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < rounds; i++) {
                        for (int block = first; block < 16; block += 2) {
                            pb.setPageblockMigratetype(m.model.pfnToPage(block * 512L), (i + block) % 3);
                        }
                    }
                });
                threads[t].start();
            }
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            for (int block = 0; block < 16; block++) {
                int mt = pb.getPageblockMigratetype(m.model.pfnToPage(block * 512L));
                assertEquals((rounds - 1 + block) % 3, mt, "block " + block);
            }
            assertFalse(pb.pageGroupByMobilityDisabled());
            assertTrue(pb.pageblockNrPages() == 512);
        }
    }
}
