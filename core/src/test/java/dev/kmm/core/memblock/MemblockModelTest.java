package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_HOTPLUG;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_NOMAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random operations on memblock checked, after every step, against a plain model that
 * keeps one entry per page: which node and flags each page of "memory" has, and which node each
 * reserved page has. Everything is page-granular, so the model is exact: the region arrays must
 * equal the maximal runs of equal pages (sorted, disjoint, merged where mergeable) with the right
 * {@code total_size}, and every allocation must return the highest (top-down) or lowest
 * (bottom-up) aligned free block the model finds by brute force.
 */
class MemblockModelTest {
    private static final long PAGE = 4096;
    /** Pages in the modelled address space. */
    private static final int PAGES = 1024;
    private static final int OPS = 10_000;
    private static final int NONE = -1;

    /** The operations, with their share of the mix (per cent) and whether they act on "reserved". */
    enum Op {
        ADD(20, false), ADD_NODE(10, false), REMOVE(8, false), RESERVE(15, true), PHYS_FREE(12, true),
        ALLOC(15, true), MARK_NOMAP(5, false), CLEAR_NOMAP(4, false), MARK_HOTPLUG(3, false),
        SET_NODE_MEMORY(5, false), SET_NODE_RESERVED(3, true);

        final int percent;
        final boolean reservedSide;

        Op(int percent, boolean reservedSide) {
            this.percent = percent;
            this.reservedSide = reservedSide;
        }

        static Op pick(int roll) {
            for (Op op : values()) {
                roll -= op.percent;
                if (roll < 0) {
                    return op;
                }
            }
            throw new AssertionError("shares do not add up to 100");
        }
    }

    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of("x86_64", MemblockConfig.X86_64, true, 0x6d656d62L),
                Arguments.of("x86_64", MemblockConfig.X86_64, false, 42L),
                Arguments.of("x86_64", MemblockConfig.X86_64, true, 7L),
                Arguments.of("arm", MemblockConfig.ARM_VEXPRESS, true, 1234L),
                Arguments.of("arm", MemblockConfig.ARM_VEXPRESS, false, 99L));
    }

    // model: per page, memory attribute (nid << 8 | flags) or NONE, and reserved nid or NONE
    private final int[] mem = new int[PAGES];
    private final int[] res = new int[PAGES];
    private Memblock mb;
    private MemblockConfig config;
    private final List<String> log = new ArrayList<>();
    private int noNode;

    @ParameterizedTest(name = "{0} resize={2} seed={3}")
    @MethodSource("runs")
    void randomOperationsMatchPageModel(String name, MemblockConfig cfg, boolean allowResize, long seed) {
        config = cfg;
        mb = new Memblock(cfg, (level, line) -> log.add(line), (b, s) -> { });
        noNode = cfg.numa() ? cfg.maxNumNodes() : 0;
        Arrays.fill(mem, NONE);
        Arrays.fill(res, NONE);
        if (allowResize) {
            mb.memblockAllowResize();
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int grownArrays = 0;
        int allocations = 0;
        int allocated = 0;
        int failures = 0;
        int maxCnt = 0;

        for (int step = 0; step < OPS; step++) {
            log.clear();
            long memArr = mb.memory().arrayPhys();
            int memMax = mb.memory().max();
            long resArr = mb.reserved().arrayPhys();
            int resMax = mb.reserved().max();
            int[] memBefore = mem.clone();
            int[] resBefore = res.clone();

            int p = rnd.nextInt(PAGES);
            int n = rnd.nextInt(4) < 2 ? 1 + rnd.nextInt(2) : 1 + rnd.nextInt(64);
            n = Math.min(n, PAGES - p);
            long base = p * PAGE;
            long size = n * PAGE;
            Op op = Op.pick(rnd.nextInt(100));
            int nid = config.numa() ? rnd.nextInt(3) : 0;
            int flags = rnd.nextBoolean() ? MEMBLOCK_HOTPLUG : 0;
            String what = op.name();
            int rc = 0;
            long alloc = -1;
            long expected = 0;

            switch (op) {
                case ADD -> rc = mb.memblockAdd(base, size);
                case ADD_NODE -> {
                    what += " nid=" + nid + " flags=" + flags;
                    rc = mb.memblockAddNode(base, size, nid, flags);
                }
                case REMOVE -> rc = mb.memblockRemove(base, size);
                case RESERVE -> rc = mb.memblockReserve(base, size);
                case PHYS_FREE -> rc = mb.memblockPhysFree(base, size);
                case ALLOC -> {
                    boolean bottomUp = rnd.nextInt(3) == 0;
                    mb.memblockSetBottomUp(bottomUp);
                    long align = PAGE << rnd.nextInt(4);
                    long start = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(PAGES) * PAGE;
                    long end = rnd.nextInt(3) == 0 ? Memblock.MEMBLOCK_ALLOC_ACCESSIBLE
                            : rnd.nextInt(PAGES + 1) * PAGE;
                    what += String.format(" %d pages align=0x%x [0x%x, 0x%x) bottomUp=%b",
                            n, align, start, end, bottomUp);
                    expected = modelFind(size, align, start, end, bottomUp);
                    alloc = mb.memblockPhysAllocRange(size, align, start, end);
                    base = alloc;
                    allocations++;
                }
                case MARK_NOMAP -> rc = mb.memblockMarkNomap(base, size);
                case CLEAR_NOMAP -> rc = mb.memblockClearNomap(base, size);
                case MARK_HOTPLUG -> rc = mb.memblockMarkHotplug(base, size);
                case SET_NODE_MEMORY -> {
                    what += " nid=" + nid;
                    rc = mb.memblockSetNode(base, size, mb.memory(), nid);
                }
                case SET_NODE_RESERVED -> {
                    what += " nid=" + nid;
                    rc = mb.memblockSetNode(base, size, mb.reserved(), nid);
                }
            }
            String ctx = "step " + step + ": " + what + String.format(" [0x%x+0x%x)", base, size);

            // region arrays that were doubled: the old one is freed, the new one reserved
            boolean grew = false;
            if (mb.memory().arrayPhys() != memArr) {
                moveArray(memArr, memMax, mb.memory(), memBefore, resBefore, op.reservedSide ? base : -1, size, ctx);
                grew = true;
            }
            if (mb.reserved().arrayPhys() != resArr) {
                moveArray(resArr, resMax, mb.reserved(), memBefore, resBefore, op.reservedSide ? base : -1, size, ctx);
                grew = true;
            }
            if (grew) {
                grownArrays++;
            }

            boolean failed = rc != 0 || (alloc == 0 && expected != 0);
            if (failed) {
                failures++;
                assertEquals(alloc == -1 ? -Memblock.ENOMEM : 0, rc, ctx);
                if (allowResize) {
                    assertTrue(log.stream().anyMatch(l -> l.startsWith("memblock: Failed to double ")), ctx + " " + log);
                } else {
                    assertTrue(mb.memory().cnt() * 2 + 1 >= mb.memory().max()
                            || mb.reserved().cnt() * 2 + 1 >= mb.reserved().max(), ctx + ": failed with room in both arrays");
                }
            } else if (alloc != -1) {
                assertEquals(expected, alloc, ctx);
                if (alloc != 0) {
                    applyReserve(alloc, size, noNode);
                    allocated++;
                }
            } else {
                applyModel(op, p, n, nid, flags);
            }
            checkType(mb.memory(), mem, ctx, true);
            checkType(mb.reserved(), res, ctx, false);
            maxCnt = Math.max(maxCnt, Math.max(mb.memory().cnt(), mb.reserved().cnt()));
        }
        // the mix must have exercised what it is meant to
        assertTrue(allocations > OPS / 10, "too few allocations exercised: " + allocations);
        assertTrue(allocated > allocations / 4, "too few allocations succeeded: " + allocated + "/" + allocations);
        if (allowResize) {
            assertTrue(grownArrays > 0, "no region array was ever doubled");
            assertTrue(maxCnt > Memblock.INIT_MEMBLOCK_REGIONS, "arrays never held more than 128 regions");
        } else {
            assertTrue(failures > 0, "full arrays never refused an operation");
        }
    }

    private void applyModel(Op op, int p, int n, int nid, int flags) {
        for (int i = p; i < p + n; i++) {
            switch (op) {
                case ADD -> mem[i] = mem[i] == NONE ? noNode << 8 : mem[i];
                case ADD_NODE -> mem[i] = mem[i] == NONE ? nid << 8 | flags : mem[i];
                case REMOVE -> mem[i] = NONE;
                case RESERVE -> res[i] = res[i] == NONE ? noNode : res[i];
                case PHYS_FREE -> res[i] = NONE;
                case MARK_NOMAP -> mem[i] = mem[i] == NONE ? NONE : mem[i] | MEMBLOCK_NOMAP;
                case CLEAR_NOMAP -> mem[i] = mem[i] == NONE ? NONE : mem[i] & ~MEMBLOCK_NOMAP;
                case MARK_HOTPLUG -> mem[i] = mem[i] == NONE ? NONE : mem[i] | MEMBLOCK_HOTPLUG;
                // memblock_set_node() does nothing without NUMA
                case SET_NODE_MEMORY -> mem[i] = mem[i] == NONE || !config.numa() ? mem[i] : nid << 8 | (mem[i] & 0xff);
                case SET_NODE_RESERVED -> res[i] = res[i] == NONE || !config.numa() ? res[i] : nid;
                case ALLOC -> throw new AssertionError("allocations are applied from their result");
            }
        }
    }

    private void applyReserve(long base, long size, int nid) {
        for (long a = base; a < base + size; a += PAGE) {
            int i = (int) (a / PAGE);
            if (res[i] == NONE) {
                res[i] = nid;
            }
        }
    }

    /** The model side of memblock_double_array(): old array freed, new one reserved after checks. */
    private void moveArray(long oldArr, int oldMax, MemblockType type, int[] memBefore, int[] resBefore,
                           long exclBase, long exclSize, String ctx) {
        long structSize = config.regionStructSize();
        long newArr = type.arrayPhys();
        long newSize = Harness.pageAlign(structSize * type.max());
        assertEquals(oldMax * 2L, type.max(), ctx + ": " + type.name() + " array not doubled once");
        assertEquals(0, newArr % PAGE, ctx);
        if (oldArr != 0) {
            long oldSize = Harness.pageAlign(structSize * oldMax);
            for (long a = oldArr; a < oldArr + oldSize; a += PAGE) {
                res[(int) (a / PAGE)] = NONE;
            }
        }
        for (long a = newArr; a < newArr + newSize; a += PAGE) {
            int i = (int) (a / PAGE);
            assertTrue(a >= PAGE, ctx + ": array in the first page");
            assertTrue(memBefore[i] != NONE && (memBefore[i] & MEMBLOCK_NOMAP) == 0, ctx + ": array outside usable memory");
            boolean wasOldArray = oldArr != 0 && a >= oldArr && a < oldArr + Harness.pageAlign(structSize * oldMax);
            assertTrue(resBefore[i] == NONE || wasOldArray, ctx + ": array on reserved memory");
            if (type == mb.reserved() && exclBase >= 0) {
                assertTrue(a + PAGE <= exclBase || a >= exclBase + exclSize, ctx + ": array overlaps the range being reserved");
            }
        }
        applyReserve(newArr, newSize, noNode);
    }

    /** Brute force: the highest (or lowest) aligned block of free, usable pages in one memory region. */
    private long modelFind(long size, long align, long start, long end, boolean bottomUp) {
        if (end == Memblock.MEMBLOCK_ALLOC_ACCESSIBLE) {
            end = mb.memblockGetCurrentLimit();
        }
        start = Math.max(start, PAGE);
        long lo = start;
        long hi = Long.compareUnsigned(end, PAGES * PAGE) > 0 ? PAGES * PAGE : Math.max(end, start);
        int pages = (int) (size / PAGE);
        long first = (lo + align - 1) / align * align;
        long last = (hi - size) / align * align;
        if (hi < size || last < first) {
            return 0;
        }
        for (long a = bottomUp ? first : last; bottomUp ? a <= last : a >= first; a += bottomUp ? align : -align) {
            int i0 = (int) (a / PAGE);
            boolean ok = true;
            for (int i = i0; i < i0 + pages && ok; i++) {
                ok = mem[i] != NONE && (mem[i] & MEMBLOCK_NOMAP) == 0 && res[i] == NONE && mem[i] == mem[i0];
            }
            if (ok) {
                return a;
            }
        }
        return 0;
    }

    /** The type must equal the maximal runs of equal pages of the model. */
    private void checkType(MemblockType t, int[] model, String ctx, boolean isMemory) {
        long total = 0;
        for (int i = 0; i < t.cnt(); i++) {
            total += t.size(i);
            if (i > 0) {
                long prevEnd = t.base(i - 1) + t.size(i - 1);
                check(prevEnd <= t.base(i), ctx, t, i, "unsorted or overlapping its predecessor");
                check(prevEnd != t.base(i) || t.nid(i - 1) != t.nid(i) || t.flags(i - 1) != t.flags(i),
                        ctx, t, i, "left unmerged with its predecessor");
            }
        }
        check(total == t.totalSize(), ctx, t, -1, "total_size " + t.totalSize() + " != sum " + total);

        int r = 0;
        int i = 0;
        while (i < PAGES) {
            if (model[i] == NONE) {
                i++;
                continue;
            }
            int j = i;
            while (j < PAGES && model[j] == model[i]) {
                j++;
            }
            int nid = isMemory ? model[i] >> 8 : model[i];
            int flags = isMemory ? model[i] & 0xff : 0;
            boolean same = r < t.cnt() && t.base(r) == i * PAGE && t.size(r) == (j - i) * PAGE
                    && t.nid(r) == nid && t.flags(r) == flags;
            if (!same) {
                String got = r < t.cnt() ? String.format("[0x%x+0x%x) nid %d flags %d", t.base(r), t.size(r),
                        t.nid(r), t.flags(r)) : "no region";
                fail(String.format("%s: %s[%d] should be [0x%x+0x%x) nid %d flags %d, is %s", ctx, t.name(), r,
                        i * PAGE, (j - i) * PAGE, nid, flags, got));
            }
            r++;
            i = j;
        }
        if (r == 0) {
            check(t.cnt() == 1 && t.size(0) == 0, ctx, t, 0, "empty type must keep only the dummy entry");
        } else {
            check(t.cnt() == r, ctx, t, -1, "cnt " + t.cnt() + " != " + r + " runs");
        }
    }

    private static void check(boolean ok, String ctx, MemblockType t, int i, String what) {
        if (!ok) {
            fail(ctx + ": " + t.name() + (i >= 0 ? "[" + i + "] " : " ") + what);
        }
    }
}
