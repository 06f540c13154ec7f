package dev.kmm.jcstress.llist;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.list.Llist;
import dev.kmm.jcstress.SimRam;

/** The memory layout the llist tests share, and how they read a taken chain. */
final class LlistChains {
    static final long HEAD = SimRam.BASE;
    static final long NODE1 = SimRam.BASE + 64; // each on its own cache line
    static final long NODE2 = SimRam.BASE + 96;

    /** Bits of {@link #mask}: node 1, node 2, an unknown pointer, a node seen twice, a chain too long. */
    static final int SEEN1 = 1, SEEN2 = 2, GARBAGE = 4, DUPLICATE = 8, TOO_LONG = 16;

    private LlistChains() {
    }

    /**
     * {@code llist_add} done wrong, for the broken controls: a plain read of {@code head->first} and two
     * plain stores instead of a cmpxchg loop. Two producers that read the same {@code first} both link to
     * it, the later store to {@code head->first} wins, and the other node is lost.
     */
    static void brokenAdd(KernelMemory mem, long node, long head) {
        long first = mem.getLong(head + Llist.FIRST);
        mem.putLong(node + Llist.NEXT, first);
        mem.putLong(head + Llist.FIRST, node);
    }

    /**
     * Which nodes the chain starting at {@code first} holds, as a bit mask; a corrupted chain sets the
     * error bits instead of looping or faulting.
     */
    static int mask(KernelMemory mem, long first) {
        int mask = 0;
        int steps = 0;
        for (long p = first; p != 0; p = Llist.next(mem, p)) {
            if (++steps > 2) {
                return mask | TOO_LONG;
            }
            int bit = p == NODE1 ? SEEN1 : p == NODE2 ? SEEN2 : GARBAGE;
            if (bit == GARBAGE) {
                return mask | GARBAGE;
            }
            mask |= (mask & bit) != 0 ? DUPLICATE : bit;
        }
        return mask;
    }
}
