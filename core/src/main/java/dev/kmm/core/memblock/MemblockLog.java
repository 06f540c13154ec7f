package dev.kmm.core.memblock;

/**
 * Where memblock's kernel messages go: one call per {@code printk}, with the kernel's log level
 * and the message text in the kernel's words, without the trailing newline.
 */
@FunctionalInterface
public interface MemblockLog {
    /** {@code KERN_ERR}. */
    int KERN_ERR = 3;
    /** {@code KERN_WARNING}. */
    int KERN_WARNING = 4;
    /** {@code KERN_INFO}: {@code pr_info}, and the {@code memblock=debug} trace. */
    int KERN_INFO = 6;

    void printk(int level, String line);
}
