package dev.kmm.arena.list;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random list operations on list_heads embedded in simulated struct pages, checked after every operation
 * against a plain Java model: forward and backward walks equal the model's lists, deleted entries hold the
 * poison values, re-initialised ones point to themselves, and no byte outside a list_head changes.
 */
class ListHeadModelTest {
    /** x86_64 direct map base (PAGE_OFFSET without KASLR). */
    static final long BASE = 0xffff888000000000L;
    static final int LISTS = 6;
    static final int NODES = 96;
    static final long STRUCT = 64; // a struct page
    static final long LRU = 8;     // its list_head, like page->lru
    static final long NODE_BASE = BASE + 4096;
    static final int OPS = 100_000;

    enum State { FRESH, LINKED, POISONED, SELF, STALE }

    private Arena arena;
    private MemorySegment ram;
    private KernelMemory mem;
    private final List<List<Long>> lists = new ArrayList<>();
    private final State[] state = new State[NODES];
    private SplittableRandom rnd;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        ram = arena.allocate(NODE_BASE - BASE + NODES * STRUCT, 4096);
        mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, ram));
        for (int i = 0; i < LISTS; i++) {
            ListHead.init(mem, head(i));
            lists.add(new ArrayList<>());
        }
        for (int j = 0; j < NODES; j++) {
            state[j] = State.FRESH;
            long page = NODE_BASE + j * STRUCT;
            for (long off = 0; off < STRUCT; off += 8) {
                if (off != LRU && off != LRU + 8) {
                    mem.putLong(page + off, marker(j, off));
                }
            }
        }
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    static long head(int i) {
        return BASE + i * ListHead.SIZE;
    }

    static long node(int j) {
        return NODE_BASE + j * STRUCT + LRU;
    }

    static int index(long lru) {
        return (int) ((lru - LRU - NODE_BASE) / STRUCT);
    }

    static long marker(int j, long off) {
        return 0x5a5a000000000000L | ((long) j << 8) | off;
    }

    @ParameterizedTest
    @ValueSource(longs = {20221211L, 0x61L})
    void randomOperationsMatchModel(long seed) {
        rnd = new SplittableRandom(seed);
        int[] counts = new int[25];
        for (int op = 0; op < OPS; op++) {
            int kind = rnd.nextInt(counts.length);
            String what;
            try {
                what = apply(kind);
                verify();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", op #" + op + " kind " + kind + ": " + e.getMessage(), e);
            }
            if (what != null) {
                counts[kind]++;
            }
        }
        verifyMarkers();
        for (int k = 0; k < counts.length; k++) {
            assertTrue(counts[k] > OPS / counts.length / 4, "operation kind " + k + " ran only " + counts[k] + " times");
        }
    }

    /** Performs one random operation of the given kind on memory and model; null if it had to be skipped. */
    private String apply(int kind) {
        int h = rnd.nextInt(LISTS);
        List<Long> l = lists.get(h);
        switch (kind) {
            case 0, 1 -> { // list_add / list_add_tail at a head
                int j = randomNode(false);
                if (j < 0) {
                    return null;
                }
                boolean tail = kind == 1;
                boolean checked = rnd.nextBoolean();
                if (tail) {
                    if (checked) ListHead.addTailChecked(mem, node(j), head(h)); else ListHead.addTail(mem, node(j), head(h));
                    l.add(node(j));
                } else {
                    if (checked) ListHead.addChecked(mem, node(j), head(h)); else ListHead.add(mem, node(j), head(h));
                    l.addFirst(node(j));
                }
                state[j] = State.LINKED;
                return tail ? "addTail" : "add";
            }
            case 2, 3, 4 -> { // list_del / list_del_init / list_del_init_careful
                int j = randomNode(true);
                if (j < 0) {
                    return null;
                }
                listOf(node(j)).remove(node(j));
                if (kind == 2) {
                    if (rnd.nextBoolean()) ListHead.delChecked(mem, node(j)); else ListHead.del(mem, node(j));
                    state[j] = State.POISONED;
                } else {
                    if (kind == 3) ListHead.delInit(mem, node(j)); else ListHead.delInitCareful(mem, node(j));
                    state[j] = State.SELF;
                    assertTrue(ListHead.empty(mem, node(j)));
                    assertTrue(ListHead.emptyCareful(mem, node(j)));
                }
                return "del";
            }
            case 5, 6 -> { // list_move / list_move_tail, possibly within one list
                int j = randomNode(true);
                if (j < 0) {
                    return null;
                }
                listOf(node(j)).remove(node(j));
                if (kind == 5) {
                    ListHead.move(mem, node(j), head(h));
                    l.addFirst(node(j));
                } else {
                    ListHead.moveTail(mem, node(j), head(h));
                    l.add(node(j));
                }
                return "move";
            }
            case 7, 8 -> { // list_replace / list_replace_init
                int old = randomNode(true);
                int j = randomNode(false);
                if (old < 0 || j < 0) {
                    return null;
                }
                List<Long> ol = listOf(node(old));
                ol.set(ol.indexOf(node(old)), node(j));
                long oldNext = ListHead.next(mem, node(old));
                long oldPrev = ListHead.prev(mem, node(old));
                if (kind == 7) {
                    ListHead.replace(mem, node(old), node(j));
                    // old keeps its stale pointers, exactly as before
                    assertEquals(oldNext, ListHead.next(mem, node(old)));
                    assertEquals(oldPrev, ListHead.prev(mem, node(old)));
                    state[old] = State.STALE;
                } else {
                    ListHead.replaceInit(mem, node(old), node(j));
                    state[old] = State.SELF;
                }
                state[j] = State.LINKED;
                return "replace";
            }
            case 9 -> { // list_swap, in one list (possibly adjacent) or across two
                int a = randomNode(true);
                int b = randomNode(true);
                if (a < 0 || a == b) {
                    return null;
                }
                List<Long> la = listOf(node(a));
                List<Long> lb = listOf(node(b));
                int ia = la.indexOf(node(a));
                int ib = lb.indexOf(node(b));
                la.set(ia, node(b));
                lb.set(ib, node(a));
                ListHead.swap(mem, node(a), node(b));
                return "swap";
            }
            case 10 -> { // list_bulk_move_tail of first..last within one list
                if (l.isEmpty()) {
                    return null;
                }
                int i = rnd.nextInt(l.size());
                int k = i + rnd.nextInt(l.size() - i);
                long first = l.get(i);
                long last = l.get(k);
                List<Long> moved = new ArrayList<>(l.subList(i, k + 1));
                l.subList(i, k + 1).clear();
                l.addAll(moved);
                ListHead.bulkMoveTail(mem, head(h), first, last);
                return "bulkMoveTail";
            }
            case 11 -> { // list_rotate_left
                if (!l.isEmpty()) {
                    l.add(l.removeFirst());
                }
                ListHead.rotateLeft(mem, head(h));
                return "rotateLeft";
            }
            case 12 -> { // list_rotate_to_front
                if (l.isEmpty()) {
                    return null;
                }
                int i = rnd.nextInt(l.size());
                long entry = l.get(i);
                Collections.rotate(l, -i);
                ListHead.rotateToFront(mem, entry, head(h));
                return "rotateToFront";
            }
            case 13 -> { // list_cut_position into an empty list
                int d = emptyListOtherThan(h);
                if (d < 0) {
                    return null;
                }
                List<Long> dl = lists.get(d);
                if (l.size() <= 1 && rnd.nextInt(4) == 0) {
                    // entry not on an empty or singular head's list: the kernel does nothing
                    int other = randomNode(true);
                    if (other >= 0 && !l.contains(node(other))) {
                        ListHead.cutPosition(mem, head(d), head(h), node(other));
                        return "cutPosition no-op";
                    }
                }
                int k = rnd.nextInt(l.size() + 1) - 1; // -1: entry is the head itself
                long entry = k < 0 ? head(h) : l.get(k);
                if (k >= 0) {
                    dl.addAll(l.subList(0, k + 1));
                    l.subList(0, k + 1).clear();
                }
                ListHead.cutPosition(mem, head(d), head(h), entry);
                return "cutPosition";
            }
            case 14 -> { // list_cut_before into an empty list
                int d = emptyListOtherThan(h);
                if (d < 0) {
                    return null;
                }
                int k = rnd.nextInt(l.size() + 1); // l.size(): entry is the head, everything moves
                long entry = k == l.size() ? head(h) : l.get(k);
                lists.get(d).addAll(l.subList(0, k));
                l.subList(0, k).clear();
                ListHead.cutBefore(mem, head(d), head(h), entry);
                return "cutBefore";
            }
            case 15, 16, 17, 18 -> { // list_splice{,_tail}{,_init}
                int d = rnd.nextInt(LISTS);
                if (d == h) {
                    return null;
                }
                List<Long> dl = lists.get(d);
                long oldFirst = ListHead.next(mem, head(h));
                long oldLast = ListHead.prev(mem, head(h));
                boolean wasEmpty = l.isEmpty();
                boolean tail = kind == 16 || kind == 18;
                boolean init = kind >= 17;
                if (tail) dl.addAll(l); else dl.addAll(0, l);
                l.clear();
                switch (kind) {
                    case 15 -> ListHead.splice(mem, head(h), head(d));
                    case 16 -> ListHead.spliceTail(mem, head(h), head(d));
                    case 17 -> ListHead.spliceInit(mem, head(h), head(d));
                    default -> ListHead.spliceTailInit(mem, head(h), head(d));
                }
                if (!init && !wasEmpty) {
                    // the source head is left stale: still pointing at the moved entries
                    assertEquals(oldFirst, ListHead.next(mem, head(h)));
                    assertEquals(oldLast, ListHead.prev(mem, head(h)));
                    ListHead.init(mem, head(h));
                }
                return "splice";
            }
            case 19 -> { // INIT_LIST_HEAD on a detached entry
                int j = randomNode(false);
                if (j < 0) {
                    return null;
                }
                ListHead.init(mem, node(j));
                state[j] = State.SELF;
                return "init";
            }
            case 20 -> { // queries on a head
                assertEquals(l.isEmpty(), ListHead.empty(mem, head(h)));
                assertEquals(l.isEmpty(), ListHead.emptyCareful(mem, head(h)));
                assertEquals(l.size() == 1, ListHead.isSingular(mem, head(h)));
                assertEquals(l.size(), ListHead.countNodes(mem, head(h)));
                assertEquals(l.isEmpty() ? 0 : l.getFirst(), ListHead.firstOrNull(mem, head(h)));
                if (!l.isEmpty()) {
                    assertEquals(l.getFirst(), ListHead.first(mem, head(h)));
                    assertEquals(l.getLast(), ListHead.last(mem, head(h)));
                    long first = ListHead.first(mem, head(h));
                    assertEquals(NODE_BASE + index(first) * STRUCT, ListHead.entry(first, LRU));
                }
                return "query head";
            }
            case 21 -> { // queries on an entry
                int j = randomNode(true);
                if (j < 0) {
                    return null;
                }
                List<Long> jl = listOf(node(j));
                long own = head(lists.indexOf(jl));
                long other = head((lists.indexOf(jl) + 1 + rnd.nextInt(LISTS - 1)) % LISTS);
                assertEquals(jl.getFirst() == node(j), ListHead.isFirst(mem, node(j), own));
                assertEquals(jl.getLast() == node(j), ListHead.isLast(mem, node(j), own));
                assertFalse(ListHead.isFirst(mem, node(j), other));
                assertFalse(ListHead.isLast(mem, node(j), other));
                assertFalse(ListHead.empty(mem, node(j)));
                ListDebug.listDelEntryValid(mem, node(j)); // a linked entry passes the checks
                return "query entry";
            }
            case 22 -> { // list_for_each_safe through forEach, deleting every other entry
                List<Long> seen = new ArrayList<>();
                ListHead.forEach(mem, head(h), p -> {
                    if (seen.size() % 2 == 1) {
                        ListHead.del(mem, p);
                        state[index(p)] = State.POISONED;
                    }
                    seen.add(p);
                });
                assertEquals(l, seen);
                for (int i = l.size() - 1; i >= 0; i--) {
                    if (i % 2 == 1) {
                        l.remove(i);
                    }
                }
                return "forEach";
            }
            case 23, 24 -> { // __list_add in the middle: after / before an entry
                int pos = randomNode(true);
                int j = randomNode(false);
                if (pos < 0 || j < 0) {
                    return null;
                }
                List<Long> pl = listOf(node(pos));
                int at = pl.indexOf(node(pos));
                if (kind == 23) {
                    ListHead.add(mem, node(j), node(pos));
                    pl.add(at + 1, node(j));
                } else {
                    ListHead.addTail(mem, node(j), node(pos));
                    pl.add(at, node(j));
                }
                state[j] = State.LINKED;
                return "add middle";
            }
            default -> throw new IllegalStateException("kind " + kind);
        }
    }

    private int randomNode(boolean linked) {
        int start = rnd.nextInt(NODES);
        for (int n = 0; n < NODES; n++) {
            int j = (start + n) % NODES;
            if ((state[j] == State.LINKED) == linked) {
                return j;
            }
        }
        return -1;
    }

    private int emptyListOtherThan(int h) {
        int start = rnd.nextInt(LISTS);
        for (int n = 0; n < LISTS; n++) {
            int d = (start + n) % LISTS;
            if (d != h && lists.get(d).isEmpty()) {
                return d;
            }
        }
        return -1;
    }

    private List<Long> listOf(long entry) {
        for (List<Long> l : lists) {
            if (l.contains(entry)) {
                return l;
            }
        }
        throw new AssertionError("model has no list holding " + Long.toHexString(entry));
    }

    private void verify() {
        int linked = 0;
        for (int i = 0; i < LISTS; i++) {
            List<Long> l = lists.get(i);
            long h = head(i);
            long p = ListHead.next(mem, h);
            for (int k = 0; k < l.size(); k++, p = ListHead.next(mem, p)) {
                if (p != l.get(k)) {
                    fail("list " + i + " forward at " + k + ": expected " + Long.toHexString(l.get(k)) + " but walked to " + Long.toHexString(p));
                }
            }
            if (p != h) {
                fail("list " + i + " forward walk does not return to its head after " + l.size() + " entries");
            }
            p = ListHead.prev(mem, h);
            for (int k = l.size() - 1; k >= 0; k--, p = ListHead.prev(mem, p)) {
                if (p != l.get(k)) {
                    fail("list " + i + " backward at " + k + ": expected " + Long.toHexString(l.get(k)) + " but walked to " + Long.toHexString(p));
                }
            }
            if (p != h) {
                fail("list " + i + " backward walk does not return to its head");
            }
            linked += l.size();
        }
        int linkedStates = 0;
        for (int j = 0; j < NODES; j++) {
            long n = node(j);
            long next = ListHead.next(mem, n);
            long prev = ListHead.prev(mem, n);
            switch (state[j]) {
                case LINKED -> linkedStates++;
                case POISONED -> {
                    if (next != ListHead.LIST_POISON1 || prev != ListHead.LIST_POISON2) {
                        fail("deleted entry " + j + " is not poisoned: next=" + Long.toHexString(next) + " prev=" + Long.toHexString(prev));
                    }
                }
                case SELF -> {
                    if (next != n || prev != n) {
                        fail("re-initialised entry " + j + " does not point to itself");
                    }
                }
                case FRESH -> {
                    if (next != 0 || prev != 0) {
                        fail("never-linked entry " + j + " was written");
                    }
                }
                case STALE -> { }
            }
        }
        assertEquals(linked, linkedStates, "entries linked in the model's lists vs entries marked linked");
    }

    private void verifyMarkers() {
        for (int j = 0; j < NODES; j++) {
            long page = NODE_BASE + j * STRUCT;
            for (long off = 0; off < STRUCT; off += 8) {
                if (off != LRU && off != LRU + 8) {
                    assertEquals(marker(j, off), mem.getLong(page + off), "struct " + j + " word at " + off + " changed");
                }
            }
        }
        for (long off = LISTS * ListHead.SIZE; off < NODE_BASE - BASE; off += 8) {
            assertEquals(0, ram.get(ValueLayout.JAVA_LONG, off), "memory between heads and nodes changed at " + off);
        }
    }
}
