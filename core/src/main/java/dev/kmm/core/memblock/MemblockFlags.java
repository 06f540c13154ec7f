package dev.kmm.core.memblock;

/** {@code enum memblock_flags} of Linux 6.1: attributes of a memory region. */
public final class MemblockFlags {
    /** No special request. */
    public static final int MEMBLOCK_NONE = 0x0;
    /** Hot(un)pluggable system RAM, as the firmware's memory map says. */
    public static final int MEMBLOCK_HOTPLUG = 0x1;
    /** Mirrored memory. */
    public static final int MEMBLOCK_MIRROR = 0x2;
    /** Not in the kernel direct mapping; its pages are PageReserved. */
    public static final int MEMBLOCK_NOMAP = 0x4;
    /** Always added by a driver, never in the firmware's map as system RAM. */
    public static final int MEMBLOCK_DRIVER_MANAGED = 0x8;

    /** Every flag 6.1 knows; other bits are rejected. */
    static final int ALL = MEMBLOCK_HOTPLUG | MEMBLOCK_MIRROR | MEMBLOCK_NOMAP | MEMBLOCK_DRIVER_MANAGED;

    private MemblockFlags() {
    }
}
