package dev.kmm.arena.list;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kmm.arena.BadAddressException;
import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** llist against a stack model (single thread), and N producers against one consumer. */
class LlistTest {
    static final long BASE = 0xffff888000000000L;
    static final long HEAD = BASE;
    static final long NODES = BASE + 64; // nodes 8 bytes apart after the head's cache line

    static long node(int i) {
        return NODES + i * Llist.SIZE;
    }

    static int index(long node) {
        return (int) ((node - NODES) / Llist.SIZE);
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 0x11157L})
    void randomOperationsMatchStackModel(long seed) {
        final int pool = 64;
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, arena.allocate(4096, 4096)));
            SplittableRandom rnd = new SplittableRandom(seed);
            Deque<Long> stack = new ArrayDeque<>(); // top = newest = head->first
            List<Integer> free = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                free.add(i);
            }
            Llist.init(mem, HEAD);
            for (int op = 0; op < 100_000; op++) {
                String where = "seed " + seed + " op #" + op;
                assertEquals(stack.isEmpty(), Llist.empty(mem, HEAD), where);
                switch (rnd.nextInt(5)) {
                    case 0 -> { // llist_add
                        if (free.isEmpty()) {
                            continue;
                        }
                        long n = node(free.remove(rnd.nextInt(free.size())));
                        assertEquals(stack.isEmpty(), Llist.add(mem, n, HEAD), where);
                        stack.push(n);
                    }
                    case 1 -> { // llist_add_batch of a chain linked by hand
                        int k = Math.min(free.size(), 1 + rnd.nextInt(5));
                        if (k == 0) {
                            continue;
                        }
                        long[] chain = new long[k];
                        for (int i = 0; i < k; i++) {
                            chain[i] = node(free.remove(rnd.nextInt(free.size())));
                        }
                        for (int i = 0; i + 1 < k; i++) {
                            mem.putLong(chain[i] + Llist.NEXT, chain[i + 1]);
                        }
                        assertEquals(stack.isEmpty(), Llist.addBatch(mem, chain[0], chain[k - 1], HEAD), where);
                        for (int i = k - 1; i >= 0; i--) {
                            stack.push(chain[i]);
                        }
                    }
                    case 2 -> { // llist_del_first
                        long n = Llist.delFirst(mem, HEAD);
                        if (stack.isEmpty()) {
                            assertEquals(0, n, where);
                        } else {
                            assertEquals(stack.pop(), n, where);
                            free.add(index(n));
                        }
                    }
                    case 3 -> { // llist_del_all, walked newest first, or reversed
                        long first = Llist.delAll(mem, HEAD);
                        boolean reverse = rnd.nextBoolean();
                        if (reverse) {
                            first = Llist.reverseOrder(mem, first);
                        }
                        List<Long> walked = new ArrayList<>();
                        for (long p = first; p != 0; p = Llist.next(mem, p)) {
                            walked.add(p);
                            free.add(index(p));
                        }
                        List<Long> expected = new ArrayList<>(stack);
                        if (reverse) {
                            expected = expected.reversed();
                        }
                        assertEquals(expected, walked, where);
                        stack.clear();
                        assertTrue(Llist.empty(mem, HEAD), where);
                    }
                    default -> { // walk the live list from head->first (single-threaded, so safe)
                        List<Long> walked = new ArrayList<>();
                        for (long p = mem.getLong(HEAD + Llist.FIRST); p != 0; p = Llist.next(mem, p)) {
                            walked.add(p);
                        }
                        assertEquals(new ArrayList<>(stack), walked, where);
                    }
                }
            }
        }
    }

    @Test
    void reverseOrderOfNothingIsNothing() {
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, arena.allocate(4096, 4096)));
            assertEquals(0, Llist.reverseOrder(mem, 0));
            Llist.init(mem, HEAD);
            assertEquals(0, Llist.delAll(mem, HEAD));
            assertEquals(0, Llist.delFirst(mem, HEAD));
        }
    }

    @Test
    void unmappedNodeOrHeadChangesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(4096, 4096);
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, ram));
            Llist.init(mem, HEAD);
            Llist.add(mem, node(0), HEAD);
            byte[] before = ram.toArray(ValueLayout.JAVA_BYTE);
            assertThrows(BadAddressException.class, () -> Llist.add(mem, 0xffff888100000000L, HEAD));
            assertThrows(BadAddressException.class, () -> Llist.add(mem, node(1), 0xffff888100000000L));
            assertArrayEquals(before, ram.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * Three producers push their nodes (singly and in batches) while one consumer takes everything with
     * llist_del_all. Every node is seen exactly once, and each producer's nodes come out in the order it
     * pushed them once each taken chain is reversed (llist is LIFO per chain, FIFO across chains).
     */
    @Test
    void producersAndOneConsumerLoseNothing() throws InterruptedException {
        final int producers = 3;
        final int perProducer = 100_000;
        try (Arena arena = Arena.ofShared()) {
            long bytes = 64 + (long) producers * perProducer * Llist.SIZE;
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, arena.allocate(bytes, 4096)));
            Llist.init(mem, HEAD);
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger running = new AtomicInteger(producers);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                final int base = p * perProducer;
                final long seed = p;
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    await(start);
                    for (int i = 0; i < perProducer; ) {
                        int k = Math.min(perProducer - i, 1 + rnd.nextInt(4));
                        if (k == 1) {
                            Llist.add(mem, node(base + i), HEAD);
                        } else {
                            // newest first in the list, so link the batch backwards: the chain reverses to i..i+k-1
                            for (int j = k - 1; j > 0; j--) {
                                mem.putLong(node(base + i + j) + Llist.NEXT, node(base + i + j - 1));
                            }
                            Llist.addBatch(mem, node(base + i + k - 1), node(base + i), HEAD);
                        }
                        i += k;
                    }
                    running.decrementAndGet();
                }));
            }
            int[] seen = new int[producers * perProducer];
            int[] lastSeq = new int[producers];
            Arrays.fill(lastSeq, -1);
            int takenChains = 0;
            start.countDown();
            boolean producersDone;
            do {
                producersDone = running.get() == 0; // read before delAll: a final pass then takes everything
                long first = Llist.reverseOrder(mem, Llist.delAll(mem, HEAD));
                if (first != 0) {
                    takenChains++;
                }
                for (long n = first; n != 0; n = Llist.next(mem, n)) {
                    int i = index(n);
                    seen[i]++;
                    int producer = i / perProducer;
                    int seq = i % perProducer;
                    if (seq <= lastSeq[producer]) {
                        fail("producer " + producer + ": node " + seq + " came out after node " + lastSeq[producer]);
                    }
                    lastSeq[producer] = seq;
                }
            } while (!producersDone);
            for (Thread t : threads) {
                t.join();
            }
            for (int i = 0; i < seen.length; i++) {
                assertEquals(1, seen[i], "node " + i + " seen " + seen[i] + " times");
            }
            assertTrue(Llist.empty(mem, HEAD));
            assertTrue(takenChains > 0);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
