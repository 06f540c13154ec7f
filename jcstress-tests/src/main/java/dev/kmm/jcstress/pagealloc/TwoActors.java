package dev.kmm.jcstress.pagealloc;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the two actors of an allocator sample share. A start line for every step of their bursts: both actors
 * call {@link #together} before each step and wait there for the other, so step {@code i} of one runs at the
 * same moment as step {@code i} of the other (left alone, two actors often miss each other by more than a burst
 * lasts, or drift apart within it, and the race a test is after happens in a few samples only). And a record of
 * oopses: an actor whose allocator call throws (a bad page, a pointer into nowhere) counts as a forbidden
 * outcome, not a test error, and the arbiter then leaves the machine alone, since a lock may still be held.
 */
final class TwoActors {
    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    private final AtomicInteger arrived = new AtomicInteger();
    private volatile boolean oops;

    /** Waits until the other actor reached step {@code step} (1, 2, ...) too, or oopsed. */
    void together(int step) {
        arrived.incrementAndGet();
        while (arrived.get() < 2 * step && !oops) {
            Thread.onSpinWait();
        }
    }

    /**
     * Records that an actor's allocator call threw; the other no longer waits for it. The first oops of the JVM
     * goes to stderr with its stack, which jcstress shows in the test's report.
     */
    void oops(RuntimeException e) {
        if (REPORTED.compareAndSet(false, true)) {
            e.printStackTrace();
        }
        oops = true;
    }

    /** Whether an actor's allocator call threw. */
    boolean oopsed() {
        return oops;
    }
}
