package dev.kmm.core.boot;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.PhysicalMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.concurrency.CpuContexts;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.FreeAreaInit;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.pagealloc.PcpVerify;
import dev.kmm.core.pagealloc.PrintkLine;
import dev.kmm.core.pagealloc.ZoneLimits;
import dev.kmm.core.pagealloc.ZoneTuning;
import dev.kmm.core.percpu.PcpuFirstChunk;
import dev.kmm.core.proc.ProcFs;
import dev.kmm.core.trace.KmemTrace;
import dev.kmm.core.sparse.MemoryModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A booted kernel: a {@link Machine} taken through Linux 6.1's boot ({@link #boot(Machine)}), with its
 * simulated RAM, the nodes and zones in it at their kernel virtual addresses, the boot log, and the
 * zone limits, which the sysctls recompute ({@link #sysctl(String, String)}).
 *
 * <p>After boot the page allocator runs ({@link #pageAlloc()}) on the CPUs ({@link #cpus()}), from as many threads as
 * the CPU mode allows. Sysctl writes and {@link #close()} are not thread-safe: make them while no CPU runs, as a
 * sysctl writer holding the kernel's locks would. {@link #close()} releases the simulated RAM.
 */
public final class Kernel implements AutoCloseable {
    private final Machine machine;
    private final EarlyBoot boot;
    private final NodeStructs structs;
    private final Zonelists zonelists;
    private final Pagesets pagesets;
    private final PcpuFirstChunk.Result percpu;
    private final dev.kmm.core.proc.Resource iomem;
    private final CpuContexts cpus;
    private final PageAlloc pageAlloc;
    private final KmemTrace trace;
    private ZoneTuning tuning;

    Kernel(Machine machine, EarlyBoot boot, Zonelists zonelists, PcpuFirstChunk.Result percpu, Pagesets pagesets,
           ZoneTuning tuning, dev.kmm.core.proc.Resource iomem, CpuContexts cpus,
           PageAlloc pageAlloc, KmemTrace trace) {
        this.machine = machine;
        this.boot = boot;
        this.structs = boot.structs();
        this.zonelists = zonelists;
        this.percpu = percpu;
        this.pagesets = pagesets;
        this.tuning = tuning;
        this.iomem = iomem;
        this.cpus = cpus;
        this.pageAlloc = pageAlloc;
        this.trace = trace;
    }

    /**
     * Boots {@code machine} the way Linux 6.1 does, from its firmware tables and command line to the end
     * of {@code free_initmem()}.
     *
     * @throws IllegalArgumentException when the command line holds a value the kernel cannot use
     * @throws IllegalStateException    where the kernel would panic (an allocation memblock cannot satisfy)
     */
    public static Kernel boot(Machine machine) {
        return boot(machine, CpuContexts.Mode.DETERMINISTIC);
    }

    /**
     * Boots {@code machine} with its CPUs in {@code mode}: {@link CpuContexts.Mode#DETERMINISTIC} (the default),
     * where the first thread to enter a CPU drives them all and the same calls give the same pages, or
     * {@link CpuContexts.Mode#PARALLEL}, one thread per CPU.
     *
     * @see #boot(Machine)
     */
    public static Kernel boot(Machine machine, CpuContexts.Mode mode) {
        return StartKernel.startKernel(Objects.requireNonNull(machine, "machine"), Objects.requireNonNull(mode, "mode"));
    }

    /** The machine that was booted. */
    public Machine machine() {
        return machine;
    }

    /** The kernel configuration. */
    public KernelConfig config() {
        return machine.config();
    }

    /** The command line the kernel used ({@code saved_command_line}). */
    public CommandLine commandLine() {
        return boot.commandLine();
    }

    /** Every record the boot logged, {@code pr_debug} included, in order. */
    public List<PrintkLine> bootLog() {
        return boot.log().records();
    }

    /**
     * What the console showed: the records below the console log level ({@code loglevel=}, {@code quiet},
     * {@code debug} on the command line; 7 by default, which hides {@code pr_debug}).
     */
    public List<PrintkLine> console() {
        return boot.log().console(boot.params().loglevel());
    }

    /** The texts of {@link #console()}. */
    public List<String> dmesg() {
        return boot.log().consoleText(boot.params().loglevel());
    }

    /** The simulated physical RAM. */
    public PhysicalMemory ram() {
        return boot.ram();
    }

    /** The kernel's view of memory: kernel virtual addresses resolved to the simulated RAM and the memmap. */
    public KernelMemory memory() {
        return boot.memory();
    }

    /**
     * The CPUs: a thread enters one ({@code cpus().enter(id)}, or {@code switchTo} in deterministic mode) before
     * it calls the allocator.
     */
    public CpuContexts cpus() {
        return cpus;
    }

    /**
     * The page allocator, running on the zones, zonelists and per-CPU pagesets boot set up: {@code alloc_pages},
     * {@code __free_pages} and the rest, called from inside a CPU context.
     */
    public PageAlloc pageAlloc() {
        return pageAlloc;
    }

    /** The kmem tracepoints of this kernel: attach a listener to see its allocations and frees. */
    public KmemTrace trace() {
        return trace;
    }

    /**
     * Checks every zone without changing anything: the per-CPU pagesets and the buddy free lists, every page's
     * state, the free-list counts against {@code nr_free}, unmerged buddy pairs, pageblock types, and the free-page
     * counters (with the CPUs' pending deltas) against the walk ({@link PcpVerify#verifyAll}). A booted kernel's
     * allocator keeps its debug bookkeeping ({@link PageAlloc#debugVm()}), so the tails of non-compound high-order
     * blocks count as allocated, and every page must be accounted once: free + pcp + allocated pages make the
     * zone's {@code managed_pages}, and with the reserved ones its {@code present_pages} (holes are the pfns outside
     * {@code memblock.memory}). Call it while no CPU runs the allocator.
     *
     * @return the problems found, each a sentence naming the node, zone and page; empty when all is consistent
     */
    public List<String> verify() {
        var memory = boot.memblock().memory();
        long[] start = new long[memory.cnt()];
        long[] end = new long[memory.cnt()];
        for (int i = 0; i < start.length; i++) {
            start[i] = (memory.base(i) + EarlyBoot.PAGE_SIZE - 1) >>> EarlyBoot.PAGE_SHIFT;
            end[i] = (memory.base(i) + memory.size(i)) >>> EarlyBoot.PAGE_SHIFT;
        }
        java.util.function.LongPredicate present = pfn -> {
            int i = Arrays.binarySearch(start, pfn);
            i = i >= 0 ? i : -i - 2;
            return i >= 0 && pfn < end[i];
        };
        List<String> out = new ArrayList<>();
        for (ZoneInfo z : zones()) {
            if (z.populated()) {
                out.addAll(PcpVerify.verifyAll(pageAlloc, z.address(), present));
            }
        }
        return out;
    }

    /** The buddy allocator: free lists, pageblock flags and zone counters in simulated RAM. */
    public Buddy buddy() {
        return boot.buddy();
    }

    /** The memory model: {@code pfn_to_page}, {@code page_to_pfn}, pageblock bitmaps. */
    public MemoryModel memoryModel() {
        return boot.model();
    }

    /** The kernel virtual address space of this boot. */
    public KernelAddressSpace addressSpace() {
        return boot.addressSpace();
    }

    /** The structure layouts of this configuration. */
    public KernelLayouts layouts() {
        return boot.layouts();
    }

    /** {@code memblock} as boot left it ({@code CONFIG_ARCH_KEEP_MEMBLOCK}). */
    public Memblock memblock() {
        return boot.memblock();
    }

    /** The zone layout {@code free_area_init()} computed. */
    public FreeAreaInit freeAreaInit() {
        return boot.zones();
    }

    /** The number of nodes ({@code nr_node_ids}). */
    public int nrNodes() {
        return boot.zones().nodes().size();
    }

    /** The kernel virtual address of node {@code nid}'s {@code pglist_data}. */
    public long pgdat(int nid) {
        return structs.pgdat(Objects.checkIndex(nid, nrNodes()));
    }

    /** The kernel virtual address of zone {@code zoneIdx} of node {@code nid}. */
    public long zone(int nid, int zoneIdx) {
        return structs.zone(Objects.checkIndex(nid, nrNodes()),
                Objects.checkIndex(zoneIdx, config().zoneTypes().maxNrZones()));
    }

    /** The zonelists {@code build_all_zonelists()} built. */
    public Zonelists zonelists() {
        return zonelists;
    }

    /** The first per-CPU chunk. */
    public PcpuFirstChunk.Result percpu() {
        return percpu;
    }

    /** The per-CPU pagesets and vmstat diffs of the zones and nodes ({@code setup_per_cpu_pageset()}). */
    public Pagesets pagesets() {
        return pagesets;
    }

    /**
     * The text of a kernel view, as reading the file would give it: {@code /proc/zoneinfo},
     * {@code /proc/buddyinfo}, {@code /proc/pagetypeinfo}, {@code /proc/meminfo}, {@code /proc/vmstat},
     * {@code /proc/iomem}, {@code /sys/kernel/debug/memblock/memory} and {@code .../reserved}, and
     * {@code /sys/kernel/debug/page_owner} when booted with {@code page_owner=on}.
     *
     * @throws IllegalArgumentException for a path that is not one of those
     */
    public String proc(String path) {
        return ProcFs.read(new KernelProcState(this), path);
    }

    /**
     * The state the views read, for their typed records: {@code ProcBuddyinfo.read(kernel.mmState())} gives
     * {@link dev.kmm.core.proc.BuddyInfo} rows, and likewise {@code ProcZoneinfo}, {@code ProcPagetypeinfo},
     * {@code ProcMeminfo} and {@code ProcVmstat}. The records are what {@link #proc(String)} prints.
     */
    public dev.kmm.core.proc.MmState mmState() {
        return new KernelProcState(this);
    }

    /**
     * Where the initrd ended up ({@code initrd_start}/{@code initrd_end} as physical addresses): the loader's
     * place, or where x86's {@code relocate_initrd()} moved it; empty without one or when it was disabled.
     */
    public java.util.Optional<PhysRange> initrd() {
        return java.util.Optional.ofNullable(boot.initrd());
    }

    /** The iomem resource tree the boot built ({@code /proc/iomem}). */
    public dev.kmm.core.proc.Resource iomemResource() {
        return iomem;
    }

    /** x86's {@code e820_table} as setup_arch left it (empty on arm and arm64). */
    public List<MemoryRange> e820Table() {
        return boot.e820Table();
    }

    /** {@code min_low_pfn}, {@code max_low_pfn}, {@code max_pfn}. */
    public long[] pfnLimits() {
        return new long[] {boot.minLowPfn(), boot.maxLowPfn(), boot.maxPfn()};
    }

    /** The CMA areas reserved at boot. */
    public List<EarlyBoot.CmaArea> cmaAreas() {
        return boot.cmaAreas();
    }

    /** {@code totalcma_pages}. */
    public long totalcmaPages() {
        return boot.totalcmaPages();
    }

    /** The zone limits as the formulas last computed them. */
    public ZoneTuning tuning() {
        return tuning;
    }

    /** {@code min_free_kbytes}. */
    public int minFreeKbytes() {
        return tuning.minFreeKbytes();
    }

    /** {@code totalram_pages()}: every zone's managed pages. */
    public long totalramPages() {
        long sum = 0;
        for (ZoneInfo z : zones()) {
            sum += z.managed();
        }
        return sum;
    }

    /** Every zone of every node, in {@code for_each_zone()} order, read from the zone structures. */
    public List<ZoneInfo> zones() {
        List<ZoneInfo> out = new ArrayList<>();
        List<ZoneLimits> limits = tuning.limits();
        int k = 0;
        for (FreeAreaInit.NodeInit n : boot.zones().nodes()) {
            for (FreeAreaInit.ZoneInit z : n.zones()) {
                long va = structs.zone(n.nid(), z.zoneType());
                out.add(new ZoneInfo(n.nid(), z.zoneType(), z.name(), z.zoneStartPfn(), z.spannedPages(),
                        z.presentPages(), structs.managedPages(n.nid(), z.zoneType()),
                        structs.cmaPages(n.nid(), z.zoneType()), limits.get(k++), va));
            }
        }
        return out;
    }

    /** The zone called {@code name} on node {@code nid}. */
    public ZoneInfo zone(int nid, String name) {
        for (ZoneInfo z : zones()) {
            if (z.nid() == nid && z.name().equals(name)) {
                return z;
            }
        }
        throw new IllegalArgumentException("no zone " + name + " on node " + nid);
    }

    /**
     * Writes a sysctl, as {@code echo value > /proc/sys/vm/...} would, and recomputes what its handler
     * recomputes from the zones' current managed pages: {@code vm.min_free_kbytes} and
     * {@code vm.watermark_scale_factor} the watermarks (and pcp limits), {@code vm.lowmem_reserve_ratio}
     * the protection, {@code vm.percpu_pagelist_high_fraction} the pcp limits.
     *
     * @param name  {@code vm.min_free_kbytes} (or {@code vm/min_free_kbytes}) and the others above
     * @param value decimal, several separated by blanks for {@code lowmem_reserve_ratio}
     * @throws IllegalArgumentException for an unknown name or a value the handler rejects (EINVAL)
     */
    public void sysctl(String name, String value) {
        Objects.requireNonNull(value, "value");
        String key = sysctlKey(name);
        ZoneTuning t = tuning.withZones(currentSizes());
        tuning = switch (key) {
            case "min_free_kbytes" -> t.minFreeKbytesSysctlHandler(intValue(name, value, 0, Integer.MAX_VALUE));
            case "watermark_scale_factor" -> t.watermarkScaleFactorSysctlHandler(intValue(name, value, 1, 3000));
            case "lowmem_reserve_ratio" -> t.lowmemReserveRatioSysctlHandler(intValues(name, value,
                    t.sysctls().lowmemReserveRatio()));
            case "percpu_pagelist_high_fraction" -> {
                int v = intValue(name, value, 0, Integer.MAX_VALUE);
                if (v != 0 && v < 8) {
                    throw new IllegalArgumentException(name + "=" + value + ": must be 0 or at least 8 (EINVAL)");
                }
                yield t.percpuPagelistHighFractionSysctlHandler(v);
            }
            default -> throw new IllegalStateException(key);
        };
        StartKernel.writeLimits(structs, pagesets, tuning);
    }

    /**
     * Reads a sysctl as {@code cat /proc/sys/vm/...} prints it (without the newline). Reading
     * {@code vm.lowmem_reserve_ratio} has the kernel's side effect: 6.1's
     * {@code lowmem_reserve_ratio_sysctl_handler()} calls {@code setup_per_zone_lowmem_reserve()} on reads as
     * well as writes, so the protection is recomputed from the zones' current managed pages (a real boot's
     * /proc/zoneinfo shows the boot-time protection until the first read of the file).
     */
    public String sysctl(String name) {
        String key = sysctlKey(name);
        if (key.equals("lowmem_reserve_ratio")) {
            tuning = tuning.withZones(currentSizes()).lowmemReserveRatioSysctlHandler(tuning.sysctls().lowmemReserveRatio());
            StartKernel.writeLimits(structs, pagesets, tuning);
        }
        return switch (key) {
            case "min_free_kbytes" -> Integer.toString(tuning.sysctls().minFreeKbytes());
            case "watermark_scale_factor" -> Integer.toString(tuning.sysctls().watermarkScaleFactor());
            case "lowmem_reserve_ratio" -> String.join("\t", Arrays.stream(tuning.sysctls().lowmemReserveRatio())
                    .mapToObj(Integer::toString).toList());
            case "percpu_pagelist_high_fraction" -> Integer.toString(tuning.sysctls().percpuPagelistHighFraction());
            default -> throw new IllegalStateException(name);
        };
    }

    private static String sysctlKey(String name) {
        Objects.requireNonNull(name, "name");
        String n = name.strip();
        for (String prefix : List.of("/proc/sys/vm/", "vm.", "vm/")) {
            if (n.startsWith(prefix)) {
                String key = n.substring(prefix.length());
                if (List.of("min_free_kbytes", "watermark_scale_factor", "lowmem_reserve_ratio",
                        "percpu_pagelist_high_fraction").contains(key)) {
                    return key;
                }
            }
        }
        throw new IllegalArgumentException("unknown sysctl '" + name + "'; kmm models vm.min_free_kbytes, "
                + "vm.watermark_scale_factor, vm.lowmem_reserve_ratio and vm.percpu_pagelist_high_fraction");
    }

    private static int intValue(String name, String value, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + ": not a decimal integer (EINVAL)");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + "=" + value + ": outside " + min + ".." + max + " (EINVAL)");
        }
        return v;
    }

    /** {@code proc_dointvec_minmax} over the array: the values given replace the first entries. */
    private static int[] intValues(String name, String value, int[] old) {
        String[] parts = value.strip().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty() || parts.length > old.length) {
            throw new IllegalArgumentException(name + "=" + value + ": give 1 to " + old.length + " values (EINVAL)");
        }
        int[] out = old.clone();
        for (int i = 0; i < parts.length; i++) {
            out[i] = intValue(name, parts[i], 0, Integer.MAX_VALUE);
        }
        return out;
    }

    private List<dev.kmm.core.pagealloc.ZoneSizes> currentSizes() {
        List<dev.kmm.core.pagealloc.ZoneSizes> out = new ArrayList<>();
        for (ZoneInfo z : zones()) {
            out.add(z.limits().zone().withManaged(z.managed()));
        }
        return out;
    }

    /** Releases the simulated RAM, the memmap and page_owner's records. */
    @Override
    public void close() {
        pageAlloc.close();
        boot.close();
    }

    @Override
    public String toString() {
        return "Kernel[" + machine + "]";
    }
}
