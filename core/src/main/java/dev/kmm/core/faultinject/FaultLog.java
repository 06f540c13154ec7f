package dev.kmm.core.faultinject;

/**
 * Where fault injection's kernel messages go: one call per printed line, with the kernel's log level and
 * the text in the kernel's words, without the trailing newline.
 */
@FunctionalInterface
public interface FaultLog {
    /** {@code KERN_WARNING}: a boot parameter that did not parse. */
    int KERN_WARNING = 4;
    /** {@code KERN_NOTICE}: the "forcing a failure" report. */
    int KERN_NOTICE = 5;

    /** A sink that drops every message. */
    FaultLog DISCARD = (level, line) -> { };

    void printk(int level, String line);

    /**
     * Called after the failure report when {@code verbose > 1}, where the kernel calls
     * {@code dump_stack()}. The simulated kernel has no kernel stack to print, so this does nothing
     * unless the sink wants to show its own context.
     */
    default void dumpStack() {
    }
}
