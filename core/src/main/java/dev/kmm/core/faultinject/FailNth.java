package dev.kmm.core.faultinject;

/**
 * A task's {@code fail_nth} ({@code /proc/<pid>/fail-nth}): when set to N, the task's N-th call into any
 * fault-injection point fails, whatever the attributes say, and the counter then stays 0.
 *
 * <p>Like {@code current->fail_nth} it belongs to one task and is touched only by the thread running
 * that task, so it is a plain field.
 */
public final class FailNth {
    private int remaining;

    /** Writes {@code fail-nth}: fail the {@code n}-th next fault-injection call; 0 disarms. */
    public void set(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("fail-nth must be >= 0, got " + n);
        }
        remaining = n;
    }

    /** Reads {@code fail-nth}: the calls left until the forced failure, 0 when disarmed or spent. */
    public int get() {
        return remaining;
    }

    /** One fault-injection call: true when this is the call to fail. */
    boolean countDown() {
        if (remaining == 0) {
            return false;
        }
        return --remaining == 0;
    }

    /** Whether a countdown is running, in which case the attributes are not consulted at all. */
    boolean armed() {
        return remaining != 0;
    }
}
