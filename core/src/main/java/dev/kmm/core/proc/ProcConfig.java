package dev.kmm.core.proc;

import static dev.kmm.core.proc.Kconfig.BALLOON_COMPACTION;
import static dev.kmm.core.proc.Kconfig.CMA;
import static dev.kmm.core.proc.Kconfig.COMPACTION;
import static dev.kmm.core.proc.Kconfig.HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD;
import static dev.kmm.core.proc.Kconfig.HUGETLB_PAGE;
import static dev.kmm.core.proc.Kconfig.KSM;
import static dev.kmm.core.proc.Kconfig.MEMORY_BALLOON;
import static dev.kmm.core.proc.Kconfig.MEMORY_FAILURE;
import static dev.kmm.core.proc.Kconfig.MEMORY_ISOLATION;
import static dev.kmm.core.proc.Kconfig.MIGRATION;
import static dev.kmm.core.proc.Kconfig.NUMA;
import static dev.kmm.core.proc.Kconfig.NUMA_BALANCING;
import static dev.kmm.core.proc.Kconfig.SWAP;
import static dev.kmm.core.proc.Kconfig.TRANSPARENT_HUGEPAGE;
import static dev.kmm.core.proc.Kconfig.X86;
import static dev.kmm.core.proc.Kconfig.ZSMALLOC;
import static dev.kmm.core.proc.Kconfig.ZSWAP;

import dev.kmm.arena.layout.LayoutConfig;
import dev.kmm.core.pagealloc.PageAllocConfig;
import dev.kmm.core.pagealloc.ZoneTypes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The build of the kernel the views print for: its zones, buddy orders and pageblock size, and the options
 * of {@link Kconfig} that add or remove lines.
 *
 * @param pageAlloc     zones, {@code MAX_ORDER} and {@code pageblock_order}
 * @param hpagePmdOrder {@code HPAGE_PMD_ORDER = PMD_SHIFT - PAGE_SHIFT} (9 on every profile: PMD_SHIFT is 21
 *                      on x86_64, arm64 with 4 KiB pages, and 2-level ARM); THP counters print divided by
 *                      {@code HPAGE_PMD_NR}
 * @param options       the options set in this build
 */
public record ProcConfig(PageAllocConfig pageAlloc, int hpagePmdOrder, Set<Kconfig> options) {

    /** Debian's 6.1 amd64 config (config-6.1.0-56-amd64): the reference of every layout. */
    public static final ProcConfig DEBIAN_X86_64 = new ProcConfig(PageAllocConfig.X86_64, 9, EnumSet.of(
            NUMA, MEMORY_ISOLATION, ZSMALLOC, SWAP, NUMA_BALANCING, MIGRATION, COMPACTION, HUGETLB_PAGE,
            TRANSPARENT_HUGEPAGE, HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD, MEMORY_BALLOON, BALLOON_COMPACTION, KSM,
            ZSWAP, MEMORY_FAILURE, X86));

    /** 6.1.192 arm64 {@code defconfig} (4 KiB pages): CMA on, no ZONE_DEVICE, zsmalloc or zswap. */
    public static final ProcConfig ARM64_DEFCONFIG = new ProcConfig(PageAllocConfig.ARM64, 9, EnumSet.of(
            NUMA, CMA, MEMORY_ISOLATION, SWAP, NUMA_BALANCING, MIGRATION, COMPACTION, HUGETLB_PAGE,
            TRANSPARENT_HUGEPAGE, MEMORY_BALLOON, BALLOON_COMPACTION, KSM, MEMORY_FAILURE));

    /**
     * 6.1.192 {@code vexpress_defconfig} plus {@code CONFIG_HIGHMEM}, the 32-bit ARM profile: no NUMA, no
     * huge pages, CMA on.
     */
    public static final ProcConfig ARM_VEXPRESS = new ProcConfig(PageAllocConfig.ARM_VEXPRESS, 9, EnumSet.of(
            CMA, MEMORY_ISOLATION, SWAP, MIGRATION, COMPACTION, MEMORY_BALLOON, BALLOON_COMPACTION));

    public ProcConfig {
        Objects.requireNonNull(pageAlloc, "pageAlloc");
        if (hpagePmdOrder < 1 || hpagePmdOrder > 20) {
            throw new IllegalArgumentException("HPAGE_PMD_ORDER must be in [1, 20], got " + hpagePmdOrder);
        }
        options = Collections.unmodifiableSet(options.isEmpty() ? EnumSet.noneOf(Kconfig.class) : EnumSet.copyOf(options));
        if (options.contains(HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD) && !options.contains(TRANSPARENT_HUGEPAGE)) {
            throw new IllegalArgumentException("HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD needs TRANSPARENT_HUGEPAGE here");
        }
    }

    /** Whether {@code option} is set. */
    public boolean has(Kconfig option) {
        return options.contains(option);
    }

    /** The configured zones ({@code zone_names[]}). */
    public ZoneTypes zoneTypes() {
        return pageAlloc.zoneTypes();
    }

    /** {@code MAX_ORDER} in 6.1's meaning: the number of buddy orders. */
    public int maxOrder() {
        return pageAlloc.maxOrder();
    }

    /** {@code pageblock_order}. */
    public int pageblockOrder() {
        return pageAlloc.pageblockOrder();
    }

    /** {@code HPAGE_PMD_NR}. */
    public long hpagePmdNr() {
        return 1L << hpagePmdOrder;
    }

    /**
     * {@code migratetype_names[MIGRATE_TYPES]} (mm/page_alloc.c): Unmovable, Movable, Reclaimable, HighAtomic,
     * then CMA and Isolate when configured.
     */
    public List<String> migratetypeNames() {
        List<String> names = new ArrayList<>(List.of("Unmovable", "Movable", "Reclaimable", "HighAtomic"));
        if (has(CMA)) {
            names.add("CMA");
        }
        if (has(MEMORY_ISOLATION)) {
            names.add("Isolate");
        }
        return List.copyOf(names);
    }

    /** The counter names of this build. */
    public VmstatText vmstatText() {
        return VmstatText.of(zoneTypes(), options);
    }

    /**
     * Checks that structures laid out with {@code layout} hold this build's counters, zones, orders and free
     * lists, so that reading them by this build's item indices is right.
     *
     * @throws IllegalArgumentException naming the first quantity that differs
     */
    public void checkLayout(LayoutConfig layout) {
        VmstatText text = vmstatText();
        check("MAX_ORDER", maxOrder(), layout.maxOrder());
        check("MAX_NR_ZONES", zoneTypes().maxNrZones(), layout.maxNrZones());
        check("MIGRATE_TYPES", migratetypeNames().size(), layout.migrateTypes());
        check("NR_VM_ZONE_STAT_ITEMS", text.zoneStatItems().size(), layout.nrVmZoneStatItems());
        check("NR_VM_NUMA_EVENT_ITEMS", text.numaStatItems().size(), layout.nrVmNumaEventItems());
        check("NR_VM_NODE_STAT_ITEMS", text.nodeStatItems().size(), layout.nrVmNodeStatItems());
    }

    private static void check(String what, int config, int layout) {
        if (config != layout) {
            throw new IllegalArgumentException(what + " is " + config + " in the proc config but the structure layout has "
                    + layout);
        }
    }
}
