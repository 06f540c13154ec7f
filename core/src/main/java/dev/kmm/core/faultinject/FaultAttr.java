package dev.kmm.core.faultinject;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code struct fault_attr} and {@code should_fail_ex()} of Linux 6.1 ({@code lib/fault-inject.c}): when
 * a fault-injection point should pretend to fail.
 *
 * <p>The decision, in the kernel's order: a task's armed {@link FailNth} decides alone; otherwise no
 * failure when {@code probability} is 0 or {@code times} is 0; while {@code space} exceeds the request
 * size the request is charged against it and succeeds; with {@code interval > 1} only every
 * {@code interval}-th remaining call is a candidate; a candidate fails with {@code probability} percent.
 * A failure is reported (unless {@link #FAULT_NOWARN}) and decrements {@code times} unless it is -1
 * (no limit).
 *
 * <p>Defaults are {@code FAULT_ATTR_INITIALIZER}'s: probability 0 (off), interval 1, times 1, space 0,
 * verbose 2. Attributes are shared by all CPUs: the numeric ones are volatile, {@code times} and
 * {@code space} are atomics as in the kernel, and the interval counter is an atomic too (the kernel's
 * plain {@code count++} may lose increments under contention; this one does not). One deliberate
 * difference: the kernel tests {@code times != 0} early and decrements it late, so CPUs racing for the
 * last failure may all fail; here a failure claims its unit of {@code times} atomically, so
 * {@code times} is an exact cap. With one thread the two behave identically.
 *
 * <p>Left out: {@code task-filter} ({@code make_it_fail} tasks), the stack-trace filters
 * ({@code require-start} ...; {@code CONFIG_FAULT_INJECTION_STACKTRACE_FILTER}) and the verbose rate
 * limit, which {@code FAULT_ATTR_INITIALIZER} leaves disabled.
 */
public final class FaultAttr {
    /** {@code FAULT_NOWARN}: fail silently (the caller passed {@code __GFP_NOWARN}). */
    public static final int FAULT_NOWARN = 1;

    private final String name;
    private final FaultRandom random;
    private final FaultLog log;

    private volatile long probability;
    private volatile long interval = 1;
    private final AtomicInteger times = new AtomicInteger(1);
    private final AtomicInteger space = new AtomicInteger();
    private volatile long verbose = 2;
    private final AtomicLong count = new AtomicLong();

    /**
     * A fault attribute with the kernel's defaults.
     *
     * @param name   the debugfs directory name that reports print ({@code %pd}), e.g. {@code fail_page_alloc}
     * @param random the source of the probability draws
     * @param log    where reports and parse warnings go
     */
    public FaultAttr(String name, FaultRandom random, FaultLog log) {
        this.name = Objects.requireNonNull(name, "name");
        this.random = Objects.requireNonNull(random, "random");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** {@code should_fail()}: {@link #shouldFailEx} outside any task's {@code fail_nth}, with no flags. */
    public boolean shouldFail(long size) {
        return shouldFailEx(null, size, 0);
    }

    /**
     * {@code should_fail_ex()}.
     *
     * @param current the calling task's {@code fail_nth}, or null outside task context ({@code in_task()})
     * @param size    the size of the request, charged against {@code space}
     * @param flags   {@link #FAULT_NOWARN} or 0
     * @return true when the caller should fail this request
     */
    public boolean shouldFailEx(FailNth current, long size, int flags) {
        if (current != null && current.armed()) {
            if (!current.countDown()) {
                return false;
            }
            // A forced failure ignores times, then spends one if there is one (atomic_dec_not_zero()).
            int t;
            do {
                t = times.get();
            } while (t != -1 && t != 0 && !times.compareAndSet(t, t - 1));
            report(flags, t);
            return true;
        }
        long prob = probability;
        if (prob == 0) {
            return false;
        }
        if (times.get() == 0) {
            return false;
        }
        if (space.get() > size) {
            space.addAndGet((int) -size);
            return false;
        }
        long iv = interval;
        if (Long.compareUnsigned(iv, 1) > 0 && Long.remainderUnsigned(count.incrementAndGet(), iv) != 0) {
            return false;
        }
        if (Long.compareUnsigned(prob, random.below(100)) <= 0) {
            return false;
        }
        // Claim one of the remaining times; a CPU that lost the last one to another does not fail.
        int t;
        do {
            t = times.get();
            if (t == 0) {
                return false;
            }
        } while (t != -1 && !times.compareAndSet(t, t - 1));
        report(flags, t);
        return true;
    }

    /** {@code fail_dump()}, which prints {@code times} as it was before this failure spent one. */
    private void report(int flags, int timesBefore) {
        long v = verbose;
        if ((flags & FAULT_NOWARN) == 0 && v > 0) {
            log.printk(FaultLog.KERN_NOTICE, "FAULT_INJECTION: forcing a failure.");
            log.printk(FaultLog.KERN_NOTICE, "name " + name + ", interval " + Long.toUnsignedString(interval)
                    + ", probability " + Long.toUnsignedString(probability) + ", space " + space.get()
                    + ", times " + timesBefore);
            if (v > 1) {
                log.dumpStack();
            }
        }
    }

    /**
     * {@code setup_fault_attr()}: reads {@code "<interval>,<probability>,<space>,<times>"} as the boot
     * parameters {@code fail_page_alloc=} and {@code failslab=} give it, with the kernel's
     * {@code sscanf("%lu,%lu,%d,%d")} (spaces allowed before each number, anything after the fourth
     * ignored). On failure it prints the kernel's warning and changes nothing.
     *
     * @return whether all four values were read
     */
    public boolean setupFaultAttr(String str) {
        long[] v = new long[4];
        if (scanFourNumbers(str, v) < 4) {
            log.printk(FaultLog.KERN_WARNING, "FAULT_INJECTION: failed to parse arguments");
            return false;
        }
        interval = v[0];
        probability = v[1];
        space.set((int) v[2]);
        times.set((int) v[3]);
        return true;
    }

    /** The kernel's {@code vsscanf()} for {@code "%lu,%lu,%d,%d"}: returns how many numbers it stored. */
    private static int scanFourNumbers(String s, long[] out) {
        int pos = 0;
        for (int n = 0; n < 4; n++) {
            if (n > 0) {
                if (pos >= s.length() || s.charAt(pos) != ',') {
                    return n;
                }
                pos++;
            }
            while (pos < s.length() && isSpace(s.charAt(pos))) {
                pos++;
            }
            boolean signed = n >= 2;
            boolean negative = signed && pos < s.length() && s.charAt(pos) == '-';
            int digits = negative ? pos + 1 : pos;
            if (digits >= s.length() || !isDigit(s.charAt(digits))) {
                return n;
            }
            long value = 0;
            for (pos = digits; pos < s.length() && isDigit(s.charAt(pos)); pos++) {
                value = value * 10 + (s.charAt(pos) - '0');
            }
            out[n] = negative ? -value : value;
        }
        return 4;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** The debugfs directory name. */
    public String name() {
        return name;
    }

    /** {@code probability}: percent of candidates to fail (an {@code unsigned long}; 100 or more fails all). */
    public long probability() {
        return probability;
    }

    /** Sets {@link #probability()}. */
    public void setProbability(long probability) {
        this.probability = probability;
    }

    /** {@code interval}: only every interval-th call is a candidate (an {@code unsigned long}). */
    public long interval() {
        return interval;
    }

    /** Sets {@link #interval()}. */
    public void setInterval(long interval) {
        this.interval = interval;
    }

    /** {@code times}: failures left; -1 means no limit. */
    public int times() {
        return times.get();
    }

    /** Sets {@link #times()}. */
    public void setTimes(int times) {
        this.times.set(times);
    }

    /** {@code space}: request size to let through before failing starts. */
    public int space() {
        return space.get();
    }

    /** Sets {@link #space()}. */
    public void setSpace(int space) {
        this.space.set(space);
    }

    /** {@code verbose}: 0 silent, 1 report, 2 report and {@link FaultLog#dumpStack()}. */
    public long verbose() {
        return verbose;
    }

    /** Sets {@link #verbose()}. */
    public void setVerbose(long verbose) {
        this.verbose = verbose;
    }
}
