package dev.kmm.core.memblock;

/**
 * The kernel configuration memblock's behaviour depends on.
 *
 * @param physAddrBits        width of {@code phys_addr_t}: 64, or 32 for 32-bit ARM without LPAE
 *                            (then {@code PHYS_ADDR_MAX} is {@code 0xffffffff} and {@code %pa}
 *                            prints 8 hex digits)
 * @param numa                {@code CONFIG_NUMA}: regions carry a node id
 * @param maxNumNodes         {@code MAX_NUMNODES} ({@code 1 << CONFIG_NODES_SHIFT}; 1 without NUMA)
 * @param pageShift           {@code PAGE_SHIFT}
 * @param smpCacheBytes       {@code SMP_CACHE_BYTES}, the alignment used when a caller passes 0
 * @param archLowAddressLimit {@code ARCH_LOW_ADDRESS_LIMIT}, the ceiling of {@code memblock_alloc_low}
 */
public record MemblockConfig(int physAddrBits, boolean numa, int maxNumNodes, int pageShift,
                             long smpCacheBytes, long archLowAddressLimit) {

    /**
     * Debian's 6.1 x86_64 kernel: 64-bit {@code phys_addr_t}, {@code CONFIG_NUMA=y},
     * {@code CONFIG_NODES_SHIFT=10}, {@code CONFIG_X86_L1_CACHE_SHIFT=6}; x86 does not define
     * {@code ARCH_LOW_ADDRESS_LIMIT}, so the generic {@code 0xffffffff} applies.
     */
    public static final MemblockConfig X86_64 = new MemblockConfig(64, true, 1 << 10, 12, 64, 0xffffffffL);

    /**
     * 32-bit ARM (Versatile Express Cortex-A9) without LPAE: 32-bit {@code phys_addr_t}, no NUMA,
     * {@code L1_CACHE_SHIFT=6}.
     */
    public static final MemblockConfig ARM_VEXPRESS = new MemblockConfig(32, false, 1, 12, 64, 0xffffffffL);

    public MemblockConfig {
        if (physAddrBits != 32 && physAddrBits != 64) {
            throw new IllegalArgumentException("phys_addr_t must be 32 or 64 bits, not " + physAddrBits);
        }
        if (maxNumNodes < 1 || (!numa && maxNumNodes != 1)) {
            throw new IllegalArgumentException("MAX_NUMNODES " + maxNumNodes + " is impossible with CONFIG_NUMA="
                    + (numa ? "y" : "n"));
        }
        if (pageShift < 12 || pageShift > 16) {
            throw new IllegalArgumentException("PAGE_SHIFT " + pageShift + " is not one of 12..16");
        }
        if (smpCacheBytes <= 0 || Long.bitCount(smpCacheBytes) != 1) {
            throw new IllegalArgumentException("SMP_CACHE_BYTES " + smpCacheBytes + " is not a power of two");
        }
        if (physAddrBits == 32 && (archLowAddressLimit >>> 32) != 0) {
            throw new IllegalArgumentException("ARCH_LOW_ADDRESS_LIMIT does not fit a 32-bit phys_addr_t");
        }
    }

    /** {@code PHYS_ADDR_MAX}, which is also {@code MEMBLOCK_ALLOC_ANYWHERE}. */
    public long physAddrMax() {
        return physAddrBits == 64 ? -1L : 0xffff_ffffL;
    }

    /** {@code PAGE_SIZE}. */
    public long pageSize() {
        return 1L << pageShift;
    }

    /**
     * {@code sizeof(struct memblock_region)}: two {@code phys_addr_t}, the 4-byte flags and, with
     * NUMA, the 4-byte nid, padded to the alignment of {@code phys_addr_t} (24 on x86_64 per the
     * 6.1 pahole dump; 12 on ARM without LPAE). It sizes the doubled region arrays.
     */
    public int regionStructSize() {
        int addr = physAddrBits / 8;
        int raw = 2 * addr + 4 + (numa ? 4 : 0);
        return (raw + addr - 1) / addr * addr;
    }
}
