package dev.kmm.arena.list;

import dev.kmm.arena.KernelMemory;
import java.util.function.LongConsumer;

/**
 * The kernel's circular doubly linked list, {@code include/linux/list.h} of Linux 6.1, in simulated RAM.
 *
 * <p>{@code struct list_head} is {@code {next@0, prev@8}}, 16 bytes, embedded in the structure it links
 * (a {@code struct page}'s {@code lru} at offset 8, a zone free area's {@code free_list[]}). Every argument
 * and every stored pointer is a kernel virtual address, the value the kernel itself would hold; method
 * names and argument order are the kernel's ({@code list_add(new, head)} is {@link #add add(mem, entry, head)}).
 *
 * <p>Iterate without allocating, as {@code list_for_each} does:
 * <pre>{@code
 * for (long p = ListHead.next(mem, head); p != head; p = ListHead.next(mem, p)) { ... }
 * }</pre>
 * and, when the loop deletes the current entry ({@code list_for_each_safe}):
 * <pre>{@code
 * for (long p = ListHead.next(mem, head), n = ListHead.next(mem, p); p != head;
 *         p = n, n = ListHead.next(mem, p)) { ... }
 * }</pre>
 *
 * <p>Memory ordering follows 6.1: the store that publishes an entry to a lockless reader
 * ({@code prev->next} in {@code __list_add} and {@code __list_del}, both words of {@code INIT_LIST_HEAD})
 * is {@code WRITE_ONCE} (opaque), {@code list_empty} is {@code READ_ONCE}; everything else is plain and
 * relies on the caller's lock, as in the kernel.
 *
 * <p>Debug checks: with {@link #DEBUG_LIST} on, every {@code __list_add} and {@code __list_del_entry}
 * runs the {@link ListDebug} checks first, as a kernel built with {@code CONFIG_DEBUG_LIST} does;
 * {@link #addChecked}, {@link #addTailChecked} and {@link #delChecked} always check. A failed check throws
 * {@link ListCorruptionException} before anything is written.
 *
 * <p>Bad addresses: an argument that no region maps raises {@code BadAddressException} before the first
 * store, so nothing is half-linked. Pointers read from memory are trusted unless the debug checks run.
 */
public final class ListHead {
    /** Offset of {@code next} in {@code struct list_head}. */
    public static final long NEXT = 0;
    /** Offset of {@code prev} in {@code struct list_head}. */
    public static final long PREV = 8;
    /** {@code sizeof(struct list_head)} on LP64. */
    public static final long SIZE = 16;

    /**
     * {@code POISON_POINTER_DELTA}: {@code CONFIG_ILLEGAL_POINTER_VALUE} of x86_64 and arm64
     * ({@code arch/x86/Kconfig}, {@code arch/arm64/Kconfig}), a non-canonical address, so a use after
     * {@code list_del} faults instead of reading memory.
     */
    public static final long POISON_POINTER_DELTA = 0xdead000000000000L;
    /** {@code LIST_POISON1} ({@code include/linux/poison.h}): the {@code next} of a deleted entry. */
    public static final long LIST_POISON1 = 0x100L + POISON_POINTER_DELTA;
    /** {@code LIST_POISON2} ({@code include/linux/poison.h}): the {@code prev} of a deleted entry. */
    public static final long LIST_POISON2 = 0x122L + POISON_POINTER_DELTA;

    /**
     * {@code CONFIG_DEBUG_LIST}: system property {@code kmm.debugList}, read once. A {@code static final}
     * the JIT folds, so the checks cost nothing when it is off.
     */
    public static final boolean DEBUG_LIST = Boolean.getBoolean("kmm.debugList");

    private ListHead() {
    }

    /** {@code INIT_LIST_HEAD}: an empty list, or a detached entry that {@link #empty} reports empty. */
    public static void init(KernelMemory mem, long list) {
        mem.putLongOpaque(list + NEXT, list);
        mem.putLongOpaque(list + PREV, list);
    }

    /** {@code pos->next}. */
    public static long next(KernelMemory mem, long pos) {
        return mem.getLong(pos + NEXT);
    }

    /** {@code pos->prev}. */
    public static long prev(KernelMemory mem, long pos) {
        return mem.getLong(pos + PREV);
    }

    // __list_add. The new entry's own words are written first (the kernel writes next->prev first; no
    // lockless reader can tell), so an unmapped entry fails before the list is touched.
    private static void listAdd(KernelMemory mem, long entry, long prev, long next) {
        if (DEBUG_LIST) {
            ListDebug.listAddValid(mem, entry, prev, next);
        }
        link(mem, entry, prev, next);
    }

    private static void link(KernelMemory mem, long entry, long prev, long next) {
        mem.putLong(entry + NEXT, next);
        mem.putLong(entry + PREV, prev);
        mem.putLong(next + PREV, entry);
        mem.putLongOpaque(prev + NEXT, entry);
    }

    /** {@code list_add}: inserts {@code entry} after {@code head} (a stack). */
    public static void add(KernelMemory mem, long entry, long head) {
        listAdd(mem, entry, head, next(mem, head));
    }

    /** {@code list_add_tail}: inserts {@code entry} before {@code head} (a queue). */
    public static void addTail(KernelMemory mem, long entry, long head) {
        listAdd(mem, entry, prev(mem, head), head);
    }

    /** {@link #add} that always runs the {@code __list_add_valid} checks. */
    public static void addChecked(KernelMemory mem, long entry, long head) {
        long next = next(mem, head);
        ListDebug.listAddValid(mem, entry, head, next);
        link(mem, entry, head, next);
    }

    /** {@link #addTail} that always runs the {@code __list_add_valid} checks. */
    public static void addTailChecked(KernelMemory mem, long entry, long head) {
        long prev = prev(mem, head);
        ListDebug.listAddValid(mem, entry, prev, head);
        link(mem, entry, prev, head);
    }

    // __list_del: the neighbours point at each other.
    private static void unlink(KernelMemory mem, long prev, long next) {
        mem.putLong(next + PREV, prev);
        mem.putLongOpaque(prev + NEXT, next);
    }

    // __list_del_entry.
    private static void delEntry(KernelMemory mem, long entry) {
        if (DEBUG_LIST) {
            ListDebug.listDelEntryValid(mem, entry);
        }
        unlink(mem, prev(mem, entry), next(mem, entry));
    }

    private static void poison(KernelMemory mem, long entry) {
        mem.putLong(entry + NEXT, LIST_POISON1);
        mem.putLong(entry + PREV, LIST_POISON2);
    }

    /**
     * {@code list_del}: unlinks {@code entry} and poisons it ({@link #LIST_POISON1}, {@link #LIST_POISON2});
     * {@link #empty} on it is then false, and a second delete is caught by the debug checks.
     */
    public static void del(KernelMemory mem, long entry) {
        delEntry(mem, entry);
        poison(mem, entry);
    }

    /**
     * {@link #del} that always runs the {@code __list_del_entry_valid} checks. Unlike a
     * {@code CONFIG_DEBUG_LIST} kernel without {@code BUG_ON_DATA_CORRUPTION}, which warns and still
     * poisons the entry, a failed check writes nothing.
     */
    public static void delChecked(KernelMemory mem, long entry) {
        ListDebug.listDelEntryValid(mem, entry);
        unlink(mem, prev(mem, entry), next(mem, entry));
        poison(mem, entry);
    }

    /** {@code list_del_init}: unlinks {@code entry} and leaves it an empty list. */
    public static void delInit(KernelMemory mem, long entry) {
        delEntry(mem, entry);
        init(mem, entry);
    }

    /**
     * {@code list_del_init_careful}: {@link #delInit} whose final {@code next} store is a release, to
     * pair with {@link #emptyCareful} on another CPU.
     */
    public static void delInitCareful(KernelMemory mem, long entry) {
        delEntry(mem, entry);
        mem.putLongOpaque(entry + PREV, entry);
        mem.putLongRelease(entry + NEXT, entry);
    }

    /**
     * {@code list_replace}: {@code entry} takes {@code old}'s place; {@code old} keeps its stale pointers.
     * If {@code old} was an empty list, {@code entry} becomes one (the kernel's order of loads and stores
     * gives that, and is kept).
     */
    public static void replace(KernelMemory mem, long old, long entry) {
        mem.putLong(entry + NEXT, next(mem, old));
        mem.putLong(next(mem, entry) + PREV, entry);
        mem.putLong(entry + PREV, prev(mem, old));
        mem.putLong(prev(mem, entry) + NEXT, entry);
    }

    /** {@code list_replace_init}: {@link #replace}, then {@code old} is an empty list. */
    public static void replaceInit(KernelMemory mem, long old, long entry) {
        replace(mem, old, entry);
        init(mem, old);
    }

    /** {@code list_swap}: {@code entry1} and {@code entry2} exchange places (in one list or two). */
    public static void swap(KernelMemory mem, long entry1, long entry2) {
        probe(mem, entry1);
        long pos = prev(mem, entry2);
        del(mem, entry2);
        replace(mem, entry1, entry2);
        if (pos == entry1) {
            pos = entry2;
        }
        add(mem, entry1, pos);
    }

    /** {@code list_move}: deletes {@code list} from its list and adds it after {@code head}. */
    public static void move(KernelMemory mem, long list, long head) {
        probe(mem, head);
        delEntry(mem, list);
        add(mem, list, head);
    }

    /** {@code list_move_tail}: deletes {@code list} from its list and adds it before {@code head}. */
    public static void moveTail(KernelMemory mem, long list, long head) {
        probe(mem, head);
        delEntry(mem, list);
        addTail(mem, list, head);
    }

    /**
     * {@code list_bulk_move_tail}: moves the entries {@code first..last} (inclusive, in list order) before
     * {@code head}. All three must belong to the same list.
     */
    public static void bulkMoveTail(KernelMemory mem, long head, long first, long last) {
        probe(mem, head);
        mem.putLong(prev(mem, first) + NEXT, next(mem, last));
        mem.putLong(next(mem, last) + PREV, prev(mem, first));

        mem.putLong(prev(mem, head) + NEXT, first);
        mem.putLong(first + PREV, prev(mem, head));

        mem.putLong(last + NEXT, head);
        mem.putLong(head + PREV, last);
    }

    /** {@code list_is_first}: is {@code list} the first entry of {@code head}? */
    public static boolean isFirst(KernelMemory mem, long list, long head) {
        return prev(mem, list) == head;
    }

    /** {@code list_is_last}: is {@code list} the last entry of {@code head}? */
    public static boolean isLast(KernelMemory mem, long list, long head) {
        return next(mem, list) == head;
    }

    /** {@code list_empty}: one {@code READ_ONCE} of {@code head->next}, safe without the list's lock. */
    public static boolean empty(KernelMemory mem, long head) {
        return mem.getLongOpaque(head + NEXT) == head;
    }

    /**
     * {@code list_empty_careful}: empty and not being modified, for use against
     * {@link #delInitCareful} on another CPU without a lock.
     */
    public static boolean emptyCareful(KernelMemory mem, long head) {
        long next = mem.getLongAcquire(head + NEXT);
        return next == head && next == mem.getLongOpaque(head + PREV);
    }

    /** {@code list_is_singular}: exactly one entry? */
    public static boolean isSingular(KernelMemory mem, long head) {
        return !empty(mem, head) && next(mem, head) == prev(mem, head);
    }

    /** {@code list_rotate_left}: the first entry becomes the last. */
    public static void rotateLeft(KernelMemory mem, long head) {
        if (!empty(mem, head)) {
            moveTail(mem, next(mem, head), head);
        }
    }

    /** {@code list_rotate_to_front}: rotates {@code head}'s list so that {@code list} is first. */
    public static void rotateToFront(KernelMemory mem, long list, long head) {
        moveTail(mem, head, list);
    }

    /**
     * {@code list_cut_position}: moves the entries of {@code head} up to and including {@code entry} to
     * {@code list}, whose old contents are forgotten. {@code entry == head} just empties {@code list}.
     */
    public static void cutPosition(KernelMemory mem, long list, long head, long entry) {
        if (empty(mem, head)) {
            return;
        }
        if (isSingular(mem, head) && next(mem, head) != entry && head != entry) {
            return;
        }
        if (entry == head) {
            init(mem, list);
            return;
        }
        long newFirst = next(mem, entry);
        mem.putLong(list + NEXT, next(mem, head));
        mem.putLong(next(mem, list) + PREV, list);
        mem.putLong(list + PREV, entry);
        mem.putLong(entry + NEXT, list);
        mem.putLong(head + NEXT, newFirst);
        mem.putLong(newFirst + PREV, head);
    }

    /**
     * {@code list_cut_before}: moves the entries of {@code head} before {@code entry} (not including it)
     * to {@code list}, whose old contents are forgotten. {@code entry == head} moves them all.
     */
    public static void cutBefore(KernelMemory mem, long list, long head, long entry) {
        if (next(mem, head) == entry) {
            init(mem, list);
            return;
        }
        // Read entry->prev before the first store (the stores below cannot change it), so an
        // unmapped entry fails with nothing written.
        long last = prev(mem, entry);
        mem.putLong(list + NEXT, next(mem, head));
        mem.putLong(next(mem, list) + PREV, list);
        mem.putLong(list + PREV, last);
        mem.putLong(last + NEXT, list);
        mem.putLong(head + NEXT, entry);
        mem.putLong(entry + PREV, head);
    }

    // __list_splice: the entries of list go between prev and next; list itself is left stale.
    private static void spliceBetween(KernelMemory mem, long list, long prev, long next) {
        long first = next(mem, list);
        long last = prev(mem, list);
        mem.putLong(first + PREV, prev);
        mem.putLong(prev + NEXT, first);
        mem.putLong(last + NEXT, next);
        mem.putLong(next + PREV, last);
    }

    /** {@code list_splice}: joins {@code list}'s entries at the front of {@code head}; {@code list} is stale. */
    public static void splice(KernelMemory mem, long list, long head) {
        if (!empty(mem, list)) {
            spliceBetween(mem, list, head, next(mem, head));
        }
    }

    /** {@code list_splice_tail}: joins {@code list}'s entries at the back of {@code head}; {@code list} is stale. */
    public static void spliceTail(KernelMemory mem, long list, long head) {
        if (!empty(mem, list)) {
            spliceBetween(mem, list, prev(mem, head), head);
        }
    }

    /** {@code list_splice_init}: {@link #splice}, then {@code list} is empty. */
    public static void spliceInit(KernelMemory mem, long list, long head) {
        if (!empty(mem, list)) {
            spliceBetween(mem, list, head, next(mem, head));
            init(mem, list);
        }
    }

    /** {@code list_splice_tail_init}: {@link #spliceTail}, then {@code list} is empty. */
    public static void spliceTailInit(KernelMemory mem, long list, long head) {
        if (!empty(mem, list)) {
            spliceBetween(mem, list, prev(mem, head), head);
            init(mem, list);
        }
    }

    /** {@code list_first_entry} before {@code container_of}: the first {@code list_head}; not for an empty list. */
    public static long first(KernelMemory mem, long head) {
        return next(mem, head);
    }

    /** {@code list_last_entry} before {@code container_of}: the last {@code list_head}; not for an empty list. */
    public static long last(KernelMemory mem, long head) {
        return prev(mem, head);
    }

    /** {@code list_first_entry_or_null} before {@code container_of}: one {@code READ_ONCE}, 0 when empty. */
    public static long firstOrNull(KernelMemory mem, long head) {
        long pos = mem.getLongOpaque(head + NEXT);
        return pos != head ? pos : 0;
    }

    /**
     * {@code list_entry} ({@code container_of}): the address of the structure whose {@code list_head}, at
     * {@code memberOffset} inside it, is {@code ptr}.
     */
    public static long entry(long ptr, long memberOffset) {
        return ptr - memberOffset;
    }

    /** {@code list_count_nodes} (a Linux 6.3 helper): the number of entries, walking {@code next}. */
    public static long countNodes(KernelMemory mem, long head) {
        long count = 0;
        for (long p = next(mem, head); p != head; p = next(mem, p)) {
            count++;
        }
        return count;
    }

    /**
     * {@code list_for_each_safe} as a convenience: calls {@code action} with each entry's {@code list_head},
     * first to last; the action may delete the entry it is given. Hot paths use the loop in the class comment.
     */
    public static void forEach(KernelMemory mem, long head, LongConsumer action) {
        for (long p = next(mem, head), n = next(mem, p); p != head; p = n, n = next(mem, p)) {
            action.accept(p);
        }
    }

    // Touches va so that an unmapped argument fails before the first store.
    private static void probe(KernelMemory mem, long va) {
        mem.getLong(va);
    }
}
