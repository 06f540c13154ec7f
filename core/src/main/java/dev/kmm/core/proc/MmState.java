package dev.kmm.core.proc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.pagealloc.PageOwner;
import java.util.List;
import java.util.Optional;

/**
 * What the memory views read from a booted kernel. Nodes and zones are read from simulated RAM through
 * {@link #memory()} with the {@link #layouts()}; this interface gives only what is not inside
 * {@code pglist_data} and {@code struct zone}, each method named for the kernel symbol it stands for.
 *
 * <p>Quantities the views derive instead of asking for, because 6.1 keeps them equal to a sum over the
 * structures: {@code totalram_pages()} (the sum of {@code zone_managed_pages()}: both move together in
 * {@code adjust_managed_page_count()} and the boot-time release to the buddy allocator),
 * {@code totalhigh_pages()} (the same over highmem zones), {@code totalreserve_pages} (the sum of
 * {@code pgdat->totalreserve_pages}, as {@code calculate_totalreserve_pages()} computes it), and the global
 * {@code vm_zone_stat[]}, {@code vm_node_stat[]}, {@code vm_numa_event[]} (every fold adds the same delta
 * to the zone or node and to the global, so the global is the sum over zones or nodes).
 *
 * <p>The default methods return what a kernel without the feature reports (no swap device, no huge
 * pages reserved, no CMA area, ...); an implementation overrides those it simulates.
 */
public interface MmState {
    /** The kernel's memory: resolves the virtual addresses held in nodes, zones and per-cpu areas. */
    KernelMemory memory();

    /** The layouts the structures were built with; must match {@link #config()} (see {@link ProcConfig#checkLayout}). */
    KernelLayouts layouts();

    /** The build the views print for. */
    ProcConfig config();

    /** The kernel's virtual memory layout: the arch, {@code VMALLOC_START} and {@code VMALLOC_END}. */
    KernelAddressSpace addressSpace();

    /** {@code for_each_online_node()}: the online node ids, ascending. */
    int[] onlineNodes();

    /** {@code NODE_DATA(nid)}: the address of the node's {@code pglist_data}. */
    long nodeData(int nid);

    /** {@code for_each_online_cpu()}: the online CPU ids, ascending. */
    int[] onlineCpus();

    /**
     * {@code __per_cpu_offset[cpu]}: added to a per-cpu pointer such as {@code zone->per_cpu_pageset} it gives
     * that CPU's copy ({@code per_cpu_ptr()}).
     */
    long perCpuOffset(int cpu);

    /**
     * {@code all_vm_events(ret)}: {@code vm_event_states.event[i]} summed over the online CPUs, indexed by
     * this build's {@code enum vm_event_item} ({@link VmstatText#vmEventItems()}).
     *
     * @param ret filled; as long as {@code config().vmstatText().vmEventItems()}
     */
    void allVmEvents(long[] ret);

    /** {@code pfn_to_online_page(pfn)}: the {@code struct page} address, or 0 for a hole or offline memory. */
    long pfnToOnlinePage(long pfn);

    /** {@code page_zone(page)}: the address of the zone the page belongs to. */
    long pageZone(long page);

    /** {@code get_pageblock_migratetype(page)}: the migrate type of the page's pageblock. */
    int getPageblockMigratetype(long page);

    /** {@code movable_zone}: the zone ZONE_MOVABLE takes its pages from (decides {@code is_highmem()}). */
    int movableZone();

    /** {@code iomem_resource}: the root of the physical address resource tree. */
    Resource iomemResource();

    /** {@code nr_blockdev_pages()}: block device page cache, Meminfo's Buffers. */
    default long nrBlockdevPages() {
        return 0;
    }

    /** {@code total_swapcache_pages()}. */
    default long totalSwapcachePages() {
        return 0;
    }

    /** {@code total_swap_pages}: the pages of all swap devices. */
    default long totalSwapPages() {
        return 0;
    }

    /** {@code get_nr_swap_pages()}: free swap pages. */
    default long nrSwapPages() {
        return 0;
    }

    /** {@code vm_memory_committed()}: {@code percpu_counter_sum_positive(&vm_committed_as)}. */
    default long vmMemoryCommitted() {
        return 0;
    }

    /** {@code vmalloc_nr_pages()}: pages backing vmalloc areas. */
    default long vmallocNrPages() {
        return 0;
    }

    /** {@code pcpu_nr_pages()}: pages of the per-cpu allocator's chunks. */
    default long pcpuNrPages() {
        return 0;
    }

    /** {@code totalcma_pages}: pages reserved for CMA areas. */
    default long totalcmaPages() {
        return 0;
    }

    /** {@code num_poisoned_pages}: pages taken out by memory failure handling. */
    default long numPoisonedPages() {
        return 0;
    }

    /** {@code zswap_pool_total_size} in bytes. */
    default long zswapPoolTotalSize() {
        return 0;
    }

    /** {@code zswap_stored_pages}. */
    default long zswapStoredPages() {
        return 0;
    }

    /**
     * {@code hstates[]} in {@code for_each_hstate()} order, the default hstate first: by default one empty
     * pool of {@code HPAGE_SIZE} (PMD-sized) pages, as {@code hugetlb_init()} registers without a
     * {@code hugepagesz=} parameter. Unused without {@code CONFIG_HUGETLB_PAGE}.
     */
    default List<Hstate> hstates() {
        return List.of(Hstate.empty(4096L << config().hpagePmdOrder()));
    }

    /** x86's direct map entry counts ({@code direct_pages_count[]}, {@code direct_gbpages}). */
    default DirectMap directMap() {
        return DirectMap.NONE;
    }

    /** The {@code vm.*} tunables the dirty and commit limits use. */
    default VmSysctls vmSysctls() {
        return VmSysctls.DEFAULTS;
    }

    /**
     * {@code memblock} when the kernel keeps it after boot ({@code CONFIG_ARCH_KEEP_MEMBLOCK}, as on arm and
     * arm64), which gives debugfs {@code memblock/memory} and {@code memblock/reserved}; empty when it was
     * discarded, as on x86_64.
     */
    default Optional<Memblock> memblock() {
        return Optional.empty();
    }

    /**
     * page_owner's records when the kernel runs with {@code page_owner=on}, which gives debugfs
     * {@code page_owner}; empty when it is off.
     */
    default Optional<PageOwner> pageOwner() {
        return Optional.empty();
    }
}
