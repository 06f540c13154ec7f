package dev.kmm.arena.addr;

/**
 * The 32-bit ARM user/kernel split ("Memory split" choice in arch/arm/Kconfig), which fixes
 * {@code CONFIG_PAGE_OFFSET}.
 */
public enum VmSplit {
    /** 3G/1G user/kernel split (the Kconfig default). */
    VMSPLIT_3G(0xC000_0000L),
    /** 3G/1G split "for full 1G low memory" (not available with LPAE). */
    VMSPLIT_3G_OPT(0xB000_0000L),
    /** 2G/2G split. */
    VMSPLIT_2G(0x8000_0000L),
    /** 1G/3G split. */
    VMSPLIT_1G(0x4000_0000L);

    private final long pageOffset;

    VmSplit(long pageOffset) {
        this.pageOffset = pageOffset;
    }

    /** {@code CONFIG_PAGE_OFFSET} for this split. */
    public long pageOffset() {
        return pageOffset;
    }
}
