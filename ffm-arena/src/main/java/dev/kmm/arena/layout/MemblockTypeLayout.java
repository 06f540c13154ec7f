package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;

/**
 * {@code struct memblock_type} (include/linux/memblock.h): a sorted array of regions ("memory" or
 * "reserved") with its count, capacity and total size. 40 bytes.
 */
public final class MemblockTypeLayout {
    private MemblockTypeLayout() {
    }

    /** The layout. */
    public static final StructLayout LAYOUT = CStruct.struct("memblock_type")
            .field("cnt", KernelTypes.LONG)
            .field("max", KernelTypes.LONG)
            .field("total_size", KernelTypes.LONG)
            .field("regions", KernelTypes.POINTER)
            .field("name", KernelTypes.POINTER)
            .build();

    /** {@code sizeof(struct memblock_type)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code cnt}: regions in use. */
    public static final long CNT = CStruct.offsetOf(LAYOUT, "cnt");
    /** Offset of {@code max}: capacity of the regions array. */
    public static final long MAX = CStruct.offsetOf(LAYOUT, "max");
    /** Offset of {@code total_size}: bytes over all regions. */
    public static final long TOTAL_SIZE = CStruct.offsetOf(LAYOUT, "total_size");
    /** Offset of {@code regions}: address of the memblock_region array. */
    public static final long REGIONS = CStruct.offsetOf(LAYOUT, "regions");
    /** Offset of {@code name}: address of the type's name string. */
    public static final long NAME = CStruct.offsetOf(LAYOUT, "name");
}
