package dev.kmm.core.pagealloc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.PhysicalMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.gfp.GfpFlagNames;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageType;
import dev.kmm.core.sparse.MemoryModel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * page_owner of Linux 6.1 (mm/page_owner.c): who allocated each page, kept in a page_ext array indexed by pfn and
 * shown in {@code /sys/kernel/debug/page_owner}. Off by default, as in the kernel ({@code page_owner=on}).
 *
 * <p><b>Storage.</b> Each pfn of the memory map has a 64-byte entry laid out as the LP64 kernel lays out
 * {@code struct page_ext} followed by {@code struct page_owner} (the first and, without PAGE_IDLE_FLAG or
 * PAGE_TABLE_CHECK, only page_ext client): {@code flags} (PAGE_EXT_OWNER, PAGE_EXT_OWNER_ALLOCATED) at 0, then
 * {@code order} u16, {@code last_migrate_reason} s16, {@code gfp_mask} u32, {@code handle} u32,
 * {@code free_handle} u32, {@code ts_nsec} u64, {@code free_ts_nsec} u64, {@code comm[16]}, {@code pid},
 * {@code tgid}. The array is off-heap in a host mapping that is committed only where written, so a large machine
 * pays for the pages it allocates, not for its size. It is host memory, not simulated RAM: the kernel takes
 * page_ext from memblock or the buddy allocator, so a kmm boot with page_owner on has that much more free memory.
 *
 * <p><b>Tasks.</b> kmm has no tasks yet: every allocation runs in the idle task of its CPU, pid 0, tgid 0, comm
 * {@code swapper/N}.
 *
 * <p><b>Stacks.</b> {@code save_stack} walks the Java stack ({@link StackWalker}) from the allocator's caller of
 * page_owner (its {@code post_alloc_hook} or {@code free_pages_prepare}) for at most
 * {@link #PAGE_OWNER_STACK_DEPTH} frames and keeps them in a {@link StackDepot}. That walk is the cost of
 * page_owner on; with it off the allocator holds no PageOwner and pays one null check.
 *
 * <p>Records of different pages are written by the CPUs that own those pages; reading the file while CPUs
 * allocate sees each page as it was at some moment, as in the kernel, which reads without the zone lock.
 */
public final class PageOwner implements AutoCloseable {
    /** {@code PAGE_OWNER_STACK_DEPTH}. */
    public static final int PAGE_OWNER_STACK_DEPTH = 16;
    /** {@code TASK_COMM_LEN}. */
    public static final int TASK_COMM_LEN = 16;
    /** {@code PAGE_EXT_OWNER}: the page has an owner record. */
    public static final int PAGE_EXT_OWNER = 0;
    /** {@code PAGE_EXT_OWNER_ALLOCATED}: the record's allocation is live. */
    public static final int PAGE_EXT_OWNER_ALLOCATED = 1;
    /** {@code sizeof(struct page_ext) + sizeof(struct page_owner)} on LP64. */
    public static final long PAGE_EXT_SIZE = 64;

    /** {@code page_owner_inited}: set once by {@link #init}, at boot, before any CPU but the boot CPU runs. */
    private boolean inited;

    private static final long FLAGS = 0;
    private static final long ORDER = 8;
    private static final long LAST_MIGRATE_REASON = 10;
    private static final long GFP_MASK = 12;
    private static final long HANDLE = 16;
    private static final long FREE_HANDLE = 20;
    private static final long TS_NSEC = 24;
    private static final long FREE_TS_NSEC = 32;
    private static final long COMM = 40;
    private static final long PID = 56;
    private static final long TGID = 60;

    /** {@code migrate_reason_names[]} of 6.1 ({@code enum migrate_reason}). */
    private static final String[] MIGRATE_REASON_NAMES = {"compaction", "memory_failure", "memory_hotplug",
        "syscall_or_cpuset", "mempolicy_mbind", "numa_misplaced", "contig_range", "longterm_pin", "demotion"};
    private static final String[] MIGRATETYPE_NAMES = {"Unmovable", "Movable", "Reclaimable", "HighAtomic"};

    private static final int MIGRATE_MOVABLE = 1;
    private static final StackWalker WALKER = StackWalker.getInstance();
    private static final String SELF = PageOwner.class.getName();

    private final Buddy buddy;
    private final KernelMemory mem;
    private final MemoryModel model;
    private final LongSupplier clock;
    private final PhysicalMemory storage;
    private final MemorySegment ext;
    private final long startPfn;
    private final long endPfn;
    private final StackDepot depot = new StackDepot();
    private final byte[][] comm;
    private final int earlyHandle;

    /**
     * page_ext for every pfn of {@code buddy}'s memory map and {@code init_page_owner}'s registered stacks.
     *
     * @param clock   {@code local_clock()}: nanoseconds, read for {@code ts_nsec} and {@code free_ts_nsec}
     * @param nrCpus  the CPUs whose idle tasks allocate
     */
    PageOwner(Buddy buddy, LongSupplier clock, int nrCpus) {
        this.buddy = buddy;
        this.mem = buddy.mem();
        this.model = buddy.model();
        this.clock = clock;
        this.startPfn = model.memmapStartPfn();
        this.endPfn = model.memmapEndPfn();
        long bytes = (endPfn - startPfn) * PAGE_EXT_SIZE;
        this.storage = PhysicalMemory.create(new PhysicalMemory.Bank(0, (bytes + 4095) & -4096L));
        this.ext = storage.segment();
        this.comm = new byte[nrCpus][];
        for (int cpu = 0; cpu < nrCpus; cpu++) {
            byte[] name = ("swapper/" + cpu).getBytes(StandardCharsets.US_ASCII);
            comm[cpu] = Arrays.copyOf(name, Math.min(name.length, TASK_COMM_LEN - 1));
        }
        this.earlyHandle = registerEarlyStack();
    }

    /** {@code register_early_stack}: the handle early allocated pages get, a 4-frame stack of the init code. */
    private int registerEarlyStack() {
        return depot.save(WALKER.walk(s -> s.limit(4).map(StackWalker.StackFrame::toStackTraceElement)
                .toArray(StackTraceElement[]::new)));
    }

    /** {@code save_stack}: the caller's stack from the allocator frame that called page_owner. */
    private int saveStack() {
        return depot.save(WALKER.walk(s -> s.dropWhile(f -> f.getClassName().equals(SELF))
                .limit(PAGE_OWNER_STACK_DEPTH).map(StackWalker.StackFrame::toStackTraceElement)
                .toArray(StackTraceElement[]::new)));
    }

    private long entry(long pfn) {
        return (pfn - startPfn) * PAGE_EXT_SIZE;
    }

    /**
     * {@code __set_page_owner}: records the allocation of the {@code 1 << order} pages from {@code pfn} by CPU
     * {@code cpu}'s task with {@code gfpMask}.
     */
    void setPageOwner(int cpu, long pfn, int order, int gfpMask) {
        if (!inited) {
            return;
        }
        setPageOwnerHandle(pfn, saveStack(), order, gfpMask, cpu);
    }

    private void setPageOwnerHandle(long pfn, int handle, int order, int gfpMask, int cpu) {
        // one timestamp for the block: 6.1 reads local_clock() for each page, nanoseconds apart, and shows the head's
        long ts = clock.getAsLong();
        byte[] name = comm[cpu];
        for (long e = entry(pfn), end = e + (PAGE_EXT_SIZE << order); e < end; e += PAGE_EXT_SIZE) {
            ext.set(JAVA_INT, e + HANDLE, handle);
            ext.set(JAVA_SHORT, e + ORDER, (short) order);
            ext.set(JAVA_INT, e + GFP_MASK, gfpMask);
            ext.set(JAVA_SHORT, e + LAST_MIGRATE_REASON, (short) -1);
            ext.set(JAVA_INT, e + PID, 0);
            ext.set(JAVA_INT, e + TGID, 0);
            ext.set(JAVA_LONG, e + TS_NSEC, ts);
            MemorySegment.copy(name, 0, ext, ValueLayout.JAVA_BYTE, e + COMM, name.length);
            ext.set(ValueLayout.JAVA_BYTE, e + COMM + name.length, (byte) 0); // strscpy's NUL
            ext.set(JAVA_LONG, e + FLAGS, ext.get(JAVA_LONG, e + FLAGS)
                    | 1L << PAGE_EXT_OWNER | 1L << PAGE_EXT_OWNER_ALLOCATED);
        }
    }

    /** {@code __reset_page_owner}: the {@code 1 << order} pages from {@code pfn} are freed now. */
    void resetPageOwner(long pfn, int order) {
        if (!inited) {
            return;
        }
        long freeTs = clock.getAsLong();
        int handle = saveStack();
        for (long e = entry(pfn), end = e + (PAGE_EXT_SIZE << order); e < end; e += PAGE_EXT_SIZE) {
            ext.set(JAVA_LONG, e + FLAGS, ext.get(JAVA_LONG, e + FLAGS) & ~(1L << PAGE_EXT_OWNER_ALLOCATED));
            ext.set(JAVA_INT, e + FREE_HANDLE, handle);
            ext.set(JAVA_LONG, e + FREE_TS_NSEC, freeTs);
        }
    }

    /** {@code __set_page_owner_migrate_reason}: the page at {@code pfn} was migrated for {@code reason}. */
    public void setPageOwnerMigrateReason(long pfn, int reason) {
        if (reason < 0 || reason >= MIGRATE_REASON_NAMES.length) {
            throw new IllegalArgumentException("no migrate reason " + reason + ": 0.." + (MIGRATE_REASON_NAMES.length - 1));
        }
        ext.set(JAVA_SHORT, entry(checkPfn(pfn)) + LAST_MIGRATE_REASON, (short) reason);
    }

    /** {@code __split_page_owner}: the {@code nr} pages from {@code pfn} become order-0 allocations. */
    void splitPageOwner(long pfn, int nr) {
        if (!inited) {
            return;
        }
        for (long e = entry(pfn), end = e + PAGE_EXT_SIZE * nr; e < end; e += PAGE_EXT_SIZE) {
            ext.set(JAVA_SHORT, e + ORDER, (short) 0);
        }
    }

    /**
     * {@code init_early_allocated_pages}: every page of a populated zone that is neither free in the buddy lists
     * nor reserved and has no record yet gets one as an order-0 allocation with the early stack.
     *
     * @return the kernel's line for each populated zone, {@code "Node %d, zone %8s: page owner found early
     *         allocated %lu pages"}
     */
    /**
     * {@code init_page_owner()}: recording starts ({@code page_owner_inited}), and the pages allocated before get
     * their early records ({@link #initEarlyAllocatedPages}). Until then the hooks record nothing, as in a kernel
     * whose {@code page_ext_init()} has not run yet.
     *
     * @return the lines {@code init_early_allocated_pages} prints
     */
    List<String> init(ZoneTypes zoneTypes) {
        if (inited) {
            throw new IllegalStateException("page_owner is already initialised");
        }
        List<String> lines = initEarlyAllocatedPages(zoneTypes);
        inited = true;
        return lines;
    }

    /** Whether {@link #init} has run: records are kept from then on. */
    public boolean inited() {
        return inited;
    }

    List<String> initEarlyAllocatedPages(ZoneTypes zoneTypes) {
        List<String> lines = new ArrayList<>();
        long maxOrderNrPages = 1L << (buddy.maxOrder() - 1);
        long pageblockNrPages = 1L << buddy.pageblockOrder();
        for (int nid = 0; nid < buddy.nrNodeIds(); nid++) {
            if (buddy.nodeData(nid) == 0) {
                continue;
            }
            for (int z = 0; z < zoneTypes.maxNrZones(); z++) {
                long zone = buddy.zone(nid, z);
                if (!buddy.populatedZone(zone)) {
                    continue;
                }
                long count = 0;
                long end = buddy.zoneEndPfn(zone);
                for (long pfn = buddy.zoneStartPfn(zone); pfn < end;) {
                    if (!model.pfnValid(pfn)) {
                        pfn = (pfn + 1 + maxOrderNrPages - 1) & -maxOrderNrPages;
                        continue;
                    }
                    long blockEnd = Math.min((pfn + pageblockNrPages) & -pageblockNrPages, end);
                    for (; pfn < blockEnd; pfn++) {
                        long page = model.pfnToPage(pfn);
                        if (buddy.pageZone(page) != zone) {
                            continue;
                        }
                        if (PageType.pageBuddy(mem, page)) {
                            long order = Page.pagePrivate(mem, page);
                            if (order > 0 && order < buddy.maxOrder()) {
                                pfn += (1L << order) - 1;
                            }
                            continue;
                        }
                        if (PageFlags.testBit(mem.getLong(page + PageLayout.FLAGS), PageFlags.PG_reserved)
                                || (ext.get(JAVA_LONG, entry(pfn) + FLAGS) & 1L << PAGE_EXT_OWNER) != 0) {
                            continue;
                        }
                        setPageOwnerHandle(pfn, earlyHandle, 0, 0, 0);
                        count++;
                    }
                }
                lines.add(String.format("Node %d, zone %8s: page owner found early allocated %d pages", nid,
                        zoneTypes.name(z), count));
            }
        }
        return lines;
    }

    /**
     * {@code pagetypeinfo_showmixedcount_print}'s counts for {@code zone}: per pageblock migrate type (index), the
     * pageblocks holding an allocation of another migrate type (CMA blocks count as movable). The walk stops at
     * the first such allocation of each block and steps over free and allocated blocks whole.
     */
    public long[] mixedBlockCounts(long zone) {
        long[] count = new long[buddy.freeArea().migrateTypes()];
        long maxOrderNrPages = 1L << (buddy.maxOrder() - 1);
        long pageblockNrPages = 1L << buddy.pageblockOrder();
        long end = buddy.zoneEndPfn(zone);
        boolean noMobility = buddy.pageblockFlags().pageGroupByMobilityDisabled();
        for (long pfn = buddy.zoneStartPfn(zone); pfn < end;) {
            if (!model.pfnValid(pfn)) {
                pfn = (pfn + 1 + maxOrderNrPages - 1) & -maxOrderNrPages;
                continue;
            }
            long blockEnd = Math.min((pfn + pageblockNrPages) & -pageblockNrPages, end);
            int pageblockMt = buddy.pageblockFlags().getPfnblockMigratetype(model.pfnToPage(pfn), pfn);
            for (; pfn < blockEnd; pfn++) {
                long page = model.pfnToPage(pfn);
                if (buddy.pageZone(page) != zone) {
                    continue;
                }
                if (PageType.pageBuddy(mem, page)) {
                    long order = Page.pagePrivate(mem, page);
                    if (order >= 0 && order < buddy.maxOrder()) {
                        pfn += (1L << order) - 1;
                    }
                    continue;
                }
                long e = entry(pfn);
                if (PageFlags.testBit(mem.getLong(page + PageLayout.FLAGS), PageFlags.PG_reserved)
                        || (ext.get(JAVA_LONG, e + FLAGS) & 1L << PAGE_EXT_OWNER_ALLOCATED) == 0) {
                    continue;
                }
                int pageMt = Gfp.gfpMigratetype(ext.get(JAVA_INT, e + GFP_MASK), noMobility);
                if (pageblockMt != pageMt) {
                    count[buddy.isMigrateCma(pageblockMt) ? MIGRATE_MOVABLE : pageblockMt]++;
                    pfn = blockEnd;
                    break;
                }
                pfn += (1L << Short.toUnsignedInt(ext.get(JAVA_SHORT, e + ORDER))) - 1;
            }
        }
        return count;
    }

    /** Whether the page at {@code pfn} has a live allocation record ({@code PAGE_EXT_OWNER_ALLOCATED}). */
    public boolean allocated(long pfn) {
        return (ext.get(JAVA_LONG, entry(checkPfn(pfn)) + FLAGS) & 1L << PAGE_EXT_OWNER_ALLOCATED) != 0;
    }

    /** Whether the page at {@code pfn} was ever allocated with page_owner on ({@code PAGE_EXT_OWNER}). */
    public boolean hasOwner(long pfn) {
        return (ext.get(JAVA_LONG, entry(checkPfn(pfn)) + FLAGS) & 1L << PAGE_EXT_OWNER) != 0;
    }

    /** The record of the page at {@code pfn}, as its fields hold it (meaningful once {@link #hasOwner}). */
    public Record record(long pfn) {
        long e = entry(checkPfn(pfn));
        byte[] c = new byte[TASK_COMM_LEN];
        MemorySegment.copy(ext, ValueLayout.JAVA_BYTE, e + COMM, c, 0, TASK_COMM_LEN);
        int len = 0;
        while (len < c.length && c[len] != 0) {
            len++;
        }
        return new Record(Short.toUnsignedInt(ext.get(JAVA_SHORT, e + ORDER)), ext.get(JAVA_SHORT,
                e + LAST_MIGRATE_REASON), ext.get(JAVA_INT, e + GFP_MASK), ext.get(JAVA_INT, e + HANDLE),
                ext.get(JAVA_INT, e + FREE_HANDLE), ext.get(JAVA_LONG, e + TS_NSEC),
                ext.get(JAVA_LONG, e + FREE_TS_NSEC), new String(c, 0, len, StandardCharsets.US_ASCII),
                ext.get(JAVA_INT, e + PID), ext.get(JAVA_INT, e + TGID));
    }

    /** One {@code struct page_owner}. */
    public record Record(int order, int lastMigrateReason, int gfpMask, int handle, int freeHandle, long tsNsec,
                         long freeTsNsec, String comm, int pid, int tgid) {
    }

    /** The stack depot holding the records' stacks. */
    public StackDepot depot() {
        return depot;
    }

    private long checkPfn(long pfn) {
        if (pfn < startPfn || pfn >= endPfn) {
            throw new IllegalArgumentException(String.format("pfn 0x%x is outside the memory map [0x%x, 0x%x)", pfn,
                    startPfn, endPfn));
        }
        return pfn;
    }

    /**
     * {@code read_page_owner} to the end of the file: {@code print_page_owner} of every allocated block, by
     * ascending pfn, skipping free buddy blocks, pages without a live record and the tail pages of a block. The
     * kernel drains the pcp lists first only to skip their pages faster; a page on a pcp list has no live
     * record, so kmm reads without draining and needs no CPU.
     */
    public String read() {
        StringBuilder sb = new StringBuilder();
        long maxOrderNrPages = 1L << (buddy.maxOrder() - 1);
        long pfn = startPfn;
        while (!model.pfnValid(pfn) && (pfn & (maxOrderNrPages - 1)) != 0) {
            pfn++;
        }
        for (; pfn < endPfn; pfn++) {
            if ((pfn & (maxOrderNrPages - 1)) == 0 && !model.pfnValid(pfn)) {
                pfn += maxOrderNrPages - 1;
                continue;
            }
            long page = model.pfnToPage(pfn);
            if (PageType.pageBuddy(mem, page)) {
                long order = Page.pagePrivate(mem, page);
                if (order >= 0 && order < buddy.maxOrder()) {
                    pfn += (1L << order) - 1;
                }
                continue;
            }
            long e = entry(pfn);
            long flags = ext.get(JAVA_LONG, e + FLAGS);
            if ((flags & 1L << PAGE_EXT_OWNER) == 0 || (flags & 1L << PAGE_EXT_OWNER_ALLOCATED) == 0) {
                continue;
            }
            int order = Short.toUnsignedInt(ext.get(JAVA_SHORT, e + ORDER));
            if ((pfn & ((1L << order) - 1)) != 0) {
                continue; // a tail page: printing it would inflate the stats
            }
            if (ext.get(JAVA_INT, e + HANDLE) == 0) {
                continue;
            }
            printPageOwner(sb, pfn, page);
        }
        return sb.toString();
    }

    /** {@code print_page_owner}: the record of the block at {@code pfn}, with a blank line after it. */
    public String printPageOwner(long pfn) {
        StringBuilder sb = new StringBuilder();
        printPageOwner(sb, checkPfn(pfn), model.pfnToPage(pfn));
        return sb.toString();
    }

    private void printPageOwner(StringBuilder sb, long pfn, long page) {
        Record r = record(pfn);
        sb.append("Page allocated via order ").append(r.order()).append(", mask ").append(hex(r.gfpMask()))
                .append('(').append(GfpFlagNames.formatFlags(r.gfpMask())).append("), pid ").append(r.pid())
                .append(", tgid ").append(r.tgid()).append(" (").append(r.comm()).append("), ts ")
                .append(Long.toUnsignedString(r.tsNsec())).append(" ns, free_ts ")
                .append(Long.toUnsignedString(r.freeTsNsec())).append(" ns\n");
        int pageblockMt = buddy.pageblockFlags().getPfnblockMigratetype(page, pfn);
        int pageMt = Gfp.gfpMigratetype(r.gfpMask(), buddy.pageblockFlags().pageGroupByMobilityDisabled());
        sb.append("PFN ").append(pfn).append(" type ").append(migratetypeName(pageMt)).append(" Block ")
                .append(pfn >>> buddy.pageblockOrder()).append(" type ").append(migratetypeName(pageblockMt))
                .append(" Flags ").append(buddy.flagsLayout().formatFlags(mem.getLong(page + PageLayout.FLAGS)))
                .append('\n');
        depot.snprint(sb, r.handle(), 0);
        if (r.lastMigrateReason() != -1) {
            sb.append("Page has been migrated, last migrate reason: ")
                    .append(MIGRATE_REASON_NAMES[r.lastMigrateReason()]).append('\n');
        }
        // print_page_owner_memcg: kmm has no memory cgroups (memcg_data is 0)
        sb.append('\n');
    }

    /** The kernel's {@code %#x}, which prints {@code 0x0} for zero (unlike C libraries). */
    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }

    /** {@code migratetype_names[mt]}: the four pcp types, then CMA and Isolate where configured. */
    private String migratetypeName(int mt) {
        if (mt < MIGRATETYPE_NAMES.length) {
            return MIGRATETYPE_NAMES[mt];
        }
        return buddy.isMigrateCma(mt) ? "CMA" : buddy.isMigrateIsolate(mt) ? "Isolate" : Integer.toString(mt);
    }

    /** Releases the page_ext array. */
    @Override
    public void close() {
        storage.close();
    }
}
