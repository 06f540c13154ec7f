package dev.kmm.core.boot;

import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.BuddyVerify;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The buddy allocator as boot leaves it, against a plain model: the free pages are memblock's free memory plus
 * what was freed later (CMA, initrd, init sections), and with full merging each zone's free lists hold the
 * unique decomposition of that set into maximal aligned blocks of at most MAX_ORDER - 1 (no merging across a
 * zone boundary, CMA pageblocks never merging with movable ones).
 */
class BootBuddyStateTest {
    @Test
    void vexpressFreeListsAreTheMaximalBlocksOfTheFreePages() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            Buddy buddy = k.buddy();
            for (ZoneInfo z : k.zones()) {
                assertEquals(List.of(), BuddyVerify.verifyZone(buddy, z.address()), z.name());
                assertEquals(z.managed(), buddy.zonePageState(z.address(), Buddy.NR_FREE_PAGES), z.name());
                if (!z.populated()) {
                    continue;
                }
                BitSet free = freePfns(k, z);
                assertEquals(z.managed(), free.cardinality(), z.name() + ": the model's free pages");
                long[] expected = maximalBlocks(free, z, k.config().maxOrder(), k.cmaAreas(), k.freeAreaInit()
                        .config().pageblockOrder());
                long[] actual = new long[k.config().maxOrder()];
                for (int order = 0; order < actual.length; order++) {
                    actual[order] = buddy.freeArea().nrFree(z.address(), order);
                }
                assertArrayEquals(expected, actual, z.name() + " free_area[].nr_free");
            }
            // Every pageblock is MIGRATE_MOVABLE after memmap_init(), except the CMA area's.
            long[] highmemTypes = BuddyVerify.pageblockMigratetypeCounts(buddy, k.zone(0, "HighMem").address());
            assertEquals(4, highmemTypes[buddy.migrateCma()]); // 16 MiB of 4 MiB pageblocks
            assertEquals(60, highmemTypes[1]); // MIGRATE_MOVABLE
        }
    }

    /**
     * Every built-in machine: each zone passes verify() (links, orders, buddies not left unmerged, counts, page
     * states), every managed page is free ({@code NR_FREE_PAGES} = managed = the pages on the lists) but the 64
     * PUD pages x86's mem_init() preallocates for the vmalloc area, and every pageblock is MIGRATE_MOVABLE but the
     * CMA area's (and a first pageblock the zone starts inside) and the two those 64 unmovable pages stole (the
     * first took an order-10 movable block, and __rmqueue_fallback claims every pageblock of a block that large).
     */
    @ParameterizedTest
    @ValueSource(strings = {"vexpress-a9", "virt-arm64", "pc-x86_64", "numa2-x86_64"})
    void everyBuiltInLeavesEveryManagedPageInVerifiedFreeLists(String machine) {
        try (Kernel k = Kernel.boot(Machines.byName(machine))) {
            Buddy buddy = k.buddy();
            assertEquals(List.of(), k.verify());
            boolean x86 = machine.endsWith("x86_64");
            long cmaBlocks = 0;
            for (ZoneInfo z : k.zones()) {
                String what = "node " + z.nid() + " " + z.name();
                // GFP_KERNEL prefers ZONE_NORMAL, which the boot node has on both PCs.
                long vmallocTables = x86 && z.nid() == 0 && z.name().equals("Normal") ? 64 : 0;
                assertEquals(z.managed() - vmallocTables, buddy.zonePageState(z.address(), Buddy.NR_FREE_PAGES), what);
                long onLists = 0;
                for (int order = 0; order < k.config().maxOrder(); order++) {
                    onLists += buddy.freeArea().nrFree(z.address(), order) << order;
                }
                assertEquals(z.managed() - vmallocTables, onLists, what + ": pages on the free lists");
                if (z.populated()) {
                    long[] types = BuddyVerify.pageblockMigratetypeCounts(buddy, z.address());
                    long all = java.util.Arrays.stream(types).sum();
                    long cma = buddy.migrateCma() >= 0 && buddy.migrateCma() < types.length ? types[buddy.migrateCma()] : 0;
                    // memmap_init_range() marks a pageblock movable at its aligned first pfn; a zone starting
                    // inside a pageblock (x86's ZONE_DMA at pfn 1) leaves that one unmovable, as in 6.1's
                    // /proc/pagetypeinfo ("Node 0, zone DMA 1 7 0 0").
                    long unaligned = (z.zoneStartPfn() & ((1L << k.freeAreaInit().config().pageblockOrder()) - 1)) != 0 ? 1 : 0;
                    long stolen = vmallocTables > 0 ? 2 : 0;
                    assertEquals(unaligned + stolen, types[0], what + ": unmovable pageblocks");
                    assertEquals(all - cma - unaligned - stolen, types[1], what + ": movable pageblocks");
                    cmaBlocks += cma;
                }
            }
            long cmaPages = k.cmaAreas().stream().mapToLong(EarlyBoot.CmaArea::size).sum() >>> 12;
            assertEquals(cmaPages >> k.freeAreaInit().config().pageblockOrder(), cmaBlocks, "CMA pageblocks");
        }
    }

    /** The zone's pfns memblock left free, plus the pages freed since: CMA areas, the initrd, the init sections. */
    private static BitSet freePfns(Kernel k, ZoneInfo z) {
        BitSet free = new BitSet();
        long base = z.zoneStartPfn();
        long end = base + z.spanned();
        k.memblock().forEachFreeMemRange(-1, 0, (s, e, nid) -> set(free, (s + 4095) >>> 12, e >>> 12, base, end));
        for (EarlyBoot.CmaArea a : k.cmaAreas()) {
            set(free, a.base() >>> 12, (a.base() + a.size()) >>> 12, base, end);
        }
        PhysRange initrd = k.machine().initrd().orElseThrow();
        set(free, initrd.base() >>> 12, (initrd.end() + 4095) >>> 12, base, end); // arm rounds it out
        KernelImage img = k.machine().image();
        set(free, img.phys(img.initBegin()) >>> 12, img.phys(img.initEnd()) >>> 12, base, end);
        return free;
    }

    private static void set(BitSet free, long from, long to, long base, long end) {
        long s = Math.max(from, base);
        long e = Math.min(to, end);
        if (s < e) {
            free.set((int) (s - base), (int) (e - base));
        }
    }

    /** Maximal aligned blocks (aligned on absolute pfns), within each run of free pages and each pageblock kind. */
    private static long[] maximalBlocks(BitSet free, ZoneInfo z, int maxOrder, List<EarlyBoot.CmaArea> cma,
                                        int pageblockOrder) {
        long[] count = new long[maxOrder];
        long base = z.zoneStartPfn();
        int i = free.nextSetBit(0);
        while (i >= 0) {
            int runEnd = free.nextClearBit(i);
            long pfn = base + i;
            long end = base + runEnd;
            while (pfn < end) {
                int order = Math.min(maxOrder - 1, Long.numberOfTrailingZeros(pfn));
                while (pfn + (1L << order) > end || crossesCma(pfn, order, cma, pageblockOrder)) {
                    order--;
                }
                count[order]++;
                pfn += 1L << order;
            }
            i = free.nextSetBit(runEnd);
        }
        return count;
    }

    /** Whether the block mixes CMA and non-CMA pageblocks (which never merge). */
    private static boolean crossesCma(long pfn, int order, List<EarlyBoot.CmaArea> cma, int pageblockOrder) {
        if (order <= pageblockOrder) {
            return false;
        }
        long end = pfn + (1L << order);
        for (EarlyBoot.CmaArea a : cma) {
            long s = a.base() >>> 12;
            long e = (a.base() + a.size()) >>> 12;
            boolean overlaps = s < end && pfn < e;
            boolean inside = s <= pfn && end <= e;
            if (overlaps && !inside) {
                return true;
            }
        }
        return false;
    }
}
