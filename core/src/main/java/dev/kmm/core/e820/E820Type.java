package dev.kmm.core.e820;

import java.util.Optional;

/**
 * The {@code enum e820_type} values of arch/x86/include/asm/e820/types.h (Linux 6.1) and their dmesg names
 * as {@code e820_print_type} prints them. Types are unsigned 32-bit numbers held in an {@code int}; firmware
 * may hand out values this list does not name, which print as {@code type N}.
 */
public final class E820Type {
    public static final int E820_TYPE_RAM = 1;
    public static final int E820_TYPE_RESERVED = 2;
    public static final int E820_TYPE_ACPI = 3;
    public static final int E820_TYPE_NVS = 4;
    public static final int E820_TYPE_UNUSABLE = 5;
    public static final int E820_TYPE_PMEM = 7;
    /** Legacy persistent memory, the one type {@code e820__update_table} never merges (with soft reserved). */
    public static final int E820_TYPE_PRAM = 12;
    /** EFI specific-purpose memory (0xefffffff): the highest type, winning every overlap. */
    public static final int E820_TYPE_SOFT_RESERVED = 0xefffffff;
    /** RAM the kernel reserved for itself (prints as {@code usable}). */
    public static final int E820_TYPE_RESERVED_KERN = 128;

    private E820Type() {
    }

    /** {@code e820_print_type}: the text after the range in a {@code BIOS-e820:} line. */
    public static String e820PrintType(int type) {
        return switch (type) {
            case E820_TYPE_RAM, E820_TYPE_RESERVED_KERN -> "usable";
            case E820_TYPE_RESERVED -> "reserved";
            case E820_TYPE_SOFT_RESERVED -> "soft reserved";
            case E820_TYPE_ACPI -> "ACPI data";
            case E820_TYPE_NVS -> "ACPI NVS";
            case E820_TYPE_UNUSABLE -> "unusable";
            case E820_TYPE_PMEM, E820_TYPE_PRAM -> "persistent (type " + type + ")";
            default -> "type " + Integer.toUnsignedString(type);
        };
    }

    /**
     * The inverse of {@link #e820PrintType}: {@code usable} reads back as {@link #E820_TYPE_RAM}.
     */
    public static Optional<Integer> parseType(String text) {
        switch (text) {
            case "usable":
                return Optional.of(E820_TYPE_RAM);
            case "reserved":
                return Optional.of(E820_TYPE_RESERVED);
            case "soft reserved":
                return Optional.of(E820_TYPE_SOFT_RESERVED);
            case "ACPI data":
                return Optional.of(E820_TYPE_ACPI);
            case "ACPI NVS":
                return Optional.of(E820_TYPE_NVS);
            case "unusable":
                return Optional.of(E820_TYPE_UNUSABLE);
            case "persistent (type 7)":
                return Optional.of(E820_TYPE_PMEM);
            case "persistent (type 12)":
                return Optional.of(E820_TYPE_PRAM);
            default:
                break;
        }
        if (text.startsWith("type ")) {
            String n = text.substring(5);
            if (!n.isEmpty() && n.length() <= 10 && n.chars().allMatch(Character::isDigit)) {
                long v = Long.parseLong(n);
                if (v <= 0xffffffffL) {
                    int type = (int) v;
                    // A named type never prints as "type N", so such a line cannot come from the kernel.
                    return e820PrintType(type).startsWith("type ") ? Optional.of(type) : Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
