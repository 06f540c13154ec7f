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

    /** Nodes each CPU adds per sample in the burst tests: enough that the two CPUs overlap in most samples. */
    static final int BURST = 32;

    /** Verdict bits of {@link #burstVerdict}; 0 means every node was seen exactly once, in a possible order. */
    static final int LOST = 1, TWICE = 2, BAD_POINTER = 4, NOT_A_PREFIX = 8, OWN_NODE_MISSING = 16;

    private LlistChains() {
    }

    /** Node {@code i} of a burst test, {@code 0 <= i < 2 * BURST}: CPU 0 adds 0..BURST-1, CPU 1 the rest. */
    static long burstNode(int i) {
        return SimRam.BASE + 64 + 16L * i;
    }

    /** Simulated RAM a burst test needs: the head, then 2 * BURST nodes. */
    static final long BURST_RAM = 64 + 16L * 2 * BURST;

    /**
     * Checks one burst sample: CPU 1 added its nodes and then took the list ({@code taken}); the arbiter
     * took what was left ({@code left}). llist semantics allow exactly this: every node in one of the two
     * chains once; CPU 1's own nodes all in {@code taken} (added before its del_all); and of CPU 0's nodes,
     * {@code taken} holds a prefix of the order CPU 0 added them in.
     */
    static int burstVerdict(KernelMemory mem, long taken, long left) {
        long[] seen = new long[2];
        int verdict = walk(mem, taken, seen, 0) | walk(mem, left, seen, 1);
        if ((verdict & BAD_POINTER) != 0) {
            return verdict;
        }
        if ((seen[0] | seen[1]) != -1L) {
            verdict |= LOST;
        }
        long cpu1 = -1L << BURST;
        if ((seen[0] & cpu1) != cpu1) {
            verdict |= OWN_NODE_MISSING;
        }
        long cpu0Taken = seen[0] & ~cpu1;
        if ((cpu0Taken & (cpu0Taken + 1)) != 0) {
            verdict |= NOT_A_PREFIX;
        }
        return verdict;
    }

    private static int walk(KernelMemory mem, long first, long[] seen, int chain) {
        int verdict = 0;
        int steps = 0;
        for (long p = first; p != 0; p = Llist.next(mem, p)) {
            long i = (p - burstNode(0)) / 16;
            if (++steps > 2 * BURST || p < burstNode(0) || i >= 2 * BURST || (p - burstNode(0)) % 16 != 0) {
                return verdict | BAD_POINTER;
            }
            long bit = 1L << i;
            if (((seen[0] | seen[1]) & bit) != 0) {
                verdict |= TWICE;
            }
            seen[chain] |= bit;
        }
        return verdict;
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
