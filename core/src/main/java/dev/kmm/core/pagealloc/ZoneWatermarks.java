package dev.kmm.core.pagealloc;

/**
 * A zone's {@code _watermark[NR_WMARK]} and {@code watermark_boost} (6.1 has four marks, WMARK_PROMO
 * being the fourth). The {@code *WmarkPages()} accessors add the boost, as the kernel's macros do; they
 * are what {@code /proc/zoneinfo} prints as min, low and high.
 */
public record ZoneWatermarks(long min, long low, long high, long promo, long boost) {
    /** A zone before {@code __setup_per_zone_wmarks()} ran: all zero. */
    public static final ZoneWatermarks UNSET = new ZoneWatermarks(0, 0, 0, 0, 0);

    public ZoneWatermarks {
        if (min < 0 || low < 0 || high < 0 || promo < 0 || boost < 0) {
            throw new IllegalArgumentException("negative watermark: " + min + "/" + low + "/" + high + "/" + promo + " boost " + boost);
        }
    }

    /** {@code min_wmark_pages()}. */
    public long minWmarkPages() {
        return min + boost;
    }

    /** {@code low_wmark_pages()}. */
    public long lowWmarkPages() {
        return low + boost;
    }

    /** {@code high_wmark_pages()}. */
    public long highWmarkPages() {
        return high + boost;
    }

    /** {@code wmark_pages(z, WMARK_PROMO)}. */
    public long promoWmarkPages() {
        return promo + boost;
    }
}
