package dev.kmm.bench;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.PhysicalMemory;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * The floor for kmm's allocator benchmarks: an intrusive free list stored in memory, the shape of
 * a free-list allocation plus free, by each way kmm could reach that memory.
 *
 * <p>The nodes are 64-byte {@code struct page}s whose {@code lru} ({@code next@8, prev@16}) links
 * them; node 0 is the list head. Each invocation pops two nodes and pushes them back in pop order,
 * which swaps the first two: every store is needed, so the JIT cannot fold a push into the pop that
 * undoes it. Scores are per push+pop pair ({@code @OperationsPerInvocation(2)}).
 *
 * <p>The singly-linked variants store the link in {@code lru.next}; {@code kernelVaListAddDel} and
 * {@code longArrayListAddDel} do the kernel's doubly-linked {@code list_del} + {@code list_add}
 * (with {@code LIST_POISON}) instead.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OperationsPerInvocation(2)
public class FloorBench {
    private static final int NODES = 64;
    private static final long NODE_SIZE = 64;
    private static final long LRU_NEXT = 8;
    private static final long LRU_PREV = 16;
    /** x86_64's VMEMMAP_START: node {@code i} has the kernel VA of {@code pfn_to_page(i)}. */
    private static final long VMEMMAP_START = 0xffffea0000000000L;
    // include/linux/poison.h with x86_64's POISON_POINTER_DELTA (CONFIG_ILLEGAL_POINTER_VALUE).
    private static final long LIST_POISON1 = 0xdead000000000100L;
    private static final long LIST_POISON2 = 0xdead000000000122L;

    private static final StructLayout PAGE = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("flags"),
            MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("next"), ValueLayout.JAVA_LONG.withName("prev"))
                    .withName("lru"),
            MemoryLayout.paddingLayout(40));
    private static final VarHandle PAGE_LRU_NEXT = PAGE.varHandle(groupElement("lru"), groupElement("next"));
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private PhysicalMemory ram;
    private MemorySegment seg;
    private KernelMemory km;
    private long[] array;

    @Setup
    public void setup() {
        ram = PhysicalMemory.create(new PhysicalMemory.Bank(0, 2L << 20));
        seg = ram.segment();
        // The offset-linked nodes fill the first 4 KiB; the VA-linked ones the next, seen as vmemmap.
        km = KernelMemory.of(new KernelMemory.Region("vmemmap", VMEMMAP_START, seg.asSlice(4096)));
        array = new long[(int) (NODES * NODE_SIZE / Long.BYTES)];
        // Singly-linked lists head -> 1 -> 2 -> ... -> NODES-1 -> 0: by node offset in the segment,
        // by array index of the node, and (as the kernel links list_heads) by VA of the next lru.
        for (int i = 0; i < NODES; i++) {
            int next = (i + 1) % NODES;
            seg.set(ValueLayout.JAVA_LONG, i * NODE_SIZE + LRU_NEXT, next * NODE_SIZE);
            array[(int) ((i * NODE_SIZE + LRU_NEXT) / Long.BYTES)] = next * NODE_SIZE / Long.BYTES;
            km.putLong(VMEMMAP_START + i * NODE_SIZE + LRU_NEXT, VMEMMAP_START + next * NODE_SIZE + LRU_NEXT);
        }
    }

    @TearDown
    public void tearDown() {
        // Each benchmark only reorders its list: all must still be whole rings through every node.
        checkRing("offset list", NODES, i -> seg.get(ValueLayout.JAVA_LONG, i * NODE_SIZE + LRU_NEXT) / NODE_SIZE);
        checkRing("array list", NODES, i -> array[(int) (i * NODE_SIZE + LRU_NEXT) / Long.BYTES] * Long.BYTES / NODE_SIZE);
        checkRing("kernel VA list", NODES,
                i -> (km.getLong(VMEMMAP_START + i * NODE_SIZE + LRU_NEXT) - VMEMMAP_START) / NODE_SIZE);
        ram.close();
    }

    /** Fails unless following {@code next} from node 0 visits every node once and comes back. */
    static void checkRing(String what, int nodes, LongUnaryOperator next) {
        boolean[] seen = new boolean[nodes];
        long node = 0;
        for (int step = 0; step < nodes; step++) {
            if (node < 0 || node >= nodes || seen[(int) node]) {
                throw new IllegalStateException(what + " is corrupt at step " + step + ": node " + node);
            }
            seen[(int) node] = true;
            node = next.applyAsLong(node);
        }
        if (node != 0) {
            throw new IllegalStateException(what + " does not close: ends at node " + node);
        }
    }

    /** A circular {@code list_head} ring through the nodes' {@code lru}, by kernel VA and by array index. */
    @State(Scope.Thread)
    public static class ListHeads {
        PhysicalMemory ram;
        KernelMemory km;
        long[] array;

        @Setup
        public void setup() {
            ram = PhysicalMemory.create(new PhysicalMemory.Bank(0, 2L << 20));
            km = KernelMemory.of(new KernelMemory.Region("vmemmap", VMEMMAP_START, ram.segment()));
            array = new long[(int) (NODES * NODE_SIZE / Long.BYTES)];
            for (int i = 0; i < NODES; i++) {
                long lru = VMEMMAP_START + i * NODE_SIZE + LRU_NEXT;
                long next = VMEMMAP_START + ((i + 1) % NODES) * NODE_SIZE + LRU_NEXT;
                long prev = VMEMMAP_START + ((i + NODES - 1) % NODES) * NODE_SIZE + LRU_NEXT;
                km.putLong(lru, next);
                km.putLong(lru + 8, prev);
                int idx = (int) ((i * NODE_SIZE + LRU_NEXT) / Long.BYTES);
                array[idx] = (int) ((((i + 1) % NODES) * NODE_SIZE + LRU_NEXT) / Long.BYTES);
                array[idx + 1] = (int) ((((i + NODES - 1) % NODES) * NODE_SIZE + LRU_NEXT) / Long.BYTES);
            }
        }

        @TearDown
        public void tearDown() {
            checkRing("list_head ring (next)", NODES,
                    i -> (km.getLong(VMEMMAP_START + i * NODE_SIZE + LRU_NEXT) - VMEMMAP_START) / NODE_SIZE);
            checkRing("list_head ring (prev)", NODES,
                    i -> (km.getLong(VMEMMAP_START + i * NODE_SIZE + LRU_PREV) - VMEMMAP_START) / NODE_SIZE);
            checkRing("array ring (next)", NODES, i -> array[(int) (i * NODE_SIZE + LRU_NEXT) / Long.BYTES] * Long.BYTES / NODE_SIZE);
            checkRing("array ring (prev)", NODES, i -> array[(int) (i * NODE_SIZE + LRU_PREV) / Long.BYTES] * Long.BYTES / NODE_SIZE);
            ram.close();
        }
    }

    /** (a) A layout-derived VarHandle ({@code PAGE.lru.next}) on a segment held in a field. */
    @Benchmark
    public long layoutVarHandle() {
        long a = (long) PAGE_LRU_NEXT.get(seg, 0L);
        PAGE_LRU_NEXT.set(seg, 0L, (long) PAGE_LRU_NEXT.get(seg, a));
        long b = (long) PAGE_LRU_NEXT.get(seg, 0L);
        PAGE_LRU_NEXT.set(seg, 0L, (long) PAGE_LRU_NEXT.get(seg, b));
        PAGE_LRU_NEXT.set(seg, a, (long) PAGE_LRU_NEXT.get(seg, 0L));
        PAGE_LRU_NEXT.set(seg, 0L, a);
        PAGE_LRU_NEXT.set(seg, b, (long) PAGE_LRU_NEXT.get(seg, 0L));
        PAGE_LRU_NEXT.set(seg, 0L, b);
        return a + b;
    }

    /** (b) The plain {@code JAVA_LONG} VarHandle with computed offsets, the segment read into a local. */
    @Benchmark
    public long valueLayoutVarHandleLocal() {
        MemorySegment s = seg;
        long a = (long) LONG.get(s, LRU_NEXT);
        LONG.set(s, LRU_NEXT, (long) LONG.get(s, a + LRU_NEXT));
        long b = (long) LONG.get(s, LRU_NEXT);
        LONG.set(s, LRU_NEXT, (long) LONG.get(s, b + LRU_NEXT));
        LONG.set(s, a + LRU_NEXT, (long) LONG.get(s, LRU_NEXT));
        LONG.set(s, LRU_NEXT, a);
        LONG.set(s, b + LRU_NEXT, (long) LONG.get(s, LRU_NEXT));
        LONG.set(s, LRU_NEXT, b);
        return a + b;
    }

    /** (c) Through {@link KernelMemory}, by kernel virtual address (what kmm's allocators use). */
    @Benchmark
    public long kernelVa() {
        KernelMemory m = km;
        long head = VMEMMAP_START + LRU_NEXT;
        long a = m.getLong(head);
        m.putLong(head, m.getLong(a));
        long b = m.getLong(head);
        m.putLong(head, m.getLong(b));
        m.putLong(a, m.getLong(head));
        m.putLong(head, a);
        m.putLong(b, m.getLong(head));
        m.putLong(head, b);
        return a + b;
    }

    /** (d) A plain {@code long[]}: the JVM's floor. */
    @Benchmark
    public long longArray() {
        long[] m = array;
        int head = (int) (LRU_NEXT / Long.BYTES);
        int a = (int) m[head];
        m[head] = m[a + head];
        int b = (int) m[head];
        m[head] = m[b + head];
        m[a + head] = m[head];
        m[head] = a;
        m[b + head] = m[head];
        m[head] = b;
        return a + b;
    }

    /** (e) {@code MemorySegment.get/set(JAVA_LONG, offset)} on a segment held in a field. */
    @Benchmark
    public long segmentGetSet() {
        long a = seg.get(ValueLayout.JAVA_LONG, LRU_NEXT);
        seg.set(ValueLayout.JAVA_LONG, LRU_NEXT, seg.get(ValueLayout.JAVA_LONG, a + LRU_NEXT));
        long b = seg.get(ValueLayout.JAVA_LONG, LRU_NEXT);
        seg.set(ValueLayout.JAVA_LONG, LRU_NEXT, seg.get(ValueLayout.JAVA_LONG, b + LRU_NEXT));
        seg.set(ValueLayout.JAVA_LONG, a + LRU_NEXT, seg.get(ValueLayout.JAVA_LONG, LRU_NEXT));
        seg.set(ValueLayout.JAVA_LONG, LRU_NEXT, a);
        seg.set(ValueLayout.JAVA_LONG, b + LRU_NEXT, seg.get(ValueLayout.JAVA_LONG, LRU_NEXT));
        seg.set(ValueLayout.JAVA_LONG, LRU_NEXT, b);
        return a + b;
    }

    /** (c), doubly linked: {@code list_del} the first two entries, then {@code list_add} them back. */
    @Benchmark
    public long kernelVaListAddDel(ListHeads l) {
        KernelMemory m = l.km;
        long head = VMEMMAP_START + LRU_NEXT;
        long a = m.getLong(head);
        listDel(m, a);
        long b = m.getLong(head);
        listDel(m, b);
        listAdd(m, a, head);
        listAdd(m, b, head);
        return a + b;
    }

    /** (d), doubly linked: the same {@code list_del} + {@code list_add} on a {@code long[]}. */
    @Benchmark
    public long longArrayListAddDel(ListHeads l) {
        long[] m = l.array;
        int head = (int) (LRU_NEXT / Long.BYTES);
        int a = (int) m[head];
        arrayListDel(m, a);
        int b = (int) m[head];
        arrayListDel(m, b);
        arrayListAdd(m, a, head);
        arrayListAdd(m, b, head);
        return a + b;
    }

    // list_head: next at +0, prev at +8 of the list_head itself.
    private static void listDel(KernelMemory m, long entry) {
        long prev = m.getLong(entry + 8);
        long next = m.getLong(entry);
        m.putLong(next + 8, prev);
        m.putLong(prev, next);
        m.putLong(entry, LIST_POISON1);
        m.putLong(entry + 8, LIST_POISON2);
    }

    private static void listAdd(KernelMemory m, long entry, long head) {
        long next = m.getLong(head);
        m.putLong(next + 8, entry);
        m.putLong(entry, next);
        m.putLong(entry + 8, head);
        m.putLong(head, entry);
    }

    private static void arrayListDel(long[] m, int entry) {
        int prev = (int) m[entry + 1];
        int next = (int) m[entry];
        m[next + 1] = prev;
        m[prev] = next;
        m[entry] = LIST_POISON1;
        m[entry + 1] = LIST_POISON2;
    }

    private static void arrayListAdd(long[] m, int entry, int head) {
        int next = (int) m[head];
        m[next + 1] = entry;
        m[entry] = next;
        m[entry + 1] = head;
        m[head] = entry;
    }
}
