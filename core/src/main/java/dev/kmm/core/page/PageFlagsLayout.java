package dev.kmm.core.page;

import static dev.kmm.core.page.PageFlags.PG_active;
import static dev.kmm.core.page.PageFlags.PG_locked;
import static dev.kmm.core.page.PageFlags.PG_lru;
import static dev.kmm.core.page.PageFlags.PG_mlocked;
import static dev.kmm.core.page.PageFlags.PG_private;
import static dev.kmm.core.page.PageFlags.PG_private_2;
import static dev.kmm.core.page.PageFlags.PG_reserved;
import static dev.kmm.core.page.PageFlags.PG_slab;
import static dev.kmm.core.page.PageFlags.PG_unevictable;
import static dev.kmm.core.page.PageFlags.PG_writeback;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;

/**
 * Where the upper fields of {@code page->flags} sit: Linux 6.1's include/linux/page-flags-layout.h and the
 * {@code *_PGOFF}/{@code *_PGSHIFT} definitions of include/linux/mm.h, computed from the config the way the
 * preprocessor does, plus the mm.h accessors built on them ({@code set_page_links}, {@code page_zonenum},
 * {@code page_to_nid}, {@code page_zone_id}, {@code page_cpupid_reset_last}).
 *
 * <pre>
 * | [SECTION] | NODE | ZONE | [LAST_CPUPID] | [KASAN_TAG] | LRU_GEN | LRU_REFS | ... | FLAGS |
 * </pre>
 *
 * <p>Only the memory models kmm simulates are covered: FLATMEM and SPARSEMEM_VMEMMAP, where no section number
 * lives in the flags ({@code SECTIONS_WIDTH} 0). The node id must fit ({@code NODE_NOT_IN_PAGE_FLAGS}, which
 * needs a section-to-node table, is rejected), as must everything else ("Not enough bits in page flags").
 *
 * <p>{@code bitsPerLong} is the simulated kernel's {@code BITS_PER_LONG}: 64, or 32 on the ARM profile, whose
 * fields then sit in the low half of the 64-bit flags word that kmm's LP64 {@code struct page} keeps.
 */
public final class PageFlagsLayout {
    /**
     * Linux 6.1.192 with Debian's amd64 config: 25 page flags, 5 zones, {@code NODES_SHIFT} 10,
     * {@code NUMA_BALANCING} with {@code NR_CPUS} 8192, {@code LRU_GEN}, no KASAN tags; {@code PG_hwpoison} 23.
     * A node-0 ZONE_NORMAL page reads {@code 0x17ffffc0000000(node=0|zone=2|lastcpupid=0x1fffff)}.
     */
    public static final PageFlagsLayout LINUX_6_1_X86_64 = of(64, PageFlags.NR_PAGEFLAGS, 5, 10, true, 8192, true,
            false, PageFlags.PG_hwpoison);

    /** {@code LAST__PID_SHIFT}. */
    public static final int LAST_PID_SHIFT = 8;
    /** {@code MAX_NR_GENS} of the multi-gen LRU. */
    private static final int MAX_NR_GENS = 4;
    /** {@code MAX_NR_TIERS} of the multi-gen LRU. */
    private static final int MAX_NR_TIERS = 4;

    /** {@code BITS_PER_LONG}. */
    public final int bitsPerLong;
    /** {@code NR_PAGEFLAGS}. */
    public final int nrPageflags;
    /** {@code ZONES_SHIFT} (= {@code ZONES_WIDTH}). */
    public final int zonesShift;
    /** {@code NODES_SHIFT}. */
    public final int nodesShift;
    /** {@code NODES_WIDTH}. */
    public final int nodesWidth;
    /** {@code LAST_CPUPID_SHIFT}: 0 without NUMA_BALANCING. */
    public final int lastCpupidShift;
    /** {@code LAST_CPUPID_WIDTH}: the shift when it fits, else 0 ({@code LAST_CPUPID_NOT_IN_PAGE_FLAGS}). */
    public final int lastCpupidWidth;
    /** {@code KASAN_TAG_WIDTH}. */
    public final int kasanTagWidth;
    /** {@code LRU_GEN_WIDTH}. */
    public final int lruGenWidth;
    /** {@code LRU_REFS_WIDTH}. */
    public final int lruRefsWidth;

    /** {@code NODES_PGOFF}. */
    public final int nodesPgoff;
    /** {@code ZONES_PGOFF}. */
    public final int zonesPgoff;
    /** {@code LAST_CPUPID_PGOFF}. */
    public final int lastCpupidPgoff;
    /** {@code KASAN_TAG_PGOFF}. */
    public final int kasanTagPgoff;
    /** {@code LRU_GEN_PGOFF}. */
    public final int lruGenPgoff;
    /** {@code LRU_REFS_PGOFF}. */
    public final int lruRefsPgoff;
    /** {@code NODES_PGSHIFT}: 0 when the field is absent. */
    public final int nodesPgshift;
    /** {@code ZONES_PGSHIFT}. */
    public final int zonesPgshift;
    /** {@code LAST_CPUPID_PGSHIFT}. */
    public final int lastCpupidPgshift;
    /** {@code ZONEID_SHIFT = NODES_SHIFT + ZONES_SHIFT}. */
    public final int zoneidShift;
    /** {@code ZONEID_PGSHIFT}. */
    public final int zoneidPgshift;

    /** {@code ZONES_MASK}. */
    public final long zonesMask;
    /** {@code NODES_MASK}. */
    public final long nodesMask;
    /** {@code LAST_CPUPID_MASK}. */
    public final long lastCpupidMask;
    /** {@code ZONEID_MASK}. */
    public final long zoneidMask;
    /** {@code LRU_GEN_MASK}, in place. */
    public final long lruGenMask;
    /** {@code LRU_REFS_MASK}, in place. */
    public final long lruRefsMask;
    /** {@code PAGEFLAGS_MASK = (1 << NR_PAGEFLAGS) - 1}. */
    public final long pageflagsMask;
    /** {@code PG_hwpoison}'s bit, or -1 without CONFIG_MEMORY_FAILURE. */
    public final int pgHwpoison;
    /** {@code PAGE_FLAGS_CHECK_AT_FREE}: flags a page being freed must not have. */
    public final long pageFlagsCheckAtFree;
    /** {@code PAGE_FLAGS_CHECK_AT_PREP}: flags cleared on free and checked on allocation. */
    public final long pageFlagsCheckAtPrep;

    private PageFlagsLayout(int bitsPerLong, int nrPageflags, int maxNrZones, int nodesShift, boolean numaBalancing,
            int nrCpus, boolean lruGen, boolean kasanTags, int pgHwpoison) {
        if (bitsPerLong != 32 && bitsPerLong != 64) {
            throw new IllegalArgumentException("BITS_PER_LONG must be 32 or 64, got " + bitsPerLong);
        }
        if (nrPageflags < PageFlags.PG_mlocked + 1 || nrPageflags > bitsPerLong) {
            throw new IllegalArgumentException("NR_PAGEFLAGS " + nrPageflags + " is outside "
                    + (PageFlags.PG_mlocked + 1) + ".." + bitsPerLong);
        }
        if (maxNrZones < 1 || maxNrZones > 8) {
            throw new IllegalArgumentException("MAX_NR_ZONES " + maxNrZones + ": ZONES_SHIFT \"Too many zones configured\"");
        }
        if (nodesShift < 0 || nodesShift > 10) {
            throw new IllegalArgumentException("NODES_SHIFT " + nodesShift + " is outside 0..10");
        }
        if (numaBalancing && (nrCpus < 1 || Integer.bitCount(nrCpus) != 1)) {
            throw new IllegalArgumentException("NR_CPUS " + nrCpus + " must be a power of two (NR_CPUS_BITS = ilog2)");
        }
        if (pgHwpoison != -1 && (pgHwpoison <= PageFlags.PG_mlocked || pgHwpoison >= nrPageflags)) {
            throw new IllegalArgumentException("PG_hwpoison " + pgHwpoison + " is not a flag above PG_mlocked");
        }
        this.bitsPerLong = bitsPerLong;
        this.nrPageflags = nrPageflags;
        this.nodesShift = nodesShift;
        this.pgHwpoison = pgHwpoison;
        zonesShift = maxNrZones < 2 ? 0 : maxNrZones <= 2 ? 1 : maxNrZones <= 4 ? 2 : 3;
        // kernel/bounds.c: LRU_GEN_WIDTH = order_base_2(MAX_NR_GENS + 1), __LRU_REFS_WIDTH = MAX_NR_TIERS - 2
        lruGenWidth = lruGen ? 32 - Integer.numberOfLeadingZeros(MAX_NR_GENS) : 0;
        int lruRefsMax = lruGen ? MAX_NR_TIERS - 2 : 0;
        kasanTagWidth = kasanTags ? 8 : 0;
        int room = bitsPerLong - nrPageflags;
        if (zonesShift + lruGenWidth + nodesShift > room) {
            throw new IllegalArgumentException("no space for the nodes field in page flags (NODES_SHIFT " + nodesShift
                    + "): NODE_NOT_IN_PAGE_FLAGS needs classic SPARSEMEM, which kmm does not model");
        }
        nodesWidth = nodesShift;
        lastCpupidShift = numaBalancing ? LAST_PID_SHIFT + Integer.numberOfTrailingZeros(nrCpus) : 0;
        int used = zonesShift + lruGenWidth + nodesWidth + kasanTagWidth;
        lastCpupidWidth = used + lastCpupidShift <= room ? lastCpupidShift : 0;
        if (used + lastCpupidWidth > room) {
            throw new IllegalArgumentException("Not enough bits in page flags: " + (used + lastCpupidWidth)
                    + " field bits above " + nrPageflags + " flags in a " + bitsPerLong + "-bit word");
        }
        lruRefsWidth = Math.min(lruRefsMax, room - used - lastCpupidWidth);

        int sectionsPgoff = bitsPerLong; // SECTIONS_WIDTH is 0 under FLATMEM and SPARSEMEM_VMEMMAP
        nodesPgoff = sectionsPgoff - nodesWidth;
        zonesPgoff = nodesPgoff - zonesShift;
        lastCpupidPgoff = zonesPgoff - lastCpupidWidth;
        kasanTagPgoff = lastCpupidPgoff - kasanTagWidth;
        lruGenPgoff = kasanTagPgoff - lruGenWidth;
        lruRefsPgoff = lruGenPgoff - lruRefsWidth;
        nodesPgshift = nodesWidth != 0 ? nodesPgoff : 0;
        zonesPgshift = zonesShift != 0 ? zonesPgoff : 0;
        lastCpupidPgshift = lastCpupidWidth != 0 ? lastCpupidPgoff : 0;
        zoneidShift = nodesShift + zonesShift;
        zoneidPgshift = zoneidShift != 0 ? Math.min(nodesPgoff, zonesPgoff) : 0;

        zonesMask = (1L << zonesShift) - 1;
        nodesMask = (1L << nodesWidth) - 1;
        lastCpupidMask = (1L << lastCpupidShift) - 1;
        zoneidMask = (1L << zoneidShift) - 1;
        lruGenMask = ((1L << lruGenWidth) - 1) << lruGenPgoff;
        lruRefsMask = ((1L << lruRefsWidth) - 1) << lruRefsPgoff;
        pageflagsMask = (1L << nrPageflags) - 1;
        pageFlagsCheckAtFree = 1L << PG_lru | 1L << PG_locked | 1L << PG_private | 1L << PG_private_2
                | 1L << PG_writeback | 1L << PG_reserved | 1L << PG_slab | 1L << PG_active | 1L << PG_unevictable
                | 1L << PG_mlocked | lruGenMask;
        long hwpoison = pgHwpoison < 0 ? 0 : 1L << pgHwpoison;
        pageFlagsCheckAtPrep = (pageflagsMask & ~hwpoison) | lruGenMask | lruRefsMask;
    }

    /**
     * The layout of a config.
     *
     * @param bitsPerLong   {@code BITS_PER_LONG} of the simulated kernel (64, or 32 for ARM)
     * @param nrPageflags   {@code __NR_PAGEFLAGS} (25 on the x86_64 reference, 22 on 32-bit ARM)
     * @param maxNrZones    {@code MAX_NR_ZONES}
     * @param nodesShift    {@code CONFIG_NODES_SHIFT} (0 without NUMA)
     * @param numaBalancing {@code CONFIG_NUMA_BALANCING}: the last cpupid lives in the flags
     * @param nrCpus        {@code CONFIG_NR_CPUS} ({@code NR_CPUS_BITS = ilog2(NR_CPUS)}); ignored without NUMA_BALANCING
     * @param lruGen        {@code CONFIG_LRU_GEN}
     * @param kasanTags     {@code CONFIG_KASAN_SW_TAGS} or {@code CONFIG_KASAN_HW_TAGS}
     * @param pgHwpoison    bit of {@code PG_hwpoison}, or -1 without {@code CONFIG_MEMORY_FAILURE}
     */
    public static PageFlagsLayout of(int bitsPerLong, int nrPageflags, int maxNrZones, int nodesShift,
            boolean numaBalancing, int nrCpus, boolean lruGen, boolean kasanTags, int pgHwpoison) {
        return new PageFlagsLayout(bitsPerLong, nrPageflags, maxNrZones, nodesShift, numaBalancing, nrCpus, lruGen,
                kasanTags, pgHwpoison);
    }

    /**
     * The flags word {@code __init_single_page} leaves: zeroed, then {@code set_page_links} and
     * {@code page_cpupid_reset_last} (all ones in the last-cpupid field).
     */
    public long initSinglePageFlags(int zone, int nid) {
        return pageLinks(zone, nid) | lastCpupidResetBits();
    }

    /** The bits {@code page_cpupid_reset_last} sets: none when the field is not in the flags. */
    private long lastCpupidResetBits() {
        return lastCpupidWidth == 0 ? 0 : lastCpupidMask << lastCpupidPgshift;
    }

    /** The zone and node bits {@code set_page_links} puts in a zeroed flags word. */
    public long pageLinks(int zone, int nid) {
        checkZoneNode(zone, nid);
        return ((zone & zonesMask) << zonesPgshift) | ((nid & nodesMask) << nodesPgshift);
    }

    private void checkZoneNode(int zone, int nid) {
        if (zone < 0 || zone > zonesMask) {
            throw new IllegalArgumentException("zone " + zone + " does not fit ZONES_SHIFT " + zonesShift);
        }
        if (nid < 0 || nid > nodesMask) {
            throw new IllegalArgumentException("node " + nid + " does not fit NODES_SHIFT " + nodesShift);
        }
    }

    /** {@code set_page_links}: zone and node ({@code pfn} would set the section, which never lives in flags here). */
    public void setPageLinks(KernelMemory mem, long page, int zone, int nid, long pfn) {
        checkZoneNode(zone, nid);
        long flags = mem.getLong(page + PageLayout.FLAGS);
        flags &= ~(zonesMask << zonesPgshift);
        flags |= (zone & zonesMask) << zonesPgshift;
        flags &= ~(nodesMask << nodesPgshift);
        flags |= (nid & nodesMask) << nodesPgshift;
        mem.putLong(page + PageLayout.FLAGS, flags);
    }

    /** {@code page_zonenum} of a flags word. */
    public int pageZonenum(long flags) {
        return (int) (flags >>> zonesPgshift & zonesMask);
    }

    /** {@code page_to_nid} of a flags word. */
    public int pageToNid(long flags) {
        return (int) (flags >>> nodesPgshift & nodesMask);
    }

    /** {@code page_zone_id} of a flags word: node and zone together, what the buddy checks before merging. */
    public int pageZoneId(long flags) {
        return (int) (flags >>> zoneidPgshift & zoneidMask);
    }

    /** The last-cpupid field of a flags word ({@code page_cpupid_last}). */
    public int pageCpupidLast(long flags) {
        return lastCpupidWidth == 0 ? 0 : (int) (flags >>> lastCpupidPgshift & lastCpupidMask);
    }

    /** {@code page_zonenum(page)}. */
    public int pageZonenum(KernelMemory mem, long page) {
        return pageZonenum(mem.getLong(page + PageLayout.FLAGS));
    }

    /** {@code page_to_nid(page)}. */
    public int pageToNid(KernelMemory mem, long page) {
        return pageToNid(mem.getLong(page + PageLayout.FLAGS));
    }

    /** {@code page_zone_id(page)}. */
    public int pageZoneId(KernelMemory mem, long page) {
        return pageZoneId(mem.getLong(page + PageLayout.FLAGS));
    }

    /**
     * {@code page_cpupid_reset_last}: all ones in the last-cpupid field. A no-op without NUMA_BALANCING; when the
     * field did not fit ({@code LAST_CPUPID_NOT_IN_PAGE_FLAGS}) the kernel keeps it in {@code page->_last_cpupid},
     * a member kmm's struct page does not have, so that config is a no-op here too.
     */
    public void pageCpupidResetLast(KernelMemory mem, long page) {
        if (lastCpupidWidth != 0) {
            mem.putLong(page + PageLayout.FLAGS, mem.getLong(page + PageLayout.FLAGS) | lastCpupidResetBits());
        }
    }

    // mm/debug.c + include/trace/events/mmflags.h: the order %pGp prints flag names in.
    private static final int[] NAME_ORDER = {
        PageFlags.PG_locked, PageFlags.PG_waiters, PageFlags.PG_error, PageFlags.PG_referenced,
        PageFlags.PG_uptodate, PageFlags.PG_dirty, PageFlags.PG_lru, PageFlags.PG_active, PageFlags.PG_workingset,
        PageFlags.PG_slab, PageFlags.PG_owner_priv_1, PageFlags.PG_arch_1, PageFlags.PG_reserved,
        PageFlags.PG_private, PageFlags.PG_private_2, PageFlags.PG_writeback, PageFlags.PG_head,
        PageFlags.PG_mappedtodisk, PageFlags.PG_reclaim, PageFlags.PG_swapbacked, PageFlags.PG_unevictable,
        PageFlags.PG_mlocked, PageFlags.PG_uncached, PageFlags.PG_hwpoison, PageFlags.PG_arch_2,
    };
    private static final String[] NAMES = {
        "locked", "waiters", "error", "referenced", "uptodate", "dirty", "lru", "active", "workingset", "slab",
        "owner_priv_1", "arch_1", "reserved", "private", "private_2", "writeback", "head", "mappedtodisk",
        "reclaim", "swapbacked", "unevictable", "mlocked", "uncached", "hwpoison", "arch_2",
    };

    /**
     * {@code dump_page}'s {@code "%#lx(%pGp)"}: the flags value, then the set flags by name and the fields, as in
     * {@code 0x17ffffc0001000(reserved|node=0|zone=2|lastcpupid=0x1fffff)}. Flag names beyond {@code PG_mlocked}
     * are the x86_64 reference config's.
     */
    public String formatFlags(long flags) {
        StringBuilder sb = new StringBuilder(String.format("%#x(", flags));
        String sep = "";
        for (int i = 0; i < NAME_ORDER.length; i++) {
            if (NAME_ORDER[i] < nrPageflags && PageFlags.testBit(flags, NAME_ORDER[i])) {
                sb.append(sep).append(NAMES[i]);
                sep = "|";
            }
        }
        if (nodesWidth != 0) {
            sb.append(sep).append("node=").append(pageToNid(flags));
            sep = "|";
        }
        if (zonesShift != 0) {
            sb.append(sep).append("zone=").append(pageZonenum(flags));
            sep = "|";
        }
        if (lastCpupidWidth != 0) {
            sb.append(sep).append(String.format("lastcpupid=%#x", pageCpupidLast(flags)));
        }
        return sb.append(')').toString();
    }

    @Override
    public String toString() {
        return String.format("PageFlagsLayout[BITS_PER_LONG=%d NR_PAGEFLAGS=%d NODES_PGOFF=%d ZONES_PGOFF=%d "
                + "LAST_CPUPID_PGOFF=%d(width %d) LRU_GEN_PGOFF=%d LRU_REFS_PGOFF=%d]", bitsPerLong, nrPageflags,
                nodesPgoff, zonesPgoff, lastCpupidPgoff, lastCpupidWidth, lruGenPgoff, lruRefsPgoff);
    }
}
