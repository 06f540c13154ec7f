package dev.kmm.arena.layout;

import static dev.kmm.arena.layout.KernelConstants.ANON_AND_FILE;
import static dev.kmm.arena.layout.KernelConstants.MAX_NR_GENS;
import static dev.kmm.arena.layout.KernelConstants.MAX_NR_TIERS;
import static dev.kmm.arena.layout.KernelConstants.NR_BLOOM_FILTERS;
import static dev.kmm.arena.layout.KernelConstants.NR_HIST_GENS;
import static dev.kmm.arena.layout.KernelConstants.NR_LRU_LISTS;
import static dev.kmm.arena.layout.KernelConstants.NR_MM_STATS;
import static dev.kmm.arena.layout.KernelTypes.ATOMIC_LONG_T;
import static dev.kmm.arena.layout.KernelTypes.BYTE;
import static dev.kmm.arena.layout.KernelTypes.INT;
import static dev.kmm.arena.layout.KernelTypes.LONG;
import static dev.kmm.arena.layout.KernelTypes.POINTER;
import static dev.kmm.arena.layout.KernelTypes.SPINLOCK_T;

import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct lruvec} of 6.1 (include/linux/mmzone.h) with CONFIG_LRU_GEN and CONFIG_MEMCG: the classic
 * LRU lists and their lock, then the multi-gen LRU state. The multi-gen part ({@code lrugen},
 * {@code mm_state}) is laid out member by member but given no offsets here; its lists are indexed by zone,
 * so its size follows {@code MAX_NR_ZONES} (1592 bytes in the reference kernel).
 */
public final class LruvecLayout {
    /** The layout for this config. */
    public final StructLayout layout;
    /** {@code sizeof(struct lruvec)}. */
    public final long size;
    /** Offset of {@code lists[NR_LRU_LISTS]}. */
    public final long lists;
    /** Offset of {@code lru_lock}. */
    public final long lruLock;
    /** Offset of {@code anon_cost}. */
    public final long anonCost;
    /** Offset of {@code file_cost}. */
    public final long fileCost;
    /** Offset of {@code nonresident_age} (atomic_long_t). */
    public final long nonresidentAge;
    /** Offset of {@code refaults[ANON_AND_FILE]}. */
    public final long refaults;
    /** Offset of {@code flags} (enum lruvec_flags bits). */
    public final long flags;
    /** Offset of {@code pgdat}: address of the owning node. */
    public final long pgdat;

    private LruvecLayout(LayoutConfig config) {
        int zones = config.maxNrZones();
        StructLayout lruGenStruct = CStruct.struct("lru_gen_struct")
                .field("max_seq", LONG)
                .field("min_seq", CStruct.array(LONG, ANON_AND_FILE))
                .field("timestamps", CStruct.array(LONG, MAX_NR_GENS))
                .field("lists", CStruct.array(ListHeadLayout.LAYOUT, MAX_NR_GENS, ANON_AND_FILE, zones))
                .field("nr_pages", CStruct.array(LONG, MAX_NR_GENS, ANON_AND_FILE, zones))
                .field("avg_refaulted", CStruct.array(LONG, ANON_AND_FILE, MAX_NR_TIERS))
                .field("avg_total", CStruct.array(LONG, ANON_AND_FILE, MAX_NR_TIERS))
                .field("protected", CStruct.array(LONG, NR_HIST_GENS, ANON_AND_FILE, MAX_NR_TIERS - 1))
                .field("evicted", CStruct.array(ATOMIC_LONG_T, NR_HIST_GENS, ANON_AND_FILE, MAX_NR_TIERS))
                .field("refaulted", CStruct.array(ATOMIC_LONG_T, NR_HIST_GENS, ANON_AND_FILE, MAX_NR_TIERS))
                .field("enabled", BYTE)
                .build();
        StructLayout lruGenMmState = CStruct.struct("lru_gen_mm_state")
                .field("seq", LONG)
                .field("head", POINTER)
                .field("tail", POINTER)
                .field("wait", KernelTypes.WAIT_QUEUE_HEAD_T)
                .field("filters", CStruct.array(POINTER, NR_BLOOM_FILTERS))
                .field("stats", CStruct.array(LONG, NR_HIST_GENS, NR_MM_STATS))
                .field("nr_walkers", INT)
                .build();
        layout = CStruct.struct("lruvec")
                .field("lists", CStruct.array(ListHeadLayout.LAYOUT, NR_LRU_LISTS))
                .field("lru_lock", SPINLOCK_T)
                .field("anon_cost", LONG)
                .field("file_cost", LONG)
                .field("nonresident_age", ATOMIC_LONG_T)
                .field("refaults", CStruct.array(LONG, ANON_AND_FILE))
                .field("flags", LONG)
                .field("lrugen", lruGenStruct)
                .field("mm_state", lruGenMmState)
                .field("pgdat", POINTER)
                .build();
        size = layout.byteSize();
        lists = CStruct.offsetOf(layout, "lists");
        lruLock = CStruct.offsetOf(layout, "lru_lock");
        anonCost = CStruct.offsetOf(layout, "anon_cost");
        fileCost = CStruct.offsetOf(layout, "file_cost");
        nonresidentAge = CStruct.offsetOf(layout, "nonresident_age");
        refaults = CStruct.offsetOf(layout, "refaults");
        flags = CStruct.offsetOf(layout, "flags");
        pgdat = CStruct.offsetOf(layout, "pgdat");
    }

    /** The lruvec layout of {@code config}. */
    public static LruvecLayout of(LayoutConfig config) {
        return new LruvecLayout(Objects.requireNonNull(config, "config"));
    }

    /** Offset of {@code lists[lru]} (enum lru_list). */
    public long listOffset(int lru) {
        return lists + Objects.checkIndex(lru, NR_LRU_LISTS) * ListHeadLayout.SIZE;
    }
}
