package dev.kmm.core.pagealloc;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import dev.kmm.arena.layout.ZoneLayout;
import dev.kmm.arena.list.ListHead;
import dev.kmm.core.page.Page;
import dev.kmm.core.page.PageFlags;
import dev.kmm.core.page.PageType;
import java.util.Objects;

/**
 * The free lists of a zone, {@code zone->free_area[order].free_list[migratetype]} and {@code nr_free}, and the
 * list primitives of Linux 6.1's mm/page_alloc.c that keep them: a free block is linked through its head page's
 * {@code buddy_list}; {@code nr_free} counts blocks, not pages.
 *
 * <p>Callers hold the zone lock, as in the kernel.
 */
public final class FreeArea {
    private final KernelMemory mem;
    private final ZoneLayout zoneLayout;
    private final int maxOrder;
    private final int migrateTypes;

    /**
     * @param mem        where zones and struct pages live
     * @param zoneLayout {@code struct zone} of the config: free_area offsets, MAX_ORDER, MIGRATE_TYPES
     */
    public FreeArea(KernelMemory mem, ZoneLayout zoneLayout) {
        this.mem = Objects.requireNonNull(mem, "mem");
        this.zoneLayout = Objects.requireNonNull(zoneLayout, "zoneLayout");
        this.maxOrder = zoneLayout.maxOrder;
        this.migrateTypes = zoneLayout.freeAreaLayout.migrateTypes;
    }

    /** {@code MAX_ORDER}: the number of orders. */
    public int maxOrder() {
        return maxOrder;
    }

    /** {@code MIGRATE_TYPES}: the number of free lists per order. */
    public int migrateTypes() {
        return migrateTypes;
    }

    /** The address of {@code zone->free_area[order].free_list[migratetype]}. */
    public long freeList(long zone, int order, int migratetype) {
        return zone + zoneLayout.freeListOffset(order, migratetype);
    }

    /** {@code zone->free_area[order].nr_free}. */
    public long nrFree(long zone, int order) {
        return mem.getLong(zone + zoneLayout.nrFreeOffset(order));
    }

    private void addNrFree(long zone, int order, long delta) {
        long va = zone + zoneLayout.nrFreeOffset(order);
        mem.putLong(va, mem.getLong(va) + delta);
    }

    /** {@code zone_init_free_lists}: every list empty, every count 0. */
    public void zoneInitFreeLists(long zone) {
        for (int order = 0; order < maxOrder; order++) {
            for (int t = 0; t < migrateTypes; t++) {
                ListHead.init(mem, freeList(zone, order, t));
            }
            mem.putLong(zone + zoneLayout.nrFreeOffset(order), 0);
        }
    }

    /** {@code add_to_free_list}: at the head, for pages not on another list. */
    public void addToFreeList(long page, long zone, int order, int migratetype) {
        ListHead.add(mem, page + PageLayout.BUDDY_LIST, freeList(zone, order, migratetype));
        addNrFree(zone, order, 1);
    }

    /** {@code add_to_free_list_tail}: at the tail, where the allocator looks last. */
    public void addToFreeListTail(long page, long zone, int order, int migratetype) {
        ListHead.addTail(mem, page + PageLayout.BUDDY_LIST, freeList(zone, order, migratetype));
        addNrFree(zone, order, 1);
    }

    /**
     * {@code move_to_free_list}: a free block changes lists, to the tail of the new one, so moved pages are not
     * reused at once; {@code nr_free} is per order and does not change.
     */
    public void moveToFreeList(long page, long zone, int order, int migratetype) {
        ListHead.moveTail(mem, page + PageLayout.BUDDY_LIST, freeList(zone, order, migratetype));
    }

    /**
     * {@code del_page_from_free_list}: unlinks a free block and makes its head an ordinary page again: the
     * reported flag (free page reporting) and PageBuddy are cleared, the order in {@code private} reset.
     */
    public void delPageFromFreeList(long page, long zone, int order) {
        if (PageFlags.pageReported(mem, page)) {
            PageFlags.clearFlagNonAtomic(mem, page, PageFlags.PG_reported);
        }
        ListHead.del(mem, page + PageLayout.BUDDY_LIST);
        PageType.clearPageBuddy(mem, page);
        Page.setPagePrivate(mem, page, 0);
        addNrFree(zone, order, -1);
    }

    /** {@code get_page_from_free_area}: the first block of a list, or 0 when it is empty. */
    public long getPageFromFreeArea(long zone, int order, int migratetype) {
        long first = ListHead.firstOrNull(mem, freeList(zone, order, migratetype));
        return first == 0 ? 0 : first - PageLayout.BUDDY_LIST;
    }

    /** {@code free_area_empty}. */
    public boolean freeAreaEmpty(long zone, int order, int migratetype) {
        return ListHead.empty(mem, freeList(zone, order, migratetype));
    }
}
