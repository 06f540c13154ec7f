package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct llist_node} (include/linux/llist.h): a node of the lock-free singly linked list used for
 * remote frees; {@code next} holds a kernel virtual address.
 */
public final class LlistNodeLayout {
    private LlistNodeLayout() {
    }

    /** The layout: 8 bytes. */
    public static final StructLayout LAYOUT = CStruct.struct("llist_node")
            .field("next", ValueLayout.JAVA_LONG)
            .build();

    /** {@code sizeof(struct llist_node)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code next}. */
    public static final long NEXT = CStruct.offsetOf(LAYOUT, "next");
}
