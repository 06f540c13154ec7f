package dev.kmm.arena.layout;

import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The kernel's C types on LP64 as layouts: what a struct member of that type occupies.
 *
 * <p>Pointers are {@code long}s holding kernel virtual addresses (a {@code struct page *} is a vmemmap
 * address), never host addresses, so they are {@link ValueLayout#JAVA_LONG}, not {@code ADDRESS}. Lock sizes
 * are those without lockdep or spinlock debugging, as in the reference kernel.
 */
public final class KernelTypes {
    private KernelTypes() {
    }

    /** {@code bool}, {@code u8}, {@code s8}, {@code unsigned char}. */
    public static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** {@code short}, {@code u16}. */
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    /** {@code int}, {@code unsigned int}, an {@code enum}. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    /** {@code long}, {@code unsigned long}, {@code phys_addr_t} (64-bit). */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    /** Any pointer: a kernel virtual address. */
    public static final ValueLayout.OfLong POINTER = ValueLayout.JAVA_LONG;
    /** {@code atomic_t}: one int, changed with atomic operations. */
    public static final ValueLayout.OfInt ATOMIC_T = ValueLayout.JAVA_INT;
    /** {@code atomic_long_t}. */
    public static final ValueLayout.OfLong ATOMIC_LONG_T = ValueLayout.JAVA_LONG;
    /** {@code spinlock_t}: the 4-byte queued spinlock (locked, pending, tail). */
    public static final ValueLayout.OfInt SPINLOCK_T = ValueLayout.JAVA_INT;

    /** {@code seqlock_t}: a sequence count and the spinlock that serialises writers. */
    public static final StructLayout SEQLOCK_T = CStruct.struct("seqlock_t")
            .field("seqcount", INT)
            .field("lock", SPINLOCK_T)
            .build();

    /** {@code wait_queue_head_t}: a lock and a list of waiters. */
    public static final StructLayout WAIT_QUEUE_HEAD_T = CStruct.struct("wait_queue_head")
            .field("lock", SPINLOCK_T)
            .field("head", ListHeadLayout.LAYOUT)
            .build();

    /** {@code struct mutex} without debugging: owner word, wait lock, optimistic-spin queue, waiters. */
    public static final StructLayout MUTEX = CStruct.struct("mutex")
            .field("owner", ATOMIC_LONG_T)
            .field("wait_lock", SPINLOCK_T)
            .field("osq", ATOMIC_T)
            .field("wait_list", ListHeadLayout.LAYOUT)
            .build();
}
