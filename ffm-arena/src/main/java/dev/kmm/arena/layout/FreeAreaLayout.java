package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct free_area} (include/linux/mmzone.h): the free lists of one buddy order, one per migrate
 * type, and the count of free blocks of that order. 88 bytes with 5 migrate types, 104 with CMA's 6.
 */
public final class FreeAreaLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct free_area)}: the stride of {@code zone.free_area[]}. */
    public final long size;
    /** Number of free lists ({@code MIGRATE_TYPES}). */
    public final int migrateTypes;
    /** Offset of {@code free_list[MIGRATE_TYPES]}. */
    public final long freeList;
    /** Offset of {@code nr_free}. */
    public final long nrFree;

    private FreeAreaLayout(LayoutConfig config) {
        migrateTypes = config.migrateTypes();
        layout = CStruct.struct("free_area")
                .field("free_list", CStruct.array(ListHeadLayout.LAYOUT, migrateTypes))
                .field("nr_free", KernelTypes.LONG)
                .build();
        size = layout.byteSize();
        freeList = CStruct.offsetOf(layout, "free_list");
        nrFree = CStruct.offsetOf(layout, "nr_free");
    }

    /** The free_area layout of {@code config}. */
    public static FreeAreaLayout of(LayoutConfig config) {
        return new FreeAreaLayout(Objects.requireNonNull(config, "config"));
    }

    /** Offset of {@code free_list[migratetype]}. */
    public long freeListOffset(int migratetype) {
        return freeList + Objects.checkIndex(migratetype, migrateTypes) * ListHeadLayout.SIZE;
    }
}
