package dev.kmm.jcstress.pagealloc;

import static dev.kmm.arena.layout.KernelConstants.MIGRATE_MOVABLE;

import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.concurrency.Cpu;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.BuddyVerify;
import dev.kmm.core.pagealloc.PcpVerify;
import java.util.Arrays;

/**
 * The machine of the remote-free tests and how they judge it. CPU 0 owns pagesets of high {@value #HIGH} and
 * batch {@value #BATCH}; in the image it has allocated {@value #BURST} movable pages ({@link #FREED}), which
 * CPU 1 frees back to CPU 0's pageset with {@code freePagesRemote} while CPU 0 allocates {@value #BURST}
 * movable pages, the two in step (see {@link TwoActors}). Both use CPU 0's movable order-0 list: every
 * allocation first splices onto it the remote frees that arrived meanwhile, so each remote push races an
 * allocation's splice, and then takes a page from it; the high mark sends batches back to the buddy and an empty
 * list is refilled from it, so the zone lock is in play too.
 */
final class PcpRemoteFrees {
    /** Pages each CPU handles per sample, one per step. */
    static final int BURST = 128;
    static final int HIGH = 32;
    static final int BATCH = 8;
    static final int GFP = Gfp.GFP_HIGHUSER_MOVABLE;

    /** Verdict bits of {@link #verdict}; 0 means no page was lost or handed out twice. */
    static final int ALLOC_FAILED = 1, TWICE = 2, PCP_LISTS = 4, BAD_FREE = 8, BUDDY = 16, LOST = 32, OOPS = 64;

    /** The pages CPU 1 frees to CPU 0, allocated by CPU 0 in the image. */
    static final long[] FREED = new long[BURST];
    /** Free pages of the zone when nothing is allocated. */
    static final long ALL_FREE;
    static final ZoneImage IMAGE;

    static {
        long[] allFree = new long[1];
        IMAGE = ZoneImage.boot(HIGH, BATCH, m -> {
            try (Cpu cpu = m.enter(0)) {
                allFree[0] = m.freePages();
                for (int i = 0; i < BURST; i++) {
                    FREED[i] = m.alloc.allocPages(cpu, GFP, 0);
                    if (FREED[i] == 0) {
                        throw new IllegalStateException("the image's zone ran out after " + i + " pages");
                    }
                }
            }
        });
        ALL_FREE = allFree[0];
    }

    private PcpRemoteFrees() {
    }

    /** Whether {@code pages} holds any of {@link #FREED}: the owner got back pages freed to it remotely. */
    static int reused(long[] pages) {
        long[] freed = FREED.clone();
        Arrays.sort(freed);
        for (long p : pages) {
            if (Arrays.binarySearch(freed, p) >= 0) {
                return 1;
            }
        }
        return 0;
    }

    /**
     * Checks the machine after CPU 0 allocated {@code got} while CPU 1 freed {@link #FREED}: every allocation
     * succeeded and no page came twice; the pcp lists and remote-free llists are consistent ({@link PcpVerify});
     * then, back on CPU 0, every page it got is freed and the pagesets drained, and the buddy must hold every
     * page of the zone ({@link BuddyVerify}, NR_FREE_PAGES as with nothing allocated). A broken machine is not
     * walked further than the first check that fails; an actor that oopsed fails the sample alone.
     */
    static int verdict(SmallMachine m, long[] got, TwoActors actors) {
        if (actors.oopsed()) {
            return OOPS;
        }
        int verdict = 0;
        long[] sorted = got.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] == 0) {
                verdict |= ALLOC_FAILED;
            } else if (i > 0 && sorted[i] == sorted[i - 1]) {
                verdict |= TWICE;
            }
        }
        if (!PcpVerify.verifyZone(m.alloc, m.zone).isEmpty()) {
            verdict |= PCP_LISTS;
        }
        if (verdict != 0) {
            return verdict;
        }
        try (Cpu cpu = m.enter(0)) {
            for (long page : got) {
                m.alloc.__freePages(cpu, page, 0);
            }
            m.alloc.drainAllPages(0);
        } catch (RuntimeException e) {
            return BAD_FREE;
        }
        if (!BuddyVerify.verifyZone(m.buddy, m.zone).isEmpty()) {
            verdict |= BUDDY;
        }
        if (m.freePages() != ALL_FREE) {
            verdict |= LOST;
        }
        return verdict;
    }

    /**
     * A remote free done wrong, for the broken control: the page is prepared as {@code free_unref_page} does,
     * then put straight onto the owner's pcp list, and its count bumped, without the owner's pcp lock - racing
     * with the owner taking pages off the same list.
     */
    static void freeOntoOwnersList(SmallMachine m, long page, int owner) {
        m.mem.getAndAddInt(page + PageLayout.REFCOUNT, -1); // put_page_testzero
        long pfn = m.pfn(page);
        m.buddy.freePagesPrepare(page, 0, true, Buddy.FPI_NONE);
        int migratetype = m.buddy.pageblockFlags().getPfnblockMigratetype(page, pfn);
        m.mem.putLong(page + PageLayout.INDEX, migratetype);
        long pcp = m.pcp.pcp(m.zone, owner);
        ListHead.add(m.mem, page + PageLayout.PCP_LIST, m.pcp.list(pcp, m.pcp.orderToPindex(MIGRATE_MOVABLE, 0)));
        long count = pcp + m.layouts.perCpuPages().count;
        m.mem.putInt(count, m.mem.getInt(count) + 1);
    }
}
