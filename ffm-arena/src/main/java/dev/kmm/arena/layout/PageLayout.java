package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.CStruct.union;
import static dev.kmm.arena.layout.KernelTypes.ATOMIC_LONG_T;
import static dev.kmm.arena.layout.KernelTypes.ATOMIC_T;
import static dev.kmm.arena.layout.KernelTypes.BYTE;
import static dev.kmm.arena.layout.KernelTypes.INT;
import static dev.kmm.arena.layout.KernelTypes.LONG;
import static dev.kmm.arena.layout.KernelTypes.POINTER;
import static dev.kmm.arena.layout.KernelTypes.SPINLOCK_T;

import java.lang.foreign.StructLayout;

/**
 * {@code struct page} of Linux 6.1 (include/linux/mm_types.h), 64-bit with CONFIG_MEMCG: 64 bytes, 16-byte
 * aligned (CONFIG_HAVE_ALIGNED_STRUCT_PAGE). The same layout serves every kmm profile, 32-bit ARM included.
 *
 * <p>The five words after {@code flags} are a union whose meaning depends on what the page is: on an LRU
 * or buddy list ({@code lru}/{@code buddy_list}/{@code pcp_list} with mapping, index, private), a
 * page_pool page, a compound tail page ({@code compound_head} with bit 0 set; the first tail page also
 * holds {@code compound_dtor}, {@code compound_order}, {@code compound_mapcount}, {@code compound_pincount},
 * {@code compound_nr}; the second tail holds {@code deferred_list}), a page-table page, a ZONE_DEVICE page
 * or an RCU callback. {@code _mapcount} doubles as {@code page_type} for typed pages (PageBuddy, ...).
 */
public final class PageLayout {
    private PageLayout() {
    }

    /** The layout, with every union alternative of 6.1 named. */
    public static final StructLayout LAYOUT = CStruct.struct("page")
            .field("flags", LONG)
            .member(union(
                    CStruct.anonymous()
                            .member(union(
                                    ListHeadLayout.LAYOUT.withName("lru"),
                                    CStruct.anonymous()
                                            .field("__filler", POINTER)
                                            .field("mlock_count", INT)
                                            .build(),
                                    ListHeadLayout.LAYOUT.withName("buddy_list"),
                                    ListHeadLayout.LAYOUT.withName("pcp_list")))
                            .field("mapping", POINTER)
                            .field("index", LONG)
                            .field("private", LONG)
                            .build(),
                    CStruct.anonymous()
                            .field("pp_magic", LONG)
                            .field("pp", POINTER)
                            .field("_pp_mapping_pad", LONG)
                            .field("dma_addr", LONG)
                            .member(union(
                                    LONG.withName("dma_addr_upper"),
                                    ATOMIC_LONG_T.withName("pp_frag_count")))
                            .build(),
                    CStruct.anonymous()
                            .field("compound_head", LONG)
                            .field("compound_dtor", BYTE)
                            .field("compound_order", BYTE)
                            .field("compound_mapcount", ATOMIC_T)
                            .field("compound_pincount", ATOMIC_T)
                            .field("compound_nr", INT)
                            .field("_private_1", LONG)
                            .build(),
                    CStruct.anonymous()
                            .field("_compound_pad_1", LONG)
                            .field("_compound_pad_2", LONG)
                            .field("deferred_list", ListHeadLayout.LAYOUT)
                            .build(),
                    CStruct.anonymous()
                            .field("_pt_pad_1", LONG)
                            .field("pmd_huge_pte", POINTER)
                            .field("_pt_pad_2", LONG)
                            .member(union(
                                    POINTER.withName("pt_mm"),
                                    ATOMIC_T.withName("pt_frag_refcount"),
                                    ATOMIC_T.withName("pt_share_count")))
                            .field("ptl", SPINLOCK_T)
                            .build(),
                    CStruct.anonymous()
                            .field("pgmap", POINTER)
                            .field("zone_device_data", POINTER)
                            .build(),
                    CStruct.struct("callback_head")
                            .field("next", POINTER)
                            .field("func", POINTER)
                            .build()))
            .member(union(
                    ATOMIC_T.withName("_mapcount"),
                    INT.withName("page_type")))
            .field("_refcount", ATOMIC_T)
            .field("memcg_data", LONG)
            .aligned(16)
            .build();

    /** {@code sizeof(struct page)}: the memmap stride. */
    public static final long SIZE = LAYOUT.byteSize();

    /** Page flags word: PG_* bits low, section/node/zone fields high. */
    public static final long FLAGS = CStruct.offsetOf(LAYOUT, "flags");
    /** LRU list link of pages on an LRU. */
    public static final long LRU = CStruct.offsetOf(LAYOUT, "lru");
    /** Free-list link of a free buddy block's head page (same place as {@link #LRU}). */
    public static final long BUDDY_LIST = CStruct.offsetOf(LAYOUT, "buddy_list");
    /** Per-cpu list link of a page on a pcp list (same place as {@link #LRU}). */
    public static final long PCP_LIST = CStruct.offsetOf(LAYOUT, "pcp_list");
    /** mlock count of an mlocked page off the LRU. */
    public static final long MLOCK_COUNT = CStruct.offsetOf(LAYOUT, "mlock_count");
    /** {@code mapping}: address_space, or anon_vma with bit 0 set. */
    public static final long MAPPING = CStruct.offsetOf(LAYOUT, "mapping");
    /** {@code index}: offset within the mapping. */
    public static final long INDEX = CStruct.offsetOf(LAYOUT, "index");
    /** {@code private}: the buddy order of a free block, the migratetype on pcp lists, swap entry, ... */
    public static final long PRIVATE = CStruct.offsetOf(LAYOUT, "private");
    /** Tail page: address of the head page with bit 0 set. */
    public static final long COMPOUND_HEAD = CStruct.offsetOf(LAYOUT, "compound_head");
    /** First tail page: compound destructor index. */
    public static final long COMPOUND_DTOR = CStruct.offsetOf(LAYOUT, "compound_dtor");
    /** First tail page: order of the compound page. */
    public static final long COMPOUND_ORDER = CStruct.offsetOf(LAYOUT, "compound_order");
    /** First tail page: PMD mapcount of the compound page. */
    public static final long COMPOUND_MAPCOUNT = CStruct.offsetOf(LAYOUT, "compound_mapcount");
    /** First tail page: FOLL_PIN count. */
    public static final long COMPOUND_PINCOUNT = CStruct.offsetOf(LAYOUT, "compound_pincount");
    /** First tail page: number of pages, {@code 1 << compound_order}. */
    public static final long COMPOUND_NR = CStruct.offsetOf(LAYOUT, "compound_nr");
    /** Second tail page of a THP: link on the deferred-split queue. */
    public static final long DEFERRED_LIST = CStruct.offsetOf(LAYOUT, "deferred_list");
    /** Page-table page: deposited PMD-level page table of a huge PMD. */
    public static final long PMD_HUGE_PTE = CStruct.offsetOf(LAYOUT, "pmd_huge_pte");
    /** Page-table page: the owning mm (x86 pgds). */
    public static final long PT_MM = CStruct.offsetOf(LAYOUT, "pt_mm");
    /** Page-table page: its split page-table lock. */
    public static final long PTL = CStruct.offsetOf(LAYOUT, "ptl");
    /** Mapcount minus one; also {@code page_type} for typed pages. */
    public static final long MAPCOUNT = CStruct.offsetOf(LAYOUT, "_mapcount");
    /** Page type (PG_buddy, PG_table, ...): a type is marked by clearing its bit below PAGE_TYPE_BASE. */
    public static final long PAGE_TYPE = CStruct.offsetOf(LAYOUT, "page_type");
    /** Reference count. */
    public static final long REFCOUNT = CStruct.offsetOf(LAYOUT, "_refcount");
    /** Memory cgroup (or obj_cgroup vector) of the page. */
    public static final long MEMCG_DATA = CStruct.offsetOf(LAYOUT, "memcg_data");
}
