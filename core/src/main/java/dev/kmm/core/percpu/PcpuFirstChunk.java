package dev.kmm.core.percpu;

import dev.kmm.core.memblock.Memblock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntBinaryOperator;
import java.util.function.IntUnaryOperator;

/**
 * The embedded first per-CPU chunk of Linux 6.1 {@code mm/percpu.c}: {@code pcpu_build_alloc_info()}
 * sizes and groups the units, {@code pcpu_embed_first_chunk()} takes them from memblock inside the
 * linear map and returns what each unit does not use, and {@code pcpu_setup_first_chunk()} allocates
 * the first chunk's bookkeeping. Every memblock call is made with the kernel's sizes, alignments and
 * order, so the pages it leaves reserved are the kernel's.
 *
 * <p>Only the placement and sizing are modelled: the chunk's allocator (bitmaps, slots, dynamic
 * allocation) is not; the bookkeeping allocations are made for their memblock footprint.
 */
public final class PcpuFirstChunk {
    /** {@code PCPU_MIN_UNIT_SIZE = PFN_ALIGN(32 << 10)}. */
    public static final long PCPU_MIN_UNIT_SIZE = 32 << 10;
    /** {@code PERCPU_DYNAMIC_EARLY_SIZE}. */
    public static final long PERCPU_DYNAMIC_EARLY_SIZE = 12 << 10;
    /** {@code PERCPU_MODULE_RESERVE} with CONFIG_MODULES. */
    public static final long PERCPU_MODULE_RESERVE = 8 << 10;
    /** {@code PCPU_MIN_ALLOC_SIZE}. */
    private static final long PCPU_MIN_ALLOC_SIZE = 4;
    /** {@code PCPU_SLOT_BASE_SHIFT}. */
    private static final int PCPU_SLOT_BASE_SHIFT = 5;
    /** {@code LOCAL_DISTANCE}. */
    private static final int LOCAL_DISTANCE = 10;
    private static final long PAGE_SIZE = 4096;

    private PcpuFirstChunk() {
    }

    /** {@code PERCPU_DYNAMIC_RESERVE}: 28 KiB on 64-bit, 20 KiB on 32-bit. */
    public static long percpuDynamicReserve(int bitsPerLong) {
        return bitsPerLong > 32 ? 28 << 10 : 20 << 10;
    }

    /**
     * The build facts the bookkeeping sizes depend on.
     *
     * @param pointerSize  {@code sizeof(void *)}: 4 or 8
     * @param memcgKmem    {@code CONFIG_MEMCG_KMEM}: {@code struct pcpu_chunk} carries {@code obj_cgroups}
     * @param smpCacheBytes {@code SMP_CACHE_BYTES}
     */
    public record Build(int pointerSize, boolean memcgKmem, long smpCacheBytes) {
        public Build {
            if (pointerSize != 4 && pointerSize != 8) {
                throw new IllegalArgumentException("pointers are 4 or 8 bytes: " + pointerSize);
            }
        }

        /**
         * {@code sizeof(struct pcpu_chunk)} without its {@code populated[]} bitmap (no
         * CONFIG_PERCPU_STATS): list_head, free_bytes, chunk_md (8 ints), five pointers, two bools,
         * four ints and, with MEMCG_KMEM, one more pointer; padded to the pointer size.
         */
        long chunkStructSize() {
            long p = pointerSize;
            long off = 2 * p + 4;              // list, free_bytes
            off += 32;                          // chunk_md
            off = align(off, p) + 5 * p;        // base_addr, alloc_map, bound_map, md_blocks, data
            off += 2;                           // immutable, isolated
            off = align(off, 4) + 8;            // start_offset, end_offset
            if (memcgKmem) {
                off = align(off, p) + p;        // obj_cgroups
            }
            off += 12;                          // nr_pages, nr_populated, nr_empty_pop_pages
            return align(off, p);               // populated[] (unsigned long)
        }
    }

    /**
     * What {@code pcpu_embed_first_chunk()} did.
     *
     * @param ai        the allocation info
     * @param base      the chunk's base (lowest group address, physical)
     * @param groupPhys each group's physical address
     */
    public record Result(PcpuAllocInfo ai, long base, long[] groupPhys) {
        public Result {
            groupPhys = groupPhys.clone();
        }

        @Override
        public long[] groupPhys() {
            return groupPhys.clone();
        }

        /** The physical address of CPU {@code cpu}'s unit. */
        public long unitPhys(int cpu) {
            for (int g = 0; g < ai.groups().size(); g++) {
                int[] map = ai.groups().get(g).cpuMap();
                for (int u = 0; u < map.length; u++) {
                    if (map[u] == cpu) {
                        return groupPhys[g] + u * ai.unitSize();
                    }
                }
            }
            throw new IllegalArgumentException("CPU " + cpu + " has no unit");
        }

        /** The line {@code pcpu_embed_first_chunk()} prints. */
        public String embeddedLine() {
            return String.format("percpu: Embedded %d pages/cpu s%d r%d d%d u%d", ai.sizeSum() / PAGE_SIZE,
                    ai.staticSize(), ai.reservedSize(), ai.dynSize(), ai.unitSize());
        }
    }

    /**
     * {@code pcpu_build_alloc_info()}: the unit size (the static, reserved and at least
     * {@code PERCPU_DYNAMIC_EARLY_SIZE} dynamic bytes, page aligned, at least 32 KiB), CPUs grouped by
     * {@code LOCAL_DISTANCE}, and the units per allocation that waste at most a third of the possible
     * CPUs' units without taking more allocations.
     *
     * @param nrCpus       the possible CPUs, {@code 0..nrCpus-1}
     * @param cpuDistance  {@code cpu_distance_fn}, or null to put every CPU in one group
     */
    public static PcpuAllocInfo pcpuBuildAllocInfo(long staticSize, long reservedSize, long dynSize, long atomSize,
                                                   int nrCpus, IntBinaryOperator cpuDistance) {
        if (staticSize <= 0 || reservedSize < 0 || dynSize < 0 || atomSize < PAGE_SIZE
                || Long.bitCount(atomSize) != 1 || nrCpus < 1) {
            throw new IllegalArgumentException("bad per-CPU sizes: static " + staticSize + ", reserved " + reservedSize
                    + ", dyn " + dynSize + ", atom " + atomSize + ", cpus " + nrCpus);
        }
        long sizeSum = pfnAlign(staticSize + reservedSize + Math.max(dynSize, PERCPU_DYNAMIC_EARLY_SIZE));
        dynSize = sizeSum - staticSize - reservedSize;

        long minUnitSize = Math.max(sizeSum, PCPU_MIN_UNIT_SIZE);
        long allocSize = (minUnitSize + atomSize - 1) / atomSize * atomSize;
        int upa = (int) (allocSize / minUnitSize);
        while (allocSize % upa != 0 || ((allocSize / upa) & (PAGE_SIZE - 1)) != 0) {
            upa--;
        }
        int maxUpa = upa;

        // Group the CPUs by proximity: a CPU joins the first CPU's group when both see LOCAL_DISTANCE.
        int[] groupMap = new int[nrCpus];
        List<Integer> groupCnt = new ArrayList<>();
        boolean[] left = new boolean[nrCpus];
        Arrays.fill(left, true);
        int remaining = nrCpus;
        for (int group = 0; remaining > 0; group++) {
            int cpu = 0;
            while (!left[cpu]) {
                cpu++;
            }
            groupMap[cpu] = group;
            groupCnt.add(1);
            left[cpu] = false;
            remaining--;
            for (int tcpu = cpu + 1; tcpu < nrCpus; tcpu++) {
                if (left[tcpu] && (cpuDistance == null || (cpuDistance.applyAsInt(cpu, tcpu) == LOCAL_DISTANCE
                        && cpuDistance.applyAsInt(tcpu, cpu) == LOCAL_DISTANCE))) {
                    groupMap[tcpu] = group;
                    groupCnt.set(group, groupCnt.get(group) + 1);
                    left[tcpu] = false;
                    remaining--;
                }
            }
        }
        int nrGroups = groupCnt.size();

        // Expand the unit size until at least 75% of the allocated units are used.
        int lastAllocs = Integer.MAX_VALUE;
        int bestUpa = 0;
        for (upa = maxUpa; upa > 0; upa--) {
            if (allocSize % upa != 0 || ((allocSize / upa) & (PAGE_SIZE - 1)) != 0) {
                continue;
            }
            int allocs = 0;
            int wasted = 0;
            for (int cnt : groupCnt) {
                int thisAllocs = (cnt + upa - 1) / upa;
                allocs += thisAllocs;
                wasted += thisAllocs * upa - cnt;
            }
            if (wasted > nrCpus / 3) {
                continue;
            }
            if (allocs > lastAllocs) {
                break;
            }
            lastAllocs = allocs;
            bestUpa = upa;
        }
        upa = bestUpa;

        long unitSize = allocSize / upa;
        List<PcpuAllocInfo.Group> groups = new ArrayList<>(nrGroups);
        long unit = 0;
        for (int group = 0; group < nrGroups; group++) {
            int units = (groupCnt.get(group) + upa - 1) / upa * upa;
            int[] cpuMap = new int[units];
            Arrays.fill(cpuMap, PcpuAllocInfo.NO_CPU);
            int n = 0;
            for (int cpu = 0; cpu < nrCpus; cpu++) {
                if (groupMap[cpu] == group) {
                    cpuMap[n++] = cpu;
                }
            }
            groups.add(new PcpuAllocInfo.Group(unit * unitSize, cpuMap));
            unit += units;
        }
        return new PcpuAllocInfo(staticSize, reservedSize, dynSize, unitSize, atomSize, allocSize, groups);
    }

    /**
     * {@code pcpu_embed_first_chunk()} followed by the memblock work of {@code pcpu_setup_first_chunk()}.
     *
     * @param nrCpus     the possible CPUs ({@code nr_cpu_ids})
     * @param cpuToNode  {@code cpu_to_nd_fn} of a NUMA kernel, returning the CPU's node or -1 when it has
     *                   none (then the group comes from anywhere above the goal); null for a kernel
     *                   without NUMA, whose {@code pcpu_fc_alloc} is {@code memblock_alloc_from}
     * @param goal       {@code __pa(MAX_DMA_ADDRESS)}: the lowest address memblock tries first
     * @param log        receives {@code pr_info} and {@code pr_debug} lines as (level, text): level 6 or 7
     */
    public static Result pcpuEmbedFirstChunk(Memblock memblock, Build build, long staticSize, long reservedSize,
                                             long dynSize, long atomSize, int nrCpus, IntBinaryOperator cpuDistance,
                                             IntUnaryOperator cpuToNode, long goal, Consumer<Line> log) {
        Objects.requireNonNull(memblock, "memblock");
        Objects.requireNonNull(build, "build");
        PcpuAllocInfo ai = pcpuBuildAllocInfo(staticSize, reservedSize, dynSize, atomSize, nrCpus, cpuDistance);
        int nrGroups = ai.groups().size();
        long p = build.pointerSize();

        // pcpu_alloc_alloc_info(): the header, the group array and every cpu_map, in whole pages.
        long header = 7 * p + 4;
        long groupSize = align(4, p) + 2 * p;
        long base = align(align(header, p) + nrGroups * groupSize, 4);
        long aiSize = pfnAlign(base + (long) ai.nrUnits() * 4);
        long aiPhys = must(memblock.memblockAlloc(aiSize, PAGE_SIZE), aiSize, "pcpu_alloc_alloc_info");

        long sizeSum = ai.sizeSum();
        long areasSize = pfnAlign(nrGroups * p);
        long areas = must(memblock.memblockAlloc(areasSize, build.smpCacheBytes()), areasSize, "pcpu_embed_first_chunk");

        long[] groupPhys = new long[nrGroups];
        long lowest = -1;
        for (int g = 0; g < nrGroups; g++) {
            PcpuAllocInfo.Group gi = ai.groups().get(g);
            int cpu = Arrays.stream(gi.cpuMap()).filter(c -> c != PcpuAllocInfo.NO_CPU).findFirst().orElseThrow();
            long size = gi.nrUnits() * ai.unitSize();
            groupPhys[g] = pcpuFcAlloc(memblock, cpu, size, atomSize, cpuToNode, goal, log);
            lowest = lowest < 0 ? groupPhys[g] : Math.min(lowest, groupPhys[g]);
        }
        // Return what the units do not use: spare units whole, the tail of each used one.
        for (int g = 0; g < nrGroups; g++) {
            int[] map = ai.groups().get(g).cpuMap();
            for (int u = 0; u < map.length; u++) {
                long unit = groupPhys[g] + u * ai.unitSize();
                if (map[u] == PcpuAllocInfo.NO_CPU) {
                    memblock.memblockFree(unit, ai.unitSize());
                } else {
                    memblock.memblockFree(unit + sizeSum, ai.unitSize() - sizeSum);
                }
            }
        }
        List<PcpuAllocInfo.Group> placed = new ArrayList<>(nrGroups);
        for (int g = 0; g < nrGroups; g++) {
            placed.add(new PcpuAllocInfo.Group(groupPhys[g] - lowest, ai.groups().get(g).cpuMap()));
        }
        ai = new PcpuAllocInfo(ai.staticSize(), ai.reservedSize(), ai.dynSize(), ai.unitSize(), ai.atomSize(),
                ai.allocSize(), placed);
        Result result = new Result(ai, lowest, groupPhys);
        log.accept(new Line(6, result.embeddedLine()));

        pcpuSetupFirstChunk(memblock, build, ai, nrCpus, log);

        memblock.memblockFree(aiPhys, aiSize); // pcpu_free_alloc_info()
        memblock.memblockFree(areas, areasSize);
        return result;
    }

    /** A log line with its printk level (6 info, 7 debug). */
    public record Line(int level, String text) {
    }

    /** {@code pcpu_fc_alloc()}. */
    private static long pcpuFcAlloc(Memblock memblock, int cpu, long size, long align, IntUnaryOperator cpuToNode,
                                    long goal, Consumer<Line> log) {
        if (cpuToNode == null) {
            return must(memblock.memblockAllocFrom(size, align, goal), size, "pcpu_fc_alloc");
        }
        int node = cpuToNode.applyAsInt(cpu);
        if (node < 0) {
            long ptr = memblock.memblockAllocFrom(size, align, goal);
            log.accept(new Line(6, "percpu: cpu " + cpu + " has no node " + node + " or node-local memory"));
            return must(ptr, size, "pcpu_fc_alloc");
        }
        return must(memblock.memblockAllocTryNid(size, align, goal, Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, node), size,
                "pcpu_fc_alloc");
    }

    /**
     * The memblock allocations of {@code pcpu_setup_first_chunk()}: the group and unit maps, the chunk
     * slot lists, and for the reserved and the dynamic region each a {@code pcpu_alloc_first_chunk()}
     * (chunk, allocation bitmap, boundary bitmap, block metadata). Also prints {@code pcpu_dump_alloc_info}.
     */
    private static void pcpuSetupFirstChunk(Memblock memblock, Build build, PcpuAllocInfo ai, int nrCpuIds,
                                            Consumer<Line> log) {
        long p = build.pointerSize();
        long cache = build.smpCacheBytes();
        int nrGroups = ai.groups().size();
        alloc(memblock, nrGroups * p, cache);          // group_offsets
        alloc(memblock, nrGroups * p, cache);          // group_sizes
        alloc(memblock, nrCpuIds * 4L, cache);         // unit_map
        alloc(memblock, nrCpuIds * p, cache);          // unit_off
        dumpAllocInfo(ai, nrCpuIds, log);

        int sidelined = pcpuSizeToSlot((int) ai.unitSize()) + 1;
        int nrSlots = sidelined + 3;                    // sidelined, free, to_depopulate
        alloc(memblock, nrSlots * 2 * p, cache);        // pcpu_chunk_lists

        long staticSize = align(ai.staticSize(), PCPU_MIN_ALLOC_SIZE);
        long dynSize = ai.dynSize() - (staticSize - ai.staticSize());
        long tmp = staticSize;
        pcpuAllocFirstChunk(memblock, build, tmp, ai.reservedSize() != 0 ? ai.reservedSize() : dynSize);
        if (ai.reservedSize() != 0) {
            pcpuAllocFirstChunk(memblock, build, staticSize + ai.reservedSize(), dynSize);
        }
    }

    /** {@code pcpu_alloc_first_chunk(tmp_addr, map_size)} with {@code tmp_addr} given as its offset in the unit. */
    private static void pcpuAllocFirstChunk(Memblock memblock, Build build, long offset, long mapSize) {
        long p = build.pointerSize();
        long cache = build.smpCacheBytes();
        long startOffset = offset & (PAGE_SIZE - 1);
        long regionSize = align(startOffset + mapSize, PAGE_SIZE); // lcm(PAGE_SIZE, PCPU_BITMAP_BLOCK_SIZE)
        long nrPages = regionSize / PAGE_SIZE;
        long bitsPerLong = 8 * p;
        alloc(memblock, build.chunkStructSize() + divRoundUp(nrPages, bitsPerLong) * p, cache);
        long regionBits = regionSize / PCPU_MIN_ALLOC_SIZE;
        alloc(memblock, divRoundUp(regionBits, bitsPerLong) * p, cache);      // alloc_map
        alloc(memblock, divRoundUp(regionBits + 1, bitsPerLong) * p, cache);  // bound_map
        alloc(memblock, nrPages * 32, cache);                                  // md_blocks (struct pcpu_block_md)
    }

    /** {@code __pcpu_size_to_slot()}. */
    private static int pcpuSizeToSlot(int size) {
        int highbit = 32 - Integer.numberOfLeadingZeros(size);
        return Math.max(highbit - PCPU_SLOT_BASE_SHIFT + 2, 1);
    }

    /** {@code pcpu_dump_alloc_info(KERN_DEBUG, ai)}. */
    private static void dumpAllocInfo(PcpuAllocInfo ai, int nrCpus, Consumer<Line> log) {
        int groupWidth = Integer.toString(ai.groups().size()).length();
        int cpuWidth = Integer.toString(nrCpus).length();
        String empty = "-".repeat(Math.min(cpuWidth, 8));
        int upa = ai.unitsPerAlloc();
        int width = upa * (cpuWidth + 1) + groupWidth + 3;
        int apl = Integer.highestOneBit(Math.max(60 / width, 1));
        log.accept(new Line(7, String.format("pcpu-alloc: s%d r%d d%d u%d alloc=%d*%d", ai.staticSize(),
                ai.reservedSize(), ai.dynSize(), ai.unitSize(), ai.allocSize() / ai.atomSize(), ai.atomSize())));
        StringBuilder line = null;
        int alloc = 0;
        for (int group = 0; group < ai.groups().size(); group++) {
            int[] map = ai.groups().get(group).cpuMap();
            for (int a = 0; a < map.length / upa; a++, alloc++) {
                if (alloc % apl == 0) {
                    if (line != null) {
                        log.accept(new Line(7, line.toString()));
                    }
                    line = new StringBuilder("pcpu-alloc: ");
                }
                line.append(String.format("[%0" + groupWidth + "d] ", group));
                for (int u = a * upa; u < (a + 1) * upa; u++) {
                    line.append(map[u] == PcpuAllocInfo.NO_CPU ? empty
                            : String.format("%0" + cpuWidth + "d", map[u])).append(' ');
                }
            }
        }
        if (line != null) {
            log.accept(new Line(7, line.toString()));
        }
    }

    private static void alloc(Memblock memblock, long size, long align) {
        must(memblock.memblockAlloc(size, align), size, "pcpu_setup_first_chunk");
    }

    private static long must(long phys, long size, String where) {
        if (phys == 0) {
            throw new IllegalStateException(where + ": Failed to allocate " + size + " bytes (the kernel panics)");
        }
        return phys;
    }

    private static long pfnAlign(long x) {
        return align(x, PAGE_SIZE);
    }

    private static long align(long x, long a) {
        return (x + a - 1) / a * a;
    }

    private static long divRoundUp(long x, long y) {
        return (x + y - 1) / y;
    }
}
