package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.VmSplit;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.LayoutConfig;
import dev.kmm.core.memblock.MemblockConfig;
import dev.kmm.core.page.PageFlagsLayout;
import dev.kmm.core.pagealloc.Khugepaged;
import dev.kmm.core.pagealloc.PageAllocConfig;
import dev.kmm.core.pagealloc.ZoneTypes;
import dev.kmm.core.proc.Kconfig;
import dev.kmm.core.proc.ProcConfig;
import dev.kmm.core.proc.VmstatText;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The kernel configuration choices that shape memory at boot, as {@code .config} names them. A value
 * starts from an architecture's defconfig ({@link #defconfig(Arch)}) and is changed one assignment at a
 * time ({@link #with(String)}), checked the way Kconfig checks it: an unknown name, a value of the wrong
 * type, a value out of the option's range, or an option the architecture does not offer is refused with
 * a message naming the option.
 *
 * <p>Defaults are those of Linux 6.1's {@code make ARCH=arm vexpress_defconfig},
 * {@code make ARCH=arm64 defconfig} and {@code make ARCH=x86_64 x86_64_defconfig}. Options kmm does not
 * model keep the defconfig's choice and are not listed: {@code SPARSEMEM_VMEMMAP} on the 64-bit
 * architectures, {@code FLATMEM} without LPAE on arm, {@code MEMCG} (its {@code memcg_data} word exists
 * on the 64-bit layouts regardless), {@code DMA_CMA} (follows {@code CMA}), 4 KiB pages, 4-level paging.
 */
public final class KernelConfig {
    /** How a value is written and checked. */
    private enum Type { BOOL, INT, STRING }

    /** The options kmm models. */
    public enum Option {
        /** {@code ZONE_DMA}: the lowest zone. arm selects it per machine; arm64 and x86_64 default y. */
        ZONE_DMA(Type.BOOL),
        /** {@code ZONE_DMA32}: memory below 4 GiB (64-bit only). */
        ZONE_DMA32(Type.BOOL),
        /** {@code HIGHMEM}: memory above lowmem (32-bit arm only). */
        HIGHMEM(Type.BOOL),
        /** {@code ZONE_DEVICE}: the device-memory zone (64-bit only; needs memory hotplug). */
        ZONE_DEVICE(Type.BOOL),
        /** {@code CMA} with {@code DMA_CMA}: the default contiguous area. */
        CMA(Type.BOOL),
        /** {@code CMA_SIZE_MBYTES}: size of the default CMA area without {@code cma=}. */
        CMA_SIZE_MBYTES(Type.INT),
        /** {@code ARCH_FORCE_MAX_ORDER}: {@code MAX_ORDER}, the number of buddy orders (arm, arm64). */
        ARCH_FORCE_MAX_ORDER(Type.INT),
        /** {@code HUGETLB_PAGE}: with it {@code pageblock_order} is {@code HUGETLB_PAGE_ORDER} (64-bit). */
        HUGETLB_PAGE(Type.BOOL),
        /** {@code TRANSPARENT_HUGEPAGE} (arm64, x86_64; arm only with LPAE, which kmm does not model). */
        TRANSPARENT_HUGEPAGE(Type.BOOL),
        /** {@code TRANSPARENT_HUGEPAGE_ALWAYS}: THP "always" at boot (the choice's default). */
        TRANSPARENT_HUGEPAGE_ALWAYS(Type.BOOL),
        /** {@code TRANSPARENT_HUGEPAGE_MADVISE}: THP "madvise" at boot. */
        TRANSPARENT_HUGEPAGE_MADVISE(Type.BOOL),
        /** {@code NR_CPUS}: the most CPUs the kernel supports. */
        NR_CPUS(Type.INT),
        /** {@code NUMA} (arm64, x86_64). */
        NUMA(Type.BOOL),
        /** {@code NODES_SHIFT}: {@code MAX_NUMNODES = 1 << NODES_SHIFT} (needs NUMA). */
        NODES_SHIFT(Type.INT),
        /** {@code MODULES}: sizes {@code PERCPU_MODULE_RESERVE}. */
        MODULES(Type.BOOL),
        /** {@code VMSPLIT_3G}: 3G/1G user/kernel split (arm choice). */
        VMSPLIT_3G(Type.BOOL),
        /** {@code VMSPLIT_3G_OPT}: 3G/1G split for full 1G lowmem (arm choice). */
        VMSPLIT_3G_OPT(Type.BOOL),
        /** {@code VMSPLIT_2G}: 2G/2G split (arm choice). */
        VMSPLIT_2G(Type.BOOL),
        /** {@code VMSPLIT_1G}: 1G/3G split (arm choice). */
        VMSPLIT_1G(Type.BOOL),
        /**
         * {@code FAIL_PAGE_ALLOC} (with {@code FAULT_INJECTION}): the page allocator's fault injection, armed by
         * {@code fail_page_alloc=} on the command line and tuned as its debugfs directory would be through
         * {@code pageAlloc().failPageAlloc()}. Not set in the defconfigs.
         */
        FAIL_PAGE_ALLOC(Type.BOOL),
        /** {@code RODATA_FULL_DEFAULT_ENABLED}: arm64 maps the linear map with pages, not blocks. */
        RODATA_FULL_DEFAULT_ENABLED(Type.BOOL),
        /** {@code CMDLINE}: the built-in command line used when the boot loader passes none (arm). */
        CMDLINE(Type.STRING);

        private final Type type;

        Option(Type type) {
            this.type = type;
        }

        /** The {@code .config} name, e.g. {@code CONFIG_HIGHMEM}. */
        public String configName() {
            return "CONFIG_" + name();
        }
    }

    private static final List<Option> VMSPLITS = List.of(Option.VMSPLIT_3G, Option.VMSPLIT_3G_OPT,
            Option.VMSPLIT_2G, Option.VMSPLIT_1G);
    private static final List<Option> THP_MODES = List.of(Option.TRANSPARENT_HUGEPAGE_ALWAYS,
            Option.TRANSPARENT_HUGEPAGE_MADVISE);

    private final Arch arch;
    private final String defconfig;
    private final Map<Option, String> values;

    private KernelConfig(Arch arch, String defconfig, Map<Option, String> values) {
        this.arch = arch;
        this.defconfig = defconfig;
        this.values = values;
    }

    /**
     * The defconfig of {@code arch}: vexpress_defconfig for arm (the Versatile Express board of the
     * built-in machine), defconfig for arm64, x86_64_defconfig for x86_64.
     */
    public static KernelConfig defconfig(Arch arch) {
        Map<Option, String> v = new EnumMap<>(Option.class);
        switch (Objects.requireNonNull(arch, "arch")) {
            case ARM -> {
                // arch/arm/configs/vexpress_defconfig: no HIGHMEM, VMSPLIT_2G, NR_CPUS=8, CMA with the
                // kernel/dma/Kconfig default of 16 MiB, ARCH_FORCE_MAX_ORDER default 11, a built-in
                // CONFIG_CMDLINE="console=ttyAMA0".
                v.put(Option.ZONE_DMA, "n");
                v.put(Option.HIGHMEM, "n");
                v.put(Option.CMA, "y");
                v.put(Option.CMA_SIZE_MBYTES, "16");
                v.put(Option.ARCH_FORCE_MAX_ORDER, "11");
                v.put(Option.NR_CPUS, "8");
                v.put(Option.MODULES, "y");
                v.put(Option.VMSPLIT_2G, "y");
                v.put(Option.CMDLINE, "console=ttyAMA0");
            }
            case ARM64 -> {
                // arch/arm64/configs/defconfig: NUMA with NODES_SHIFT 4, NR_CPUS 256, CMA_SIZE_MBYTES=32,
                // THP "always", RODATA_FULL_DEFAULT_ENABLED, hugetlbfs.
                v.put(Option.ZONE_DMA, "y");
                v.put(Option.ZONE_DMA32, "y");
                v.put(Option.ZONE_DEVICE, "n");
                v.put(Option.CMA, "y");
                v.put(Option.CMA_SIZE_MBYTES, "32");
                v.put(Option.ARCH_FORCE_MAX_ORDER, "11");
                v.put(Option.HUGETLB_PAGE, "y");
                v.put(Option.TRANSPARENT_HUGEPAGE, "y");
                v.put(Option.TRANSPARENT_HUGEPAGE_ALWAYS, "y");
                v.put(Option.NR_CPUS, "256");
                v.put(Option.NUMA, "y");
                v.put(Option.NODES_SHIFT, "4");
                v.put(Option.MODULES, "y");
                v.put(Option.RODATA_FULL_DEFAULT_ENABLED, "y");
                v.put(Option.CMDLINE, "");
            }
            case X86_64 -> {
                // arch/x86/configs/x86_64_defconfig: no THP, no CMA, no ZONE_DEVICE (no memory hotplug),
                // NR_CPUS 64 (NR_CPUS_DEFAULT), NUMA with NODES_SHIFT 6.
                v.put(Option.ZONE_DMA, "y");
                v.put(Option.ZONE_DMA32, "y");
                v.put(Option.ZONE_DEVICE, "n");
                v.put(Option.CMA, "n");
                v.put(Option.HUGETLB_PAGE, "y");
                v.put(Option.TRANSPARENT_HUGEPAGE, "n");
                v.put(Option.NR_CPUS, "64");
                v.put(Option.NUMA, "y");
                v.put(Option.NODES_SHIFT, "6");
                v.put(Option.MODULES, "y");
                v.put(Option.CMDLINE, "");
            }
        }
        String name = switch (arch) {
            case ARM -> "vexpress_defconfig";
            case ARM64 -> "defconfig";
            case X86_64 -> "x86_64_defconfig";
        };
        return new KernelConfig(arch, name, v);
    }

    /**
     * This configuration with one assignment applied, written as in {@code .config}:
     * {@code CONFIG_HIGHMEM=y}, {@code HIGHMEM=y}, {@code CONFIG_NR_CPUS=4},
     * {@code CONFIG_CMDLINE="console=ttyAMA0"}. {@code # CONFIG_X is not set} and {@code =n} switch a
     * bool off. Selecting a member of a choice ({@code VMSPLIT_*}, the THP mode) deselects the others.
     *
     * @throws IllegalArgumentException for an unknown option, a malformed or out-of-range value, or an
     *                                  option the architecture does not offer
     */
    public KernelConfig with(String assignment) {
        Objects.requireNonNull(assignment, "assignment");
        String a = assignment.strip();
        String name;
        String value;
        if (a.startsWith("# ") && a.endsWith(" is not set")) {
            name = a.substring(2, a.length() - " is not set".length()).strip();
            value = "n";
        } else {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + assignment + "' is not NAME=VALUE");
            }
            name = a.substring(0, eq).strip();
            value = a.substring(eq + 1).strip();
        }
        return with(name, value);
    }

    /** This configuration with {@code name} (with or without the {@code CONFIG_} prefix) set to {@code value}. */
    public KernelConfig with(String name, String value) {
        Option o = option(name);
        String v = normalise(o, value);
        Map<Option, String> next = new EnumMap<>(values);
        if (VMSPLITS.contains(o) || THP_MODES.contains(o)) {
            List<Option> group = VMSPLITS.contains(o) ? VMSPLITS : THP_MODES;
            if (v.equals("n")) {
                throw new IllegalArgumentException(o.configName() + " is a member of a choice: select another member ("
                        + String.join(", ", group.stream().map(Option::configName).toList()) + ") instead");
            }
            group.forEach(next::remove);
        }
        next.put(o, v);
        KernelConfig c = new KernelConfig(arch, defconfig, next);
        c.check(o);
        return c;
    }

    /** This configuration with every assignment of {@code assignments} applied in order. */
    public KernelConfig with(List<String> assignments) {
        KernelConfig c = this;
        for (String a : assignments) {
            c = c.with(a);
        }
        return c;
    }

    private static Option option(String name) {
        Objects.requireNonNull(name, "name");
        String n = name.strip();
        if (n.startsWith("CONFIG_")) {
            n = n.substring("CONFIG_".length());
        }
        try {
            return Option.valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown kernel config option '" + name + "'; known: "
                    + String.join(", ", Arrays.stream(Option.values()).map(Option::configName).toList()));
        }
    }

    private static String normalise(Option o, String value) {
        Objects.requireNonNull(value, "value");
        return switch (o.type) {
            case BOOL -> switch (value) {
                case "y" -> "y";
                case "n" -> "n";
                default -> throw new IllegalArgumentException(o.configName() + "=" + value
                        + ": a bool option takes y or n");
            };
            case INT -> {
                try {
                    yield Integer.toString(Integer.parseInt(value));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(o.configName() + "=" + value + ": not a decimal integer");
                }
            }
            case STRING -> {
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    yield value.substring(1, value.length() - 1);
                }
                yield value;
            }
        };
    }

    /** The Kconfig rules of option {@code o} (its range and what it depends on) on this architecture. */
    private void check(Option o) {
        boolean is64 = arch != Arch.ARM;
        switch (o) {
            case ZONE_DMA32, ZONE_DEVICE, HUGETLB_PAGE, NUMA -> requireArch(o, is64, "64BIT");
            case HIGHMEM, VMSPLIT_3G, VMSPLIT_3G_OPT, VMSPLIT_2G, VMSPLIT_1G -> requireArch(o, arch == Arch.ARM, "ARM");
            case RODATA_FULL_DEFAULT_ENABLED -> requireArch(o, arch == Arch.ARM64, "ARM64");
            case ARCH_FORCE_MAX_ORDER -> {
                requireArch(o, arch != Arch.X86_64, "ARM || ARM64 (x86 fixes MAX_ORDER at 11)");
                // MAX_ORDER - 1 + PAGE_SHIFT must fit a memory section (SECTION_SIZE_BITS 27 on arm64),
                // and the structure layouts bound it the same way on arm.
                range(o, 2, 16);
            }
            case TRANSPARENT_HUGEPAGE, TRANSPARENT_HUGEPAGE_ALWAYS, TRANSPARENT_HUGEPAGE_MADVISE -> {
                requireArch(o, is64, "HAVE_ARCH_TRANSPARENT_HUGEPAGE (on arm: ARM_LPAE, which kmm does not model)");
                if (o != Option.TRANSPARENT_HUGEPAGE) {
                    requireBool(o, Option.TRANSPARENT_HUGEPAGE);
                }
            }
            case CMA_SIZE_MBYTES -> {
                requireBool(o, Option.CMA);
                range(o, 0, 1 << 20);
            }
            case NR_CPUS -> range(o, 2, switch (arch) {
                case ARM -> 32;
                case ARM64 -> 4096;
                case X86_64 -> 512;
            });
            case NODES_SHIFT -> {
                requireBool(o, Option.NUMA);
                range(o, 1, 10);
            }
            default -> {
            }
        }
        if (o == Option.CMA && !flag(Option.CMA)) {
            values.remove(Option.CMA_SIZE_MBYTES);
        } else if (o == Option.CMA && !values.containsKey(Option.CMA_SIZE_MBYTES)) {
            values.put(Option.CMA_SIZE_MBYTES, arch == Arch.X86_64 ? "0" : "16"); // kernel/dma/Kconfig default
        }
        if (o == Option.NUMA && !flag(Option.NUMA)) {
            values.remove(Option.NODES_SHIFT);
        } else if (o == Option.NUMA && !values.containsKey(Option.NODES_SHIFT)) {
            values.put(Option.NODES_SHIFT, arch == Arch.X86_64 ? "6" : "4");
        }
        if (o == Option.TRANSPARENT_HUGEPAGE && flag(o) && THP_MODES.stream().noneMatch(values::containsKey)) {
            values.put(Option.TRANSPARENT_HUGEPAGE_ALWAYS, "y"); // the choice's default
        } else if (o == Option.TRANSPARENT_HUGEPAGE && !flag(o)) {
            THP_MODES.forEach(values::remove);
        }
    }

    private void requireArch(Option o, boolean offered, String dependency) {
        if (!offered) {
            throw new IllegalArgumentException(o.configName() + " is not available on " + archName()
                    + ": it depends on " + dependency);
        }
    }

    private void requireBool(Option o, Option dependency) {
        if (!flag(dependency)) {
            throw new IllegalArgumentException(o.configName() + " depends on " + dependency.configName()
                    + ", which is not set");
        }
    }

    private void range(Option o, int min, int max) {
        int v = Integer.parseInt(values.get(o));
        if (v < min || v > max) {
            throw new IllegalArgumentException(o.configName() + "=" + v + " is outside its range " + min + ".."
                    + max + " on " + archName());
        }
    }

    private String archName() {
        return switch (arch) {
            case ARM -> "arm";
            case ARM64 -> "arm64";
            case X86_64 -> "x86_64";
        };
    }

    // ---- typed values ---------------------------------------------------------------------------

    /** The architecture this configuration builds. */
    public Arch arch() {
        return arch;
    }

    /** The defconfig it started from. */
    public String defconfigName() {
        return defconfig;
    }

    /** Whether bool option {@code o} is {@code y}. */
    public boolean flag(Option o) {
        return "y".equals(values.get(o));
    }

    private int intValue(Option o, int absent) {
        String v = values.get(o);
        return v == null ? absent : Integer.parseInt(v);
    }

    /** {@code CONFIG_ZONE_DMA}. */
    public boolean zoneDma() {
        return flag(Option.ZONE_DMA);
    }

    /** {@code CONFIG_ZONE_DMA32}. */
    public boolean zoneDma32() {
        return flag(Option.ZONE_DMA32);
    }

    /** {@code CONFIG_HIGHMEM}. */
    public boolean highmem() {
        return flag(Option.HIGHMEM);
    }

    /** {@code CONFIG_ZONE_DEVICE}. */
    public boolean zoneDevice() {
        return flag(Option.ZONE_DEVICE);
    }

    /**
     * {@code CONFIG_MEMORY_HOTREMOVE}, which kmm does not offer as an option: arm64's defconfig has it,
     * x86_64_defconfig has not, and {@code ZONE_DEVICE} depends on it. It decides where sparse_init puts the
     * usemaps.
     */
    public boolean memoryHotremove() {
        return arch == Arch.ARM64 || (arch == Arch.X86_64 && zoneDevice());
    }

    /** {@code CONFIG_CMA} (with {@code CONFIG_DMA_CMA}). */
    public boolean cma() {
        return flag(Option.CMA);
    }

    /** {@code CONFIG_CMA_SIZE_MBYTES}, 0 without CMA. */
    public int cmaSizeMbytes() {
        return intValue(Option.CMA_SIZE_MBYTES, 0);
    }

    /** {@code MAX_ORDER}: {@code CONFIG_ARCH_FORCE_MAX_ORDER}, else 11 (include/linux/mmzone.h). */
    public int maxOrder() {
        return intValue(Option.ARCH_FORCE_MAX_ORDER, KernelConstants.MAX_ORDER);
    }

    /**
     * {@code pageblock_order} (include/linux/pageblock-flags.h): with {@code CONFIG_HUGETLB_PAGE}
     * {@code min(HUGETLB_PAGE_ORDER, MAX_ORDER - 1)} where {@code HUGETLB_PAGE_ORDER} is 9 (2 MiB PMD
     * pages), else {@code MAX_ORDER - 1}.
     */
    public int pageblockOrder() {
        return flag(Option.HUGETLB_PAGE) ? Math.min(9, maxOrder() - 1) : maxOrder() - 1;
    }

    /** {@code CONFIG_TRANSPARENT_HUGEPAGE}. */
    public boolean transparentHugepage() {
        return flag(Option.TRANSPARENT_HUGEPAGE);
    }

    /** The THP mode at boot: {@code NOT_AVAILABLE} without THP, else the configured default. */
    public Khugepaged.Thp thpDefault() {
        if (!transparentHugepage()) {
            return Khugepaged.Thp.NOT_AVAILABLE;
        }
        return flag(Option.TRANSPARENT_HUGEPAGE_MADVISE) ? Khugepaged.Thp.MADVISE : Khugepaged.Thp.ALWAYS;
    }

    /** {@code CONFIG_NR_CPUS}. */
    public int nrCpus() {
        return intValue(Option.NR_CPUS, 1);
    }

    /** {@code CONFIG_NUMA}. */
    public boolean numa() {
        return flag(Option.NUMA);
    }

    /** {@code CONFIG_NODES_SHIFT}; 0 without NUMA. */
    public int nodesShift() {
        return numa() ? intValue(Option.NODES_SHIFT, 0) : 0;
    }

    /** {@code MAX_NUMNODES = 1 << NODES_SHIFT}. */
    public int maxNumNodes() {
        return 1 << nodesShift();
    }

    /** {@code CONFIG_MODULES}. */
    public boolean modules() {
        return flag(Option.MODULES);
    }

    /** arm: the selected memory split. */
    public VmSplit vmSplit() {
        for (Option o : VMSPLITS) {
            if (flag(o)) {
                return VmSplit.valueOf(o.name());
            }
        }
        throw new IllegalStateException("no memory split on " + archName());
    }

    /** arm64: {@code CONFIG_RODATA_FULL_DEFAULT_ENABLED}. */
    public boolean rodataFullDefaultEnabled() {
        return flag(Option.RODATA_FULL_DEFAULT_ENABLED);
    }

    /** {@code CONFIG_CMDLINE}, empty when not set. */
    public String cmdline() {
        return values.getOrDefault(Option.CMDLINE, "");
    }

    // ---- derived build constants ----------------------------------------------------------------

    /** {@code BITS_PER_LONG}. */
    public int bitsPerLong() {
        return arch == Arch.ARM ? 32 : 64;
    }

    /** {@code COMMAND_LINE_SIZE}: 1024 on arm (arch/arm/include/uapi/asm/setup.h), else 2048. */
    public int commandLineSize() {
        return arch == Arch.ARM ? 1024 : 2048;
    }

    /**
     * {@code sizeof(struct page)} of the simulated kernel, which sizes the memmap the kernel reserves
     * (the storage kmm uses is always the 64-byte LP64 layout). On 32-bit arm (include/linux/mm_types.h
     * with vexpress_defconfig: no MEMCG, no WANT_PAGE_VIRTUAL, no LAST_CPUPID outside the flags) it is
     * {@code flags}, the five-word union, {@code _mapcount} and {@code _refcount}: 8 words of 4 bytes.
     */
    public int structPageSize() {
        return arch == Arch.ARM ? 32 : 64;
    }

    /** The configured {@code enum zone_type}. */
    public ZoneTypes zoneTypes() {
        return ZoneTypes.of(zoneDma(), zoneDma32(), highmem(), zoneDevice());
    }

    /** {@code SECTION_SIZE_BITS}: 27 on arm64 and x86_64; FLATMEM (0) on arm. */
    public int sectionSizeBits() {
        return arch == Arch.ARM ? 0 : 27;
    }

    /** The constants of the zone formulas, with the memmap accounted at {@link #structPageSize()}. */
    public PageAllocConfig pageAllocConfig() {
        return new PageAllocConfig(zoneTypes(), maxOrder(), pageblockOrder(), sectionSizeBits(), structPageSize(),
                bitsPerLong());
    }

    /**
     * The array lengths of the structure layouts: {@code MIGRATE_TYPES} 6 with CMA, the configured
     * {@code MAX_ORDER}, zones and {@code NODES_SHIFT}, {@code NR_PCP_THP} 2 with THP (6.1.192), else 0.
     */
    public LayoutConfig layoutConfig() {
        VmstatText counters = procConfig().vmstatText();
        return new LayoutConfig(cma() ? 6 : 5, maxOrder(), zoneTypes().maxNrZones(), nodesShift(),
                transparentHugepage() ? KernelConstants.NR_PCP_THP : 0, counters.zoneStatItems().size(),
                counters.numaStatItems().size(), counters.nodeStatItems().size());
    }

    /**
     * The options that shape this build's views and counter arrays: the arch's reference set
     * ({@link ProcConfig}'s presets, read from the real 6.1 configs), with the choices this config can change
     * (NUMA, CMA, huge pages) taken from it. The vmstat item lists it gives size {@code zone->vm_stat[]},
     * {@code vm_numa_event[]} and {@code pglist_data->vm_stat[]}, as the enums do in the kernel.
     */
    public ProcConfig procConfig() {
        ProcConfig preset = switch (arch) {
            case ARM -> ProcConfig.ARM_VEXPRESS;
            case ARM64 -> ProcConfig.ARM64_DEFCONFIG;
            case X86_64 -> ProcConfig.DEBIAN_X86_64;
        };
        Set<Kconfig> options = EnumSet.copyOf(preset.options());
        setOption(options, Kconfig.NUMA, numa());
        setOption(options, Kconfig.CMA, cma());
        setOption(options, Kconfig.TRANSPARENT_HUGEPAGE, transparentHugepage());
        setOption(options, Kconfig.HUGETLB_PAGE, flag(Option.HUGETLB_PAGE));
        if (!transparentHugepage()) {
            options.remove(Kconfig.HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD);
        }
        return new ProcConfig(pageAllocConfig(), preset.hpagePmdOrder(), options);
    }

    private static void setOption(Set<Kconfig> options, Kconfig o, boolean on) {
        if (on) {
            options.add(o);
        } else {
            options.remove(o);
        }
    }

    /**
     * memblock's configuration: 32-bit {@code phys_addr_t} on arm (no LPAE), node ids with NUMA,
     * {@code SMP_CACHE_BYTES} of 64 (arm's L1_CACHE_SHIFT 6 for the Cortex-A9 of vexpress_defconfig,
     * x86_64's, and arm64's {@code L1_CACHE_SHIFT} 6).
     */
    public MemblockConfig memblockConfig() {
        return new MemblockConfig(arch == Arch.ARM ? 32 : 64, numa(), numa() ? maxNumNodes() : 1, 12, 64, 0xffffffffL);
    }

    /**
     * Where {@code page->flags} keeps zone, node and last cpupid (include/linux/page-flags-layout.h) for this
     * build. {@code __NR_PAGEFLAGS} (include/linux/page-flags.h): the 22 flags up to {@code PG_mlocked}, then
     * {@code PG_uncached} on x86 ({@code ARCH_USES_PG_UNCACHED}), {@code PG_hwpoison} with
     * {@code MEMORY_FAILURE} (arm64's defconfig has it, x86_64_defconfig not) and {@code PG_arch_2} on 64-bit.
     * arm64's defconfig has {@code NUMA_BALANCING}, which keeps the last cpupid in the flags.
     */
    public PageFlagsLayout pageFlagsLayout() {
        int zones = zoneTypes().maxNrZones();
        return switch (arch) {
            case ARM -> PageFlagsLayout.of(32, 22, zones, 0, false, nrCpus(), false, false, -1);
            case ARM64 -> PageFlagsLayout.of(64, 24, zones, nodesShift(), numa(), nrCpus(), false, false, 22);
            case X86_64 -> PageFlagsLayout.of(64, 24, zones, nodesShift(), false, nrCpus(), false, false, -1);
        };
    }

    /** Every option that is set, as {@code .config} lines in option order. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Option, String> e : values.entrySet()) {
            Option o = e.getKey();
            String v = e.getValue();
            if (o.type == Type.BOOL && v.equals("n")) {
                out.add("# " + o.configName() + " is not set");
            } else if (o.type == Type.STRING) {
                out.add(o.configName() + "=\"" + v + "\"");
            } else {
                out.add(o.configName() + "=" + v);
            }
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelConfig c && arch == c.arch && values.equals(c.values);
    }

    @Override
    public int hashCode() {
        return arch.hashCode() * 31 + values.hashCode();
    }

    @Override
    public String toString() {
        return "KernelConfig[" + archName().toLowerCase(Locale.ROOT) + " " + defconfig + ": " + String.join(" ", lines()) + "]";
    }
}
