package dev.kmm.core.boot;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.proc.IomemSetup;
import dev.kmm.core.proc.KernelImage;
import dev.kmm.core.proc.MmState;
import dev.kmm.core.proc.ProcConfig;
import dev.kmm.core.proc.Resource;
import dev.kmm.core.proc.ResourceTree;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * What the {@code /proc} views read of a booted {@link Kernel}: the structures in simulated RAM come
 * straight from its memory, the rest (CPUs, per-CPU offsets, memory model, resources) from the kernel's
 * handles.
 *
 * <p>Not simulated yet, so reported as a kernel with nothing there would: swap and vmalloc; the percpu
 * allocator has its first chunk only. Of the vm events, the page allocator's ({@code pgalloc_*}, {@code pgfree}) count.
 */
final class KernelProcState implements MmState {
    private final Kernel k;
    private final ProcConfig config;
    private final int[] nodes;
    private final int[] cpus;

    KernelProcState(Kernel k) {
        this.k = k;
        this.config = k.config().procConfig();
        this.nodes = IntStream.range(0, k.nrNodes()).filter(n -> k.pgdat(n) != 0).toArray();
        this.cpus = IntStream.range(0, k.pagesets().nrCpus()).toArray();
    }

    @Override
    public KernelMemory memory() {
        return k.memory();
    }

    @Override
    public KernelLayouts layouts() {
        return k.layouts();
    }

    @Override
    public ProcConfig config() {
        return config;
    }

    @Override
    public KernelAddressSpace addressSpace() {
        return k.addressSpace();
    }

    @Override
    public int[] onlineNodes() {
        return nodes.clone();
    }

    @Override
    public long nodeData(int nid) {
        return k.pgdat(nid);
    }

    @Override
    public int[] onlineCpus() {
        return cpus.clone();
    }

    @Override
    public long perCpuOffset(int cpu) {
        return k.pagesets().perCpuOffset(cpu);
    }

    @Override
    public void allVmEvents(long[] ret) {
        k.pageAlloc().vmstat().allVmEvents(ret);
    }

    @Override
    public long pfnToOnlinePage(long pfn) {
        return k.memoryModel().pfnValid(pfn) ? k.memoryModel().pfnToPage(pfn) : 0;
    }

    @Override
    public long pageZone(long page) {
        return k.buddy().pageZone(page);
    }

    @Override
    public int getPageblockMigratetype(long page) {
        return k.buddy().pageblockFlags().getPageblockMigratetype(page);
    }

    @Override
    public int movableZone() {
        return k.config().zoneTypes().zoneMovable();
    }

    @Override
    public Resource iomemResource() {
        return k.iomemResource();
    }

    /**
     * The iomem resource tree as the kernel builds it during boot: arm's and arm64's
     * {@code request_standard_resources()} (arm64's "reserved" children are memblock's reserved regions as
     * {@code reserve_memblock_reserved_regions()} finds them at arch_initcall, before the initrd is freed), or
     * x86's image resources and {@code e820__reserve_resources()}/{@code _late()}.
     */
    static Resource iomemAtBoot(EarlyBoot b) {
        Machine m = b.machine();
        boolean arm = m.arch() == Arch.ARM;
        ResourceTree tree = ResourceTree.of("PCI mem", 0, arm ? 0xffff_ffffL : -1L);
        dev.kmm.core.boot.KernelImage i = m.image();
        KernelImage image = new KernelImage(i.textPhys(), i.phys(i.stext()), i.phys(i.etext()),
                i.phys(i.startRodata()), i.phys(i.endRodata()), i.phys(i.initBegin()), i.phys(i.sdata()),
                i.phys(i.edata()), i.phys(i.bssStart()), i.phys(i.bssStop()), i.phys(i.end()));
        switch (m.arch()) {
            case ARM -> IomemSetup.armRequestStandardResources(tree, b.memblock(), image);
            case ARM64 -> IomemSetup.arm64RequestStandardResources(tree, b.memblock(), image);
            case X86_64 -> IomemSetup.x86ReserveResources(tree, dev.kmm.core.e820.E820Table.of(
                    b.e820Table().stream().map(r -> new dev.kmm.core.e820.E820Entry(r.base(), r.size(),
                            switch (r.type()) {
                                case RAM -> dev.kmm.core.e820.E820Type.E820_TYPE_RAM;
                                case RESERVED -> dev.kmm.core.e820.E820Type.E820_TYPE_RESERVED;
                                case ACPI -> dev.kmm.core.e820.E820Type.E820_TYPE_ACPI;
                                case NVS -> dev.kmm.core.e820.E820Type.E820_TYPE_NVS;
                            })).toList()), image);
        }
        return tree.snapshot();
    }

    /**
     * {@code pcpu_nr_pages()}: the populated pages of every chunk times the units; only the first chunk exists,
     * and {@code pcpu_setup_first_chunk()} counts all its regions (static, reserved, dynamic) as populated.
     */
    @Override
    public long pcpuNrPages() {
        var ai = k.percpu().ai();
        return ((ai.staticSize() + ai.reservedSize() + ai.dynSize()) >> 12) * ai.nrUnits();
    }

    @Override
    public long totalcmaPages() {
        return k.totalcmaPages();
    }

    @Override
    public Optional<Memblock> memblock() {
        // CONFIG_ARCH_KEEP_MEMBLOCK: arm and arm64 keep memblock (and its debugfs files); x86_64 discards it.
        return k.machine().arch() == Arch.X86_64 ? Optional.empty() : Optional.of(k.memblock());
    }

    @Override
    public Optional<dev.kmm.core.pagealloc.PageOwner> pageOwner() {
        return Optional.ofNullable(k.pageAlloc().pageOwner());
    }
}
