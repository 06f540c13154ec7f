package dev.kmm.core.e820;

/**
 * One {@code struct e820_entry}: {@code size} bytes of physical memory from {@code addr}, of {@code type}
 * (an {@link E820Type} value, unsigned).
 */
public record E820Entry(long addr, long size, int type) {

    /** The last byte, {@code addr + size - 1}, as dmesg prints it. */
    public long last() {
        return addr + size - 1;
    }
}
