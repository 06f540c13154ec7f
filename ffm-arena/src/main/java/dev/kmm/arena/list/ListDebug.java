package dev.kmm.arena.list;

import static dev.kmm.arena.list.ListHead.LIST_POISON1;
import static dev.kmm.arena.list.ListHead.LIST_POISON2;
import static dev.kmm.arena.list.ListHead.NEXT;
import static dev.kmm.arena.list.ListHead.PREV;

import dev.kmm.arena.KernelMemory;

/**
 * The {@code CONFIG_DEBUG_LIST} checks of {@code lib/list_debug.c} (Linux 6.1): {@code __list_add_valid}
 * and {@code __list_del_entry_valid}, in the kernel's order and with its messages ({@code %px} prints a
 * pointer as 16 hex digits). Where the kernel would {@code BUG()} (or {@code WARN} and skip the update),
 * these throw {@link ListCorruptionException}. They only read memory.
 */
public final class ListDebug {
    private ListDebug() {
    }

    /** {@code __list_add_valid}: may {@code entry} go between {@code prev} and {@code next}? */
    public static void listAddValid(KernelMemory mem, long entry, long prev, long next) {
        if (prev == 0) {
            throw new ListCorruptionException("list_add corruption. prev is NULL.");
        }
        if (next == 0) {
            throw new ListCorruptionException("list_add corruption. next is NULL.");
        }
        long nextPrev = mem.getLong(next + PREV);
        if (nextPrev != prev) {
            throw corruption("list_add corruption. next->prev should be prev (%016x), but was %016x. (next=%016x).",
                    prev, nextPrev, next);
        }
        long prevNext = mem.getLong(prev + NEXT);
        if (prevNext != next) {
            throw corruption("list_add corruption. prev->next should be next (%016x), but was %016x. (prev=%016x).",
                    next, prevNext, prev);
        }
        if (entry == prev || entry == next) {
            throw corruption("list_add double add: new=%016x, prev=%016x, next=%016x.", entry, prev, next);
        }
    }

    /** {@code __list_del_entry_valid}: is {@code entry} linked where its own pointers say it is? */
    public static void listDelEntryValid(KernelMemory mem, long entry) {
        long prev = mem.getLong(entry + PREV);
        long next = mem.getLong(entry + NEXT);
        if (next == 0) {
            throw corruption("list_del corruption, %016x->next is NULL", entry);
        }
        if (prev == 0) {
            throw corruption("list_del corruption, %016x->prev is NULL", entry);
        }
        if (next == LIST_POISON1) {
            throw corruption("list_del corruption, %016x->next is LIST_POISON1 (%016x)", entry, LIST_POISON1);
        }
        if (prev == LIST_POISON2) {
            throw corruption("list_del corruption, %016x->prev is LIST_POISON2 (%016x)", entry, LIST_POISON2);
        }
        long prevNext = mem.getLong(prev + NEXT);
        if (prevNext != entry) {
            throw corruption("list_del corruption. prev->next should be %016x, but was %016x. (prev=%016x)",
                    entry, prevNext, prev);
        }
        long nextPrev = mem.getLong(next + PREV);
        if (nextPrev != entry) {
            throw corruption("list_del corruption. next->prev should be %016x, but was %016x. (next=%016x)",
                    entry, nextPrev, next);
        }
    }

    private static ListCorruptionException corruption(String format, Object... pointers) {
        return new ListCorruptionException(String.format(format, pointers));
    }
}
