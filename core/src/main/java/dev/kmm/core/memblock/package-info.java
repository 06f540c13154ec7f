/**
 * The boot-time memory allocator, a port of Linux 6.1 {@code mm/memblock.c} and
 * {@code include/linux/memblock.h}.
 *
 * <p>{@link dev.kmm.core.memblock.Memblock} holds the two region collections of
 * {@code struct memblock}, "memory" and "reserved", and carries the kernel's functions under
 * their own names in Java case ({@code memblock_add_range} is {@code memblockAddRange}).
 *
 * <p><b>Representation.</b> The kernel keeps each {@code struct memblock_type} as an array of
 * {@code struct memblock_region {base, size, flags, nid}} (24 bytes on x86_64). Here a
 * {@link dev.kmm.core.memblock.MemblockType} keeps the same four fields as parallel Java columns
 * ({@code long[] base, long[] size, int[] flags, int[] nid}) with the kernel's {@code cnt},
 * {@code max} and {@code total_size}. Memblock lives only while the machine boots and no other
 * kernel structure points into its arrays, so nothing is gained by placing them in simulated RAM;
 * what the kernel's placement does to the rest of memory is kept: when an array is full and
 * resizing is allowed, {@code memblockDoubleArray} finds room for the doubled array with
 * memblock itself, reserves those pages (sized by {@code sizeof(struct memblock_region)} of the
 * configured kernel) and frees the previous doubled array, exactly as the kernel does.
 *
 * <p>Allocation functions return physical addresses (0 on failure, as the kernel's
 * {@code memblock_phys_alloc*} do); the kernel's {@code memblock_alloc*} return the direct-map
 * address of the same memory, which the caller here derives from the physical one.
 *
 * <p>Like the kernel's, this code runs single-threaded during boot and is not thread-safe.
 */
package dev.kmm.core.memblock;
