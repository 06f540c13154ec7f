package dev.kmm.core.boot;

import java.util.Objects;

/**
 * A physical range the firmware describes: RAM (a device-tree memory bank, an e820 "usable" entry) or a
 * range the firmware keeps for itself (an e820 "reserved" or ACPI entry), which is not RAM to the kernel.
 *
 * @param base start physical address
 * @param size length in bytes, positive
 * @param type what the range is
 */
public record MemoryRange(long base, long size, Type type) {
    /** The kinds of range kmm distinguishes (e820's names). */
    public enum Type {
        /** Memory the kernel may use ({@code E820_TYPE_RAM}, "usable"). */
        RAM("usable"),
        /** Firmware-reserved ({@code E820_TYPE_RESERVED}). */
        RESERVED("reserved"),
        /** ACPI tables, reclaimable after boot ({@code E820_TYPE_ACPI}, "ACPI data"). */
        ACPI("ACPI data"),
        /** ACPI non-volatile storage ({@code E820_TYPE_NVS}, "ACPI NVS"). */
        NVS("ACPI NVS");

        private final String e820Name;

        Type(String e820Name) {
            this.e820Name = e820Name;
        }

        /** The name {@code e820_print_type()} prints. */
        public String e820Name() {
            return e820Name;
        }
    }

    public MemoryRange {
        Objects.requireNonNull(type, "type");
        if (base < 0 || size <= 0 || base + size < base || base + size < 0) {
            throw new IllegalArgumentException(String.format("memory range at 0x%x of 0x%x bytes is empty or wraps",
                    base, size));
        }
    }

    /** A RAM range. */
    public static MemoryRange ram(long base, long size) {
        return new MemoryRange(base, size, Type.RAM);
    }

    /** The first address past the range. */
    public long end() {
        return base + size;
    }

    /** Whether this range and {@code [b, e)} share an address. */
    public boolean overlaps(long b, long e) {
        return base < e && b < end();
    }

    @Override
    public String toString() {
        return String.format("[mem %#018x-%#018x] %s", base, end() - 1, type.e820Name());
    }
}
