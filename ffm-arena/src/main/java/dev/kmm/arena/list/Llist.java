package dev.kmm.arena.list;

import dev.kmm.arena.KernelMemory;

/**
 * The kernel's lock-less NULL-terminated singly linked list, {@code include/linux/llist.h} and
 * {@code lib/llist.c} of Linux 6.1, in simulated RAM. {@code struct llist_head} is {@code {first@0}} and
 * {@code struct llist_node} is {@code {next@0}}, 8 bytes each; pointers are kernel virtual addresses and
 * NULL is 0.
 *
 * <p>Any number of producers may {@link #add} while consumers {@link #delAll} without a lock.
 * {@link #delFirst} allows one consumer only (see there). Entries taken by {@link #delAll} come newest
 * first; {@link #reverseOrder} gives oldest first. Walk a taken chain without allocating:
 * <pre>{@code
 * for (long p = Llist.delAll(mem, head); p != 0; p = Llist.next(mem, p)) { ... }
 * }</pre>
 *
 * <p>Ordering is the kernel's: {@code cmpxchg} and {@code xchg} are fully ordered (volatile
 * compare-and-exchange and get-and-set here), so a producer's plain stores to its node happen-before the
 * consumer that takes the node; {@code llist_empty} is a {@code READ_ONCE}.
 */
public final class Llist {
    /** Offset of {@code first} in {@code struct llist_head}. */
    public static final long FIRST = 0;
    /** Offset of {@code next} in {@code struct llist_node}. */
    public static final long NEXT = 0;
    /** {@code sizeof(struct llist_head)} and {@code sizeof(struct llist_node)} on LP64. */
    public static final long SIZE = 8;

    private Llist() {
    }

    /** {@code init_llist_head}. */
    public static void init(KernelMemory mem, long head) {
        mem.putLong(head + FIRST, 0);
    }

    /** {@code llist_empty}: a racy hint, one {@code READ_ONCE}; not a reason to skip {@link #delAll}. */
    public static boolean empty(KernelMemory mem, long head) {
        return mem.getLongOpaque(head + FIRST) == 0;
    }

    /** {@code llist_next}: the node after {@code node} in a taken chain, or 0. */
    public static long next(KernelMemory mem, long node) {
        return mem.getLong(node + NEXT);
    }

    /**
     * {@code llist_add_batch}: pushes the chain {@code newFirst..newLast} (already linked through
     * {@code next}) with one cmpxchg loop. Returns whether the list was empty before, which tells the
     * producer it must kick the consumer (the kernel's use: send one IPI, queue one work item).
     */
    public static boolean addBatch(KernelMemory mem, long newFirst, long newLast, long head) {
        long first = mem.getLongOpaque(head + FIRST);
        for (;;) {
            mem.putLong(newLast + NEXT, first);
            long seen = mem.compareAndExchangeLong(head + FIRST, first, newFirst);
            if (seen == first) {
                return first == 0;
            }
            first = seen;
        }
    }

    /** {@code llist_add}: pushes one node; returns whether the list was empty before. */
    public static boolean add(KernelMemory mem, long node, long head) {
        return addBatch(mem, node, node, head);
    }

    /** {@code llist_del_all}: takes every entry with one {@code xchg}; returns the newest, or 0 if empty. */
    public static long delAll(KernelMemory mem, long head) {
        return mem.getAndSetLong(head + FIRST, 0);
    }

    /**
     * {@code llist_del_first}: pops the newest entry, or returns 0 if empty.
     *
     * <p>Single consumer only: it may run concurrently with any number of {@link #add}s, but not with
     * another {@code delFirst} or {@link #delAll}, unless those consumers share a lock. Otherwise another
     * consumer's {@code delFirst, add, add} (or {@code delAll, add, add}) can change
     * {@code first->next} while keeping {@code first}, and the cmpxchg here succeeds on a stale
     * {@code next} (ABA), losing or resurrecting entries.
     */
    public static long delFirst(KernelMemory mem, long head) {
        long entry = mem.getLongAcquire(head + FIRST);
        for (;;) {
            if (entry == 0) {
                return 0;
            }
            long next = mem.getLongOpaque(entry + NEXT);
            long seen = mem.compareAndExchangeLong(head + FIRST, entry, next);
            if (seen == entry) {
                return entry;
            }
            entry = seen;
        }
    }

    /** {@code llist_reverse_order}: reverses a taken chain in place and returns its new first node (0 for 0). */
    public static long reverseOrder(KernelMemory mem, long first) {
        long newFirst = 0;
        while (first != 0) {
            long node = first;
            first = next(mem, node);
            mem.putLong(node + NEXT, newFirst);
            newFirst = node;
        }
        return newFirst;
    }
}
