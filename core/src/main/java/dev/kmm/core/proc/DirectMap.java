package dev.kmm.core.proc;

/**
 * x86's {@code direct_pages_count[]} (arch/x86/mm/pat/set_memory.c): how many direct-map entries of each
 * size map RAM, and whether 1 GiB entries are in use ({@code direct_gbpages}).
 *
 * @param pages4k   {@code direct_pages_count[PG_LEVEL_4K]}
 * @param pages2m   {@code direct_pages_count[PG_LEVEL_2M]}
 * @param pages1g   {@code direct_pages_count[PG_LEVEL_1G]}
 * @param gbpages   {@code direct_gbpages}: prints the DirectMap1G line
 */
public record DirectMap(long pages4k, long pages2m, long pages1g, boolean gbpages) {
    /** No direct map counted. */
    public static final DirectMap NONE = new DirectMap(0, 0, 0, false);

    public DirectMap {
        if (pages4k < 0 || pages2m < 0 || pages1g < 0) {
            throw new IllegalArgumentException("negative direct map count in " + this);
        }
    }
}
