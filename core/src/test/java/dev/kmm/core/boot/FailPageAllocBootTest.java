package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.Cpu;
import dev.kmm.core.gfp.Gfp;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code fail_page_alloc=} on the command line of a kernel built with CONFIG_FAIL_PAGE_ALLOC. */
class FailPageAllocBootTest {
    private static Machine machine(String config, String args) {
        Machine m = Machines.vexpressA9();
        return m.toBuilder().config(config).bootArgs(m.bootArgs() + " " + args).build();
    }

    @Test
    void theBootParameterFailsTheFirstEligibleAllocations() {
        try (Kernel k = Kernel.boot(machine("CONFIG_FAIL_PAGE_ALLOC=y", "fail_page_alloc=1,100,0,3"))) {
            assertTrue(k.pageAlloc().failPageAlloc().isPresent());
            try (Cpu cpu = k.cpus().enter(0)) {
                // Order 0 (below min-order 1) and reclaiming requests (ignore-gfp-wait) are spared.
                assertNotEquals(0, k.pageAlloc().allocPages(cpu, Gfp.GFP_ATOMIC, 0));
                assertNotEquals(0, k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, 2));
                assertEquals(0, k.pageAlloc().allocPages(cpu, Gfp.GFP_ATOMIC | Gfp.__GFP_NOWARN, 2), "silently");
                for (int i = 0; i < 2; i++) {
                    assertEquals(0, k.pageAlloc().allocPages(cpu, Gfp.GFP_ATOMIC, 2), "try " + i);
                }
                assertNotEquals(0, k.pageAlloc().allocPages(cpu, Gfp.GFP_ATOMIC, 2), "times 3: then no more");
            }
            // __GFP_NOWARN failures are not reported (FAULT_NOWARN).
            assertEquals(2, k.dmesg().stream().filter(l -> l.equals("FAULT_INJECTION: forcing a failure.")).count(),
                    String.join("\n", k.dmesg()));
        }
    }

    @Test
    void withoutTheConfigTheParameterIsNotAKernelOne() {
        try (Kernel k = Kernel.boot(machine("CONFIG_FAIL_PAGE_ALLOC=n", "fail_page_alloc=1,100,0,3"))) {
            assertEquals(Optional.empty(), k.pageAlloc().failPageAlloc());
            try (Cpu cpu = k.cpus().enter(0)) {
                assertNotEquals(0, k.pageAlloc().allocPages(cpu, Gfp.GFP_ATOMIC, 2));
            }
        }
    }
}
