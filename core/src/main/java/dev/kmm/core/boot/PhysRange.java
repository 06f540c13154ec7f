package dev.kmm.core.boot;

/**
 * A physical range {@code [base, base + size)} the boot loader put something in (the device tree blob,
 * the initial ramdisk).
 *
 * @param base physical start address
 * @param size length in bytes, positive
 */
public record PhysRange(long base, long size) {
    public PhysRange {
        if (base < 0 || size <= 0 || base + size < 0) {
            throw new IllegalArgumentException(String.format("physical range at 0x%x of 0x%x bytes is empty or wraps",
                    base, size));
        }
    }

    /** The first address past the range. */
    public long end() {
        return base + size;
    }

    @Override
    public String toString() {
        return String.format("[mem %#010x-%#010x]", base, end() - 1);
    }
}
