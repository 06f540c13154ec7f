package dev.kmm.core.gfp;

/**
 * The GFP ("get free pages") allocation flags of Linux 6.1 and the helpers of
 * {@code include/linux/gfp.h} that need no zone numbering.
 *
 * <p>Values are those of 6.1's {@code include/linux/gfp_types.h} under Debian's 6.1 x86_64 config
 * ({@code config-6.1.0-56-amd64}): {@code CONFIG_KASAN_HW_TAGS} and {@code CONFIG_LOCKDEP} are off, so
 * {@code ___GFP_SKIP_ZERO}, {@code ___GFP_SKIP_KASAN_UNPOISON}, {@code ___GFP_SKIP_KASAN_POISON} and
 * {@code ___GFP_NOLOCKDEP} are 0 and {@code __GFP_BITS_SHIFT} is 27. (With KASAN_HW_TAGS they would be
 * 0x1000000, 0x2000000 and 0x4000000; with LOCKDEP, NOLOCKDEP would be 0x8000000 and the shift 28.)
 * 6.1 still has {@code __GFP_ATOMIC} (0x200), which 6.3 removed; so {@code GFP_ATOMIC} is 0xa20 here.
 *
 * <p>A {@code gfp_t} is an {@code unsigned int}; Java holds it in an {@code int}. The constant names are
 * the kernel's own, so a reader can hold this file beside {@code gfp_types.h}.
 */
public final class Gfp {
    private Gfp() {
    }

    // Plain integer GFP bitmasks ("do not use this directly"), gfp_types.h.
    public static final int ___GFP_DMA = 0x01;
    public static final int ___GFP_HIGHMEM = 0x02;
    public static final int ___GFP_DMA32 = 0x04;
    public static final int ___GFP_MOVABLE = 0x08;
    public static final int ___GFP_RECLAIMABLE = 0x10;
    public static final int ___GFP_HIGH = 0x20;
    public static final int ___GFP_IO = 0x40;
    public static final int ___GFP_FS = 0x80;
    public static final int ___GFP_ZERO = 0x100;
    public static final int ___GFP_ATOMIC = 0x200;
    public static final int ___GFP_DIRECT_RECLAIM = 0x400;
    public static final int ___GFP_KSWAPD_RECLAIM = 0x800;
    public static final int ___GFP_WRITE = 0x1000;
    public static final int ___GFP_NOWARN = 0x2000;
    public static final int ___GFP_RETRY_MAYFAIL = 0x4000;
    public static final int ___GFP_NOFAIL = 0x8000;
    public static final int ___GFP_NORETRY = 0x10000;
    public static final int ___GFP_MEMALLOC = 0x20000;
    public static final int ___GFP_COMP = 0x40000;
    public static final int ___GFP_NOMEMALLOC = 0x80000;
    public static final int ___GFP_HARDWALL = 0x100000;
    public static final int ___GFP_THISNODE = 0x200000;
    public static final int ___GFP_ACCOUNT = 0x400000;
    public static final int ___GFP_ZEROTAGS = 0x800000;
    /** 0 without {@code CONFIG_KASAN_HW_TAGS} (Debian 6.1 x86_64). */
    public static final int ___GFP_SKIP_ZERO = 0;
    /** 0 without {@code CONFIG_KASAN_HW_TAGS} (Debian 6.1 x86_64). */
    public static final int ___GFP_SKIP_KASAN_UNPOISON = 0;
    /** 0 without {@code CONFIG_KASAN_HW_TAGS} (Debian 6.1 x86_64). */
    public static final int ___GFP_SKIP_KASAN_POISON = 0;
    /** 0 without {@code CONFIG_LOCKDEP} (Debian 6.1 x86_64). */
    public static final int ___GFP_NOLOCKDEP = 0;

    // Physical address zone modifiers.
    public static final int __GFP_DMA = ___GFP_DMA;
    public static final int __GFP_HIGHMEM = ___GFP_HIGHMEM;
    public static final int __GFP_DMA32 = ___GFP_DMA32;
    /** ZONE_MOVABLE allowed; also a mobility hint. */
    public static final int __GFP_MOVABLE = ___GFP_MOVABLE;
    public static final int GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;

    // Page mobility and placement hints.
    public static final int __GFP_RECLAIMABLE = ___GFP_RECLAIMABLE;
    public static final int __GFP_WRITE = ___GFP_WRITE;
    public static final int __GFP_HARDWALL = ___GFP_HARDWALL;
    public static final int __GFP_THISNODE = ___GFP_THISNODE;
    public static final int __GFP_ACCOUNT = ___GFP_ACCOUNT;

    // Watermark modifiers.
    public static final int __GFP_ATOMIC = ___GFP_ATOMIC;
    public static final int __GFP_HIGH = ___GFP_HIGH;
    public static final int __GFP_MEMALLOC = ___GFP_MEMALLOC;
    public static final int __GFP_NOMEMALLOC = ___GFP_NOMEMALLOC;

    // Reclaim modifiers.
    public static final int __GFP_IO = ___GFP_IO;
    public static final int __GFP_FS = ___GFP_FS;
    public static final int __GFP_DIRECT_RECLAIM = ___GFP_DIRECT_RECLAIM;
    public static final int __GFP_KSWAPD_RECLAIM = ___GFP_KSWAPD_RECLAIM;
    public static final int __GFP_RECLAIM = ___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM;
    public static final int __GFP_RETRY_MAYFAIL = ___GFP_RETRY_MAYFAIL;
    public static final int __GFP_NOFAIL = ___GFP_NOFAIL;
    public static final int __GFP_NORETRY = ___GFP_NORETRY;

    // Action modifiers.
    public static final int __GFP_NOWARN = ___GFP_NOWARN;
    public static final int __GFP_COMP = ___GFP_COMP;
    public static final int __GFP_ZERO = ___GFP_ZERO;
    public static final int __GFP_ZEROTAGS = ___GFP_ZEROTAGS;
    public static final int __GFP_SKIP_ZERO = ___GFP_SKIP_ZERO;
    public static final int __GFP_SKIP_KASAN_UNPOISON = ___GFP_SKIP_KASAN_UNPOISON;
    public static final int __GFP_SKIP_KASAN_POISON = ___GFP_SKIP_KASAN_POISON;
    public static final int __GFP_NOLOCKDEP = ___GFP_NOLOCKDEP;

    /** Room for N {@code __GFP_FOO} bits: {@code 27 + IS_ENABLED(CONFIG_LOCKDEP)}. */
    public static final int __GFP_BITS_SHIFT = 27;
    public static final int __GFP_BITS_MASK = (1 << __GFP_BITS_SHIFT) - 1;

    // Useful GFP flag combinations.
    public static final int GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;
    public static final int GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
    public static final int GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
    public static final int GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
    public static final int GFP_NOIO = __GFP_RECLAIM;
    public static final int GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
    public static final int GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
    public static final int GFP_DMA = __GFP_DMA;
    public static final int GFP_DMA32 = __GFP_DMA32;
    public static final int GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
    public static final int GFP_HIGHUSER_MOVABLE =
            GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN_POISON | __GFP_SKIP_KASAN_UNPOISON;
    public static final int GFP_TRANSHUGE_LIGHT =
            (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
    public static final int GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

    /** The two mobility bits, shifted down to a {@code migratetype} by {@link #GFP_MOVABLE_SHIFT}. */
    public static final int GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE;
    public static final int GFP_MOVABLE_SHIFT = 3;

    /**
     * {@code GFP_BOOT_MASK} of {@code mm/internal.h}: the value of {@code gfp_allowed_mask} during early
     * boot, which strips reclaim and I/O because nothing may sleep yet.
     */
    public static final int GFP_BOOT_MASK = __GFP_BITS_MASK & ~(__GFP_RECLAIM | __GFP_IO | __GFP_FS);

    /** {@code ZONELIST_FALLBACK}: the zonelist of all zones of all nodes. */
    public static final int ZONELIST_FALLBACK = 0;
    /** {@code ZONELIST_NOFALLBACK}: the zonelist of this node only ({@code __GFP_THISNODE}, NUMA). */
    public static final int ZONELIST_NOFALLBACK = 1;

    /**
     * {@code gfp_migratetype()}: the {@code enum migratetype} that groups an allocation by mobility,
     * MIGRATE_UNMOVABLE (0), MIGRATE_MOVABLE (1) or MIGRATE_RECLAIMABLE (2). Both mobility bits at once
     * give 3 (MIGRATE_HIGHATOMIC), which the kernel only warns about under {@code CONFIG_DEBUG_VM}.
     */
    public static int gfpMigratetype(int gfpFlags) {
        return (gfpFlags & GFP_MOVABLE_MASK) >>> GFP_MOVABLE_SHIFT;
    }

    /**
     * {@code gfp_migratetype()} with {@code page_group_by_mobility_disabled} (set when memory is too
     * small for grouping by mobility to help): everything is then MIGRATE_UNMOVABLE.
     */
    public static int gfpMigratetype(int gfpFlags, boolean pageGroupByMobilityDisabled) {
        return pageGroupByMobilityDisabled ? 0 : gfpMigratetype(gfpFlags);
    }

    /** {@code gfpflags_allow_blocking()}: the caller may sleep in direct reclaim. */
    public static boolean gfpflagsAllowBlocking(int gfpFlags) {
        return (gfpFlags & __GFP_DIRECT_RECLAIM) != 0;
    }

    /**
     * {@code gfp_zonelist()}: which of a node's two zonelists serves the request. Without
     * {@code CONFIG_NUMA} there is only the fallback list.
     */
    public static int gfpZonelist(int gfpFlags, boolean numa) {
        return numa && (gfpFlags & __GFP_THISNODE) != 0 ? ZONELIST_NOFALLBACK : ZONELIST_FALLBACK;
    }
}
