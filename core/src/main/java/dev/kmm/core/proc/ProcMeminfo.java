package dev.kmm.core.proc;

import static dev.kmm.core.proc.Kconfig.CMA;
import static dev.kmm.core.proc.Kconfig.HUGETLB_PAGE;
import static dev.kmm.core.proc.Kconfig.MEMORY_FAILURE;
import static dev.kmm.core.proc.Kconfig.SHADOW_CALL_STACK;
import static dev.kmm.core.proc.Kconfig.TRANSPARENT_HUGEPAGE;
import static dev.kmm.core.proc.Kconfig.X86;
import static dev.kmm.core.proc.Kconfig.ZSWAP;

import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.layout.KernelConstants;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * {@code /proc/meminfo} of Linux 6.1 (fs/proc/meminfo.c), with {@code hugetlb_report_meminfo()} (mm/hugetlb.c)
 * and x86's {@code arch_report_meminfo()} (arch/x86/mm/pat/set_memory.c). {@code CONFIG_HIGHMEM} comes from the
 * build's zones; x86 here means x86_64, which prints DirectMap2M (32-bit non-PAE x86 would print DirectMap4M).
 */
public final class ProcMeminfo {
    /** The line formats of fs/proc/meminfo.c and the hugetlb report. */
    private enum Format {
        /** {@code show_val_kb()} and the {@code "%-16s%8lu kB"} lines: name and colon padded to 16, then 8 wide. */
        KB,
        /** {@code "HardwareCorrupted: %5lu kB"}. */
        KB_NARROW,
        /** {@code "HugePages_Total:   %5lu"}: name and colon padded to 19, no unit. */
        COUNT
    }

    private ProcMeminfo() {
    }

    /** The values of every line this build prints. */
    public static MemInfo read(MmState state) {
        MmReader r = new MmReader(state);
        ProcConfig c = r.config;
        SequencedMap<String, Long> f = new LinkedHashMap<>();
        long totalram = r.totalramPages();
        long freeram = r.globalZonePageState(0);
        long bufferram = state.nrBlockdevPages();
        long swapcache = state.totalSwapcachePages();
        long totalswap = state.totalSwapPages();
        long freeswap = state.nrSwapPages();
        long cached = r.globalNodePageState(r.nodeItem("NR_FILE_PAGES")) - swapcache - bufferram;
        long[] lru = lruPages(r);
        long sreclaimable = r.globalNodePageState(r.nodeItem("NR_SLAB_RECLAIMABLE_B"));
        long sunreclaim = r.globalNodePageState(r.nodeItem("NR_SLAB_UNRECLAIMABLE_B"));

        pages(f, "MemTotal", totalram);
        pages(f, "MemFree", freeram);
        pages(f, "MemAvailable", siMemAvailable(r, lru));
        pages(f, "Buffers", bufferram);
        pages(f, "Cached", Math.max(0, cached));
        pages(f, "SwapCached", swapcache);
        pages(f, "Active", lru[KernelConstants.LRU_ACTIVE_ANON] + lru[KernelConstants.LRU_ACTIVE_FILE]);
        pages(f, "Inactive", lru[KernelConstants.LRU_INACTIVE_ANON] + lru[KernelConstants.LRU_INACTIVE_FILE]);
        pages(f, "Active(anon)", lru[KernelConstants.LRU_ACTIVE_ANON]);
        pages(f, "Inactive(anon)", lru[KernelConstants.LRU_INACTIVE_ANON]);
        pages(f, "Active(file)", lru[KernelConstants.LRU_ACTIVE_FILE]);
        pages(f, "Inactive(file)", lru[KernelConstants.LRU_INACTIVE_FILE]);
        pages(f, "Unevictable", lru[KernelConstants.LRU_UNEVICTABLE]);
        pages(f, "Mlocked", r.globalZonePageState(r.zoneItem("NR_MLOCK")));
        if (c.zoneTypes().zoneHighmem() >= 0) {
            long totalhigh = r.totalhighPages();
            long freehigh = r.nrFreeHighpages();
            pages(f, "HighTotal", totalhigh);
            pages(f, "HighFree", freehigh);
            pages(f, "LowTotal", totalram - totalhigh);
            pages(f, "LowFree", freeram - freehigh);
        }
        pages(f, "SwapTotal", totalswap);
        pages(f, "SwapFree", freeswap);
        if (c.has(ZSWAP)) {
            f.put("Zswap", state.zswapPoolTotalSize() >>> 10);
            pages(f, "Zswapped", state.zswapStoredPages());
        }
        node(f, r, "Dirty", "NR_FILE_DIRTY");
        node(f, r, "Writeback", "NR_WRITEBACK");
        node(f, r, "AnonPages", "NR_ANON_MAPPED");
        node(f, r, "Mapped", "NR_FILE_MAPPED");
        node(f, r, "Shmem", "NR_SHMEM");
        pages(f, "KReclaimable", sreclaimable + r.globalNodePageState(r.nodeItem("NR_KERNEL_MISC_RECLAIMABLE")));
        pages(f, "Slab", sreclaimable + sunreclaim);
        pages(f, "SReclaimable", sreclaimable);
        pages(f, "SUnreclaim", sunreclaim);
        f.put("KernelStack", r.globalNodePageState(r.nodeItem("NR_KERNEL_STACK_KB")));
        if (c.has(SHADOW_CALL_STACK)) {
            f.put("ShadowCallStack", r.globalNodePageState(r.nodeItem("NR_KERNEL_SCS_KB")));
        }
        node(f, r, "PageTables", "NR_PAGETABLE");
        node(f, r, "SecPageTables", "NR_SECONDARY_PAGETABLE");
        pages(f, "NFS_Unstable", 0);
        pages(f, "Bounce", r.globalZonePageState(r.zoneItem("NR_BOUNCE")));
        node(f, r, "WritebackTmp", "NR_WRITEBACK_TEMP");
        pages(f, "CommitLimit", vmCommitLimit(state, totalram, totalswap));
        pages(f, "Committed_AS", state.vmMemoryCommitted());
        KernelAddressSpace as = state.addressSpace();
        f.put("VmallocTotal", (as.vmallocEnd() - as.vmallocStart()) >>> 10);
        pages(f, "VmallocUsed", state.vmallocNrPages());
        pages(f, "VmallocChunk", 0);
        pages(f, "Percpu", state.pcpuNrPages());
        if (c.has(MEMORY_FAILURE)) {
            pages(f, "HardwareCorrupted", state.numPoisonedPages());
        }
        if (c.has(TRANSPARENT_HUGEPAGE)) {
            node(f, r, "AnonHugePages", "NR_ANON_THPS");
            node(f, r, "ShmemHugePages", "NR_SHMEM_THPS");
            node(f, r, "ShmemPmdMapped", "NR_SHMEM_PMDMAPPED");
            node(f, r, "FileHugePages", "NR_FILE_THPS");
            node(f, r, "FilePmdMapped", "NR_FILE_PMDMAPPED");
        }
        if (c.has(CMA)) {
            pages(f, "CmaTotal", state.totalcmaPages());
            pages(f, "CmaFree", r.globalZonePageState(r.zoneItem("NR_FREE_CMA_PAGES")));
        }
        if (c.has(HUGETLB_PAGE)) {
            hugetlbReportMeminfo(f, state.hstates());
        }
        if (c.has(X86)) {
            DirectMap dm = state.directMap();
            f.put("DirectMap4k", dm.pages4k() << 2);
            f.put("DirectMap2M", dm.pages2m() << 11);
            if (dm.gbpages()) {
                f.put("DirectMap1G", dm.pages1g() << 20);
            }
        }
        return new MemInfo(f);
    }

    /** {@code show_val_kb()}'s conversion: pages to kB. */
    private static void pages(Map<String, Long> f, String name, long pages) {
        f.put(name, pages << (KernelConstants.PAGE_SHIFT - 10));
    }

    private static void node(Map<String, Long> f, MmReader r, String name, String item) {
        pages(f, name, r.globalNodePageState(r.nodeItem(item)));
    }

    private static long[] lruPages(MmReader r) {
        long[] lru = new long[KernelConstants.NR_LRU_LISTS];
        for (int i = 0; i < lru.length; i++) {
            lru[i] = r.globalNodePageState(i);
        }
        return lru;
    }

    /**
     * {@code si_mem_available()} (mm/page_alloc.c): free pages above the reserves, plus the page cache and
     * reclaimable kernel memory less what must stay (half of it, or the low watermarks, whichever is less).
     */
    static long siMemAvailable(MmReader r, long[] lru) {
        long wmarkLow = 0;
        for (int nid : r.nodes) {
            long pgdat = r.pgdat(nid);
            for (int z = 0; z < r.nrZones(); z++) {
                wmarkLow += r.lowWmark(r.zone(pgdat, z));
            }
        }
        long available = r.globalZonePageState(0) - r.totalreservePages();
        long pagecache = lru[KernelConstants.LRU_ACTIVE_FILE] + lru[KernelConstants.LRU_INACTIVE_FILE];
        pagecache -= minUnsigned(pagecache / 2, wmarkLow);
        available += pagecache;
        long reclaimable = r.globalNodePageState(r.nodeItem("NR_SLAB_RECLAIMABLE_B"))
                + r.globalNodePageState(r.nodeItem("NR_KERNEL_MISC_RECLAIMABLE"));
        available += reclaimable - minUnsigned(reclaimable / 2, wmarkLow);
        return Math.max(0, available);
    }

    /**
     * {@code vm_commit_limit()} (mm/util.c): {@code overcommit_kbytes}, or {@code overcommit_ratio} percent of
     * the RAM not in huge page pools, plus swap.
     */
    private static long vmCommitLimit(MmState state, long totalram, long totalswap) {
        VmSysctls s = state.vmSysctls();
        long allowed;
        if (s.overcommitKbytes() != 0) {
            allowed = s.overcommitKbytes() >>> (KernelConstants.PAGE_SHIFT - 10);
        } else {
            long hugetlb = 0;
            if (state.config().has(HUGETLB_PAGE)) {
                for (Hstate h : state.hstates()) {
                    hugetlb += h.nrHugePages() * (h.size() >>> KernelConstants.PAGE_SHIFT);
                }
            }
            allowed = Long.divideUnsigned((totalram - hugetlb) * s.overcommitRatio(), 100);
        }
        return allowed + totalswap;
    }

    /** {@code hugetlb_report_meminfo()}: the default hstate's counts, then every pool's bytes. */
    private static void hugetlbReportMeminfo(Map<String, Long> f, List<Hstate> hstates) {
        if (hstates.isEmpty()) {
            throw new IllegalArgumentException("CONFIG_HUGETLB_PAGE needs at least the default hstate");
        }
        Hstate d = hstates.getFirst();
        long total = 0;
        for (Hstate h : hstates) {
            total += h.size() * h.nrHugePages();
        }
        f.put("HugePages_Total", d.nrHugePages());
        f.put("HugePages_Free", d.freeHugePages());
        f.put("HugePages_Rsvd", d.resvHugePages());
        f.put("HugePages_Surp", d.surplusHugePages());
        f.put("Hugepagesize", d.size() / 1024);
        f.put("Hugetlb", total / 1024);
    }

    private static long minUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    private static Format format(String field) {
        if (field.equals("HardwareCorrupted")) {
            return Format.KB_NARROW;
        }
        return field.startsWith("HugePages_") ? Format.COUNT : Format.KB;
    }

    /** The file's text: every field in order, in the format the kernel prints that line with. */
    public static String render(MemInfo info) {
        StringBuilder sb = new StringBuilder(1600);
        info.fields().forEach((name, value) -> {
            switch (format(name)) {
                case KB -> sb.append(Fmt.left(name + ":", 16)).append(Fmt.ul(value, 8)).append(" kB\n");
                case KB_NARROW -> sb.append(Fmt.left(name + ":", 19)).append(Fmt.ul(value, 5)).append(" kB\n");
                case COUNT -> sb.append(Fmt.left(name + ":", 19)).append(Fmt.ul(value, 5)).append('\n');
            }
        });
        return sb.toString();
    }

    /** The text of {@code /proc/meminfo}. */
    public static String show(MmState state) {
        return render(read(state));
    }
}
