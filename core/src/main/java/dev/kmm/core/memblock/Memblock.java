package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_DRIVER_MANAGED;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_HOTPLUG;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_MIRROR;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_NONE;
import static dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_NOMAP;
import static dev.kmm.core.memblock.MemblockLog.KERN_ERR;
import static dev.kmm.core.memblock.MemblockLog.KERN_INFO;
import static dev.kmm.core.memblock.MemblockLog.KERN_WARNING;

import java.util.Objects;
import java.util.Set;

/**
 * {@code struct memblock} and the functions of Linux 6.1 {@code mm/memblock.c}: the boot-time
 * allocator that knows which physical memory exists ("memory") and which of it is taken
 * ("reserved").
 *
 * <p>Functions keep the kernel's names in Java case and its return conventions: region
 * operations return 0 or {@code -ENOMEM}, allocations return a physical address or 0. A size of 0
 * is a no-op and a range running past {@code PHYS_ADDR_MAX} is clamped ({@code memblock_cap_size}),
 * as in the kernel. Arguments the kernel would silently misuse (an address wider than
 * {@code phys_addr_t}, an alignment that is not a power of two, an unknown flag or node) raise
 * {@link IllegalArgumentException} before anything changes. A {@code BUG_ON} raises
 * {@link IllegalStateException}.
 *
 * <p>Messages go to the {@link MemblockLog} in the kernel's formats. With {@code memblock=debug}
 * ({@link #earlyMemblock}) every call is traced like the kernel's {@code memblock_dbg}; the
 * {@code %pS} caller is the calling Java method's name (no symbol offsets).
 */
public final class Memblock {
    /** {@code NUMA_NO_NODE}. */
    public static final int NUMA_NO_NODE = -1;
    /** {@code MEMBLOCK_ALLOC_ACCESSIBLE}: up to {@code memblock.current_limit}. */
    public static final long MEMBLOCK_ALLOC_ACCESSIBLE = 0;
    /** {@code MEMBLOCK_ALLOC_NOLEAKTRACE}: like ACCESSIBLE, without kmemleak tracking. */
    public static final long MEMBLOCK_ALLOC_NOLEAKTRACE = 1;
    /** {@code MEMBLOCK_LOW_LIMIT}. */
    public static final long MEMBLOCK_LOW_LIMIT = 0;
    /** {@code INIT_MEMBLOCK_REGIONS}: initial size of each region array. */
    public static final int INIT_MEMBLOCK_REGIONS = 128;
    /** {@code INIT_MEMBLOCK_MEMORY_REGIONS} (x86 and arm keep the default). */
    public static final int INIT_MEMBLOCK_MEMORY_REGIONS = INIT_MEMBLOCK_REGIONS;
    /** {@code INIT_MEMBLOCK_RESERVED_REGIONS} (x86 and arm keep the default). */
    public static final int INIT_MEMBLOCK_RESERVED_REGIONS = INIT_MEMBLOCK_REGIONS;
    /** {@code ENOMEM}; failing region operations return {@code -ENOMEM}. */
    public static final int ENOMEM = 12;

    /** Iteration end marker of the u64 range iterators ({@code ULLONG_MAX}). */
    private static final long ITER_END = -1L;

    /** The header's {@code static inline} functions: the trace names their caller, as inlining does. */
    private static final Set<String> INLINED = Set.of("memblockPhysAlloc", "memblockAlloc",
            "memblockAllocRaw", "memblockAllocFrom", "memblockAllocLow", "memblockAllocNode");
    private static final StackWalker WALKER = StackWalker.getInstance();

    // WARN_ONCE sites of "Usage of MAX_NUMNODES is deprecated"
    private static final int WARN_NEXT_MEM_RANGE = 1;
    private static final int WARN_NEXT_MEM_RANGE_REV = 2;
    private static final int WARN_ALLOC_RANGE_NID = 4;

    private final MemblockConfig config;
    private final MemblockLog log;
    private final PhysRangeOp zeroer;
    private final long physAddrMax;
    private final long pageSize;
    private final int maxNumNodes;

    private final MemblockType memory;
    private final MemblockType reserved;
    private boolean bottomUp;
    private long currentLimit;

    private boolean memblockDebug;
    private boolean systemHasSomeMirror;
    private boolean memblockCanResize;
    private boolean movableNodeEnabled;
    private boolean mirroredKernelcore;
    private int warnedOnce;

    /** Scratch out-parameters of the find loops; those never nest. */
    private final MemblockRange findRange = new MemblockRange();

    /**
     * The statically initialised {@code struct memblock}: empty arrays of
     * {@link #INIT_MEMBLOCK_REGIONS} entries, top-down, {@code current_limit} =
     * {@code MEMBLOCK_ALLOC_ANYWHERE}.
     *
     * @param config the kernel configuration
     * @param log    receives the kernel messages
     * @param zeroer clears memory returned by the zeroing allocators ({@code memblock_alloc*}
     *               except the {@code _raw} ones), as their {@code memset} does
     */
    public Memblock(MemblockConfig config, MemblockLog log, PhysRangeOp zeroer) {
        this.config = Objects.requireNonNull(config);
        this.log = Objects.requireNonNull(log);
        this.zeroer = Objects.requireNonNull(zeroer);
        this.physAddrMax = config.physAddrMax();
        this.pageSize = config.pageSize();
        this.maxNumNodes = config.maxNumNodes();
        this.memory = new MemblockType("memory", INIT_MEMBLOCK_MEMORY_REGIONS);
        this.reserved = new MemblockType("reserved", INIT_MEMBLOCK_RESERVED_REGIONS);
        this.bottomUp = false;
        this.currentLimit = physAddrMax;
    }

    /** The configuration this memblock models. */
    public MemblockConfig config() {
        return config;
    }

    /** {@code memblock.memory}. */
    public MemblockType memory() {
        return memory;
    }

    /** {@code memblock.reserved}. */
    public MemblockType reserved() {
        return reserved;
    }

    /** {@code MEMBLOCK_ALLOC_ANYWHERE}: {@code ~(phys_addr_t)0}. */
    public long memblockAllocAnywhere() {
        return physAddrMax;
    }

    /** {@code MAX_NUMNODES}: the node id of regions added without a node. */
    public int maxNumNodes() {
        return maxNumNodes;
    }

    // ---- settings ---------------------------------------------------------------------------

    /** {@code early_param("memblock", ...)}: "debug" anywhere in the value turns the trace on. */
    public void earlyMemblock(String p) {
        if (p != null && p.contains("debug")) {
            memblockDebug = true;
        }
    }

    /** {@code memblock_allow_resize}: from now on full region arrays are doubled. */
    public void memblockAllowResize() {
        memblockCanResize = true;
    }

    /** {@code memblock_set_bottom_up}. */
    public void memblockSetBottomUp(boolean enable) {
        bottomUp = enable;
    }

    /** {@code memblock_bottom_up}. */
    public boolean memblockBottomUp() {
        return bottomUp;
    }

    /** {@code memblock_set_current_limit}: allocations asking for ACCESSIBLE stay below it. */
    public void memblockSetCurrentLimit(long limit) {
        currentLimit = checkPhys(limit, "limit");
    }

    /** {@code memblock_get_current_limit}. */
    public long memblockGetCurrentLimit() {
        return currentLimit;
    }

    /** {@code movable_node_is_enabled()}: the "movable_node" parameter; allocations skip hotplug memory. */
    public void setMovableNode(boolean enabled) {
        movableNodeEnabled = enabled;
    }

    /** {@code mirrored_kernelcore} ("kernelcore=mirror"): without it {@link #memblockMarkMirror} does nothing. */
    public void setMirroredKernelcore(boolean enabled) {
        mirroredKernelcore = enabled;
    }

    // ---- address utilities ------------------------------------------------------------------

    private static boolean ltU(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    private static long minU(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    private static long maxU(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    /** The kernel's {@code clamp(val, lo, hi)}: {@code min(max(val, lo), hi)}. */
    private static long clampU(long val, long lo, long hi) {
        return minU(maxU(val, lo), hi);
    }

    /** Wraps a sum or difference to the width of {@code phys_addr_t}. */
    private long wrap(long v) {
        return v & physAddrMax;
    }

    /** {@code round_up(x, y)} for a power-of-two {@code y}, as the kernel's mask arithmetic. */
    private long roundUp(long x, long align) {
        return wrap(((x - 1) | (align - 1)) + 1);
    }

    /** {@code round_down(x, y)} for a power-of-two {@code y}. */
    private static long roundDown(long x, long align) {
        return x & ~(align - 1);
    }

    private long pageAlign(long x) {
        return wrap(x + pageSize - 1) & ~(pageSize - 1);
    }

    private long pfnUp(long x) {
        return wrap(x + pageSize - 1) >>> config.pageShift();
    }

    private long pfnDown(long x) {
        return x >>> config.pageShift();
    }

    /** {@code memblock_cap_size}: the size that keeps {@code base + size} within {@code PHYS_ADDR_MAX}. */
    private long memblockCapSize(long base, long size) {
        return minU(size, physAddrMax - base);
    }

    /** {@code memblock_addrs_overlap}. */
    private static boolean memblockAddrsOverlap(long base1, long size1, long base2, long size2) {
        return ltU(base1, base2 + size2) && ltU(base2, base1 + size1);
    }

    // ---- argument checks (the kernel trusts its callers; a library cannot) ------------------

    private long checkPhys(long v, String what) {
        if ((v & ~physAddrMax) != 0) {
            throw new IllegalArgumentException(String.format(
                    "memblock: %s 0x%x does not fit a %d-bit phys_addr_t", what, v, config.physAddrBits()));
        }
        return v;
    }

    private static void checkAlign(long align) {
        if (align != 0 && Long.bitCount(align) != 1) {
            throw new IllegalArgumentException(String.format(
                    "memblock: align 0x%x is not a power of two", align));
        }
    }

    /** A node id: {@code 0..MAX_NUMNODES}, where {@code MAX_NUMNODES} means "no node". */
    private int checkNid(int nid) {
        if (nid < 0 || nid > maxNumNodes) {
            throw new IllegalArgumentException("memblock: nid " + nid + " is outside 0.." + maxNumNodes);
        }
        return nid;
    }

    /** A node selector: a node, or {@link #NUMA_NO_NODE}. */
    private int checkNidSelector(int nid) {
        return nid == NUMA_NO_NODE ? nid : checkNid(nid);
    }

    private static int checkFlags(int flags) {
        if ((flags & ~MemblockFlags.ALL) != 0) {
            throw new IllegalArgumentException(String.format("memblock: unknown region flags 0x%x", flags));
        }
        return flags;
    }

    private MemblockType checkType(MemblockType type) {
        if (type != memory && type != reserved) {
            throw new IllegalArgumentException("memblock: type " + type.name + " belongs to another memblock");
        }
        return type;
    }

    // ---- messages ---------------------------------------------------------------------------

    /** {@code %pa}: a {@code phys_addr_t} as zero-padded hex of its full width. */
    static String formatPhysAddr(long v, int physAddrBits) {
        return physAddrBits == 64 ? String.format("0x%016x", v) : String.format("0x%08x", v & 0xffff_ffffL);
    }

    private String fmtPa(long v) {
        return formatPhysAddr(v, config.physAddrBits());
    }

    /**
     * The {@code %pS} of the trace: the Java method that called the traced memblock function,
     * which is {@code depth} frames above this one.
     */
    private static String caller(int depth) {
        return WALKER.walk(s -> s.skip(depth + 1)
                .filter(f -> !(f.getClassName().equals(Memblock.class.getName())
                        && INLINED.contains(f.getMethodName())))
                .findFirst()
                .map(StackWalker.StackFrame::getMethodName)
                .orElse("?"));
    }

    /** {@code memblock_dbg("%s: [%pa-%pa] %pS\n", __func__, &base, &end, _RET_IP_)}. */
    private void dbgRange(String func, long base, long size) {
        if (memblockDebug) {
            log.printk(KERN_INFO, String.format("%s: [%s-%s] %s", func, fmtPa(base),
                    fmtPa(wrap(base + size - 1)), caller(2)));
        }
    }

    /** {@code memblock_dbg} of the allocation entry points that take a node. */
    private void dbgAllocNid(String func, long size, long align, int nid, long minAddr, long maxAddr) {
        if (memblockDebug) {
            log.printk(KERN_INFO, String.format("%s: %s bytes align=0x%x nid=%d from=%s max_addr=%s %s", func,
                    Long.toUnsignedString(size), align, nid, fmtPa(minAddr), fmtPa(maxAddr), caller(2)));
        }
    }

    /** {@code WARN_ON(cond)}: the splat shortened to one line naming the function and condition. */
    private void warnOn(boolean cond, String func, String condition) {
        if (cond) {
            log.printk(KERN_WARNING, "WARNING: at mm/memblock.c " + func + "(): " + condition);
        }
    }

    /** {@code WARN_ONCE(nid == MAX_NUMNODES, ...)}: returns the node selector to use. */
    private int warnMaxNumnodes(int nid, int site) {
        if (nid != maxNumNodes) {
            return nid;
        }
        if ((warnedOnce & site) == 0) {
            warnedOnce |= site;
            log.printk(KERN_WARNING, "Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE instead");
        }
        return NUMA_NO_NODE;
    }

    private int chooseMemblockFlags() {
        return systemHasSomeMirror ? MEMBLOCK_MIRROR : MEMBLOCK_NONE;
    }

    // ---- region array primitives --------------------------------------------------------------

    /** {@code memblock_set_region_node}: a no-op without NUMA, where every region reads node 0. */
    private int regionNode(int nid) {
        return config.numa() ? nid : 0;
    }

    /** {@code memblock_remove_region}: drops region {@code r}; an emptied type gets its dummy back. */
    private void memblockRemoveRegion(MemblockType type, int r) {
        type.totalSize -= type.size[r];
        int tail = type.cnt - (r + 1);
        System.arraycopy(type.base, r + 1, type.base, r, tail);
        System.arraycopy(type.size, r + 1, type.size, r, tail);
        System.arraycopy(type.flags, r + 1, type.flags, r, tail);
        System.arraycopy(type.nid, r + 1, type.nid, r, tail);
        type.cnt--;

        // Special case for empty arrays
        if (type.cnt == 0) {
            warnOn(type.totalSize != 0, "memblock_remove_region", "type->total_size != 0");
            type.cnt = 1;
            type.base[0] = 0;
            type.size[0] = 0;
            type.flags[0] = 0;
            type.nid[0] = regionNode(maxNumNodes);
        }
    }

    /** {@code memblock_insert_region}: inserts a region at {@code idx}; the array must have room. */
    private void memblockInsertRegion(MemblockType type, int idx, long base, long size, int nid, int flags) {
        if (type.cnt >= type.max) {
            throw new IllegalStateException("BUG: memblock_insert_region: " + type.name + " array is full");
        }
        int tail = type.cnt - idx;
        System.arraycopy(type.base, idx, type.base, idx + 1, tail);
        System.arraycopy(type.size, idx, type.size, idx + 1, tail);
        System.arraycopy(type.flags, idx, type.flags, idx + 1, tail);
        System.arraycopy(type.nid, idx, type.nid, idx + 1, tail);
        type.base[idx] = base;
        type.size[idx] = size;
        type.flags[idx] = flags;
        type.nid[idx] = regionNode(nid);
        type.cnt++;
        type.totalSize += size;
    }

    /** {@code memblock_merge_regions}: merges neighbours that touch and share node and flags. */
    private void memblockMergeRegions(MemblockType type) {
        int i = 0;
        // cnt never goes below 1
        while (i < type.cnt - 1) {
            long thisEnd = type.base[i] + type.size[i];
            if (thisEnd != type.base[i + 1] || type.nid[i] != type.nid[i + 1] || type.flags[i] != type.flags[i + 1]) {
                if (ltU(type.base[i + 1], thisEnd)) {
                    throw new IllegalStateException("BUG: memblock_merge_regions: " + type.name
                            + " regions " + i + " and " + (i + 1) + " overlap");
                }
                i++;
                continue;
            }
            type.size[i] += type.size[i + 1];
            // move forward from next + 1, index of which is i + 2
            int tail = type.cnt - (i + 2);
            System.arraycopy(type.base, i + 2, type.base, i + 1, tail);
            System.arraycopy(type.size, i + 2, type.size, i + 1, tail);
            System.arraycopy(type.flags, i + 2, type.flags, i + 1, tail);
            System.arraycopy(type.nid, i + 2, type.nid, i + 1, tail);
            type.cnt--;
        }
    }

    /**
     * {@code memblock_double_array}: doubles the region array of {@code type}. The new array's
     * memory is found with memblock (avoiding {@code [newAreaStart, newAreaStart + newAreaSize)}
     * when doubling "reserved" for that very range), the previous doubled array is freed, and the
     * new one is reserved. Memblock runs before the slab allocator here, so the kernel's
     * {@code kmalloc} branch never applies.
     *
     * @return 0 on success, -1 when resizing is not allowed yet or no memory is found
     */
    private int memblockDoubleArray(MemblockType type, long newAreaStart, long newAreaSize) {
        // We don't allow resizing until we know about the reserved regions
        // of memory that aren't suitable for allocation
        if (!memblockCanResize) {
            return -1;
        }

        long oldSize = (long) type.max * config.regionStructSize();
        long newSize = oldSize << 1;
        // allocate whole pages, so the arrays can be freed completely later
        long oldAllocSize = pageAlign(oldSize);
        long newAllocSize = pageAlign(newSize);

        // only exclude range when trying to double reserved.regions
        if (type != reserved) {
            newAreaStart = newAreaSize = 0;
        }
        long addr = memblockFindInRange(wrap(newAreaStart + newAreaSize), currentLimit, newAllocSize, pageSize);
        if (addr == 0 && newAreaSize != 0) {
            addr = memblockFindInRange(0, minU(newAreaStart, currentLimit), newAllocSize, pageSize);
        }
        if (addr == 0) {
            log.printk(KERN_ERR, String.format("memblock: Failed to double %s array from %d to %d entries !",
                    type.name, type.max, (long) type.max * 2));
            return -1;
        }

        long newEnd = wrap(addr + newSize - 1);
        if (memblockDebug) {
            log.printk(KERN_INFO, String.format("memblock: %s is doubled to %d at [%s-%s]",
                    type.name, (long) type.max * 2, fmtPa(addr), fmtPa(newEnd)));
        }

        // Move the array over before reserving: it may be the reserved array itself that is full.
        long oldArray = type.arrayPhys;
        type.resize(type.max << 1);
        type.arrayPhys = addr;

        // The static initial array is not freed.
        if (oldArray != 0) {
            memblockFree(oldArray, oldAllocSize);
        }
        // Reserve the new array: it came from memblock.
        if (memblockReserve(addr, newAllocSize) != 0) {
            throw new IllegalStateException("BUG: memblock_double_array: cannot reserve the new " + type.name + " array");
        }
        return 0;
    }

    // ---- adding and removing ranges -------------------------------------------------------------

    /**
     * {@code memblock_add_range}: adds {@code [base, base + size)} to {@code type}. The new range
     * may overlap existing regions; overlaps keep their attributes. The type stays minimal (all
     * compatible neighbours merged).
     *
     * @return 0, or {@code -ENOMEM} when the array is full and cannot grow
     */
    private int memblockAddRange(MemblockType type, long base, long size, int nid, int flags) {
        long obase = base;
        size = memblockCapSize(base, size);
        long end = base + size;

        if (size == 0) {
            return 0;
        }

        // special case for empty array
        if (type.size[0] == 0) {
            warnOn(type.cnt != 1 || type.totalSize != 0, "memblock_add_range", "type->cnt != 1 || type->total_size");
            type.base[0] = base;
            type.size[0] = size;
            type.flags[0] = flags;
            type.nid[0] = regionNode(nid);
            type.totalSize = size;
            return 0;
        }

        // The worst case is a new range overlapping every region: cnt + 1 new entries. When
        // that fits, insert directly instead of counting first.
        boolean insert = type.cnt * 2 + 1 < type.max;

        while (true) {
            // Executed once counting (insert false) then once inserting, unless there is room.
            base = obase;
            int nrNew = 0;
            int idx;
            for (idx = 0; idx < type.cnt; idx++) {
                long rbase = type.base[idx];
                long rend = rbase + type.size[idx];

                if (!ltU(rbase, end)) {
                    break;
                }
                if (!ltU(base, rend)) {
                    continue;
                }
                // rgn overlaps. If it separates the lower part of new area, insert that portion.
                if (ltU(base, rbase)) {
                    if (config.numa()) {
                        warnOn(nid != type.nid[idx], "memblock_add_range", "nid != memblock_get_region_node(rgn)");
                    }
                    warnOn(flags != type.flags[idx], "memblock_add_range", "flags != rgn->flags");
                    nrNew++;
                    if (insert) {
                        memblockInsertRegion(type, idx++, base, rbase - base, nid, flags);
                    }
                }
                // area below rend is dealt with, forget about it
                base = minU(rend, end);
            }

            // insert the remaining portion
            if (ltU(base, end)) {
                nrNew++;
                if (insert) {
                    memblockInsertRegion(type, idx, base, end - base, nid, flags);
                }
            }

            if (nrNew == 0) {
                return 0;
            }

            if (insert) {
                memblockMergeRegions(type);
                return 0;
            }
            // first round: resize the array, then repeat for the actual insertions
            while (type.cnt + nrNew > type.max) {
                if (memblockDoubleArray(type, obase, size) < 0) {
                    return -ENOMEM;
                }
            }
            insert = true;
        }
    }

    /**
     * {@code memblock_isolate_range}: splits the regions of {@code type} that cross the
     * boundaries of {@code [base, base + size)}, which creates at most two regions.
     *
     * @return {@code start_rgn << 32 | end_rgn}, the index range of the regions inside, or
     *         {@code -ENOMEM}
     */
    private long memblockIsolateRange(MemblockType type, long base, long size) {
        size = memblockCapSize(base, size);
        long end = base + size;
        int startRgn = 0;
        int endRgn = 0;

        if (size == 0) {
            return 0;
        }

        // we'll create at most two more regions
        while (type.cnt + 2 > type.max) {
            if (memblockDoubleArray(type, base, size) < 0) {
                return -ENOMEM;
            }
        }

        for (int idx = 0; idx < type.cnt; idx++) {
            long rbase = type.base[idx];
            long rend = rbase + type.size[idx];

            if (!ltU(rbase, end)) {
                break;
            }
            if (!ltU(base, rend)) {
                continue;
            }

            if (ltU(rbase, base)) {
                // rgn intersects from below: split and continue with the new top half.
                type.base[idx] = base;
                type.size[idx] -= base - rbase;
                type.totalSize -= base - rbase;
                memblockInsertRegion(type, idx, rbase, base - rbase, type.nid[idx], type.flags[idx]);
            } else if (ltU(end, rend)) {
                // rgn intersects from above: split and redo the current region, the new bottom half.
                type.base[idx] = end;
                type.size[idx] -= end - rbase;
                type.totalSize -= end - rbase;
                memblockInsertRegion(type, idx, rbase, end - rbase, type.nid[idx], type.flags[idx]);
                idx--;
            } else {
                // rgn is fully contained, record it
                if (endRgn == 0) {
                    startRgn = idx;
                }
                endRgn = idx + 1;
            }
        }
        return (long) startRgn << 32 | endRgn;
    }

    /** {@code memblock_remove_range}: removes {@code [base, base + size)} from {@code type}. */
    private int memblockRemoveRange(MemblockType type, long base, long size) {
        long rgns = memblockIsolateRange(type, base, size);
        if (rgns < 0) {
            return (int) rgns;
        }
        for (int i = (int) rgns - 1; i >= (int) (rgns >>> 32); i--) {
            memblockRemoveRegion(type, i);
        }
        return 0;
    }

    /**
     * {@code memblock_add_node}: adds {@code [base, base + size)} to "memory" on node {@code nid}
     * with {@code flags}.
     *
     * @return 0, or {@code -ENOMEM}
     */
    public int memblockAddNode(long base, long size, int nid, int flags) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        checkNid(nid);
        checkFlags(flags);
        if (memblockDebug) {
            log.printk(KERN_INFO, String.format("%s: [%s-%s] nid=%d flags=%x %s", "memblock_add_node",
                    fmtPa(base), fmtPa(wrap(base + size - 1)), nid, flags, caller(1)));
        }
        return memblockAddRange(memory, base, size, nid, flags);
    }

    /**
     * {@code memblock_add}: adds {@code [base, base + size)} to "memory", without a node.
     *
     * @return 0, or {@code -ENOMEM}
     */
    public int memblockAdd(long base, long size) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        dbgRange("memblock_add", base, size);
        return memblockAddRange(memory, base, size, maxNumNodes, MEMBLOCK_NONE);
    }

    /**
     * {@code memblock_remove}: removes {@code [base, base + size)} from "memory".
     *
     * @return 0, or {@code -ENOMEM}
     */
    public int memblockRemove(long base, long size) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        dbgRange("memblock_remove", base, size);
        return memblockRemoveRange(memory, base, size);
    }

    /**
     * {@code memblock_free}: frees a block from the {@code memblock_alloc*} family. The kernel's
     * takes the block's virtual address; this one, like the allocators here, its physical
     * address. Address 0 (the failed allocation) is ignored, as NULL is.
     */
    public void memblockFree(long ptr, long size) {
        if (ptr != 0) {
            memblockPhysFree(ptr, size);
        }
    }

    /**
     * {@code memblock_phys_free}: removes {@code [base, base + size)} from "reserved". The memory
     * does not go to the buddy allocator.
     *
     * @return 0, or {@code -ENOMEM}
     */
    public int memblockPhysFree(long base, long size) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        dbgRange("memblock_phys_free", base, size);
        return memblockRemoveRange(reserved, base, size);
    }

    /**
     * {@code memblock_reserve}: adds {@code [base, base + size)} to "reserved".
     *
     * @return 0, or {@code -ENOMEM}
     */
    public int memblockReserve(long base, long size) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        dbgRange("memblock_reserve", base, size);
        return memblockAddRange(reserved, base, size, maxNumNodes, MEMBLOCK_NONE);
    }

    /** {@code memblock_setclr_flag}: sets or clears {@code flag} on the "memory" part of the range. */
    private int memblockSetclrFlag(long base, long size, boolean set, int flag) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        long rgns = memblockIsolateRange(memory, base, size);
        if (rgns < 0) {
            return (int) rgns;
        }
        for (int i = (int) (rgns >>> 32); i < (int) rgns; i++) {
            if (set) {
                memory.flags[i] |= flag;
            } else {
                memory.flags[i] &= ~flag;
            }
        }
        memblockMergeRegions(memory);
        return 0;
    }

    /** {@code memblock_mark_hotplug}: marks hotpluggable memory. */
    public int memblockMarkHotplug(long base, long size) {
        return memblockSetclrFlag(base, size, true, MEMBLOCK_HOTPLUG);
    }

    /** {@code memblock_clear_hotplug}. */
    public int memblockClearHotplug(long base, long size) {
        return memblockSetclrFlag(base, size, false, MEMBLOCK_HOTPLUG);
    }

    /**
     * {@code memblock_mark_mirror}: marks mirrored memory; only with {@code kernelcore=mirror},
     * after which allocations prefer mirrored memory.
     */
    public int memblockMarkMirror(long base, long size) {
        if (!mirroredKernelcore) {
            return 0;
        }
        systemHasSomeMirror = true;
        return memblockSetclrFlag(base, size, true, MEMBLOCK_MIRROR);
    }

    /**
     * {@code memblock_mark_nomap}: keeps the range out of the direct map; it stays covered by the
     * memory map and its pages are PageReserved. Allocations skip it.
     */
    public int memblockMarkNomap(long base, long size) {
        return memblockSetclrFlag(base, size, true, MEMBLOCK_NOMAP);
    }

    /** {@code memblock_clear_nomap}. */
    public int memblockClearNomap(long base, long size) {
        return memblockSetclrFlag(base, size, false, MEMBLOCK_NOMAP);
    }

    /**
     * {@code memblock_set_node}: sets the node of the {@code type} regions in
     * {@code [base, base + size)}, splitting regions that cross the boundaries. Does nothing
     * without NUMA.
     *
     * @return 0, or {@code -ENOMEM}
     */
    public int memblockSetNode(long base, long size, MemblockType type, int nid) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        checkType(type);
        checkNid(nid);
        if (!config.numa()) {
            return 0;
        }
        long rgns = memblockIsolateRange(type, base, size);
        if (rgns < 0) {
            return (int) rgns;
        }
        for (int i = (int) (rgns >>> 32); i < (int) rgns; i++) {
            type.nid[i] = nid;
        }
        memblockMergeRegions(type);
        return 0;
    }

    // ---- iteration ------------------------------------------------------------------------------

    /** {@code should_skip_region}: only "memory" regions are filtered. */
    private boolean shouldSkipRegion(MemblockType type, int i, int nid, int flags) {
        if (type != memory) {
            return false;
        }
        int mFlags = type.flags[i];
        // only memory regions are associated with nodes, check it
        if (nid != NUMA_NO_NODE && nid != type.nid[i]) {
            return true;
        }
        // skip hotpluggable memory regions if needed
        if (movableNodeEnabled && (mFlags & MEMBLOCK_HOTPLUG) != 0 && (flags & MEMBLOCK_HOTPLUG) == 0) {
            return true;
        }
        // if we want mirror memory skip non-mirror memory regions
        if ((flags & MEMBLOCK_MIRROR) != 0 && (mFlags & MEMBLOCK_MIRROR) == 0) {
            return true;
        }
        // skip nomap memory unless we were asked for it explicitly
        if ((flags & MEMBLOCK_NOMAP) == 0 && (mFlags & MEMBLOCK_NOMAP) != 0) {
            return true;
        }
        // skip driver-managed memory unless we were asked for it explicitly
        return (flags & MEMBLOCK_DRIVER_MANAGED) == 0 && (mFlags & MEMBLOCK_DRIVER_MANAGED) != 0;
    }

    private static long packIdx(int idxA, int idxB) {
        return (idxA & 0xffff_ffffL) | (long) idxB << 32;
    }

    /**
     * {@code __next_mem_range}: the step of {@code for_each_free_mem_range} and friends. Finds the
     * next range of {@code typeA} not covered by {@code typeB} (or the next {@code typeA} region
     * when {@code typeB} is null), from position {@code idx} (start with 0).
     *
     * @return the next position, or -1 ({@code ULLONG_MAX}) when done; the range is in {@code out}
     */
    public long nextMemRange(long idx, int nid, int flags, MemblockType typeA, MemblockType typeB,
                             MemblockRange out) {
        int idxA = (int) idx;
        int idxB = (int) (idx >>> 32);
        nid = warnMaxNumnodes(nid, WARN_NEXT_MEM_RANGE);

        for (; idxA < typeA.cnt; idxA++) {
            long mStart = typeA.base[idxA];
            long mEnd = mStart + typeA.size[idxA];
            int mNid = typeA.nid[idxA];

            if (shouldSkipRegion(typeA, idxA, nid, flags)) {
                continue;
            }
            if (typeB == null) {
                out.set(mStart, mEnd, mNid);
                idxA++;
                return packIdx(idxA, idxB);
            }
            // scan areas before each reservation
            for (; idxB < typeB.cnt + 1; idxB++) {
                long rStart = idxB != 0 ? typeB.base[idxB - 1] + typeB.size[idxB - 1] : 0;
                long rEnd = idxB < typeB.cnt ? typeB.base[idxB] : physAddrMax;

                // if idx_b advanced past idx_a, break out to advance idx_a
                if (!ltU(rStart, mEnd)) {
                    break;
                }
                // if the two regions intersect, we're done
                if (ltU(mStart, rEnd)) {
                    out.set(maxU(mStart, rStart), minU(mEnd, rEnd), mNid);
                    // The region which ends first is advanced for the next iteration.
                    if (!ltU(rEnd, mEnd)) {
                        idxA++;
                    } else {
                        idxB++;
                    }
                    return packIdx(idxA, idxB);
                }
            }
        }
        return ITER_END;
    }

    /**
     * {@code __next_mem_range_rev}: {@link #nextMemRange} walking down from the top; start with
     * -1 ({@code ULLONG_MAX}).
     */
    public long nextMemRangeRev(long idx, int nid, int flags, MemblockType typeA, MemblockType typeB,
                                MemblockRange out) {
        int idxA = (int) idx;
        int idxB = (int) (idx >>> 32);
        nid = warnMaxNumnodes(nid, WARN_NEXT_MEM_RANGE_REV);

        if (idx == ITER_END) {
            idxA = typeA.cnt - 1;
            idxB = typeB != null ? typeB.cnt : 0;
        }

        for (; idxA >= 0; idxA--) {
            long mStart = typeA.base[idxA];
            long mEnd = mStart + typeA.size[idxA];
            int mNid = typeA.nid[idxA];

            if (shouldSkipRegion(typeA, idxA, nid, flags)) {
                continue;
            }
            if (typeB == null) {
                out.set(mStart, mEnd, mNid);
                idxA--;
                return packIdx(idxA, idxB);
            }
            // scan areas before each reservation
            for (; idxB >= 0; idxB--) {
                long rStart = idxB != 0 ? typeB.base[idxB - 1] + typeB.size[idxB - 1] : 0;
                long rEnd = idxB < typeB.cnt ? typeB.base[idxB] : physAddrMax;

                // if idx_b advanced past idx_a, break out to advance idx_a
                if (!ltU(mStart, rEnd)) {
                    break;
                }
                // if the two regions intersect, we're done
                if (ltU(rStart, mEnd)) {
                    out.set(maxU(mStart, rStart), minU(mEnd, rEnd), mNid);
                    if (!ltU(mStart, rStart)) {
                        idxA--;
                    } else {
                        idxB--;
                    }
                    return packIdx(idxA, idxB);
                }
            }
        }
        return ITER_END;
    }

    private void forEach(boolean reverse, MemblockType a, MemblockType b, int nid, int flags,
                         MemblockRangeConsumer action) {
        MemblockRange r = new MemblockRange();
        if (reverse) {
            for (long i = nextMemRangeRev(ITER_END, nid, flags, a, b, r); i != ITER_END;
                 i = nextMemRangeRev(i, nid, flags, a, b, r)) {
                action.accept(r.start(), r.end(), r.nid());
            }
        } else {
            for (long i = nextMemRange(0, nid, flags, a, b, r); i != ITER_END;
                 i = nextMemRange(i, nid, flags, a, b, r)) {
                action.accept(r.start(), r.end(), r.nid());
            }
        }
    }

    /** {@code for_each_free_mem_range}: memory not reserved, in ascending order. */
    public void forEachFreeMemRange(int nid, int flags, MemblockRangeConsumer action) {
        forEach(false, memory, reserved, checkNidSelector(nid), checkFlags(flags), action);
    }

    /** {@code for_each_free_mem_range_reverse}: memory not reserved, in descending order. */
    public void forEachFreeMemRangeReverse(int nid, int flags, MemblockRangeConsumer action) {
        forEach(true, memory, reserved, checkNidSelector(nid), checkFlags(flags), action);
    }

    /** {@code for_each_mem_range}: memory regions, hotplug and driver-managed ones included. */
    public void forEachMemRange(MemblockRangeConsumer action) {
        forEach(false, memory, null, NUMA_NO_NODE, MEMBLOCK_HOTPLUG | MEMBLOCK_DRIVER_MANAGED, action);
    }

    /** {@code for_each_mem_range_rev}. */
    public void forEachMemRangeRev(MemblockRangeConsumer action) {
        forEach(true, memory, null, NUMA_NO_NODE, MEMBLOCK_HOTPLUG | MEMBLOCK_DRIVER_MANAGED, action);
    }

    /** {@code for_each_reserved_mem_range}. */
    public void forEachReservedMemRange(MemblockRangeConsumer action) {
        forEach(false, reserved, null, NUMA_NO_NODE, MEMBLOCK_NONE, action);
    }

    /**
     * {@code __next_mem_pfn_range}: the step of {@code for_each_mem_pfn_range}; start with -1.
     * Ranges are whole pages of one memory region of node {@code nid} ({@code MAX_NUMNODES} for
     * all); regions without a whole page are skipped.
     *
     * @return the index of the region found, or -1 when done; the pfn range is in {@code out}
     */
    public int nextMemPfnRange(int idx, int nid, MemblockRange out) {
        MemblockType type = memory;
        while (++idx < type.cnt) {
            long rBase = type.base[idx];
            long rEnd = rBase + type.size[idx];
            if (Long.compareUnsigned(pfnUp(rBase), pfnDown(rEnd)) >= 0) {
                continue;
            }
            if (nid == maxNumNodes || nid == type.nid[idx]) {
                out.set(pfnUp(rBase), pfnDown(rEnd), type.nid[idx]);
                return idx;
            }
        }
        return -1;
    }

    /** {@code for_each_mem_pfn_range}: pfn ranges of the memory regions of {@code nid}. */
    public void forEachMemPfnRange(int nid, MemblockRangeConsumer action) {
        checkNid(nid);
        MemblockRange r = new MemblockRange();
        for (int i = nextMemPfnRange(-1, nid, r); i >= 0; i = nextMemPfnRange(i, nid, r)) {
            action.accept(r.start(), r.end(), r.nid());
        }
    }

    // ---- finding and allocating ---------------------------------------------------------------

    /** {@code __memblock_find_range_bottom_up}: the lowest fit; 0 when none. */
    private long memblockFindRangeBottomUp(long start, long end, long size, long align, int nid, int flags) {
        MemblockRange r = findRange;
        for (long i = nextMemRange(0, nid, flags, memory, reserved, r); i != ITER_END;
             i = nextMemRange(i, nid, flags, memory, reserved, r)) {
            long thisStart = clampU(r.start(), start, end);
            long thisEnd = clampU(r.end(), start, end);

            long cand = roundUp(thisStart, align);
            if (ltU(cand, thisEnd) && !ltU(thisEnd - cand, size)) {
                return cand;
            }
        }
        return 0;
    }

    /** {@code __memblock_find_range_top_down}: the highest fit; 0 when none. */
    private long memblockFindRangeTopDown(long start, long end, long size, long align, int nid, int flags) {
        MemblockRange r = findRange;
        for (long i = nextMemRangeRev(ITER_END, nid, flags, memory, reserved, r); i != ITER_END;
             i = nextMemRangeRev(i, nid, flags, memory, reserved, r)) {
            long thisStart = clampU(r.start(), start, end);
            long thisEnd = clampU(r.end(), start, end);

            if (ltU(thisEnd, size)) {
                continue;
            }
            long cand = roundDown(thisEnd - size, align);
            if (!ltU(cand, thisStart)) {
                return cand;
            }
        }
        return 0;
    }

    /**
     * {@code memblock_find_in_range_node}: a free, aligned block of {@code size} in
     * {@code [start, end)} on node {@code nid}, in the current direction. The first page is never
     * returned.
     *
     * @return the block's address, or 0
     */
    long memblockFindInRangeNode(long size, long align, long start, long end, int nid, int flags) {
        // pump up end
        if (end == MEMBLOCK_ALLOC_ACCESSIBLE || end == MEMBLOCK_ALLOC_NOLEAKTRACE) {
            end = currentLimit;
        }
        // avoid allocating the first page
        start = maxU(start, pageSize);
        end = maxU(start, end);

        if (bottomUp) {
            return memblockFindRangeBottomUp(start, end, size, align, nid, flags);
        }
        return memblockFindRangeTopDown(start, end, size, align, nid, flags);
    }

    /** {@code memblock_find_in_range}: any node, mirrored memory first when the system has some. */
    long memblockFindInRange(long start, long end, long size, long align) {
        int flags = chooseMemblockFlags();
        while (true) {
            long ret = memblockFindInRangeNode(size, align, start, end, NUMA_NO_NODE, flags);
            if (ret == 0 && (flags & MEMBLOCK_MIRROR) != 0) {
                log.printk(KERN_WARNING, "Could not allocate " + fmtPa(size) + " bytes of mirrored memory");
                flags &= ~MEMBLOCK_MIRROR;
                continue;
            }
            return ret;
        }
    }

    /**
     * {@code memblock_alloc_range_nid}: finds and reserves {@code size} bytes aligned to
     * {@code align} in {@code [start, end)}, preferring node {@code nid}. {@code end} may be
     * {@link #MEMBLOCK_ALLOC_ACCESSIBLE}. Unless {@code exactNid}, falls back to any node; on a
     * mirrored system, falls back from mirrored memory to any. An {@code align} of 0 means
     * {@code SMP_CACHE_BYTES} (the kernel also dumps the stack).
     *
     * @return the physical address, or 0
     */
    public long memblockAllocRangeNid(long size, long align, long start, long end, int nid, boolean exactNid) {
        checkPhys(size, "size");
        checkAlign(align);
        checkPhys(start, "start");
        checkPhys(end, "end");
        checkNidSelector(nid);
        int flags = chooseMemblockFlags();
        nid = warnMaxNumnodes(nid, WARN_ALLOC_RANGE_NID);
        if (align == 0) {
            align = config.smpCacheBytes();
        }

        while (true) {
            long found = memblockFindInRangeNode(size, align, start, end, nid, flags);
            if (found != 0 && memblockReserve(found, size) == 0) {
                return found;
            }
            if (nid != NUMA_NO_NODE && !exactNid) {
                found = memblockFindInRangeNode(size, align, start, end, NUMA_NO_NODE, flags);
                if (found != 0 && memblockReserve(found, size) == 0) {
                    return found;
                }
            }
            if ((flags & MEMBLOCK_MIRROR) == 0) {
                return 0;
            }
            flags &= ~MEMBLOCK_MIRROR;
            log.printk(KERN_WARNING, "Could not allocate " + fmtPa(size) + " bytes of mirrored memory");
        }
    }

    /**
     * {@code memblock_phys_alloc_range}: {@code size} bytes between {@code start} and {@code end}.
     *
     * @return the physical address, or 0
     */
    public long memblockPhysAllocRange(long size, long align, long start, long end) {
        if (memblockDebug) {
            log.printk(KERN_INFO, String.format("%s: %s bytes align=0x%x from=%s max_addr=%s %s",
                    "memblock_phys_alloc_range", Long.toUnsignedString(size), align, fmtPa(start),
                    fmtPa(end), caller(1)));
        }
        return memblockAllocRangeNid(size, align, start, end, NUMA_NO_NODE, false);
    }

    /** {@code memblock_phys_alloc}: {@code size} bytes below {@code current_limit}. */
    public long memblockPhysAlloc(long size, long align) {
        return memblockPhysAllocRange(size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE);
    }

    /** {@code memblock_phys_alloc_try_nid}: from node {@code nid}, else from any node. */
    public long memblockPhysAllocTryNid(long size, long align, int nid) {
        return memblockAllocRangeNid(size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false);
    }

    /**
     * {@code memblock_alloc_internal}: caps {@code maxAddr} at {@code current_limit} and drops
     * {@code minAddr} when it cannot be met. (The kernel also diverts to {@code kzalloc_node} once
     * slab is up; memblock here serves only the boot.)
     */
    private long memblockAllocInternal(long size, long align, long minAddr, long maxAddr, int nid, boolean exactNid) {
        if (ltU(currentLimit, maxAddr)) {
            maxAddr = currentLimit;
        }
        long alloc = memblockAllocRangeNid(size, align, minAddr, maxAddr, nid, exactNid);
        // retry allocation without lower limit
        if (alloc == 0 && minAddr != 0) {
            alloc = memblockAllocRangeNid(size, align, 0, maxAddr, nid, exactNid);
        }
        return alloc;
    }

    /**
     * {@code memblock_alloc_exact_nid_raw}: from node {@code nid} only, not zeroed.
     *
     * @return the physical address, or 0
     */
    public long memblockAllocExactNidRaw(long size, long align, long minAddr, long maxAddr, int nid) {
        dbgAllocNid("memblock_alloc_exact_nid_raw", size, align, nid, minAddr, maxAddr);
        return memblockAllocInternal(size, align, minAddr, maxAddr, nid, true);
    }

    /**
     * {@code memblock_alloc_try_nid_raw}: preferring node {@code nid}, not zeroed.
     *
     * @return the physical address, or 0
     */
    public long memblockAllocTryNidRaw(long size, long align, long minAddr, long maxAddr, int nid) {
        dbgAllocNid("memblock_alloc_try_nid_raw", size, align, nid, minAddr, maxAddr);
        return memblockAllocInternal(size, align, minAddr, maxAddr, nid, false);
    }

    /**
     * {@code memblock_alloc_try_nid}: preferring node {@code nid} and {@code [minAddr, maxAddr)}
     * ({@code maxAddr} may be {@link #MEMBLOCK_ALLOC_ACCESSIBLE}); the memory is zeroed. Failure
     * returns 0 silently, as in the kernel, whose callers panic on must-succeed allocations.
     *
     * @return the physical address, or 0
     */
    public long memblockAllocTryNid(long size, long align, long minAddr, long maxAddr, int nid) {
        dbgAllocNid("memblock_alloc_try_nid", size, align, nid, minAddr, maxAddr);
        long ptr = memblockAllocInternal(size, align, minAddr, maxAddr, nid, false);
        if (ptr != 0) {
            zeroer.apply(ptr, size);
        }
        return ptr;
    }

    /** {@code memblock_alloc}: zeroed, anywhere below {@code current_limit}. */
    public long memblockAlloc(long size, long align) {
        return memblockAllocTryNid(size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
    }

    /** {@code memblock_alloc_raw}: like {@link #memblockAlloc}, not zeroed. */
    public long memblockAllocRaw(long size, long align) {
        return memblockAllocTryNidRaw(size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
    }

    /** {@code memblock_alloc_from}: zeroed, preferably above {@code minAddr}. */
    public long memblockAllocFrom(long size, long align, long minAddr) {
        return memblockAllocTryNid(size, align, minAddr, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
    }

    /** {@code memblock_alloc_low}: zeroed, below {@code ARCH_LOW_ADDRESS_LIMIT}. */
    public long memblockAllocLow(long size, long align) {
        return memblockAllocTryNid(size, align, MEMBLOCK_LOW_LIMIT, config.archLowAddressLimit(), NUMA_NO_NODE);
    }

    /** {@code memblock_alloc_node}: zeroed, preferably on node {@code nid}. */
    public long memblockAllocNode(long size, long align, int nid) {
        return memblockAllocTryNid(size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, nid);
    }

    // ---- queries --------------------------------------------------------------------------------

    /** {@code memblock_phys_mem_size}: {@code memory.total_size}. */
    public long memblockPhysMemSize() {
        return memory.totalSize;
    }

    /** {@code memblock_reserved_size}: {@code reserved.total_size}. */
    public long memblockReservedSize() {
        return reserved.totalSize;
    }

    /** {@code memblock_start_of_DRAM}: the lowest memory address (0 when there is none). */
    public long memblockStartOfDRAM() {
        return memory.base[0];
    }

    /** {@code memblock_end_of_DRAM}: the end of the highest memory region. */
    public long memblockEndOfDRAM() {
        int idx = memory.cnt - 1;
        return memory.base[idx] + memory.size[idx];
    }

    /** {@code __find_max_addr}: the address below which "memory" holds {@code limit} bytes. */
    private long findMaxAddr(long limit) {
        long maxAddr = physAddrMax;
        // if limit exceeds the total size of the regions, max_addr keeps PHYS_ADDR_MAX
        for (int i = 0; i < memory.cnt; i++) {
            if (!ltU(memory.size[i], limit)) {
                maxAddr = memory.base[i] + limit;
                break;
            }
            limit -= memory.size[i];
        }
        return maxAddr;
    }

    /** {@code memblock_enforce_memory_limit} ("mem="): truncates memory and reserved above {@code limit} bytes of memory. */
    public void memblockEnforceMemoryLimit(long limit) {
        checkPhys(limit, "limit");
        if (limit == 0) {
            return;
        }
        long maxAddr = findMaxAddr(limit);
        // limit exceeds the total size of the memory, do nothing
        if (maxAddr == physAddrMax) {
            return;
        }
        // truncate both memory and reserved regions
        memblockRemoveRange(memory, maxAddr, physAddrMax);
        memblockRemoveRange(reserved, maxAddr, physAddrMax);
    }

    /**
     * {@code memblock_cap_memory_range}: keeps only {@code [base, base + size)} of memory (NOMAP
     * regions outside stay) and of reserved.
     */
    public void memblockCapMemoryRange(long base, long size) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        if (size == 0) {
            return;
        }
        if (memory.totalSize == 0) {
            log.printk(KERN_WARNING, "memblock_cap_memory_range: No memory registered yet");
            return;
        }
        long rgns = memblockIsolateRange(memory, base, size);
        if (rgns < 0) {
            return;
        }
        int startRgn = (int) (rgns >>> 32);
        int endRgn = (int) rgns;

        // remove all the MAP regions
        for (int i = memory.cnt - 1; i >= endRgn; i--) {
            if ((memory.flags[i] & MEMBLOCK_NOMAP) == 0) {
                memblockRemoveRegion(memory, i);
            }
        }
        for (int i = startRgn - 1; i >= 0; i--) {
            if ((memory.flags[i] & MEMBLOCK_NOMAP) == 0) {
                memblockRemoveRegion(memory, i);
            }
        }
        // truncate the reserved regions
        memblockRemoveRange(reserved, 0, base);
        memblockRemoveRange(reserved, wrap(base + size), physAddrMax);
    }

    /** {@code memblock_mem_limit_remove_map}: like the memory limit, but keeps NOMAP regions above it. */
    public void memblockMemLimitRemoveMap(long limit) {
        checkPhys(limit, "limit");
        if (limit == 0) {
            return;
        }
        long maxAddr = findMaxAddr(limit);
        // limit exceeds the total size of the memory, do nothing
        if (maxAddr == physAddrMax) {
            return;
        }
        memblockCapMemoryRange(0, maxAddr);
    }

    /** {@code memblock_search}: binary search for the region holding {@code addr}; -1 when none. */
    private static int memblockSearch(MemblockType type, long addr) {
        int left = 0;
        int right = type.cnt;
        do {
            int mid = (right + left) >>> 1;
            if (ltU(addr, type.base[mid])) {
                right = mid;
            } else if (!ltU(addr, type.base[mid] + type.size[mid])) {
                left = mid + 1;
            } else {
                return mid;
            }
        } while (left < right);
        return -1;
    }

    /** {@code memblock_is_reserved}. */
    public boolean memblockIsReserved(long addr) {
        return memblockSearch(reserved, addr) != -1;
    }

    /** {@code memblock_is_memory}. */
    public boolean memblockIsMemory(long addr) {
        return memblockSearch(memory, addr) != -1;
    }

    /** {@code memblock_is_map_memory}: memory that is not NOMAP. */
    public boolean memblockIsMapMemory(long addr) {
        int i = memblockSearch(memory, addr);
        return i != -1 && (memory.flags[i] & MEMBLOCK_NOMAP) == 0;
    }

    /**
     * {@code memblock_search_pfn_nid}: the memory region holding page {@code pfn}.
     *
     * @return its node, or -1 when {@code pfn} is not memory; its pfn range is in {@code out}
     */
    public int memblockSearchPfnNid(long pfn, MemblockRange out) {
        int mid = memblockSearch(memory, wrap(pfn << config.pageShift()));
        if (mid == -1) {
            return -1;
        }
        out.set(pfnDown(memory.base[mid]), pfnDown(memory.base[mid] + memory.size[mid]), memory.nid[mid]);
        return memory.nid[mid];
    }

    /** {@code memblock_is_region_memory}: whether {@code [base, base + size)} lies in one memory region. */
    public boolean memblockIsRegionMemory(long base, long size) {
        checkPhys(base, "base");
        checkPhys(size, "size");
        int idx = memblockSearch(memory, base);
        long end = base + memblockCapSize(base, size);
        if (idx == -1) {
            return false;
        }
        return !ltU(memory.base[idx] + memory.size[idx], end);
    }

    /** {@code memblock_is_region_reserved}: whether {@code [base, base + size)} meets reserved memory. */
    public boolean memblockIsRegionReserved(long base, long size) {
        return memblockOverlapsRegion(reserved, base, size);
    }

    /** {@code memblock_overlaps_region}: whether {@code [base, base + size)} meets a region of {@code type}. */
    public boolean memblockOverlapsRegion(MemblockType type, long base, long size) {
        checkType(type);
        checkPhys(base, "base");
        checkPhys(size, "size");
        size = memblockCapSize(base, size);
        for (int i = 0; i < type.cnt; i++) {
            if (memblockAddrsOverlap(base, size, type.base[i], type.size[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code memblock_trim_memory}: shrinks each memory region to {@code align} boundaries,
     * dropping those that vanish. As in 6.1, {@code memory.total_size} is not updated for the
     * regions that are shrunk (only for the ones removed).
     */
    public void memblockTrimMemory(long align) {
        if (align <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException(String.format("memblock: align 0x%x is not a power of two", align));
        }
        for (int i = 0; i < memory.cnt; i++) {
            long origStart = memory.base[i];
            long origEnd = origStart + memory.size[i];
            long start = roundUp(origStart, align);
            long end = roundDown(origEnd, align);

            if (start == origStart && end == origEnd) {
                continue;
            }
            if (ltU(start, end)) {
                memory.base[i] = start;
                memory.size[i] = end - start;
            } else {
                memblockRemoveRegion(memory, i);
                i--;
            }
        }
    }

    /**
     * {@code memblock_discard}: hands the pages of doubled region arrays back through
     * {@code freeLate} ({@code memblock_free_late}), as kernels without
     * {@code CONFIG_ARCH_KEEP_MEMBLOCK} do once boot is over. The arrays stay readable here.
     */
    public void memblockDiscard(PhysRangeOp freeLate) {
        if (reserved.arrayPhys != 0) {
            freeLate.apply(reserved.arrayPhys, pageAlign((long) config.regionStructSize() * reserved.max));
        }
        if (memory.arrayPhys != 0) {
            freeLate.apply(memory.arrayPhys, pageAlign((long) config.regionStructSize() * memory.max));
        }
    }

    // ---- dumps ----------------------------------------------------------------------------------

    /** {@code memblock_dump}. */
    private void memblockDump(MemblockType type) {
        log.printk(KERN_INFO, String.format(" %s.cnt  = 0x%x", type.name, type.cnt));
        for (int idx = 0; idx < type.cnt; idx++) {
            long base = type.base[idx];
            long size = type.size[idx];
            long end = wrap(base + size - 1);
            String nidBuf = "";
            if (config.numa() && type.nid[idx] != maxNumNodes) {
                nidBuf = " on node " + type.nid[idx];
            }
            // the kernel's %#x, like Java's, prefixes 0x even to zero
            log.printk(KERN_INFO, String.format(" %s[%#x]\t[%s-%s], %s bytes%s flags: %#x", type.name, idx,
                    fmtPa(base), fmtPa(end), fmtPa(size), nidBuf, type.flags[idx]));
        }
    }

    /** {@code memblock_dump_all}: the "MEMBLOCK configuration" dump, printed with {@code memblock=debug}. */
    public void memblockDumpAll() {
        if (!memblockDebug) {
            return;
        }
        log.printk(KERN_INFO, "MEMBLOCK configuration:");
        log.printk(KERN_INFO, String.format(" memory size = %s reserved size = %s",
                fmtPa(memory.totalSize), fmtPa(reserved.totalSize)));
        memblockDump(memory);
        memblockDump(reserved);
    }

    /**
     * {@code memblock_debug_show}: the text of {@code /sys/kernel/debug/memblock/memory} or
     * {@code .../reserved}: per region {@code "%4d: %pa..%pa\n"} with the inclusive end
     * {@code base + size - 1}. {@code %pa} prints 16 hex digits for a 64-bit {@code phys_addr_t}
     * and 8 for a 32-bit one. (These files exist with {@code CONFIG_ARCH_KEEP_MEMBLOCK}, as on
     * arm and arm64; Debian's 6.1 x86_64 kernel discards memblock and has none.)
     */
    public static String debugfsShow(MemblockType type, int physAddrBits) {
        if (physAddrBits != 32 && physAddrBits != 64) {
            throw new IllegalArgumentException("phys_addr_t must be 32 or 64 bits, not " + physAddrBits);
        }
        StringBuilder sb = new StringBuilder(type.cnt * 44);
        for (int i = 0; i < type.cnt; i++) {
            long end = type.base[i] + type.size[i] - 1;
            sb.append(String.format("%4d: ", i))
                    .append(formatPhysAddr(type.base[i], physAddrBits)).append("..")
                    .append(formatPhysAddr(end, physAddrBits)).append('\n');
        }
        return sb.toString();
    }
}
