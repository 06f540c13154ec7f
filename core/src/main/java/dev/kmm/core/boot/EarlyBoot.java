package dev.kmm.core.boot;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.PhysicalMemory;
import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockFreeAll;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.FreeAreaInit;
import dev.kmm.core.pagealloc.MemPfnRange;
import dev.kmm.core.pagealloc.MemmapInit;
import dev.kmm.core.pagealloc.PageAllocConfig;
import dev.kmm.core.pagealloc.PrintkLine;
import dev.kmm.core.sparse.FlatMem;
import dev.kmm.core.sparse.MemoryModel;
import dev.kmm.core.sparse.Sparse;
import dev.kmm.core.sparse.SparseConfig;

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
 * <p>It also owns the machine's simulated RAM ({@link PhysicalMemory}, created with the boot) and, once the
 * architecture has set up its address space, the kernel's view of it; from {@code free_area_init()} on, the
 * memory model (FLATMEM or SPARSEMEM_VMEMMAP), the nodes and zones in RAM, the memmap and the buddy allocator.
 *
 * <p>One instance boots one machine, single-threaded, as the kernel's boot CPU does.
 */
public final class EarlyBoot implements AutoCloseable {
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
    private final KernelLayouts layouts;
    private final PhysicalMemory ram;

    private KernelAddressSpace addressSpace;
    private KernelMemory linear;
    private MemoryModel model;
    private PhysicalMemory memmapStorage;
    private PhysicalMemory nodeStorage;
    private KernelMemory memory;
    private NodeStructs structs;
    private Buddy buddy;
    private dev.kmm.core.pagealloc.PageAlloc pageAlloc;
    private dev.kmm.concurrency.CpuContexts cpus;
    private MemmapInit memmapInit;
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
    private List<MemoryRange> e820Table = List.of();

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

    /**
     * Starts the boot of {@code machine}: the command line as the kernel stores it, an empty memblock, and the
     * machine's RAM banks (page-aligned inward) as simulated physical memory.
     */
    public EarlyBoot(Machine machine) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.config = machine.config();
        this.log = new BootLog();
        this.commandLine = CommandLine.of(machine.bootArgs(), config.cmdline(), config.commandLineSize());
        this.params = BootParams.parse(commandLine, config.arch());
        this.pageAllocConfig = config.pageAllocConfig();
        this.layouts = KernelLayouts.of(config.layoutConfig());
        this.ram = PhysicalMemory.create(banks(machine));
        // memblock_alloc*() zero what they return; only the buddy's structures write RAM before it is handed out
        // again, so clearing the simulated RAM is what the kernel's memset does.
        this.memblock = new Memblock(config.memblockConfig(), log, (base, size) -> {
            if (ram.contains(base, size)) {
                ram.slice(base, size).fill((byte) 0);
            }
        });
    }

    /** The machine's RAM, page-aligned inward, as physical memory banks. */
    private static List<PhysicalMemory.Bank> banks(Machine machine) {
        List<PhysicalMemory.Bank> banks = new ArrayList<>();
        for (MemoryRange r : machine.ram()) {
            long start = (r.base() + PAGE_SIZE - 1) & -PAGE_SIZE;
            long end = r.end() & -PAGE_SIZE;
            if (end > start) {
                banks.add(new PhysicalMemory.Bank(start, end - start));
            }
        }
        return banks;
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

    /**
     * Set by the architecture once its address space is known: from then on the kernel sees RAM through its
     * linear map ({@link #linearMemory()}); on arm only the lowmem banks.
     */
    public void addressSpace(KernelAddressSpace space) {
        this.addressSpace = Objects.requireNonNull(space, "space");
        List<KernelMemory.Region> regions = new ArrayList<>();
        for (int i = 0; i < ram.banks().size(); i++) {
            PhysicalMemory.Bank bank = ram.banks().get(i);
            if (space.arch() == Arch.ARM && bank.start() >= space.armLowmemLimit()) {
                continue; // highmem has no linear address
            }
            regions.add(space.linearRegion(ram.bankSegment(i), bank.start()));
        }
        this.linear = KernelMemory.of(regions);
    }

    /** The simulated RAM. */
    public PhysicalMemory ram() {
        return ram;
    }

    /** RAM through the kernel's linear map. */
    public KernelMemory linearMemory() {
        if (linear == null) {
            throw new IllegalStateException("setup_arch() has not set up the address space yet");
        }
        return linear;
    }

    /** The kernel's memory: the linear map and the memmap, once {@code free_area_init()} has run. */
    public KernelMemory memory() {
        if (memory == null) {
            throw new IllegalStateException("free_area_init() has not run yet");
        }
        return memory;
    }

    /** The structure layouts of this configuration. */
    public KernelLayouts layouts() {
        return layouts;
    }

    /** The memory model, once set up. */
    public MemoryModel model() {
        return model;
    }

    /** The buddy allocator, once {@code free_area_init()} has run. */
    public Buddy buddy() {
        return buddy;
    }

    /** The page allocator, from {@code mm_init()} on (before that, memblock allocates). */
    public dev.kmm.core.pagealloc.PageAlloc pageAlloc() {
        return pageAlloc;
    }

    /** The CPUs, from {@code mm_init()} on. */
    public dev.kmm.concurrency.CpuContexts cpus() {
        return cpus;
    }

    void pageAlloc(dev.kmm.concurrency.CpuContexts cpus, dev.kmm.core.pagealloc.PageAlloc alloc) {
        this.cpus = cpus;
        this.pageAlloc = alloc;
    }

    NodeStructs structs() {
        return structs;
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

    /** Records x86's {@code e820_table} as {@code e820__reserve_resources()} finds it. */
    public void e820Table(List<MemoryRange> entries) {
        e820Table = List.copyOf(entries);
    }

    /** x86's {@code e820_table} after setup_arch's edits; empty on the device-tree architectures. */
    public List<MemoryRange> e820Table() {
        return e820Table;
    }

    /**
     * Records the initrd as the architecture reserved it itself (arm64's {@code arm64_memblock_init()}) or
     * moved it (x86's {@code relocate_initrd()}).
     */
    public void initrd(PhysRange moved) {
        initrd = Objects.requireNonNull(moved, "moved");
    }

    /**
     * x86's {@code early_reserve_initrd()}: the initrd's pages, reserved before memblock knows the memory, so
     * without the checks of {@link #reserveInitrdMem()}.
     */
    public void earlyReserveInitrd() {
        machine.initrd().ifPresent(r -> {
            long start = r.base() & -PAGE_SIZE;
            long end = (r.end() + PAGE_SIZE - 1) & -PAGE_SIZE;
            memblock.memblockReserve(start, end - start);
            initrd = r;
        });
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
     * {@code sparse_init()} of a SPARSEMEM_VMEMMAP architecture: the sections, usemaps and the memmap buffer
     * from memblock (dev.kmm.core.sparse). Needs the nodes' {@code pglist_data} ({@link #nodeData}).
     *
     * @param pgdatNodeIdSet whether the architecture wrote {@code NODE_DATA(nid)->node_id} when it allocated the
     *                       node (arm64's arch_numa does; x86_64's {@code alloc_node_data()} leaves it 0), which
     *                       without {@code CONFIG_MEMORY_HOTREMOVE} picks the node of the usemap allocation
     */
    public void sparseInit(SparseConfig sparseConfig, boolean pgdatNodeIdSet) {
        long[] pgdatPhys = new long[nrNodeIds];
        java.util.Arrays.fill(pgdatPhys, -1);
        int[] nodeIds = new int[nrNodeIds];
        for (NodeData n : nodeData) {
            pgdatPhys[n.nid()] = n.phys();
            nodeIds[n.nid()] = pgdatNodeIdSet ? n.nid() : 0;
        }
        model = Sparse.sparseInit(sparseConfig, memblock, addressSpace(), linearMemory(),
                pageAllocConfig.pageblockOrder(), pgdatPhys, nodeIds, config.memoryHotremove(), log::err);
    }

    /**
     * {@code free_area_init(max_zone_pfn)}: the zone layout ({@link FreeAreaInit}), under FLATMEM the node's
     * memmap ({@code alloc_node_mem_map}: {@code sizeof(struct page)} of the simulated kernel per pfn, reserved in
     * lowmem) and one pageblock bitmap per non-empty zone ({@code setup_usemap}); then the nodes and zones in
     * simulated RAM and {@code memmap_init()} over every struct page. Under SPARSEMEM the memmap came from
     * {@link #sparseInit}, which the architecture ran before. A UMA kernel's node is {@code contig_page_data}
     * in the image; a NUMA architecture recorded its nodes' data ({@link #nodeData}) before.
     */
    public FreeAreaInit freeAreaInit(long[] maxZonePfn) {
        this.maxZonePfn = maxZonePfn.clone();
        List<MemPfnRange> ranges = new ArrayList<>();
        memblock.forEachMemPfnRange(memblock.maxNumNodes(), (s, e, nid) -> ranges.add(new MemPfnRange(s, e, nid)));
        zones = FreeAreaInit.freeAreaInit(pageAllocConfig, maxZonePfn, ranges, nrNodeIds, params.core(), dmaReserve);
        if (nodeData.isEmpty()) {
            KernelImage image = machine.image();
            nodeData(0, image.phys(image.contigPageData()), layouts.pglistData().size);
        }
        List<PrintkLine> lines = zones.log().stream()
                .filter(l -> !l.text().endsWith("pages in unavailable ranges")).toList();
        int initmem = 0;
        while (initmem < lines.size() && !lines.get(initmem).text().startsWith("Initmem setup node")) {
            initmem++;
        }
        log.addAll(lines.subList(0, Math.min(initmem + 1, lines.size())));

        PageFlagsLayout flags = config.pageFlagsLayout();
        if (pageAllocConfig.sparsemem()) {
            Sparse sparse = (Sparse) model;
            memmapStorage = PhysicalMemory.create(new PhysicalMemory.Bank(0, pageAlign(sparse.memmapBytes())));
            List<KernelMemory.Region> regions = new ArrayList<>();
            regions.add(sparse.vmemmapRegion(addressSpace, memmapStorage.segment().asSlice(0, sparse.memmapBytes())));
            regions.addAll(linear.regions());
            this.memory = KernelMemory.of(regions);
        } else {
            FreeAreaInit.NodeInit node = zones.nodes().getFirst();
            long storage = FlatMem.memmapStorageBytes(node.nodeStartPfn(), node.nodeSpannedPages(), config.maxOrder());
            memmapStorage = PhysicalMemory.create(new PhysicalMemory.Bank(0, pageAlign(storage)));
            List<KernelMemory.Region> regions = new ArrayList<>();
            regions.add(new KernelMemory.Region("memmap", FlatMem.MEM_MAP_VA, memmapStorage.segment().asSlice(0, storage)));
            regions.addAll(linear.regions());
            this.memory = KernelMemory.of(regions);
            FlatMem flat = FlatMem.allocNodeMemMap(memblock, addressSpace, memory, flags, config.structPageSize(),
                    config.maxOrder(), pageAllocConfig.zoneTypes().maxNrZones(), pageAllocConfig.pageblockOrder(),
                    node.nodeStartPfn(), node.nodeSpannedPages(), node.nid());
            for (FreeAreaInit.ZoneInit z : node.zones()) {
                if (z.spannedPages() != 0) {
                    flat.setupUsemap(z.zoneType(), z.name(), z.zoneStartPfn(), z.spannedPages(), z.nid());
                }
            }
            addressSpace = addressSpace.withMemMap(flat.memMap());
            model = flat;
        }
        log.addAll(lines.subList(Math.min(initmem + 1, lines.size()), lines.size()));

        long[] pgdat = new long[nrNodeIds];
        if (machine.image().pglistDataSize() == 0) {
            for (NodeData n : nodeData) {
                pgdat[n.nid()] = addressSpace.va(n.phys()); // contig_page_data, in the image
            }
        } else {
            // A NUMA kernel's nodes come from memblock with the kernel's sizeof(pg_data_t); kmm's LP64 structure
            // need not fit there, so it lives in a host segment of its own, as the memmap does.
            long stride = pageAlign(layouts.pglistData().size);
            nodeStorage = PhysicalMemory.create(new PhysicalMemory.Bank(0, stride * nrNodeIds));
            long base = nodeDataVa();
            for (int nid = 0; nid < nrNodeIds; nid++) {
                pgdat[nid] = base + nid * stride;
            }
            List<KernelMemory.Region> regions = new ArrayList<>(memory.regions());
            regions.add(new KernelMemory.Region("node_data", base, nodeStorage.segment()));
            this.memory = KernelMemory.of(regions);
        }
        KernelImage image = machine.image();
        structs = new NodeStructs(memory, layouts, pageAllocConfig.zoneTypes(), pgdat, zoneNamesVa(image));
        buddy = new Buddy(memory, layouts, flags, model, pageAllocConfig.pageblockOrder(), pgdat);
        for (FreeAreaInit.NodeInit node : zones.nodes()) {
            structs.freeAreaInitCore(node);
            for (FreeAreaInit.ZoneInit z : node.zones()) {
                buddy.freeArea().zoneInitFreeLists(structs.zone(node.nid(), z.zoneType()));
            }
        }
        memmapInit = new MemmapInit(buddy, zoneNames(), log::info);
        memmapInit.memmapInit(memblock);
        return zones;
    }

    /**
     * Where kmm maps the node structures of a NUMA kernel: an unused hole of the kernel address space (x86_64:
     * 0xffffe90000000000, Documentation/x86/x86_64/mm.rst; arm64: the guard above vmemmap, 0xfffffe0000000000).
     */
    private long nodeDataVa() {
        return switch (config.arch()) {
            case X86_64 -> 0xffff_e900_0000_0000L;
            case ARM64 -> 0xffff_fe00_0000_0000L;
            case ARM -> throw new IllegalStateException("32-bit arm has no NUMA");
        };
    }

    /**
     * Where the zone name strings go: the image's read-only data, through the linear map (x86_64 keeps them at
     * the same physical address; kmm does not map the image's own virtual range).
     */
    private long zoneNamesVa(KernelImage image) {
        return addressSpace.va(image.phys(image.startRodata()));
    }

    /** {@code zone_names[]} of the configuration. */
    private String[] zoneNames() {
        String[] out = new String[pageAllocConfig.zoneTypes().maxNrZones()];
        for (int z = 0; z < out.length; z++) {
            out[z] = pageAllocConfig.zoneTypes().name(z);
        }
        return out;
    }

    private static long pageAlign(long bytes) {
        return (bytes + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    /**
     * {@code unflatten_device_tree()}: the unflattened tree, then {@code of_alias_scan()}'s aliases, all
     * from memblock ({@code early_init_dt_alloc_memory_arch}).
     */
    public void unflattenDeviceTree() {
        machine.dtb().ifPresent(d -> {
            dtAlloc(d.unflattenSize(), d.unflattenAlign());
            for (long a : d.aliasSizes()) {
                dtAlloc(a, config.bitsPerLong() / 8); // __alignof__(struct alias_prop)
            }
        });
    }

    private void dtAlloc(long size, long align) {
        if (memblock.memblockAlloc(size, align) == 0) {
            throw new IllegalStateException("early_init_dt_alloc_memory_arch: Failed to allocate " + size + " bytes");
        }
    }

    /**
     * {@code memblock_free_all()}: memblock's free memory below {@code max_low_pfn} goes to the buddy allocator in
     * the largest aligned blocks (dev.kmm.core.memblock.MemblockFreeAll); reserved pages are marked reserved.
     */
    public void memblockFreeAll() {
        MemblockFreeAll.memblockFreeAll(memblock, buddy, memmapInit, maxLowPfn);
    }

    /**
     * arm's {@code free_highpages()}: every whole free page of memblock at or above {@code max_low_pfn} is freed
     * one by one ({@code free_highmem_page}), each counting as managed in its zone.
     */
    public void freeHighpages() {
        memblock.forEachFreeMemRange(Memblock.NUMA_NO_NODE, dev.kmm.core.memblock.MemblockFlags.MEMBLOCK_NONE,
                (start, end, nid) -> {
                    long s = Math.max((start + PAGE_SIZE - 1) >>> PAGE_SHIFT, maxLowPfn);
                    long e = end >>> PAGE_SHIFT;
                    for (long pfn = s; pfn < e; pfn++) {
                        buddy.freePagesCore(model.pfnToPage(pfn), 0);
                    }
                });
    }

    /**
     * {@code free_reserved_area()}/{@code free_reserved_page()}: the pages of {@code [start, end)} (page aligned)
     * return to the buddy allocator and their zones' managed counts.
     *
     * @return the pages freed
     */
    public long freeReservedArea(long start, long end) {
        long pages = 0;
        for (long pfn = start >>> PAGE_SHIFT; pfn < end >>> PAGE_SHIFT; pfn++) {
            buddy.freePagesCore(model.pfnToPage(pfn), 0);
            pages++;
        }
        return pages;
    }

    /**
     * {@code cma_init_reserved_areas()} (core_initcall): an area whose pages lie in one zone becomes MIGRATE_CMA
     * pageblocks freed to the buddy allocator, each counted in its zone's {@code cma_pages}
     * ({@code init_cma_reserved_pageblock}); one that straddles zones is freed as ordinary pages.
     */
    public void cmaInitReservedAreas() {
        long pageblock = pageAllocConfig.pageblockNrPages();
        long cmaPages = layouts.zone().cmaPages;
        for (CmaArea a : cmaAreas) {
            long first = a.base() >>> PAGE_SHIFT;
            long last = (a.base() + a.size()) >>> PAGE_SHIFT;
            long zone = buddy.pageZone(model.pfnToPage(first));
            if (buddy.pageZone(model.pfnToPage(last - 1)) == zone) {
                for (long pfn = first; pfn < last; pfn += pageblock) {
                    long page = model.pfnToPage(pfn);
                    buddy.pageblockFlags().setPageblockMigratetype(page, buddy.migrateCma());
                    buddy.freePagesCore(page, pageAllocConfig.pageblockOrder());
                    memory.putLong(zone + cmaPages, memory.getLong(zone + cmaPages) + pageblock);
                }
            } else {
                // not_in_zone: the pages are useless for CMA, so they go to the buddy allocator as ordinary ones.
                freeReservedArea(a.base(), a.base() + a.size());
                totalcmaPages -= a.size() >>> PAGE_SHIFT;
                log.err("CMA area " + a.name() + " could not be activated");
            }
        }
    }

    /** Releases the simulated RAM and the memmap storage. */
    @Override
    public void close() {
        // Views first: their hot regions reach host memory without liveness checks.
        for (KernelMemory view : new KernelMemory[] {linear, memory}) {
            if (view != null) {
                view.release();
            }
        }
        if (memmapStorage != null) {
            memmapStorage.close();
        }
        if (nodeStorage != null) {
            nodeStorage.close();
        }
        ram.close();
    }
}
