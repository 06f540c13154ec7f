package dev.kmm.core.sparse;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.bitmap.Bitmap;
import dev.kmm.arena.layout.KernelConstants;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockRange;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * SPARSEMEM_VMEMMAP as Linux 6.1 sets it up at boot: mm/sparse.c ({@code sparse_init}, {@code memblocks_present},
 * {@code sparse_init_nid}) and the boot half of mm/sparse-vmemmap.c and the arch {@code vmemmap_populate}.
 *
 * <p>Everything the kernel allocates from memblock is allocated from the given {@link Memblock}, with the kernel's
 * sizes, alignments, limits and nodes, in the kernel's order: the {@code mem_section} root array, one root page of
 * {@code struct mem_section} per {@code SECTIONS_PER_ROOT} sections, per node the usemaps ({@code struct
 * mem_section_usage} with the subsection map and the pageblock flags) next to the node's pglist_data, the node's
 * memmap buffer (one PMD-aligned 2 MiB block per present section), and the vmemmap page-table pages (a PUD table
 * per new PGD slot, a PMD table per new PUD slot). The {@code mem_section} tables and usemaps are written to
 * simulated RAM exactly as the kernel writes them.
 *
 * <p>The struct pages themselves are the one exception: the kernel maps the memmap buffer at the vmemmap address
 * with PMD mappings; kmm reserves the same buffer in simulated RAM (so managed-page counts come out as the
 * kernel's) but keeps the struct pages in a separate host segment that a {@link KernelMemory} region maps at the
 * vmemmap address ({@link #vmemmapRegion}). The page-table pages are reserved and zeroed but not filled in:
 * nothing walks them, the vmemmap is reached through that region.
 *
 * <p>{@link #pageblockBitmap} reads each section's usemap address from a Java array filled as the sections were
 * initialised; the same addresses are in {@code mem_section[].usage} in simulated RAM.
 */
public final class Sparse implements MemoryModel {
    /** {@code SECTION_MARKED_PRESENT}: memory_present() saw memory in the section. */
    public static final long SECTION_MARKED_PRESENT = 1L << 0;
    /** {@code SECTION_HAS_MEM_MAP}: the section has a memmap ({@code valid_section}). */
    public static final long SECTION_HAS_MEM_MAP = 1L << 1;
    /** {@code SECTION_IS_ONLINE}. */
    public static final long SECTION_IS_ONLINE = 1L << 2;
    /** {@code SECTION_IS_EARLY}: initialised at boot; pfn_valid() holds for the whole section. */
    public static final long SECTION_IS_EARLY = 1L << 3;
    /** {@code SECTION_TAINT_ZONE_DEVICE} (CONFIG_ZONE_DEVICE). */
    public static final long SECTION_TAINT_ZONE_DEVICE = 1L << 4;
    /** {@code SECTION_MAP_LAST_BIT}, from the reference kernel's BTF: 5 with ZONE_DEVICE. */
    public static final int SECTION_MAP_LAST_BIT = 5;
    /** {@code SECTION_MAP_MASK}: the encoded memmap address bits. */
    public static final long SECTION_MAP_MASK = ~((1L << SECTION_MAP_LAST_BIT) - 1);
    /** {@code SECTION_NID_SHIFT}: where memory_present() keeps the early node id. */
    public static final int SECTION_NID_SHIFT = SECTION_MAP_LAST_BIT;
    /** {@code SUBSECTION_SHIFT}: 2 MiB subsections. */
    public static final int SUBSECTION_SHIFT = 21;
    /** {@code offsetof(struct mem_section, usage)}. */
    public static final long MEM_SECTION_USAGE = 8;
    /**
     * {@code offsetof(struct mem_section_usage, subsection_map)}: after the {@code rcu_head} that 6.1.y gained
     * with the stable backport of "mm/sparsemem: fix race in accessing memory_section->usage" (BTF of 6.1.192).
     */
    public static final long USAGE_SUBSECTION_MAP = 16;

    private static final int PAGE_SHIFT = KernelConstants.PAGE_SHIFT;
    private static final long PAGE_SIZE = KernelConstants.PAGE_SIZE;
    private static final int NR_PAGEBLOCK_BITS = KernelConstants.NR_PAGEBLOCK_BITS;

    private final SparseConfig config;
    private final int pageblockOrder;
    private final long vmemmap;
    /** {@code PFN_SECTION_SHIFT}. */
    private final int pfnSectionShift;
    /** {@code NR_MEM_SECTIONS}. */
    private final long nrMemSections;
    /** The first present section; {@link #usage} is indexed from it. */
    private final long firstSectionNr;
    /** {@code mem_section[nr].usage} of each section from {@link #firstSectionNr}, 0 for sections without memmap. */
    private final long[] usage;
    private final long usemapOffset;
    private final long memSectionRoots;
    private final long vmemmapTablePages;

    private Sparse(Init init) {
        this.config = init.config;
        this.pageblockOrder = init.pageblockOrder;
        this.vmemmap = init.vmemmap;
        this.pfnSectionShift = init.pfnSectionShift;
        this.nrMemSections = init.nrMemSections;
        this.firstSectionNr = init.firstPresent;
        this.usage = init.usageBySection;
        this.usemapOffset = init.usageHeaderSize;
        this.memSectionRoots = init.memSection;
        this.vmemmapTablePages = init.tablePages;
    }

    /**
     * {@code sparse_init()}: marks the sections that hold memblock memory present, then sets up each node's
     * sections. Call after memblock knows the memory and its nodes, and after each node's pglist_data is allocated.
     *
     * @param config         the architecture's constants
     * @param memblock       the boot allocator everything comes from
     * @param space          the address space (x86_64 or arm64): {@code __va}, {@code __pa}, {@code vmemmap}
     * @param ram            simulated RAM through the linear map: the mem_section tables and usemaps are written here
     * @param pageblockOrder {@code pageblock_order}
     * @param pgdatPhys      {@code __pa(NODE_DATA(nid))} by node id: the usemaps go into the pgdat's section; a
     *                       node with memory must have one (a negative entry or a short array is refused)
     * @param log            receives the kernel's {@code pr_err} lines
     * @throws IllegalStateException where the kernel panics (no memory for the mem_section tables)
     */
    public static Sparse sparseInit(SparseConfig config, Memblock memblock, KernelAddressSpace space, KernelMemory ram,
            int pageblockOrder, long[] pgdatPhys, Consumer<String> log) {
        return sparseInit(config, memblock, space, ram, pageblockOrder, pgdatPhys, null, true, log);
    }

    /**
     * {@code sparse_init()} with the choice of {@code sparse_early_usemaps_alloc_pgdat_section()} spelled out.
     * With {@code CONFIG_MEMORY_HOTREMOVE} a node's usemaps go into the section holding its pglist_data (goal and
     * limit from {@code pgdatPhys}); without it they come from {@code memblock_alloc_node(size, SMP_CACHE_BYTES,
     * pgdat->node_id)} - and {@code pgdat->node_id} is whatever the architecture wrote there before sparse_init:
     * x86_64's {@code alloc_node_data()} zeroes the structure and leaves the id to {@code free_area_init_node()},
     * so every node's usemaps are allocated for node 0 (seen in 6.1's memblock=debug trace).
     *
     * @param pgdatNodeId      {@code NODE_DATA(nid)->node_id} at sparse_init time, by node id; null: the node ids
     * @param memoryHotremove  {@code CONFIG_MEMORY_HOTREMOVE}
     */
    public static Sparse sparseInit(SparseConfig config, Memblock memblock, KernelAddressSpace space, KernelMemory ram,
            int pageblockOrder, long[] pgdatPhys, int[] pgdatNodeId, boolean memoryHotremove, Consumer<String> log) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(memblock, "memblock");
        Objects.requireNonNull(ram, "ram");
        Objects.requireNonNull(log, "log");
        if (space.arch() == Arch.ARM) {
            throw new IllegalArgumentException("the ARM profile uses FLATMEM, not SPARSEMEM_VMEMMAP");
        }
        Init init = new Init(config, memblock, space, ram, pageblockOrder, pgdatPhys.clone(), log);
        init.pgdatNodeId = pgdatNodeId == null ? null : pgdatNodeId.clone();
        init.memoryHotremove = memoryHotremove;
        init.run();
        return new Sparse(init);
    }

    // ---- MemoryModel ---------------------------------------------------------------------------------

    @Override
    public long pfnToPage(long pfn) {
        return vmemmap + (pfn << 6);
    }

    @Override
    public long pageToPfn(long page) {
        return (page - vmemmap) >> 6;
    }

    /**
     * {@code pfn_valid} of SPARSEMEM: the pfn survives a round trip through a physical address, its section exists
     * and has a memmap. Boot (early) sections are valid over their whole span, holes included.
     */
    @Override
    public boolean pfnValid(long pfn) {
        if ((pfn << PAGE_SHIFT) >>> PAGE_SHIFT != pfn) {
            return false;
        }
        long nr = pfn >>> pfnSectionShift;
        if (nr >= nrMemSections) {
            return false;
        }
        long idx = nr - firstSectionNr;
        return idx >= 0 && idx < usage.length && usage[(int) idx] != 0;
    }

    /** {@code section_to_usemap(__pfn_to_section(pfn))}: the section's {@code usage->pageblock_flags}. */
    @Override
    public long pageblockBitmap(long page, long pfn) {
        long idx = (pfn >>> pfnSectionShift) - firstSectionNr;
        if (idx < 0 || idx >= usage.length || usage[(int) idx] == 0) {
            throw new IllegalArgumentException(String.format("pfn 0x%x: section %d has no memmap", pfn,
                    pfn >>> pfnSectionShift));
        }
        return usage[(int) idx] + usemapOffset;
    }

    @Override
    public long pfnToBitidx(long page, long pfn) {
        return ((pfn & ((1L << pfnSectionShift) - 1)) >>> pageblockOrder) * NR_PAGEBLOCK_BITS;
    }

    @Override
    public long memmapStartPfn() {
        return firstSectionNr << pfnSectionShift;
    }

    @Override
    public long memmapEndPfn() {
        return (firstSectionNr + usage.length) << pfnSectionShift;
    }

    // ---- the memmap's host memory ------------------------------------------------------------------------

    /** Bytes of struct pages from {@link #memmapStartPfn()} to {@link #memmapEndPfn()}. */
    public long memmapBytes() {
        return (memmapEndPfn() - memmapStartPfn()) * PageLayout.SIZE;
    }

    /**
     * The {@link KernelMemory} region that maps {@code memmap} (host memory of {@link #memmapBytes()} bytes) at the
     * vmemmap address of {@link #memmapStartPfn()}.
     */
    public KernelMemory.Region vmemmapRegion(KernelAddressSpace space, MemorySegment memmap) {
        if (memmap.byteSize() != memmapBytes()) {
            throw new IllegalArgumentException("memmap segment has " + memmap.byteSize() + " bytes, the sections need "
                    + memmapBytes());
        }
        if (space.vmemmap() != vmemmap) {
            throw new IllegalArgumentException("address space has another vmemmap than the one sparse_init used");
        }
        return space.vmemmapRegion(memmap, memmapStartPfn());
    }

    // ---- section facts -------------------------------------------------------------------------------

    /** {@code PAGES_PER_SECTION}. */
    public long pagesPerSection() {
        return 1L << pfnSectionShift;
    }

    /** {@code NR_MEM_SECTIONS}. */
    public long nrMemSections() {
        return nrMemSections;
    }

    /** {@code SECTIONS_PER_ROOT}. */
    public long sectionsPerRoot() {
        return PAGE_SIZE / config.memSectionSize();
    }

    /** The kernel virtual address of {@code mem_section}, the root pointer array. */
    public long memSection() {
        return memSectionRoots;
    }

    /** {@code __nr_to_section(nr)} read from simulated RAM: the struct mem_section, or 0 when its root is absent. */
    public long nrToSection(KernelMemory mem, long nr) {
        if (nr < 0 || nr >= nrMemSections) {
            throw new IllegalArgumentException("section " + nr + " is outside 0.." + (nrMemSections - 1));
        }
        long root = mem.getLong(memSectionRoots + nr / sectionsPerRoot() * 8);
        return root == 0 ? 0 : root + nr % sectionsPerRoot() * config.memSectionSize();
    }

    /** {@code usemap_size()}: bytes of pageblock flags per section. */
    public long usemapSize() {
        return usemapSize(config, pageblockOrder);
    }

    /** {@code mem_section_usage_size()}: the usage header plus the usemap. */
    public long memSectionUsageSize() {
        return usageHeaderSize(config) + usemapSize();
    }

    /** Pages allocated for vmemmap page tables (PUD and PMD tables). */
    public long vmemmapTablePages() {
        return vmemmapTablePages;
    }

    /**
     * {@code subsection_map_init(pfn, nr_pages)}: marks the subsections of {@code [pfn, pfn + nrPages)} in their
     * sections' {@code usage->subsection_map}; free_area_init() calls it for every memory range.
     */
    public void subsectionMapInit(KernelMemory mem, long pfn, long nrPages) {
        if (nrPages == 0) {
            return;
        }
        long pagesPerSub = 1L << (SUBSECTION_SHIFT - PAGE_SHIFT);
        long endSec = (pfn + nrPages - 1) >>> pfnSectionShift;
        for (long nr = pfn >>> pfnSectionShift; nr <= endSec; nr++) {
            long pfns = Math.min(nrPages, pagesPerSection() - (pfn & (pagesPerSection() - 1)));
            long map = pageblockBitmap(0, pfn) - usemapOffset + USAGE_SUBSECTION_MAP;
            long idx = (pfn & (pagesPerSection() - 1)) / pagesPerSub;
            long end = ((pfn + pfns - 1) & (pagesPerSection() - 1)) / pagesPerSub;
            Bitmap.bitmapSet(mem, map, idx, end - idx + 1);
            pfn += pfns;
            nrPages -= pfns;
        }
    }

    static long usemapSize(SparseConfig config, int pageblockOrder) {
        int pfnSectionShift = config.sectionSizeBits() - PAGE_SHIFT;
        if (pageblockOrder < 0 || pageblockOrder > pfnSectionShift) {
            throw new IllegalArgumentException("pageblock_order " + pageblockOrder + " must be in 0.."
                    + pfnSectionShift + " (a pageblock fits a section)");
        }
        long blockflagsBits = (1L << (pfnSectionShift - pageblockOrder)) * NR_PAGEBLOCK_BITS;
        return Bitmap.bitsToLongs(blockflagsBits) * Long.BYTES;
    }

    /** {@code sizeof(struct mem_section_usage)}: rcu_head, then the subsection bitmap. */
    static long usageHeaderSize(SparseConfig config) {
        long subsections = 1L << (config.sectionSizeBits() - SUBSECTION_SHIFT);
        return USAGE_SUBSECTION_MAP + Bitmap.bitsToLongs(subsections) * Long.BYTES;
    }

    /** The boot-time state of sparse_init(): the kernel's static variables of mm/sparse.c and sparse-vmemmap.c. */
    private static final class Init {
        final SparseConfig config;
        final Memblock mb;
        final KernelAddressSpace space;
        final KernelMemory mem;
        final int pageblockOrder;
        final long[] pgdatPhys;
        final Consumer<String> log;
        final long vmemmap;
        final int pfnSectionShift;
        final long nrMemSections;
        final long sectionsPerRoot;
        final long nrSectionRoots;
        final long usageHeaderSize;
        final long usageSize;
        final long sectionMapSize;
        final long smpCacheBytes;
        final MemblockRange range = new MemblockRange();

        int[] pgdatNodeId;
        boolean memoryHotremove = true;
        long memSection;
        long highestPresent = -1;
        long firstPresent;
        long[] usageBySection = new long[0];
        long sparsemapBuf;
        long sparsemapBufEnd;
        long tablePages;
        final Set<Long> populatedPgd = new HashSet<>();
        final Set<Long> populatedPud = new HashSet<>();
        final Set<Long> populatedPmd = new HashSet<>();

        Init(SparseConfig config, Memblock mb, KernelAddressSpace space, KernelMemory mem, int pageblockOrder,
                long[] pgdatPhys, Consumer<String> log) {
            this.config = config;
            this.mb = mb;
            this.space = space;
            this.mem = mem;
            this.pageblockOrder = pageblockOrder;
            this.pgdatPhys = pgdatPhys;
            this.log = log;
            this.vmemmap = space.vmemmap();
            this.pfnSectionShift = config.sectionSizeBits() - PAGE_SHIFT;
            this.nrMemSections = 1L << (config.maxPhysmemBits() - config.sectionSizeBits());
            this.sectionsPerRoot = PAGE_SIZE / config.memSectionSize();
            this.nrSectionRoots = (nrMemSections + sectionsPerRoot - 1) / sectionsPerRoot;
            this.usageHeaderSize = usageHeaderSize(config);
            this.usageSize = usageHeaderSize + usemapSize(config, pageblockOrder);
            this.sectionMapSize = alignUp(PageLayout.SIZE << pfnSectionShift, 1L << config.pmdShift());
            this.smpCacheBytes = mb.config().smpCacheBytes();
        }

        void run() {
            memblocksPresent();
            if (highestPresent < 0) {
                throw new IllegalStateException("sparse_init: memblock has no memory");
            }
            long pnumBegin = nextPresentSectionNr(-1);
            firstPresent = pnumBegin;
            usageBySection = new long[Math.toIntExact(highestPresent - firstPresent + 1)];
            int nidBegin = sparseEarlyNid(nrToSection(pnumBegin));
            long mapCount = 1;
            long pnumEnd;
            for (pnumEnd = nextPresentSectionNr(pnumBegin); pnumEnd != -1; pnumEnd = nextPresentSectionNr(pnumEnd)) {
                int nid = sparseEarlyNid(nrToSection(pnumEnd));
                if (nid == nidBegin) {
                    mapCount++;
                    continue;
                }
                sparseInitNid(nidBegin, pnumBegin, pnumEnd, mapCount);
                nidBegin = nid;
                pnumBegin = pnumEnd;
                mapCount = 1;
            }
            sparseInitNid(nidBegin, pnumBegin, nrMemSections, mapCount);
        }

        // ---- memblocks_present / memory_present

        void memblocksPresent() {
            mb.forEachMemPfnRange(mb.maxNumNodes(), this::memoryPresent);
        }

        void memoryPresent(long start, long end, int nid) {
            if (memSection == 0) {
                long size = 8 * nrSectionRoots;
                long align = KernelConstants.INTERNODE_CACHE_BYTES;
                long phys = mb.memblockAlloc(size, align);
                if (phys == 0) {
                    throw new IllegalStateException(String.format(
                            "memory_present: Failed to allocate %d bytes align=0x%x", size, align));
                }
                memSection = space.va(phys);
            }
            if (nid < 0 || nid >= mb.maxNumNodes()) {
                throw new IllegalArgumentException("memory_present: memory [pfn 0x" + Long.toHexString(start)
                        + "-0x" + Long.toHexString(end) + ") has no node (nid " + nid + ")");
            }
            start &= ~((1L << pfnSectionShift) - 1);
            long maxSparsememPfn = 1L << (config.maxPhysmemBits() - PAGE_SHIFT);
            if (start > maxSparsememPfn) {
                start = end = maxSparsememPfn; // mminit_validate_memmodel_limits (the kernel WARNs once)
            } else if (end > maxSparsememPfn) {
                end = maxSparsememPfn;
            }
            for (long pfn = start; pfn < end; pfn += 1L << pfnSectionShift) {
                long section = pfn >>> pfnSectionShift;
                sparseIndexInit(section, nid);
                long ms = nrToSection(section);
                if (mem.getLong(ms) == 0) {
                    mem.putLong(ms, ((long) nid << SECTION_NID_SHIFT) | SECTION_IS_ONLINE);
                    sectionMarkPresent(ms, section);
                }
            }
        }

        void sparseIndexInit(long sectionNr, int nid) {
            long rootSlot = memSection + sectionNr / sectionsPerRoot * 8;
            if (mem.getLong(rootSlot) != 0) {
                return;
            }
            long arraySize = sectionsPerRoot * config.memSectionSize();
            long phys = mb.memblockAllocNode(arraySize, smpCacheBytes, nid);
            if (phys == 0) {
                throw new IllegalStateException(String.format(
                        "sparse_index_alloc: Failed to allocate %d bytes nid=%d", arraySize, nid));
            }
            mem.putLong(rootSlot, space.va(phys));
        }

        void sectionMarkPresent(long ms, long sectionNr) {
            if (sectionNr > highestPresent) {
                highestPresent = sectionNr;
            }
            mem.putLong(ms, mem.getLong(ms) | SECTION_MARKED_PRESENT);
        }

        long nrToSection(long nr) {
            long root = mem.getLong(memSection + nr / sectionsPerRoot * 8);
            return root == 0 ? 0 : root + nr % sectionsPerRoot * config.memSectionSize();
        }

        boolean presentSectionNr(long nr) {
            long ms = nrToSection(nr);
            return ms != 0 && (mem.getLong(ms) & SECTION_MARKED_PRESENT) != 0;
        }

        /** {@code next_present_section_nr}: -1 when there is none after {@code nr}. */
        long nextPresentSectionNr(long nr) {
            while (++nr <= highestPresent) {
                if (presentSectionNr(nr)) {
                    return nr;
                }
            }
            return -1;
        }

        int sparseEarlyNid(long ms) {
            return (int) (mem.getLong(ms) >>> SECTION_NID_SHIFT);
        }

        // ---- sparse_init_nid

        void sparseInitNid(int nid, long pnumBegin, long pnumEnd, long mapCount) {
            long usagePhys = sparseEarlyUsemapsAllocPgdatSection(nid, usageSize * mapCount);
            if (usagePhys == 0) {
                log.accept(String.format("sparse_init_nid: node[%d] usemap allocation failed", nid));
                markFailed(pnumBegin, pnumEnd);
                return;
            }
            long usage = space.va(usagePhys);
            sparseBufferInit(mapCount * sectionMapSize, nid);
            for (long pnum = pnumBegin; pnum != -1 && pnum < pnumEnd; pnum = nextPresentSectionNr(pnum)) {
                long pfn = pnum << pfnSectionShift;
                if (!populateSectionMemmap(pfn, nid)) {
                    log.accept(String.format("sparse_init_nid: node[%d] memory map backing failed. "
                            + "Some memory will not be available.", nid));
                    sparseBufferFini();
                    markFailed(pnum, pnumEnd);
                    return;
                }
                sparseInitOneSection(pnum, usage);
                usage += usageSize;
            }
            sparseBufferFini();
        }

        void markFailed(long pnumBegin, long pnumEnd) {
            for (long pnum = presentSectionNr(pnumBegin) ? pnumBegin : nextPresentSectionNr(pnumBegin);
                    pnum != -1 && pnum < pnumEnd; pnum = nextPresentSectionNr(pnum)) {
                mem.putLong(nrToSection(pnum), 0);
            }
        }

        /**
         * {@code sparse_early_usemaps_alloc_pgdat_section} (CONFIG_MEMORY_HOTREMOVE): inside the section that holds
         * the node's pglist_data if possible, so that the section can be removed with its node.
         */
        long sparseEarlyUsemapsAllocPgdatSection(int nid, long size) {
            if (nid >= pgdatPhys.length || pgdatPhys[nid] < 0) {
                throw new IllegalArgumentException("sparse_init: node " + nid + " has memory but no pglist_data");
            }
            if (!memoryHotremove) {
                // memblock_alloc_node(size, SMP_CACHE_BYTES, pgdat->node_id)
                int node = pgdatNodeId == null ? nid : pgdatNodeId[nid];
                return mb.memblockAllocTryNid(size, smpCacheBytes, 0, Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, node);
            }
            long goal = pgdatPhys[nid] & ~((1L << config.sectionSizeBits()) - 1);
            long limit = goal + (1L << config.sectionSizeBits());
            int goalNid = earlyPfnToNid(goal >>> PAGE_SHIFT);
            long usage = mb.memblockAllocTryNid(size, smpCacheBytes, goal, limit, goalNid);
            if (usage == 0) {
                usage = mb.memblockAllocTryNid(size, smpCacheBytes, goal, Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, goalNid);
            }
            return usage;
        }

        int earlyPfnToNid(long pfn) {
            int nid = mb.memblockSearchPfnNid(pfn, range);
            return nid < 0 ? 0 : nid; // first_online_node
        }

        void sparseInitOneSection(long pnum, long usage) {
            long ms = nrToSection(pnum);
            long map = vmemmap + ((pnum << pfnSectionShift) << 6);
            long coded = map - ((pnum << pfnSectionShift) << 6); // sparse_encode_mem_map: mem_map - section pfn
            long smm = mem.getLong(ms) & ~SECTION_MAP_MASK;
            mem.putLong(ms, smm | coded | SECTION_HAS_MEM_MAP | SECTION_IS_EARLY);
            mem.putLong(ms + MEM_SECTION_USAGE, usage);
            usageBySection[(int) (pnum - firstPresent)] = usage;
        }

        // ---- the memmap buffer (sparse_buffer_*)

        void sparseBufferInit(long size, int nid) {
            long phys = mb.memblockAllocExactNidRaw(size, sectionMapSize, config.maxDmaPhys(),
                    Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, nid);
            sparsemapBuf = phys;
            sparsemapBufEnd = phys == 0 ? 0 : phys + size;
        }

        void sparseBufferFini() {
            long size = sparsemapBufEnd - sparsemapBuf;
            if (sparsemapBuf != 0 && size > 0) {
                mb.memblockFree(sparsemapBuf, size);
            }
            sparsemapBuf = 0;
        }

        long sparseBufferAlloc(long size) {
            if (sparsemapBuf == 0) {
                return 0;
            }
            long ptr = alignUp(sparsemapBuf, size);
            if (ptr + size > sparsemapBufEnd) {
                return 0;
            }
            if (ptr - sparsemapBuf > 0) {
                mb.memblockFree(sparsemapBuf, ptr - sparsemapBuf); // free redundant aligned space
            }
            sparsemapBuf = ptr + size;
            return ptr;
        }

        // ---- __populate_section_memmap -> vmemmap_populate (PMD mappings)

        boolean populateSectionMemmap(long pfn, int nid) {
            long start = vmemmap + (pfn << 6);
            long end = start + (PageLayout.SIZE << pfnSectionShift);
            long pmdSize = 1L << config.pmdShift();
            for (long addr = start; addr < end; addr = Math.min((addr + pmdSize) & -pmdSize, end)) {
                if (populatedPgd.add(addr >>> config.pgdirShift()) && !vmemmapAllocBlockZero(PAGE_SIZE, nid)) {
                    return false; // vmemmap_p4d_populate: a PUD table
                }
                if (populatedPud.add(addr >>> config.pudShift()) && !vmemmapAllocBlockZero(PAGE_SIZE, nid)) {
                    return false; // vmemmap_pud_populate: a PMD table
                }
                if (populatedPmd.add(addr >>> config.pmdShift()) && vmemmapAllocBlockBuf(pmdSize, nid) == 0) {
                    return false;
                }
            }
            return true;
        }

        long vmemmapAllocBlockBuf(long size, int nid) {
            long ptr = sparseBufferAlloc(size);
            return ptr != 0 ? ptr : vmemmapAllocBlock(size, nid);
        }

        /** {@code vmemmap_alloc_block} before slab: {@code __earlyonly_bootmem_alloc}, not zeroed. */
        long vmemmapAllocBlock(long size, int nid) {
            return mb.memblockAllocTryNidRaw(size, size, config.maxDmaPhys(), Memblock.MEMBLOCK_ALLOC_ACCESSIBLE, nid);
        }

        boolean vmemmapAllocBlockZero(long size, int nid) {
            long phys = vmemmapAllocBlock(size, nid);
            if (phys == 0) {
                return false;
            }
            mem.slice(space.va(phys), size).fill((byte) 0);
            tablePages++;
            return true;
        }
    }

    private static long alignUp(long x, long align) {
        return (x + align - 1) & -align;
    }

    /** The sections from {@link #memmapStartPfn()} that have a memmap, as section numbers. */
    public List<Long> validSections() {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < usage.length; i++) {
            if (usage[i] != 0) {
                out.add(firstSectionNr + i);
            }
        }
        return out;
    }
}
