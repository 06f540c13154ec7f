/**
 * The memory model of Linux 6.1: where the {@code struct page} of every pfn lives and where each pageblock's flags
 * are kept. {@link dev.kmm.core.sparse.MemoryModel} is what the page allocator sees;
 * {@link dev.kmm.core.sparse.Sparse} implements SPARSEMEM_VMEMMAP (x86_64, arm64, mm/sparse.c) and
 * {@link dev.kmm.core.sparse.FlatMem} FLATMEM (32-bit ARM, alloc_node_mem_map and setup_usemap of
 * mm/page_alloc.c).
 *
 * <p><b>Memory accounting.</b> Both models allocate from memblock exactly what the kernel allocates, with its sizes,
 * alignments, limits and nodes and in its order, so that {@code memblock.reserved} and later the zones' managed
 * page counts come out as the kernel's: under SPARSEMEM the {@code mem_section} roots, the root pages, each node's
 * usemaps (placed in the section of the node's pglist_data), each node's memmap buffer and the vmemmap page-table
 * pages; under FLATMEM the node's {@code mem_map} and one pageblock bitmap per zone.
 *
 * <p><b>Where the struct pages are.</b> FLATMEM's {@code mem_map} is in simulated RAM, reached through the linear
 * map, as in the kernel. Under SPARSEMEM_VMEMMAP the kernel maps its memmap buffer at the vmemmap address with PMD
 * page-table entries; kmm instead keeps the struct pages of all present sections in one separate host segment,
 * mapped at the vmemmap address by a {@link dev.kmm.arena.KernelMemory} region
 * ({@link dev.kmm.core.sparse.Sparse#vmemmapRegion}), while the buffer of the same size is still reserved in
 * simulated RAM. One contiguous segment keeps {@code pfn_to_page} a single addition whatever the number of nodes,
 * and leaves the RAM the kernel gives the buffer untouched. The vmemmap page-table pages are reserved and zeroed
 * but not filled in, since nothing translates through them.
 *
 * <p><b>FLATMEM's pageblock flags.</b> kmm's {@code struct zone} has SPARSEMEM's layout, without the
 * {@code pageblock_flags} member FLATMEM adds; {@link dev.kmm.core.sparse.FlatMem} keeps each zone's
 * {@code pageblock_flags} pointer in a Java array instead. The bitmap itself is in simulated RAM.
 */
package dev.kmm.core.sparse;
