package dev.kmm.stress.plot;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.ZoneInfo;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.FreeArea;
import dev.kmm.core.sparse.MemoryModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A snapshot of every pageblock of a booted kernel: where it starts, its node and zone, its migrate type (the
 * pageblock flags, as {@code /proc/pagetypeinfo} counts them) and how many of its pages sit on the buddy free lists.
 *
 * <p>The pageblocks of each populated zone are those {@code BuddyVerify.pageblockMigratetypeCounts} counts: from
 * the zone's start rounded down to a pageblock, in pfn order, skipping blocks without a memmap. A block straddling
 * two zones is listed in each, with the pages inside that zone. Pages on the per-CPU lists count as in use, as
 * {@code NR_FREE_PAGES} counts them; the free pages of isolated pageblocks count as free here, though
 * {@code NR_FREE_PAGES} leaves them out.
 *
 * <p>Take it while no CPU runs the allocator: the free lists are walked without the zone lock.
 */
public final class PageblockMap {
    /**
     * The pageblocks of one zone: indices {@code first .. first + count - 1} of the map.
     *
     * @param nid   the node
     * @param name  {@code zone->name}
     * @param first the index of the zone's first pageblock
     * @param count the number of the zone's pageblocks
     */
    public record Zone(int nid, String name, int first, int count) {
        /** {@code "Node 0, zone Normal"}, as {@code /proc/buddyinfo} names it. */
        public String label() {
            return "Node " + nid + ", zone " + name;
        }
    }

    private final String machine;
    private final int pageblockOrder;
    private final List<String> migratetypeNames;
    private final List<Zone> zones;
    private final long[] startPfn;
    private final int[] zoneOf;
    private final byte[] migratetype;
    private final int[] pages;
    private final int[] free;

    private PageblockMap(String machine, int pageblockOrder, List<String> migratetypeNames, List<Zone> zones,
            long[] startPfn, int[] zoneOf, byte[] migratetype, int[] pages, int[] free) {
        this.machine = machine;
        this.pageblockOrder = pageblockOrder;
        this.migratetypeNames = migratetypeNames;
        this.zones = zones;
        this.startPfn = startPfn;
        this.zoneOf = zoneOf;
        this.migratetype = migratetype;
        this.pages = pages;
        this.free = free;
    }

    /**
     * Reads every pageblock of every populated zone of {@code kernel}.
     *
     * @throws IllegalStateException when a free list is broken (does not return to its head, or holds a block
     *                               outside its zone): the snapshot would be wrong
     */
    public static PageblockMap of(Kernel kernel) {
        Buddy buddy = kernel.buddy();
        MemoryModel model = buddy.model();
        int order = buddy.pageblockOrder();
        long nr = 1L << order;
        Builder b = new Builder();
        List<Zone> zones = new ArrayList<>();
        for (ZoneInfo z : kernel.zones()) {
            if (!z.populated()) {
                continue;
            }
            long zone = z.address();
            long start = buddy.zoneStartPfn(zone);
            long end = buddy.zoneEndPfn(zone);
            long base = start & -nr;
            int[] slotToIndex = new int[Math.toIntExact((end - base + nr - 1) >>> order)];
            Arrays.fill(slotToIndex, -1);
            int first = b.size;
            for (long pfn = base; pfn < end; pfn += nr) {
                if (!model.pfnValid(pfn)) {
                    continue;
                }
                int mt = buddy.pageblockFlags().getPfnblockMigratetype(model.pfnToPage(pfn), pfn);
                int inZone = (int) (Math.min(end, pfn + nr) - Math.max(start, pfn));
                slotToIndex[(int) ((pfn - base) >>> order)] = b.size;
                b.add(pfn, zones.size(), mt, inZone);
            }
            countFree(buddy, zone, z, base, slotToIndex, b.free);
            zones.add(new Zone(z.nid(), z.name(), first, b.size - first));
        }
        return new PageblockMap(kernel.machine().name(), order, migratetypeNames(buddy), List.copyOf(zones),
                Arrays.copyOf(b.startPfn, b.size), Arrays.copyOf(b.zoneOf, b.size), Arrays.copyOf(b.migratetype, b.size),
                Arrays.copyOf(b.pages, b.size), Arrays.copyOf(b.free, b.size));
    }

    /** Walks each free list of the zone once, adding each free block's pages to the pageblocks it covers. */
    private static void countFree(Buddy buddy, long zone, ZoneInfo z, long base, int[] slotToIndex, int[] free) {
        KernelMemory mem = buddy.mem();
        FreeArea fa = buddy.freeArea();
        int pbOrder = buddy.pageblockOrder();
        long start = buddy.zoneStartPfn(zone);
        long end = buddy.zoneEndPfn(zone);
        for (int order = 0; order < fa.maxOrder(); order++) {
            long limit = (end - start >>> order) + 1;
            for (int mt = 0; mt < fa.migrateTypes(); mt++) {
                long head = fa.freeList(zone, order, mt);
                long n = 0;
                for (long pos = ListHead.next(mem, head); pos != head; pos = ListHead.next(mem, pos)) {
                    if (++n > limit) {
                        throw new IllegalStateException(z.name() + " free_area[" + order + "].free_list[" + mt
                                + "] does not return to its head");
                    }
                    long pfn = buddy.model().pageToPfn(pos - PageLayout.BUDDY_LIST);
                    long blockEnd = pfn + (1L << order);
                    if (pfn < start || blockEnd > end) {
                        throw new IllegalStateException(String.format("%s free_area[%d] holds pfn 0x%x, outside "
                                + "the zone [0x%x, 0x%x)", z.name(), order, pfn, start, end));
                    }
                    // a block of pageblock_order or more covers whole pageblocks; a smaller one lies in one
                    for (long p = pfn; p < blockEnd; p += 1L << pbOrder) {
                        int i = slotToIndex[(int) ((p - base) >>> pbOrder)];
                        if (i < 0) {
                            throw new IllegalStateException(String.format("%s free_area[%d] holds pfn 0x%x, "
                                    + "which has no memmap", z.name(), order, p));
                        }
                        free[i] += (int) Math.min(blockEnd - p, 1L << pbOrder);
                    }
                }
            }
        }
    }

    /** {@code migratetype_names[]} of the build: the pcp types and HighAtomic, then CMA and Isolate if configured. */
    private static List<String> migratetypeNames(Buddy buddy) {
        List<String> names = new ArrayList<>(List.of("Unmovable", "Movable", "Reclaimable", "HighAtomic"));
        for (int mt = names.size(); mt < buddy.freeArea().migrateTypes(); mt++) {
            names.add(buddy.isMigrateCma(mt) ? "CMA" : buddy.isMigrateIsolate(mt) ? "Isolate" : "type " + mt);
        }
        return List.copyOf(names);
    }

    /** Growable columns. */
    private static final class Builder {
        int size;
        long[] startPfn = new long[256];
        int[] zoneOf = new int[256];
        byte[] migratetype = new byte[256];
        int[] pages = new int[256];
        int[] free = new int[256];

        void add(long pfn, int zone, int mt, int inZone) {
            if (size == startPfn.length) {
                int n = size * 2;
                startPfn = Arrays.copyOf(startPfn, n);
                zoneOf = Arrays.copyOf(zoneOf, n);
                migratetype = Arrays.copyOf(migratetype, n);
                pages = Arrays.copyOf(pages, n);
                free = Arrays.copyOf(free, n);
            }
            startPfn[size] = pfn;
            zoneOf[size] = zone;
            migratetype[size] = (byte) mt;
            pages[size] = inZone;
            size++;
        }
    }

    /** The machine's name. */
    public String machine() {
        return machine;
    }

    /** {@code pageblock_order}: each pageblock spans {@code 1 << pageblockOrder()} pages. */
    public int pageblockOrder() {
        return pageblockOrder;
    }

    /** {@code migratetype_names[]}: the name of each migrate type by its number. */
    public List<String> migratetypeNames() {
        return migratetypeNames;
    }

    /** The populated zones, in {@code for_each_zone()} order, each with its run of pageblocks. */
    public List<Zone> zones() {
        return zones;
    }

    /** The number of pageblocks. */
    public int size() {
        return startPfn.length;
    }

    /** The first pfn of pageblock {@code i}. */
    public long startPfn(int i) {
        return startPfn[i];
    }

    /** The zone pageblock {@code i} is listed in. */
    public Zone zone(int i) {
        return zones.get(zoneOf[i]);
    }

    /** The node of pageblock {@code i}. */
    public int nid(int i) {
        return zone(i).nid();
    }

    /** The migrate type of pageblock {@code i} ({@code get_pageblock_migratetype}). */
    public int migratetype(int i) {
        return migratetype[i];
    }

    /** The pages of pageblock {@code i} inside its zone's span: {@code 1 << pageblockOrder()} but at zone edges. */
    public int pages(int i) {
        return pages[i];
    }

    /** The pages of pageblock {@code i} on the buddy free lists. */
    public int freePages(int i) {
        return free[i];
    }

    /** The pageblocks of each migrate type (index = type, as {@code /proc/pagetypeinfo}'s block counts). */
    public long[] migratetypeCounts() {
        long[] counts = new long[migratetypeNames.size()];
        for (byte mt : migratetype) {
            if (mt < counts.length) {
                counts[mt]++;
            }
        }
        return counts;
    }

    /** The pages on the buddy free lists of all zones. */
    public long freePages() {
        long sum = 0;
        for (int f : free) {
            sum += f;
        }
        return sum;
    }

    @Override
    public String toString() {
        return "PageblockMap[" + machine + ", " + size() + " pageblocks of " + (1L << pageblockOrder) + " pages]";
    }
}
