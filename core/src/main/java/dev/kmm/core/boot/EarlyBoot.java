package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockFlags;
import dev.kmm.core.pagealloc.FreeAreaInit;
import dev.kmm.core.pagealloc.MemPfnRange;
import dev.kmm.core.pagealloc.PageAllocConfig;
import dev.kmm.core.pagealloc.PrintkLine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The kernel's state while it boots, up to {@code memblock_free_all()}: the globals that
 * {@code setup_arch()} and the generic parts of {@code start_kernel()} fill in ({@code memblock},
 * {@code boot_command_line}, {@code min_low_pfn}/{@code max_low_pfn}/{@code max_pfn}, the CMA areas, the
 * zone layout of {@code free_area_init()}), and the generic boot functions the architecture ports call
 * at the points their {@code setup_arch()} calls them (device-tree memory and reservations, the initrd,
 * CMA, {@code free_area_init}).
 *
 * <p>One instance boots one machine, single-threaded, as the kernel's boot CPU does.
 */
public final class EarlyBoot {
    /** {@code PAGE_SHIFT}. */
    public static final int PAGE_SHIFT = 12;
    /** {@code PAGE_SIZE}. */
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;

    private final Machine machine;
    private final KernelConfig config;
    private final CommandLine commandLine;
    private final BootParams params;
    private final BootLog log;
    private final Memblock memblock;
    private final PageAllocConfig pageAllocConfig;

    private KernelAddressSpace addressSpace;
    private long minLowPfn;
    private long maxLowPfn;
    private long maxPfn;
    private long highmemStart = -1;
    private final List<CmaArea> cmaAreas = new ArrayList<>();
    private boolean defaultCmaFromDeviceTree;
    private long totalcmaPages;
    private FreeAreaInit zones;
    private long[] maxZonePfn;
    private int nrNodeIds = 1;
    private long dmaReserve;
    private final List<NodeData> nodeData = new ArrayList<>();
    private PhysRange initrd;
    private long memMapPhys = -1;

    /** A CMA area: the reservation {@code cma_declare_contiguous()} or a reusable pool made. */
    public record CmaArea(String name, long base, long size) {
    }

    /**
     * A node's {@code pglist_data}: where it lives and how big the kernel allocated it.
     *
     * @param nid  the node
     * @param phys its physical address
     * @param size the bytes the kernel set aside for it
     */
    public record NodeData(int nid, long phys, long size) {
    }

    /** Starts the boot of {@code machine}: empty memblock, the command line as the kernel stores it. */
    public EarlyBoot(Machine machine) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.config = machine.config();
        this.log = new BootLog();
        // Fresh simulated RAM is zero, and nothing is written before memblock hands it out again, so the
        // zeroing allocators have nothing to clear.
        this.memblock = new Memblock(config.memblockConfig(), log, (base, size) -> { });
        this.commandLine = CommandLine.of(machine.bootArgs(), config.cmdline(), config.commandLineSize());
        this.params = BootParams.parse(commandLine, config.arch());
        this.pageAllocConfig = config.pageAllocConfig();
    }

    // ---- accessors --------------------------------------------------------------------------

    public Machine machine() {
        return machine;
    }

    public KernelConfig config() {
        return config;
    }

    /** {@code boot_command_line}, split into parameters. */
    public CommandLine commandLine() {
        return commandLine;
    }

    /** The early parameters read from the command line. */
    public BootParams params() {
        return params;
    }

    public BootLog log() {
        return log;
    }

    /** {@code memblock}. */
    public Memblock memblock() {
        return memblock;
    }

    /** The zone-formula constants of this configuration. */
    public PageAllocConfig pageAllocConfig() {
        return pageAllocConfig;
    }

    /** The kernel address space the architecture set up. */
    public KernelAddressSpace addressSpace() {
        if (addressSpace == null) {
            throw new IllegalStateException("setup_arch() has not set up the address space yet");
        }
        return addressSpace;
    }

    /** Set by the architecture once its address space is known. */
    public void addressSpace(KernelAddressSpace space) {
        this.addressSpace = Objects.requireNonNull(space, "space");
    }

    /** {@code min_low_pfn}. */
    public long minLowPfn() {
        return minLowPfn;
    }

    /** {@code max_low_pfn}: the end of lowmem (all memory without highmem). */
    public long maxLowPfn() {
        return maxLowPfn;
    }

    /** {@code max_pfn}. */
    public long maxPfn() {
        return maxPfn;
    }

    /** Sets {@code min_low_pfn}, {@code max_low_pfn} and {@code max_pfn} (arm's {@code find_limits()}). */
    public void limits(long minLow, long maxLow, long max) {
        this.minLowPfn = minLow;
        this.maxLowPfn = maxLow;
        this.maxPfn = max;
    }

    /**
     * Sets where highmem starts for CMA placement: {@code __pa(high_memory - 1) + 1}, arm's
     * {@code arm_lowmem_limit}, on 64-bit the end of RAM.
     */
    public void highmemStart(long pa) {
        this.highmemStart = pa;
    }

    /** The CMA areas, in the order they were made. */
    public List<CmaArea> cmaAreas() {
        return List.copyOf(cmaAreas);
    }

    /** {@code totalcma_pages}. */
    public long totalcmaPages() {
        return totalcmaPages;
    }

    /** The layout {@code free_area_init()} computed; null before. */
    public FreeAreaInit zones() {
        return zones;
    }

    /** {@code max_zone_pfn[]} the architecture passed to {@code free_area_init()}. */
    public long[] maxZonePfn() {
        return maxZonePfn.clone();
    }

    /** {@code nr_node_ids}. */
    public int nrNodeIds() {
        return nrNodeIds;
    }

    /** Set by a NUMA architecture: the possible nodes. */
    public void nrNodeIds(int n) {
        if (n < 1 || n > config.maxNumNodes()) {
            throw new IllegalArgumentException("nr_node_ids " + n + " outside 1.." + config.maxNumNodes());
        }
        this.nrNodeIds = n;
    }

    /** {@code dma_reserve} (x86's {@code memblock_find_dma_reserve()}). */
    public void dmaReserve(long pages) {
        this.dmaReserve = pages;
    }

    /** Records where node {@code nid}'s {@code pglist_data} lives. */
    public void nodeData(int nid, long phys, long size) {
        nodeData.removeIf(n -> n.nid() == nid);
        nodeData.add(new NodeData(nid, phys, size));
        nodeData.sort(Comparator.comparingInt(NodeData::nid));
    }

    /** Every node's {@code pglist_data}, by node id. */
    public List<NodeData> nodeData() {
        return List.copyOf(nodeData);
    }

    /** The initrd as reserved ({@code phys_initrd_start}/{@code _size}), null without one or once disabled. */
    public PhysRange initrd() {
        return initrd;
    }

    /** FLATMEM: the physical address of the memmap memblock gave {@code alloc_node_mem_map()}, -1 before. */
    public long memMapPhys() {
        return memMapPhys;
    }

    /** {@code %pa}: {@code 0x} and all hex digits of {@code phys_addr_t} (8 on 32-bit arm, 16 else). */
    public String pa(long addr) {
        int digits = config.memblockConfig().physAddrBits() / 4;
        String hex = Long.toHexString(addr);
        return "0x" + "0".repeat(Math.max(0, digits - hex.length())) + hex;
    }

    // ---- generic boot functions -------------------------------------------------------------

    /**
     * {@code parse_early_param()}'s generic part: {@code memblock=debug} turns memblock's trace on from
     * here (which is why the device tree's own reservation, made earlier, is not traced).
     */
    public void parseEarlyParamGeneric() {
        if (params.memblockDebug()) {
            memblock.earlyMemblock("debug");
        }
    }

    /**
     * {@code early_init_dt_add_memory_arch()} (drivers/of/fdt.c, also used by arm and arm64): page-aligns
     * the bank, drops what lies below {@code minAddr} ({@code MIN_MEMBLOCK_ADDR}) or above {@code maxAddr},
     * and adds the rest to memblock.
     */
    public void earlyInitDtAddMemoryArch(long base, long size, long minAddr, long maxAddr) {
        long offset = base & (PAGE_SIZE - 1);
        if (Long.compareUnsigned(size, PAGE_SIZE - offset) < 0) {
            log.warn(String.format("Ignoring memory block 0x%x - 0x%x", base, base + size));
            return;
        }
        if (offset != 0) {
            size -= PAGE_SIZE - offset;
            base += PAGE_SIZE - offset;
        }
        size &= -PAGE_SIZE;
        if (Long.compareUnsigned(base, maxAddr) > 0) {
            log.warn(String.format("Ignoring memory block 0x%x - 0x%x", base, base + size));
            return;
        }
        if (Long.compareUnsigned(base + size - 1, maxAddr) > 0) {
            log.warn(String.format("Ignoring memory range 0x%x - 0x%x", maxAddr + 1, base + size));
            size = maxAddr - base + 1;
        }
        if (Long.compareUnsigned(base + size, minAddr) < 0) {
            log.warn(String.format("Ignoring memory block 0x%x - 0x%x", base, base + size));
            return;
        }
        if (Long.compareUnsigned(base, minAddr) < 0) {
            log.warn(String.format("Ignoring memory range 0x%x - 0x%x", base, minAddr));
            size -= minAddr - base;
            base = minAddr;
        }
        memblock.memblockAdd(base, size);
    }

    /** {@code memblock_reserve(__pa(initial_boot_params), fdt_totalsize(initial_boot_params))}. */
    public void reserveDeviceTreeBlob() {
        machine.dtb().ifPresent(d -> memblock.memblockReserve(d.blob().base(), d.blob().size()));
    }

    /**
     * {@code reserve_initrd_mem()} (init/initramfs.c): reserves the initrd's pages, or disables it when
     * they are not memory or already in use.
     */
    public void reserveInitrdMem() {
        PhysRange r = machine.initrd().orElse(null);
        if (r == null) {
            return;
        }
        long start = r.base() & -PAGE_SIZE;
        long size = (r.size() + (r.base() - start) + PAGE_SIZE - 1) & -PAGE_SIZE;
        if (!memblock.memblockIsRegionMemory(start, size)) {
            log.err(String.format("INITRD: 0x%08x+0x%08x is not a memory region - disabling initrd", start, size));
            return;
        }
        if (memblock.memblockIsRegionReserved(start, size)) {
            log.err(String.format("INITRD: 0x%08x+0x%08x overlaps in-use memory region - disabling initrd",
                    start, size));
            return;
        }
        memblock.memblockReserve(start, size);
        initrd = r;
    }

    /**
     * {@code early_init_fdt_scan_reserved_mem()}: the {@code /memreserve/} entries, the static
     * {@code /reserved-memory} regions, then {@code fdt_init_reserved_mem()}: dynamic regions placed by
     * memblock (after sorting by base, dynamic ones first) and each {@code shared-dma-pool} set up as a
     * CMA pool ({@code reusable}) or a coherent DMA pool.
     */
    public void earlyInitFdtScanReservedMem() {
        if (machine.dtb().isEmpty()) {
            return;
        }
        for (PhysRange r : machine.memReserve()) {
            memblock.memblockReserve(r.base(), r.size());
        }
        List<long[]> placed = new ArrayList<>(); // {index, base, size}
        List<ReservedRegion> regions = machine.reservedMemory();
        for (int i = 0; i < regions.size(); i++) {
            ReservedRegion r = regions.get(i);
            if (r.isDynamic()) {
                placed.add(new long[] {i, 0, 0});
                continue;
            }
            if (earlyInitDtReserveMemory(r.base(), r.size(), r.noMap()) == 0) {
                log.debug(String.format("OF: fdt: Reserved memory: reserved region for node '%s': base %s, size %d MiB",
                        r.name(), pa(r.base()), r.size() >> 20));
            } else {
                log.err(String.format("OF: fdt: Reserved memory: failed to reserve memory for node '%s': base %s, size %d MiB",
                        r.name(), pa(r.base()), r.size() >> 20));
            }
            placed.add(new long[] {i, r.base(), r.size()});
        }
        // __rmem_check_for_overlap() sorts by base, then size: dynamic regions (0, 0) come first.
        placed.sort(Comparator.<long[]>comparingLong(p -> p[1]).thenComparingLong(p -> p[2]));
        for (long[] p : placed) {
            ReservedRegion r = regions.get((int) p[0]);
            long base = p[1];
            long size = p[2];
            if (size == 0) {
                long align = r.alignment();
                if (config.cma() && r.sharedDmaPool() && r.reusable() && !r.noMap()) {
                    align = Math.max(align, cmaMinAlignmentBytes());
                }
                base = earlyInitDtAllocReservedMemoryArch(r.size(), align, r.allocStart(), r.allocEnd(), r.noMap());
                if (base == 0) {
                    log.err(String.format("OF: reserved mem: failed to allocate memory for node '%s': size %d MiB",
                            r.name(), r.size() >> 20));
                    continue;
                }
                size = r.size();
            }
            reservedMemInitNode(r, base, size);
        }
    }

    private int earlyInitDtReserveMemory(long base, long size, boolean noMap) {
        if (noMap) {
            if (memblock.memblockOverlapsRegion(memblock.memory(), base, size)
                    && memblock.memblockIsRegionReserved(base, size)) {
                return -16; // -EBUSY
            }
            return memblock.memblockMarkNomap(base, size);
        }
        return memblock.memblockReserve(base, size);
    }

    /** {@code early_init_dt_alloc_reserved_memory_arch()}. */
    private long earlyInitDtAllocReservedMemoryArch(long size, long align, long start, long end, boolean noMap) {
        long limit = end == 0 && start == 0 ? memblock.memblockAllocAnywhere() : end;
        long base = memblock.memblockPhysAllocRange(size, align == 0 ? config.memblockConfig().smpCacheBytes() : align,
                start, limit);
        if (base != 0 && noMap && memblock.memblockMarkNomap(base, size) != 0) {
            memblock.memblockPhysFree(base, size);
            return 0;
        }
        return base;
    }

    /** {@code __reserved_mem_init_node()}: {@code rmem_cma_setup} or {@code rmem_dma_setup} for a shared-dma-pool. */
    private void reservedMemInitNode(ReservedRegion r, long base, long size) {
        if (!r.sharedDmaPool()) {
            return;
        }
        if (r.reusable() && !r.noMap() && config.cma()) {
            if (params.cma().isPresent() && r.cmaDefault()) {
                log.info("Reserved memory: bypass " + r.name()
                        + " node, using cmdline CMA params instead");
                memblock.memblockPhysFree(base, size);
                log.info("OF: reserved mem: node " + r.name() + " compatible matching fail");
                return;
            }
            long align = cmaMinAlignmentBytes();
            if (((base | size) & (align - 1)) != 0) {
                log.err("Reserved memory: incorrect alignment of CMA region");
                memblock.memblockPhysFree(base, size);
                log.info("OF: reserved mem: node " + r.name() + " compatible matching fail");
                return;
            }
            cmaInitReservedMem(r.name(), base, size);
            if (r.cmaDefault()) {
                defaultCmaFromDeviceTree = true;
            }
            log.info(String.format("Reserved memory: created CMA memory pool at %s, size %d MiB",
                    pa(base), size >> 20));
        } else if (!r.reusable()) {
            log.info(String.format("Reserved memory: created DMA memory pool at %s, size %d MiB",
                    pa(base), size >> 20));
        } else {
            return;
        }
        log.info("OF: reserved mem: initialized node " + r.name() + ", compatible id " + ReservedRegion.SHARED_DMA_POOL);
    }

    /** {@code CMA_MIN_ALIGNMENT_BYTES = PAGE_SIZE * pageblock_nr_pages}. */
    public long cmaMinAlignmentBytes() {
        return PAGE_SIZE << pageAllocConfig.pageblockOrder();
    }

    /** {@code cma_init_reserved_mem()}: records the area and counts it in {@code totalcma_pages}. */
    private void cmaInitReservedMem(String name, long base, long size) {
        cmaAreas.add(new CmaArea(name, base, size));
        totalcmaPages += size / PAGE_SIZE;
    }

    /**
     * {@code dma_contiguous_reserve(limit)} (kernel/dma/contiguous.c): the default CMA area, sized by
     * {@code cma=} or {@code CONFIG_CMA_SIZE_MBYTES}, unless the device tree already made one.
     */
    public void dmaContiguousReserve(long limit) {
        if (!config.cma()) {
            return;
        }
        long size;
        long base = 0;
        long selectedLimit = limit;
        boolean fixed = false;
        if (params.cma().isPresent()) {
            BootParams.Cma c = params.cma().get();
            size = c.size();
            base = c.base();
            selectedLimit = c.limit() == 0 ? limit : (limit == 0 ? c.limit() : Long.compareUnsigned(c.limit(), limit) < 0
                    ? c.limit() : limit);
            fixed = c.fixed();
        } else {
            size = (long) config.cmaSizeMbytes() << 20;
        }
        if (size != 0 && !defaultCmaFromDeviceTree) {
            cmaDeclareContiguousNid(base, size, selectedLimit, 0, fixed, "reserved", Memblock.NUMA_NO_NODE);
        }
    }

    /**
     * {@code cma_declare_contiguous_nid()} (mm/cma.c): aligns to {@code CMA_MIN_ALIGNMENT_BYTES}, then
     * reserves at {@code base} when fixed, else allocates: from highmem first when the range crosses
     * into it, bottom-up above 4 GiB on 64-bit machines with memory there, else top-down.
     */
    public boolean cmaDeclareContiguousNid(long base, long size, long limit, long alignment, boolean fixed, String name,
                                           int nid) {
        long memblockEnd = memblock.memblockEndOfDRAM();
        long hs = highmemStart >= 0 ? highmemStart : memblockEnd;
        if (size == 0 || (alignment != 0 && Long.bitCount(alignment) != 1)) {
            return false;
        }
        alignment = Math.max(alignment, cmaMinAlignmentBytes());
        if (fixed && (base & (alignment - 1)) != 0) {
            log.err("cma: Region at " + pa(base) + " must be aligned to " + pa(alignment) + " bytes");
            log.err("cma: Failed to reserve " + (size >> 20) + " MiB");
            return false;
        }
        base = (base + alignment - 1) & -alignment;
        size = (size + alignment - 1) & -alignment;
        limit &= -alignment;
        if (base == 0) {
            fixed = false;
        }
        if (fixed && base < hs && base + size > hs) {
            log.err("cma: Region at " + pa(base) + " defined on low/high memory boundary (" + pa(hs) + ")");
            log.err("cma: Failed to reserve " + (size >> 20) + " MiB");
            return false;
        }
        if (limit == 0 || Long.compareUnsigned(limit, memblockEnd) > 0) {
            limit = memblockEnd;
        }
        if (Long.compareUnsigned(base + size, limit) > 0) {
            log.err("cma: Size (" + pa(size) + ") of region at " + pa(base) + " exceeds limit (" + pa(limit) + ")");
            log.err("cma: Failed to reserve " + (size >> 20) + " MiB");
            return false;
        }
        if (fixed) {
            if (memblock.memblockIsRegionReserved(base, size) || memblock.memblockReserve(base, size) < 0) {
                log.err("cma: Failed to reserve " + (size >> 20) + " MiB");
                return false;
            }
        } else {
            long addr = 0;
            if (base < hs && Long.compareUnsigned(limit, hs) > 0) {
                addr = memblock.memblockAllocRangeNid(size, alignment, hs, limit, nid, true);
                limit = hs;
            }
            if (addr == 0 && config.arch() != Arch.ARM && !memblock.memblockBottomUp()
                    && Long.compareUnsigned(memblockEnd, (1L << 32) + size) >= 0) {
                memblock.memblockSetBottomUp(true);
                addr = memblock.memblockAllocRangeNid(size, alignment, 1L << 32, limit, nid, true);
                memblock.memblockSetBottomUp(false);
            }
            if (addr == 0) {
                addr = memblock.memblockAllocRangeNid(size, alignment, base, limit, nid, true);
                if (addr == 0) {
                    log.err("cma: Failed to reserve " + (size >> 20) + " MiB");
                    return false;
                }
            }
            base = addr;
        }
        cmaInitReservedMem(name, base, size);
        log.info("cma: Reserved " + (size >> 20) + " MiB at " + pa(base));
        return true;
    }

    /**
     * {@code free_area_init(max_zone_pfn)} with FLATMEM's allocations: the node's memmap
     * ({@code alloc_node_mem_map}: from {@code node_start_pfn} rounded down to {@code MAX_ORDER_NR_PAGES}
     * to the end rounded up, {@code sizeof(struct page)} each, raw, {@code SMP_CACHE_BYTES}-aligned) and
     * one pageblock bitmap per non-empty zone ({@code setup_usemap}). Under SPARSEMEM both come from
     * {@code sparse_init()}, which the architecture ran before.
     */
    public FreeAreaInit freeAreaInit(long[] maxZonePfn) {
        this.maxZonePfn = maxZonePfn.clone();
        List<MemPfnRange> memory = new ArrayList<>();
        memblock.forEachMemPfnRange(memblock.maxNumNodes(), (s, e, nid) -> memory.add(new MemPfnRange(s, e, nid)));
        zones = FreeAreaInit.freeAreaInit(pageAllocConfig, maxZonePfn, memory, nrNodeIds, params.core(), dmaReserve);
        List<PrintkLine> lines = zones.log();
        int initmem = 0;
        while (initmem < lines.size() && !lines.get(initmem).text().startsWith("Initmem setup node")) {
            initmem++;
        }
        log.addAll(lines.subList(0, Math.min(initmem + 1, lines.size())));
        if (!pageAllocConfig.sparsemem()) {
            for (FreeAreaInit.NodeInit node : zones.nodes()) {
                allocNodeMemMap(node);
                for (FreeAreaInit.ZoneInit z : node.zones()) {
                    if (z.spannedPages() != 0) {
                        setupUsemap(z);
                    }
                }
            }
        }
        log.addAll(lines.subList(Math.min(initmem + 1, lines.size()), lines.size()));
        return zones;
    }

    private void allocNodeMemMap(FreeAreaInit.NodeInit node) {
        if (node.nodeSpannedPages() == 0) {
            return;
        }
        long maxOrderNrPages = pageAllocConfig.maxOrderNrPages();
        long start = node.nodeStartPfn() & -maxOrderNrPages;
        long end = (node.nodeStartPfn() + node.nodeSpannedPages() + maxOrderNrPages - 1) & -maxOrderNrPages;
        long size = (end - start) * config.structPageSize();
        long map = memblock.memblockAllocTryNidRaw(size, config.memblockConfig().smpCacheBytes(),
                Memblock.MEMBLOCK_LOW_LIMIT, Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, node.nid());
        if (map == 0) {
            throw new IllegalStateException("Failed to allocate " + size + " bytes for node " + node.nid()
                    + " memory map (the kernel panics)");
        }
        memMapPhys = map;
    }

    /** {@code usemap_size()}: {@code NR_PAGEBLOCK_BITS} (4) per pageblock the zone touches, rounded to longs. */
    public long usemapSize(long zoneStartPfn, long zonesize) {
        long pageblock = pageAllocConfig.pageblockNrPages();
        zonesize += zoneStartPfn & (pageblock - 1);
        long bits = (zonesize + pageblock - 1) / pageblock * 4;
        long longBits = config.bitsPerLong();
        return (bits + longBits - 1) / longBits * longBits / 8;
    }

    private void setupUsemap(FreeAreaInit.ZoneInit z) {
        long size = usemapSize(z.zoneStartPfn(), z.spannedPages());
        if (size != 0 && memblock.memblockAllocNode(size, config.memblockConfig().smpCacheBytes(), z.nid()) == 0) {
            throw new IllegalStateException("Failed to allocate " + size + " bytes for zone " + z.name()
                    + " pageblock flags on node " + z.nid() + " (the kernel panics)");
        }
    }

    /**
     * {@code unflatten_device_tree()}: the unflattened tree, then {@code of_alias_scan()}'s aliases, all
     * from memblock ({@code early_init_dt_alloc_memory_arch}).
     */
    public void unflattenDeviceTree() {
        machine.dtb().ifPresent(d -> {
            dtAlloc(d.unflattenSize(), d.unflattenAlign());
            for (long a : d.aliasSizes()) {
                dtAlloc(a, 4);
            }
        });
    }

    private void dtAlloc(long size, long align) {
        if (memblock.memblockAlloc(size, align) == 0) {
            throw new IllegalStateException("early_init_dt_alloc_memory_arch: Failed to allocate " + size + " bytes");
        }
    }

    /**
     * The pages {@code memblock_free_all()} releases: per node and zone, the whole pages of every free
     * range ({@code for_each_free_mem_range}, MEMBLOCK_NONE) below {@code max_low_pfn}, where highmem ends
     * the release (the architecture frees highmem itself).
     *
     * @return {@code [nid][zone]} pages
     */
    public long[][] freeLowMemoryPages() {
        return countFree(0, maxLowPfn);
    }

    /** The whole free pages at or above {@code fromPfn} (arm's {@code free_highpages()}), per node and zone. */
    public long[][] freeHighPages(long fromPfn) {
        return countFree(fromPfn, Long.MAX_VALUE);
    }

    private long[][] countFree(long fromPfn, long toPfn) {
        int nrZones = pageAllocConfig.zoneTypes().maxNrZones();
        long[][] out = new long[zones.nodes().size()][nrZones];
        memblock.forEachFreeMemRange(Memblock.NUMA_NO_NODE, MemblockFlags.MEMBLOCK_NONE, (start, end, nid) -> {
            long s = Math.max((start + PAGE_SIZE - 1) >>> PAGE_SHIFT, fromPfn);
            long e = Math.min(end >>> PAGE_SHIFT, toPfn);
            if (s >= e) {
                return;
            }
            for (FreeAreaInit.NodeInit node : zones.nodes()) {
                for (FreeAreaInit.ZoneInit z : node.zones()) {
                    long zs = Math.max(s, z.zoneStartPfn());
                    long ze = Math.min(e, z.zoneEndPfn());
                    if (z.spannedPages() != 0 && zs < ze) {
                        out[node.nid()][z.zoneType()] += ze - zs;
                    }
                }
            }
        });
        return out;
    }
}
