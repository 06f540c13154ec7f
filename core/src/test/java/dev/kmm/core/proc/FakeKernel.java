package dev.kmm.core.proc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.addr.X86_64Layout;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.core.memblock.Memblock;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A small booted kernel for the view tests: nodes and zones laid out with the real layouts in a simulated RAM
 * segment at direct-map addresses, per-cpu areas at {@code __per_cpu_offset[cpu] = cpu * UNIT}, and a memmap
 * segment at the vmemmap base whose struct pages can be put on free lists. Fields are written the way the
 * kernel stores them; the views then read them through {@link MmState}.
 */
final class FakeKernel implements MmState, AutoCloseable {
    static final long DIRECT_MAP = X86_64Layout.PAGE_OFFSET_BASE_L4;
    static final long VMEMMAP = X86_64Layout.VMEMMAP_BASE_L4;
    private static final long NODE_STRIDE = 0x40000;
    private static final long PERCPU = DIRECT_MAP + 0x100000;
    private static final long UNIT = 0x4000;
    private static final int MAX_NODES = 4;
    private static final int MAX_CPUS = 16;
    private static final long PCP_SLOT = 384;

    final ProcConfig config;
    final KernelLayouts layouts;
    final KernelMemory mem;
    private final Arena arena = Arena.ofConfined();
    private final int[] nodes;
    private final int[] cpus;
    private final long memmapPages;
    private long nextPage;
    private final long[] events;
    private int[] blockType = new int[0];
    private int movableZone;
    private Resource iomem = Resource.leaf("PCI mem", 0, -1);
    private KernelAddressSpace addressSpace = KernelAddressSpace.x86_64();

    long blockdevPages;
    long swapcachePages;
    long totalSwapPages;
    long freeSwapPages;
    long committed;
    long vmallocPages;
    long pcpuPages;
    long cmaPages;
    long poisonedPages;
    DirectMap directMap = DirectMap.NONE;
    List<Hstate> hstates;
    VmSysctls sysctls = VmSysctls.DEFAULTS;
    Memblock memblock;

    FakeKernel(ProcConfig config, KernelLayouts layouts, int nodeCount, int cpuCount, long memmapPages) {
        if (nodeCount > MAX_NODES || cpuCount > MAX_CPUS) {
            throw new IllegalArgumentException("fake kernel too large");
        }
        this.config = config;
        this.layouts = layouts;
        this.memmapPages = memmapPages;
        MemorySegment ram = arena.allocate(PERCPU - DIRECT_MAP + MAX_CPUS * UNIT, 64);
        MemorySegment memmap = arena.allocate(Math.max(64, memmapPages * PageLayout.SIZE), 64);
        mem = KernelMemory.of(new KernelMemory.Region("direct map", DIRECT_MAP, ram),
                new KernelMemory.Region("vmemmap", VMEMMAP, memmap));
        nodes = new int[nodeCount];
        Arrays.setAll(nodes, i -> i);
        cpus = new int[cpuCount];
        Arrays.setAll(cpus, i -> i);
        events = new long[config.vmstatText().vmEventItems().size()];
        movableZone = config.zoneTypes().zoneNormal();
        for (int nid : nodes) {
            long pgdat = nodeData(nid);
            mem.putInt(pgdat + layouts.pglistData().nodeId, nid);
            for (int z = 0; z < config.zoneTypes().maxNrZones(); z++) {
                long zone = zone(nid, z);
                for (int order = 0; order < config.maxOrder(); order++) {
                    for (int mt = 0; mt < config.migratetypeNames().size(); mt++) {
                        ListHead.init(mem, zone + layouts.zone().freeListOffset(order, mt));
                    }
                }
                long pcp = PERCPU + (nid * (long) config.zoneTypes().maxNrZones() + z) * PCP_SLOT;
                mem.putLong(zone + layouts.zone().perCpuPageset, pcp);
                mem.putLong(zone + layouts.zone().perCpuZonestats, pcp + layouts.perCpuPages().size);
            }
        }
    }

    FakeKernel(ProcConfig config, int nodeCount, int cpuCount) {
        this(config, KernelLayouts.LINUX_6_1_X86_64, nodeCount, cpuCount, 0);
    }

    long zone(int nid, int idx) {
        return nodeData(nid) + layouts.pglistData().nodeZoneOffset(idx);
    }

    /** Sizes a zone and keeps {@code node_present_pages} the sum of its zones. */
    FakeKernel zoneSpan(int nid, int idx, long startPfn, long spanned, long present, long managed) {
        long zone = zone(nid, idx);
        mem.putLong(zone + layouts.zone().zoneStartPfn, startPfn);
        mem.putLong(zone + layouts.zone().spannedPages, spanned);
        mem.putLong(zone + layouts.zone().presentPages, present);
        mem.putLong(zone + layouts.zone().managedPages, managed);
        long sum = 0;
        for (int z = 0; z < config.zoneTypes().maxNrZones(); z++) {
            sum += mem.getLong(zone(nid, z) + layouts.zone().presentPages);
        }
        mem.putLong(nodeData(nid) + layouts.pglistData().nodePresentPages, sum);
        return this;
    }

    /** {@code zone->cma_pages} (the layout must have it: CONFIG_CMA). */
    FakeKernel zoneCmaPages(int nid, int idx, long pages) {
        if (layouts.zone().cmaPages < 0) {
            throw new IllegalStateException("this layout has no cma_pages (no CONFIG_CMA)");
        }
        mem.putLong(zone(nid, idx) + layouts.zone().cmaPages, pages);
        return this;
    }

    /** The {@code _watermark[]} values before boost, and the boost. */
    FakeKernel watermarks(int nid, int idx, long min, long low, long high, long boost) {
        long zone = zone(nid, idx);
        mem.putLong(zone + layouts.zone().watermarkOffset(KernelConstants.WMARK_MIN), min);
        mem.putLong(zone + layouts.zone().watermarkOffset(KernelConstants.WMARK_LOW), low);
        mem.putLong(zone + layouts.zone().watermarkOffset(KernelConstants.WMARK_HIGH), high);
        mem.putLong(zone + layouts.zone().watermarkBoost, boost);
        return this;
    }

    FakeKernel protection(int nid, int idx, long... reserve) {
        for (int i = 0; i < reserve.length; i++) {
            mem.putLong(zone(nid, idx) + layouts.zone().lowmemReserveOffset(i), reserve[i]);
        }
        return this;
    }

    FakeKernel zoneStat(int nid, int idx, String text, long value) {
        mem.putLong(zone(nid, idx) + layouts.zone().vmStatOffset(indexOf(config.vmstatText().zoneStatItems(), text)), value);
        return this;
    }

    FakeKernel nodeStat(int nid, String text, long value) {
        mem.putLong(nodeData(nid) + layouts.pglistData().vmStatOffset(indexOf(config.vmstatText().nodeStatItems(), text)), value);
        return this;
    }

    /** A NUMA event: {@code value} already folded into the zone, {@code perCpu[cpu]} still pending. */
    FakeKernel numaEvent(int nid, int idx, String text, long value, long... perCpu) {
        int item = indexOf(config.vmstatText().numaStatItems(), text);
        long zone = zone(nid, idx);
        mem.putLong(zone + layouts.zone().vmNumaEvent + item * 8L, value);
        long zs = mem.getLong(zone + layouts.zone().perCpuZonestats);
        for (int cpu = 0; cpu < perCpu.length; cpu++) {
            mem.putLong(zs + perCpuOffset(cpu) + layouts.perCpuZonestat().vmNumaEvent + item * 8L, perCpu[cpu]);
        }
        return this;
    }

    FakeKernel pageset(int nid, int idx, int cpu, int count, int high, int batch, int statThreshold) {
        long zone = zone(nid, idx);
        long pcp = mem.getLong(zone + layouts.zone().perCpuPageset) + perCpuOffset(cpu);
        mem.putInt(pcp + layouts.perCpuPages().count, count);
        mem.putInt(pcp + layouts.perCpuPages().high, high);
        mem.putInt(pcp + layouts.perCpuPages().batch, batch);
        long zs = mem.getLong(zone + layouts.zone().perCpuZonestats) + perCpuOffset(cpu);
        mem.putByte(zs + layouts.perCpuZonestat().statThreshold, (byte) statThreshold);
        return this;
    }

    FakeKernel nrFree(int nid, int idx, long... perOrder) {
        for (int order = 0; order < perOrder.length; order++) {
            mem.putLong(zone(nid, idx) + layouts.zone().nrFreeOffset(order), perOrder[order]);
        }
        return this;
    }

    /** Puts {@code n} struct pages from the memmap on one free list, by their {@code lru} (buddy_list) link. */
    FakeKernel freeBlocks(int nid, int idx, int order, int migratetype, long n) {
        long head = zone(nid, idx) + layouts.zone().freeListOffset(order, migratetype);
        for (long i = 0; i < n; i++) {
            if (nextPage >= memmapPages) {
                throw new IllegalStateException("fake memmap full");
            }
            ListHead.addTail(mem, VMEMMAP + nextPage++ * PageLayout.SIZE + PageLayout.BUDDY_LIST, head);
        }
        return this;
    }

    FakeKernel totalreserve(int nid, long pages) {
        mem.putLong(nodeData(nid) + layouts.pglistData().totalreservePages, pages);
        return this;
    }

    FakeKernel kswapdFailures(int nid, int failures) {
        mem.putInt(nodeData(nid) + layouts.pglistData().kswapdFailures, failures);
        return this;
    }

    FakeKernel event(String text, long value) {
        events[indexOf(config.vmstatText().vmEventItems(), text)] = value;
        return this;
    }

    /** Pageblock migrate types from pfn 0, one per {@code pageblock_nr_pages}; -1 marks a hole. */
    FakeKernel pageblocks(int[] types) {
        blockType = types.clone();
        return this;
    }

    FakeKernel movableZone(int zone) {
        movableZone = zone;
        return this;
    }

    FakeKernel iomem(Resource root) {
        iomem = root;
        return this;
    }

    FakeKernel addressSpace(KernelAddressSpace as) {
        addressSpace = as;
        return this;
    }

    static int indexOf(List<VmstatText.Item> items, String text) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).text().equals(text)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no counter " + text);
    }

    @Override
    public KernelMemory memory() {
        return mem;
    }

    @Override
    public KernelLayouts layouts() {
        return layouts;
    }

    @Override
    public ProcConfig config() {
        return config;
    }

    @Override
    public KernelAddressSpace addressSpace() {
        return addressSpace;
    }

    @Override
    public int[] onlineNodes() {
        return nodes.clone();
    }

    @Override
    public long nodeData(int nid) {
        return DIRECT_MAP + nid * NODE_STRIDE;
    }

    @Override
    public int[] onlineCpus() {
        return cpus.clone();
    }

    @Override
    public long perCpuOffset(int cpu) {
        return cpu * UNIT;
    }

    @Override
    public void allVmEvents(long[] ret) {
        System.arraycopy(events, 0, ret, 0, events.length);
    }

    @Override
    public long pfnToOnlinePage(long pfn) {
        long block = pfn >>> config.pageblockOrder();
        if (block >= blockType.length || blockType[(int) block] < 0) {
            return 0;
        }
        return VMEMMAP + pfn * PageLayout.SIZE;
    }

    /** The narrowest populated zone spanning the page's pfn, so that a zone nested in another's span owns it. */
    @Override
    public long pageZone(long page) {
        long pfn = (page - VMEMMAP) / PageLayout.SIZE;
        long best = 0;
        long bestSpan = Long.MAX_VALUE;
        for (int nid : nodes) {
            for (int z = 0; z < config.zoneTypes().maxNrZones(); z++) {
                long zone = zone(nid, z);
                long start = mem.getLong(zone + layouts.zone().zoneStartPfn);
                long spanned = mem.getLong(zone + layouts.zone().spannedPages);
                if (mem.getLong(zone + layouts.zone().presentPages) != 0 && pfn >= start && pfn < start + spanned
                        && spanned < bestSpan) {
                    best = zone;
                    bestSpan = spanned;
                }
            }
        }
        return best;
    }

    @Override
    public int getPageblockMigratetype(long page) {
        long pfn = (page - VMEMMAP) / PageLayout.SIZE;
        return blockType[(int) (pfn >>> config.pageblockOrder())];
    }

    @Override
    public int movableZone() {
        return movableZone;
    }

    @Override
    public Resource iomemResource() {
        return iomem;
    }

    @Override
    public long nrBlockdevPages() {
        return blockdevPages;
    }

    @Override
    public long totalSwapcachePages() {
        return swapcachePages;
    }

    @Override
    public long totalSwapPages() {
        return totalSwapPages;
    }

    @Override
    public long nrSwapPages() {
        return freeSwapPages;
    }

    @Override
    public long vmMemoryCommitted() {
        return committed;
    }

    @Override
    public long vmallocNrPages() {
        return vmallocPages;
    }

    @Override
    public long pcpuNrPages() {
        return pcpuPages;
    }

    @Override
    public long totalcmaPages() {
        return cmaPages;
    }

    @Override
    public long numPoisonedPages() {
        return poisonedPages;
    }

    @Override
    public DirectMap directMap() {
        return directMap;
    }

    @Override
    public List<Hstate> hstates() {
        return hstates != null ? hstates : MmState.super.hstates();
    }

    @Override
    public VmSysctls vmSysctls() {
        return sysctls;
    }

    @Override
    public Optional<Memblock> memblock() {
        return Optional.ofNullable(memblock);
    }

    @Override
    public void close() {
        arena.close();
    }
}
