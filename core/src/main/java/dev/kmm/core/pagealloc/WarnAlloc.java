package dev.kmm.core.pagealloc;

import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.gfp.GfpFlagNames;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@code warn_alloc} of Linux 6.1 mm/page_alloc.c: the warning an allocation failure prints, unless
 * {@code __GFP_NOWARN}, rate-limited to one in ten seconds ({@code DEFINE_RATELIMIT_STATE(nopage_rs, 10*HZ, 1)}):
 * <pre>
 * kworker/0:1: page allocation failure: order:4, mode:0xcc0(GFP_KERNEL), nodemask=(null)
 * </pre>
 * The comm is the allocating thread's name. What the kernel prints after that line is left out: the
 * {@code ,cpuset=/,mems_allowed=0} continuation of {@code cpuset_print_current_mems_allowed()} (kmm has no
 * cgroups), {@code dump_stack()} and {@code show_mem()}. When the rate limit lets a warning through after
 * suppressing others, {@code ___ratelimit} first prints {@code "warn_alloc: N callbacks suppressed"}.
 */
public final class WarnAlloc {
    /** {@code 10 * HZ} as nanoseconds. */
    public static final long INTERVAL_NANOS = 10_000_000_000L;

    private final Consumer<PrintkLine> printk;
    private final LongSupplier nanoTime;
    private final int maxNumNodes;
    private long begin;
    private boolean started;
    private int printed;
    private int missed;

    /**
     * @param printk      where the lines go
     * @param nanoTime    the clock of the rate limit ({@code System::nanoTime}, or a test clock)
     * @param maxNumNodes {@code MAX_NUMNODES}: the width of a nodemask ({@code %*pbl})
     */
    public WarnAlloc(Consumer<PrintkLine> printk, LongSupplier nanoTime, int maxNumNodes) {
        this.printk = Objects.requireNonNull(printk, "printk");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.maxNumNodes = maxNumNodes;
    }

    /**
     * {@code warn_alloc(gfp_mask, nodemask, "%s", message)}: prints the failure unless {@code __GFP_NOWARN}, the
     * rate limit, or a {@code __GFP_DMA} request on a machine without managed DMA pages says otherwise.
     *
     * @param message       the formatted message, e.g. {@code "page allocation failure: order:3"}
     * @param hasManagedDma {@code has_managed_dma()}
     * @return whether the warning was printed
     */
    public boolean warnAlloc(int gfpMask, long[] nodemask, String message, boolean hasManagedDma) {
        if ((gfpMask & Gfp.__GFP_NOWARN) != 0 || !ratelimit() || ((gfpMask & Gfp.__GFP_DMA) != 0 && !hasManagedDma)) {
            return false;
        }
        printk.accept(new PrintkLine(PrintkLine.Level.WARNING, Thread.currentThread().getName() + ": " + message
                + ", mode:" + GfpFlagNames.mode(gfpMask) + ", nodemask=" + nodemaskList(nodemask, maxNumNodes)));
        return true;
    }

    /** {@code __ratelimit(&nopage_rs)}: one warning per interval, counting the ones it holds back. */
    private synchronized boolean ratelimit() {
        long now = nanoTime.getAsLong();
        if (!started) {
            started = true;
            begin = now;
        }
        if (now - begin > INTERVAL_NANOS) {
            if (missed != 0) {
                printk.accept(new PrintkLine(PrintkLine.Level.WARNING, "warn_alloc: " + missed
                        + " callbacks suppressed"));
                missed = 0;
            }
            begin = now;
            printed = 0;
        }
        if (printed < 1) {
            printed++;
            return true;
        }
        missed++;
        return false;
    }

    /**
     * {@code %*pbl} of {@code nodemask_pr_args(nodemask)}: the set nodes below {@code nbits} as ranges
     * ({@code 0-2,5}), the empty string for an empty mask, {@code (null)} for the NULL nodemask.
     */
    public static String nodemaskList(long[] nodemask, int nbits) {
        if (nodemask == null) {
            return "(null)";
        }
        StringBuilder sb = new StringBuilder();
        int n = 0;
        while (n < nbits) {
            if (!ZonelistWalk.nodeIsset(n, nodemask)) {
                n++;
                continue;
            }
            int start = n;
            while (n + 1 < nbits && ZonelistWalk.nodeIsset(n + 1, nodemask)) {
                n++;
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(start);
            if (n > start) {
                sb.append('-').append(n);
            }
            n++;
        }
        return sb.toString();
    }
}
