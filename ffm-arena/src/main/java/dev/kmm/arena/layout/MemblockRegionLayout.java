package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;

/** {@code struct memblock_region} (include/linux/memblock.h): one physical range of a memblock type. 24 bytes. */
public final class MemblockRegionLayout {
    private MemblockRegionLayout() {
    }

    /** The layout. */
    public static final StructLayout LAYOUT = CStruct.struct("memblock_region")
            .field("base", KernelTypes.LONG)
            .field("size", KernelTypes.LONG)
            .field("flags", KernelTypes.INT)
            .field("nid", KernelTypes.INT)
            .build();

    /** {@code sizeof(struct memblock_region)}: the stride of a regions array. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code base} (phys_addr_t). */
    public static final long BASE = CStruct.offsetOf(LAYOUT, "base");
    /** Offset of {@code size} (phys_addr_t). */
    public static final long SIZE_FIELD = CStruct.offsetOf(LAYOUT, "size");
    /** Offset of {@code flags} (enum memblock_flags). */
    public static final long FLAGS = CStruct.offsetOf(LAYOUT, "flags");
    /** Offset of {@code nid}. */
    public static final long NID = CStruct.offsetOf(LAYOUT, "nid");
}
