package dev.kmm.stress.run;

import java.util.Arrays;

/**
 * The blocks a worker holds, in primitive arrays ordered as a binary min-heap on their death time, so the op
 * loop finds the next block due in O(1), frees it or any other in O(log n), and boxes nothing. A slot holds the
 * block's struct page, order, the CPU that allocated it and when it is due (in the worker's ops).
 */
final class LivePages {
    private long[] death = new long[1024];
    private long[] page = new long[1024];
    private byte[] order = new byte[1024];
    private short[] cpu = new short[1024];
    private int size;
    private long pages;

    int size() {
        return size;
    }

    /** Slots the arrays have room for; they double when full. */
    int capacity() {
        return death.length;
    }

    /** Base pages held: the sum of {@code 1 << order}. */
    long pages() {
        return pages;
    }

    long page(int i) {
        return page[i];
    }

    int order(int i) {
        return order[i];
    }

    int cpu(int i) {
        return cpu[i];
    }

    /** The earliest death time held; {@link Long#MAX_VALUE} when empty. */
    long nextDeath() {
        return size == 0 ? Long.MAX_VALUE : death[0];
    }

    void add(long pageAddr, int blockOrder, int allocCpu, long dueAt) {
        if (size == death.length) {
            int n = size * 2;
            death = Arrays.copyOf(death, n);
            page = Arrays.copyOf(page, n);
            order = Arrays.copyOf(order, n);
            cpu = Arrays.copyOf(cpu, n);
        }
        int i = size++;
        set(i, dueAt, pageAddr, (byte) blockOrder, (short) allocCpu);
        pages += 1L << blockOrder;
        siftUp(i);
    }

    /**
     * Removes slot {@code i} (0 is the next due); the caller has read what it needs from it. Slots other than
     * {@code i} may move.
     */
    void remove(int i) {
        pages -= 1L << order[i];
        int last = --size;
        if (i == last) {
            return;
        }
        set(i, death[last], page[last], order[last], cpu[last]);
        if (i > 0 && death[i] < death[(i - 1) >>> 1]) {
            siftUp(i);
        } else {
            siftDown(i);
        }
    }

    private void set(int i, long d, long p, byte o, short c) {
        death[i] = d;
        page[i] = p;
        order[i] = o;
        cpu[i] = c;
    }

    private void swap(int i, int j) {
        long d = death[i];
        long p = page[i];
        byte o = order[i];
        short c = cpu[i];
        set(i, death[j], page[j], order[j], cpu[j]);
        set(j, d, p, o, c);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (death[parent] <= death[i]) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        for (;;) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int r = l + 1;
            int min = r < size && death[r] < death[l] ? r : l;
            if (death[i] <= death[min]) {
                return;
            }
            swap(i, min);
            i = min;
        }
    }
}
