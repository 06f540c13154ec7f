package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;

/** {@code struct memblock} (include/linux/memblock.h): the boot-time allocator's state. 96 bytes. */
public final class MemblockLayout {
    private MemblockLayout() {
    }

    /** The layout. */
    public static final StructLayout LAYOUT = CStruct.struct("memblock")
            .field("bottom_up", KernelTypes.BYTE)
            .field("current_limit", KernelTypes.LONG)
            .field("memory", MemblockTypeLayout.LAYOUT)
            .field("reserved", MemblockTypeLayout.LAYOUT)
            .build();

    /** {@code sizeof(struct memblock)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code bottom_up} (bool): allocation direction. */
    public static final long BOTTOM_UP = CStruct.offsetOf(LAYOUT, "bottom_up");
    /** Offset of {@code current_limit} (phys_addr_t): highest address allocations may use. */
    public static final long CURRENT_LIMIT = CStruct.offsetOf(LAYOUT, "current_limit");
    /** Offset of the {@code memory} memblock_type. */
    public static final long MEMORY = CStruct.offsetOf(LAYOUT, "memory");
    /** Offset of the {@code reserved} memblock_type. */
    public static final long RESERVED = CStruct.offsetOf(LAYOUT, "reserved");
}
