package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct list_head} (include/linux/types.h): the kernel's intrusive doubly linked list node.
 * Both words hold kernel virtual addresses of other list_heads.
 */
public final class ListHeadLayout {
    private ListHeadLayout() {
    }

    /** The layout: 16 bytes. Built on plain longs so that {@link KernelTypes} can embed it. */
    public static final StructLayout LAYOUT = CStruct.struct("list_head")
            .field("next", ValueLayout.JAVA_LONG)
            .field("prev", ValueLayout.JAVA_LONG)
            .build();

    /** {@code sizeof(struct list_head)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code next}. */
    public static final long NEXT = CStruct.offsetOf(LAYOUT, "next");
    /** Offset of {@code prev}. */
    public static final long PREV = CStruct.offsetOf(LAYOUT, "prev");
}
