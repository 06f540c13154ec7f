package dev.kmm.core.pagealloc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.gfp.Gfp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The debug bookkeeping of non-compound blocks, which lets verifyAll tell their tails from leaked pages. */
class HighOrderBlocksTest {
    private static List<String> verify(AllocMachine am) {
        List<String> out = new ArrayList<>();
        for (long zone : am.populatedZones) {
            out.addAll(PcpVerify.verifyAll(am.alloc, zone));
        }
        return out;
    }

    @Test
    void tailsAreAllocatedOnlyWhenTracked() {
        for (boolean debugVm : new boolean[] {false, true}) {
            try (AllocMachine am = AllocMachine.x86(128, 1, CpuContexts.Mode.DETERMINISTIC, b -> b.debugVm(debugVm))) {
                am.enter(0);
                assertEquals(debugVm, am.alloc.debugVm());
                long page = am.alloc.allocPages(Gfp.GFP_KERNEL, 3);
                List<String> problems = verify(am);
                if (debugVm) {
                    assertEquals(List.of(), problems);
                } else {
                    assertEquals(7, problems.stream().filter(p -> p.contains("neither free, reserved nor allocated"))
                            .count(), "untracked, the 7 tails look leaked: " + problems);
                }
                am.alloc.__freePages(page, 3);
                assertEquals(List.of(), verify(am), "freed");
            }
        }
    }

    /** Head records come and go with the block, and a held head keeps only itself when its halves are freed. */
    @Test
    void headOrders() {
        try (AllocMachine am = AllocMachine.x86(128, 1, CpuContexts.Mode.DETERMINISTIC, b -> b.debugVm(true))) {
            am.enter(0);
            HighOrderBlocks blocks = am.alloc.highOrderBlocks();
            long plain = am.alloc.allocPages(Gfp.GFP_KERNEL, 4);
            long compound = am.alloc.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 4);
            long single = am.alloc.allocPages(Gfp.GFP_KERNEL, 0);
            assertEquals(4, blocks.order(am.pfn(plain)));
            assertEquals(0, blocks.order(am.pfn(compound)), "compound tails are marked in their struct pages");
            assertEquals(0, blocks.order(am.pfn(single)));
            am.alloc.getPage(plain);
            am.alloc.__freePages(plain, 4);
            assertEquals(0, blocks.order(am.pfn(plain)), "only the head page is left");
            assertEquals(List.of(), verify(am));
            am.alloc.putPage(plain);
            am.alloc.__freePages(compound, 4);
            am.alloc.__freePages(single, 0);
            assertEquals(List.of(), verify(am));
        }
    }
}
