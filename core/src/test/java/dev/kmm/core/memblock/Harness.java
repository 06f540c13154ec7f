package dev.kmm.core.memblock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The kernel memblock test suite's harness ({@code tools/testing/memblock/tests/common.[ch]}):
 * a fresh {@code struct memblock} per test, and a small "dummy physical memory" of
 * {@code MEM_SIZE} bytes that {@code setup_memblock()} registers and fills with 1s, so zeroing
 * allocators can be told from raw ones.
 */
final class Harness {
    static final long SZ_2 = 2;
    static final long SZ_4 = 4;
    static final long SZ_8 = 8;
    static final long SZ_16 = 16;
    static final long SZ_32 = 32;
    static final long SZ_64 = 64;
    static final long SZ_128 = 128;
    static final long SZ_256 = 256;
    static final long SZ_512 = 512;
    static final long SZ_1K = 1L << 10;
    static final long SZ_2K = 2L << 10;
    static final long SZ_4K = 4L << 10;
    static final long SZ_8K = 8L << 10;
    static final long SZ_16K = 16L << 10;
    static final long SZ_32K = 32L << 10;
    static final long SZ_64K = 64L << 10;
    static final long SZ_128K = 128L << 10;
    static final long SZ_256K = 256L << 10;
    static final long SZ_512K = 512L << 10;
    static final long SZ_1M = 1L << 20;
    static final long SZ_2M = 2L << 20;
    static final long SZ_4M = 4L << 20;
    static final long SZ_8M = 8L << 20;
    static final long SZ_16M = 16L << 20;
    static final long SZ_32M = 32L << 20;
    static final long SZ_64M = 64L << 20;
    static final long SZ_128M = 128L << 20;
    static final long SZ_256M = 256L << 20;
    static final long SZ_512M = 512L << 20;
    static final long SZ_1G = 1L << 30;
    static final long SZ_2G = 2L << 30;

    /** {@code PHYS_ADDR_MAX} of a 64-bit {@code phys_addr_t}. */
    static final long PHYS_ADDR_MAX = -1L;
    /** {@code MEM_SIZE} of tests/common.h. */
    static final long MEM_SIZE = SZ_32K;
    /** {@code NUMA_NODES} of tests/common.h. */
    static final int NUMA_NODES = 8;
    /**
     * {@code SMP_CACHE_BYTES} as the kernel suite is built: tools/include/linux/cache.h sets
     * {@code L1_CACHE_SHIFT} 5. Several cases ("no space above", "in between") rely on this value.
     */
    static final long SMP_CACHE_BYTES = 32;
    /** {@code PAGE_SIZE}. */
    static final long PAGE_SIZE = 4096;
    /** {@code sizeof(struct memblock_region)} on x86_64 (6.1 pahole). */
    static final long SIZEOF_MEMBLOCK_REGION = 24;
    /**
     * Where the dummy physical memory sits. The C harness uses a malloc()ed buffer; any
     * page-aligned address above the fixed addresses the tests reserve will do.
     */
    static final long DUMMY_BASE = SZ_256M;

    final Memblock mb;
    final byte[] ram = new byte[(int) MEM_SIZE];
    final List<String> log = new ArrayList<>();

    Harness() {
        this(MemblockConfig.X86_64);
    }

    Harness(MemblockConfig config) {
        mb = new Memblock(config, (level, line) -> log.add("<" + level + ">" + line), this::zero);
    }

    private void zero(long base, long size) {
        if (base < DUMMY_BASE || base + size > DUMMY_BASE + MEM_SIZE) {
            throw new AssertionError(String.format("zeroing [0x%x+0x%x) outside the dummy memory", base, size));
        }
        Arrays.fill(ram, (int) (base - DUMMY_BASE), (int) (base - DUMMY_BASE + size), (byte) 0);
    }

    static long pageAlign(long x) {
        return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }

    long dummyPhysicalMemoryBase() {
        return DUMMY_BASE;
    }

    /** {@code setup_memblock()}: registers the dummy memory and fills it with 1s. */
    void setupMemblock() {
        mb.memblockAdd(DUMMY_BASE, MEM_SIZE);
        Arrays.fill(ram, (byte) 1);
    }

    /**
     * {@code setup_numa_memblock()}: splits the dummy memory into {@code NUMA_NODES} nodes, node
     * {@code i} holding {@code nodeFracs[i]} basis points of it, flagged HOTPLUG.
     */
    void setupNumaMemblock(int[] nodeFracs) {
        long base = DUMMY_BASE;
        for (int i = 0; i < NUMA_NODES; i++) {
            long size = MEM_SIZE * nodeFracs[i] / 10000;
            mb.memblockAddNode(base, size, i, MemblockFlags.MEMBLOCK_HOTPLUG);
            base += size;
        }
        Arrays.fill(ram, (byte) 1);
    }

    /** {@code assert_mem_content()}: zeroed unless raw, in which case untouched (all 1s). */
    void assertMemContent(long phys, long size, boolean raw) {
        for (long a = phys; a < phys + size; a++) {
            byte b = ram[(int) (a - DUMMY_BASE)];
            if (raw) {
                assertNotEquals(0, b, "raw allocation was zeroed at " + Long.toHexString(a));
            } else {
                assertEquals(0, b, "allocation not zeroed at " + Long.toHexString(a));
            }
        }
    }

    /** {@code region_end()}. */
    static long regionEnd(MemblockType type, int i) {
        return type.base(i) + type.size(i);
    }
}
