package dev.kmm.core.memblock;

import static dev.kmm.core.memblock.Harness.MEM_SIZE;
import static dev.kmm.core.memblock.Harness.PAGE_SIZE;
import static dev.kmm.core.memblock.Harness.PHYS_ADDR_MAX;
import static dev.kmm.core.memblock.Harness.SIZEOF_MEMBLOCK_REGION;
import static dev.kmm.core.memblock.Harness.SMP_CACHE_BYTES;
import static dev.kmm.core.memblock.Harness.SZ_128K;
import static dev.kmm.core.memblock.Harness.SZ_128M;
import static dev.kmm.core.memblock.Harness.SZ_16;
import static dev.kmm.core.memblock.Harness.SZ_16K;
import static dev.kmm.core.memblock.Harness.SZ_16M;
import static dev.kmm.core.memblock.Harness.SZ_1G;
import static dev.kmm.core.memblock.Harness.SZ_1M;
import static dev.kmm.core.memblock.Harness.SZ_2;
import static dev.kmm.core.memblock.Harness.SZ_256M;
import static dev.kmm.core.memblock.Harness.SZ_2G;
import static dev.kmm.core.memblock.Harness.SZ_2K;
import static dev.kmm.core.memblock.Harness.SZ_2M;
import static dev.kmm.core.memblock.Harness.SZ_32K;
import static dev.kmm.core.memblock.Harness.SZ_32M;
import static dev.kmm.core.memblock.Harness.SZ_4K;
import static dev.kmm.core.memblock.Harness.SZ_4M;
import static dev.kmm.core.memblock.Harness.SZ_512K;
import static dev.kmm.core.memblock.Harness.SZ_512M;
import static dev.kmm.core.memblock.Harness.SZ_64;
import static dev.kmm.core.memblock.Harness.SZ_64K;
import static dev.kmm.core.memblock.Harness.SZ_64M;
import static dev.kmm.core.memblock.Harness.SZ_8;
import static dev.kmm.core.memblock.Harness.SZ_8K;
import static dev.kmm.core.memblock.Harness.SZ_8M;
import static dev.kmm.core.memblock.Memblock.INIT_MEMBLOCK_REGIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Port of the kernel's {@code tools/testing/memblock/tests/basic_api.c}: same cases, same
 * inputs, same expected values. Empty region arrays hold the dummy entry ({@code cnt == 1}), as
 * in 6.1 and its test suite (later kernels dropped the dummy and expect 0).
 */
class BasicApiTest {
    private final Harness h = new Harness();
    private final Memblock mb = h.mb;
    private final MemblockType memory = mb.memory();
    private final MemblockType reserved = mb.reserved();

    @Test
    void memblockInitializationCheck() {
        assertEquals(1, memory.cnt());
        assertEquals(INIT_MEMBLOCK_REGIONS, memory.max());
        assertEquals("memory", memory.name());
        assertEquals(1, reserved.cnt());
        assertEquals(INIT_MEMBLOCK_REGIONS, reserved.max());
        assertEquals("reserved", reserved.name());
        assertFalse(mb.memblockBottomUp());
        assertEquals(mb.memblockAllocAnywhere(), mb.memblockGetCurrentLimit());
    }

    // ---- memblock_add ----

    @Test
    void memblockAddSimpleCheck() {
        long base = SZ_1G, size = SZ_4M;
        mb.memblockAdd(base, size);
        assertEquals(base, memory.base(0));
        assertEquals(size, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(size, memory.totalSize());
    }

    @Test
    void memblockAddNodeSimpleCheck() {
        long base = SZ_1M, size = SZ_16M;
        mb.memblockAddNode(base, size, 1, MemblockFlags.MEMBLOCK_HOTPLUG);
        assertEquals(base, memory.base(0));
        assertEquals(size, memory.size(0));
        assertEquals(1, memory.nid(0));
        assertEquals(MemblockFlags.MEMBLOCK_HOTPLUG, memory.flags(0));
        assertEquals(1, memory.cnt());
        assertEquals(size, memory.totalSize());
    }

    @Test
    void memblockAddDisjointCheck() {
        long r1Base = SZ_1G, r1Size = SZ_8K;
        long r2Base = SZ_1G + SZ_16K, r2Size = SZ_8K;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        assertEquals(r1Base, memory.base(0));
        assertEquals(r1Size, memory.size(0));
        assertEquals(r2Base, memory.base(1));
        assertEquals(r2Size, memory.size(1));
        assertEquals(2, memory.cnt());
        assertEquals(r1Size + r2Size, memory.totalSize());
    }

    @Test
    void memblockAddOverlapTopCheck() {
        long r1Base = SZ_512M, r1Size = SZ_1G;
        long r2Base = SZ_256M, r2Size = SZ_512M;
        long totalSize = (r1Base - r2Base) + r1Size;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        assertEquals(r2Base, memory.base(0));
        assertEquals(totalSize, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(totalSize, memory.totalSize());
    }

    @Test
    void memblockAddOverlapBottomCheck() {
        long r1Base = SZ_128M, r1Size = SZ_512M;
        long r2Base = SZ_256M, r2Size = SZ_1G;
        long totalSize = (r2Base - r1Base) + r2Size;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        assertEquals(r1Base, memory.base(0));
        assertEquals(totalSize, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(totalSize, memory.totalSize());
    }

    @Test
    void memblockAddWithinCheck() {
        long r1Base = SZ_8M, r1Size = SZ_32M;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(SZ_16M, SZ_1M);
        assertEquals(r1Base, memory.base(0));
        assertEquals(r1Size, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(r1Size, memory.totalSize());
    }

    @Test
    void memblockAddTwiceCheck() {
        mb.memblockAdd(SZ_16K, SZ_2M);
        mb.memblockAdd(SZ_16K, SZ_2M);
        assertEquals(1, memory.cnt());
        assertEquals(SZ_2M, memory.totalSize());
    }

    @Test
    void memblockAddBetweenCheck() {
        long r1Base = SZ_1G, r1Size = SZ_8K;
        long r2Base = SZ_1G + SZ_16K, r2Size = SZ_8K;
        long r3Base = SZ_1G + SZ_8K, r3Size = SZ_8K;
        long totalSize = r1Size + r2Size + r3Size;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        mb.memblockAdd(r3Base, r3Size);
        assertEquals(r1Base, memory.base(0));
        assertEquals(totalSize, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(totalSize, memory.totalSize());
    }

    @Test
    void memblockAddNearMaxCheck() {
        long base = PHYS_ADDR_MAX - SZ_1M, size = SZ_2M;
        long totalSize = PHYS_ADDR_MAX - base;
        mb.memblockAdd(base, size);
        assertEquals(base, memory.base(0));
        assertEquals(totalSize, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(totalSize, memory.totalSize());
    }

    @Test
    void memblockAddManyCheck() {
        long rBase = SZ_16K, rSize = SZ_16K;
        long size = SZ_64, gapSize = SZ_64;

        mb.memblockAllowResize();
        // a block big enough for the array memblock_double_array() will pick, then small ones
        long base = Harness.pageAlign(h.dummyPhysicalMemoryBase());
        long newMemoryRegionsSize = Harness.pageAlign(INIT_MEMBLOCK_REGIONS * 2 * SIZEOF_MEMBLOCK_REGION);
        mb.memblockAdd(base, newMemoryRegionsSize);
        base += newMemoryRegionsSize + gapSize;

        for (int i = 0; i < INIT_MEMBLOCK_REGIONS; i++) {
            // keep a gap between the blocks so they do not merge
            mb.memblockAdd(base, size);
            base += size + gapSize;
            assertEquals(i + 2, memory.cnt());
            assertEquals(newMemoryRegionsSize + (i + 1) * size, memory.totalSize());
        }

        // memblock_double_array() has doubled memory.max ...
        assertEquals(INIT_MEMBLOCK_REGIONS * 2, memory.max());
        // ... and reserved the memory it used
        assertEquals(1, reserved.cnt());
        assertEquals(newMemoryRegionsSize, reserved.totalSize());

        // memblock_add() still works after the doubling
        mb.memblockAdd(rBase, rSize);
        assertEquals(rBase, memory.base(0));
        assertEquals(rSize, memory.size(0));
        assertEquals(INIT_MEMBLOCK_REGIONS + 2, memory.cnt());
        assertEquals(INIT_MEMBLOCK_REGIONS * size + newMemoryRegionsSize + rSize, memory.totalSize());
        assertEquals(INIT_MEMBLOCK_REGIONS * 2, memory.max());
    }

    // ---- memblock_reserve ----

    @Test
    void memblockReserveSimpleCheck() {
        mb.memblockReserve(SZ_2G, SZ_128M);
        assertEquals(SZ_2G, reserved.base(0));
        assertEquals(SZ_128M, reserved.size(0));
    }

    @Test
    void memblockReserveDisjointCheck() {
        long r1Base = SZ_256M, r1Size = SZ_16M;
        long r2Base = SZ_512M, r2Size = SZ_512M;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(r1Size, reserved.size(0));
        assertEquals(r2Base, reserved.base(1));
        assertEquals(r2Size, reserved.size(1));
        assertEquals(2, reserved.cnt());
        assertEquals(r1Size + r2Size, reserved.totalSize());
    }

    @Test
    void memblockReserveOverlapTopCheck() {
        long r1Base = SZ_1G, r1Size = SZ_1G;
        long r2Base = SZ_128M, r2Size = SZ_1G;
        long totalSize = (r1Base - r2Base) + r1Size;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        assertEquals(r2Base, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void memblockReserveOverlapBottomCheck() {
        long r1Base = SZ_2K, r1Size = SZ_128K;
        long r2Base = SZ_128K, r2Size = SZ_128K;
        long totalSize = (r2Base - r1Base) + r2Size;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void memblockReserveWithinCheck() {
        long r1Base = SZ_1M, r1Size = SZ_8M;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(SZ_2M, SZ_64K);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(r1Size, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(r1Size, reserved.totalSize());
    }

    @Test
    void memblockReserveTwiceCheck() {
        mb.memblockReserve(SZ_16K, SZ_2M);
        mb.memblockReserve(SZ_16K, SZ_2M);
        assertEquals(1, reserved.cnt());
        assertEquals(SZ_2M, reserved.totalSize());
    }

    @Test
    void memblockReserveBetweenCheck() {
        long r1Base = SZ_1G, r1Size = SZ_8K;
        long r2Base = SZ_1G + SZ_16K, r2Size = SZ_8K;
        long r3Base = SZ_1G + SZ_8K, r3Size = SZ_8K;
        long totalSize = r1Size + r2Size + r3Size;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        mb.memblockReserve(r3Base, r3Size);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void memblockReserveNearMaxCheck() {
        long base = PHYS_ADDR_MAX - SZ_1M, size = SZ_2M;
        long totalSize = PHYS_ADDR_MAX - base;
        mb.memblockReserve(base, size);
        assertEquals(base, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void memblockReserveManyCheck() {
        long rBase = SZ_16K, rSize = SZ_16K;
        long memoryBase = SZ_128K;

        mb.memblockAllowResize();
        // a valid memory region for double_array()
        mb.memblockAdd(h.dummyPhysicalMemoryBase(), MEM_SIZE);

        for (int i = 0; i < INIT_MEMBLOCK_REGIONS; i++) {
            mb.memblockReserve(memoryBase, MEM_SIZE);
            assertEquals(i + 1, reserved.cnt());
            assertEquals((i + 1) * MEM_SIZE, reserved.totalSize());
            // keep the gap so these regions do not merge
            memoryBase += MEM_SIZE * 2;
        }

        // the 129th region doubles the array
        mb.memblockReserve(memoryBase, MEM_SIZE);

        long newReservedRegionsSize = Harness.pageAlign(INIT_MEMBLOCK_REGIONS * 2 * SIZEOF_MEMBLOCK_REGION);
        // the new array's memory is reserved as one more region
        assertEquals(INIT_MEMBLOCK_REGIONS + 2, reserved.cnt());
        assertEquals((INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newReservedRegionsSize, reserved.totalSize());
        assertEquals(INIT_MEMBLOCK_REGIONS * 2, reserved.max());

        mb.memblockReserve(rBase, rSize);
        assertEquals(rBase, reserved.base(0));
        assertEquals(rSize, reserved.size(0));
        assertEquals(INIT_MEMBLOCK_REGIONS + 3, reserved.cnt());
        assertEquals((INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newReservedRegionsSize + rSize, reserved.totalSize());
        assertEquals(INIT_MEMBLOCK_REGIONS * 2, reserved.max());
    }

    private static long memoryBase(int idx) {
        return SZ_128K + (MEM_SIZE * 2) * idx;
    }

    @Test
    void memblockReserveAllLocationsCheck() {
        long rBase = SZ_16K, rSize = SZ_16K;
        // reserve the 129th block at every possible position
        for (int skip = 0; skip < INIT_MEMBLOCK_REGIONS + 1; skip++) {
            Memblock m = new Harness().mb;
            MemblockType res = m.reserved();
            m.memblockAllowResize();
            m.memblockAdd(Harness.DUMMY_BASE, MEM_SIZE);

            for (int i = 0; i < INIT_MEMBLOCK_REGIONS + 1; i++) {
                if (i == skip) {
                    continue;
                }
                m.memblockReserve(memoryBase(i), MEM_SIZE);
                if (i < skip) {
                    assertEquals(i + 1, res.cnt());
                    assertEquals((i + 1) * MEM_SIZE, res.totalSize());
                } else {
                    assertEquals(i, res.cnt());
                    assertEquals(i * MEM_SIZE, res.totalSize());
                }
            }

            m.memblockReserve(memoryBase(skip), MEM_SIZE);

            long newReservedRegionsSize = Harness.pageAlign(INIT_MEMBLOCK_REGIONS * 2 * SIZEOF_MEMBLOCK_REGION);
            assertEquals(INIT_MEMBLOCK_REGIONS + 2, res.cnt());
            assertEquals((INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newReservedRegionsSize, res.totalSize());
            assertEquals(INIT_MEMBLOCK_REGIONS * 2, res.max());

            m.memblockReserve(rBase, rSize);
            assertEquals(rBase, res.base(0));
            assertEquals(rSize, res.size(0));
            assertEquals(INIT_MEMBLOCK_REGIONS + 3, res.cnt());
            assertEquals((INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newReservedRegionsSize + rSize, res.totalSize());
            assertEquals(INIT_MEMBLOCK_REGIONS * 2, res.max());
        }
    }

    private static long memoryBaseOffset(int idx, long offset) {
        return offset + (MEM_SIZE * 2) * idx;
    }

    @Test
    void memblockReserveManyMayConflictCheck() {
        long rBase = SZ_16K, rSize = SZ_16K;
        long offset = Harness.pageAlign(Harness.DUMMY_BASE);

        for (int skip = 1; skip <= INIT_MEMBLOCK_REGIONS + 1; skip++) {
            Memblock m = new Harness().mb;
            MemblockType res = m.reserved();
            m.memblockAllowResize();
            // a valid memory region for double_array() ...
            m.memblockAdd(memoryBaseOffset(0, offset), MEM_SIZE);
            // ... and the one to be reserved as the 129th, which double_array() must not use
            m.memblockAdd(memoryBaseOffset(skip, offset), MEM_SIZE);

            for (int i = 1; i <= INIT_MEMBLOCK_REGIONS + 1; i++) {
                if (i == skip) {
                    continue;
                }
                m.memblockReserve(memoryBaseOffset(i, offset), MEM_SIZE);
                if (i < skip) {
                    assertEquals(i, res.cnt());
                    assertEquals(i * MEM_SIZE, res.totalSize());
                } else {
                    assertEquals(i - 1, res.cnt());
                    assertEquals((i - 1) * MEM_SIZE, res.totalSize());
                }
            }

            m.memblockReserve(memoryBaseOffset(skip, offset), MEM_SIZE);

            long newReservedRegionsSize = Harness.pageAlign(INIT_MEMBLOCK_REGIONS * 2 * SIZEOF_MEMBLOCK_REGION);
            assertEquals(INIT_MEMBLOCK_REGIONS + 2, res.cnt());
            assertEquals((INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newReservedRegionsSize, res.totalSize());
            assertEquals(INIT_MEMBLOCK_REGIONS * 2, res.max());

            // the new array sits at the top of memory region 0
            assertEquals(memoryBaseOffset(0, offset) + SZ_32K, res.base(0) + res.size(0));
            assertEquals(newReservedRegionsSize, res.size(0));

            m.memblockReserve(rBase, rSize);
            assertEquals(rBase, res.base(0));
            assertEquals(rSize, res.size(0));
            assertEquals(INIT_MEMBLOCK_REGIONS + 3, res.cnt());
            assertEquals((INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newReservedRegionsSize + rSize, res.totalSize());
            assertEquals(INIT_MEMBLOCK_REGIONS * 2, res.max());
        }
    }

    // ---- memblock_remove ----

    @Test
    void memblockRemoveSimpleCheck() {
        long r1Base = SZ_2K, r1Size = SZ_4K;
        long r2Base = SZ_128K, r2Size = SZ_4M;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        mb.memblockRemove(r1Base, r1Size);
        assertEquals(r2Base, memory.base(0));
        assertEquals(r2Size, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(r2Size, memory.totalSize());
    }

    @Test
    void memblockRemoveAbsentCheck() {
        long r1Base = SZ_512K, r1Size = SZ_4M;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockRemove(SZ_64M, SZ_1G);
        assertEquals(r1Base, memory.base(0));
        assertEquals(r1Size, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(r1Size, memory.totalSize());
    }

    @Test
    void memblockRemoveOverlapTopCheck() {
        long r1Base = SZ_32M, r1Size = SZ_32M;
        long r2Base = SZ_16M, r2Size = SZ_32M;
        long totalSize = (r1Base + r1Size) - (r2Base + r2Size);
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockRemove(r2Base, r2Size);
        assertEquals(r1Base + r2Base, memory.base(0));
        assertEquals(totalSize, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(totalSize, memory.totalSize());
    }

    @Test
    void memblockRemoveOverlapBottomCheck() {
        long r1Base = SZ_2M, r1Size = SZ_64M;
        long r2Base = SZ_32M, r2Size = SZ_256M;
        long totalSize = r2Base - r1Base;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockRemove(r2Base, r2Size);
        assertEquals(r1Base, memory.base(0));
        assertEquals(totalSize, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(totalSize, memory.totalSize());
    }

    @Test
    void memblockRemoveWithinCheck() {
        long r1Base = SZ_1M, r1Size = SZ_32M;
        long r2Base = SZ_16M, r2Size = SZ_1M;
        long newR1Size = r2Base - r1Base;
        long newR2Size = (r1Base + r1Size) - (r2Base + r2Size);
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockRemove(r2Base, r2Size);
        assertEquals(r1Base, memory.base(0));
        assertEquals(newR1Size, memory.size(0));
        assertEquals(r2Base + r2Size, memory.base(1));
        assertEquals(newR2Size, memory.size(1));
        assertEquals(2, memory.cnt());
        assertEquals(newR1Size + newR2Size, memory.totalSize());
    }

    @Test
    void memblockRemoveOnlyRegionCheck() {
        mb.memblockAdd(SZ_2K, SZ_4K);
        mb.memblockRemove(SZ_2K, SZ_4K);
        assertEquals(0, memory.base(0));
        assertEquals(0, memory.size(0));
        assertEquals(1, memory.cnt()); // the dummy entry (6.1)
        assertEquals(0, memory.totalSize());
    }

    @Test
    void memblockRemoveNearMaxCheck() {
        long r1Base = PHYS_ADDR_MAX - SZ_2M, r1Size = SZ_2M;
        long r2Base = PHYS_ADDR_MAX - SZ_1M, r2Size = SZ_2M;
        long totalSize = r1Size - (PHYS_ADDR_MAX - r2Base);
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockRemove(r2Base, r2Size);
        assertEquals(r1Base, memory.base(0));
        assertEquals(totalSize, memory.size(0));
        assertEquals(1, memory.cnt());
        assertEquals(totalSize, memory.totalSize());
    }

    @Test
    void memblockRemoveOverlapTwoCheck() {
        long r1Base = SZ_16M, r1Size = SZ_32M;
        long r2Base = SZ_64M, r2Size = SZ_64M;
        long r3Base = SZ_32M, r3Size = SZ_64M;
        long r2End = r2Base + r2Size, r3End = r3Base + r3Size;
        long newR1Size = r3Base - r1Base, newR2Size = r2End - r3End;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        mb.memblockRemove(r3Base, r3Size);
        assertEquals(r1Base, memory.base(0));
        assertEquals(newR1Size, memory.size(0));
        assertEquals(r3End, memory.base(1));
        assertEquals(newR2Size, memory.size(1));
        assertEquals(2, memory.cnt());
        assertEquals(newR1Size + newR2Size, memory.totalSize());
    }

    // ---- memblock_phys_free ----

    @Test
    void memblockFreeSimpleCheck() {
        long r1Base = SZ_4M, r1Size = SZ_1M;
        long r2Base = SZ_8M, r2Size = SZ_1M;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        mb.memblockPhysFree(r1Base, r1Size);
        assertEquals(r2Base, reserved.base(0));
        assertEquals(r2Size, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(r2Size, reserved.totalSize());
    }

    @Test
    void memblockFreeAbsentCheck() {
        long r1Base = SZ_2M, r1Size = SZ_8K;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockPhysFree(SZ_16M, SZ_128M);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(r1Size, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(r1Size, reserved.totalSize());
    }

    @Test
    void memblockFreeOverlapTopCheck() {
        long r1Base = SZ_8M, r1Size = SZ_32M;
        long r2Base = SZ_1M, r2Size = SZ_8M;
        long totalSize = (r1Size + r1Base) - (r2Base + r2Size);
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockPhysFree(r2Base, r2Size);
        assertEquals(r2Base + r2Size, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void memblockFreeOverlapBottomCheck() {
        long r1Base = SZ_8M, r1Size = SZ_32M;
        long r2Base = SZ_32M, r2Size = SZ_32M;
        long totalSize = r2Base - r1Base;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockPhysFree(r2Base, r2Size);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void memblockFreeWithinCheck() {
        long r1Base = SZ_1M, r1Size = SZ_8M;
        long r2Base = SZ_4M, r2Size = SZ_1M;
        long newR1Size = r2Base - r1Base;
        long newR2Size = (r1Base + r1Size) - (r2Base + r2Size);
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockPhysFree(r2Base, r2Size);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(newR1Size, reserved.size(0));
        assertEquals(r2Base + r2Size, reserved.base(1));
        assertEquals(newR2Size, reserved.size(1));
        assertEquals(2, reserved.cnt());
        assertEquals(newR1Size + newR2Size, reserved.totalSize());
    }

    @Test
    void memblockFreeOnlyRegionCheck() {
        mb.memblockReserve(SZ_2K, SZ_4K);
        mb.memblockPhysFree(SZ_2K, SZ_4K);
        assertEquals(0, reserved.base(0));
        assertEquals(0, reserved.size(0));
        assertEquals(1, reserved.cnt()); // the dummy entry (6.1)
        assertEquals(0, reserved.totalSize());
    }

    @Test
    void memblockPhysFreeNearMaxCheck() {
        long r1Base = PHYS_ADDR_MAX - SZ_2M, r1Size = SZ_2M;
        long r2Base = PHYS_ADDR_MAX - SZ_1M, r2Size = SZ_2M;
        long totalSize = r1Size - (PHYS_ADDR_MAX - r2Base);
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockPhysFree(r2Base, r2Size);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(totalSize, reserved.size(0));
        assertEquals(1, reserved.cnt());
        assertEquals(totalSize, reserved.totalSize());
    }

    @Test
    void memblockFreeOverlapTwoCheck() {
        long r1Base = SZ_16M, r1Size = SZ_32M;
        long r2Base = SZ_64M, r2Size = SZ_64M;
        long r3Base = SZ_32M, r3Size = SZ_64M;
        long r2End = r2Base + r2Size, r3End = r3Base + r3Size;
        long newR1Size = r3Base - r1Base, newR2Size = r2End - r3End;
        mb.memblockReserve(r1Base, r1Size);
        mb.memblockReserve(r2Base, r2Size);
        mb.memblockPhysFree(r3Base, r3Size);
        assertEquals(r1Base, reserved.base(0));
        assertEquals(newR1Size, reserved.size(0));
        assertEquals(r3End, reserved.base(1));
        assertEquals(newR2Size, reserved.size(1));
        assertEquals(2, reserved.cnt());
        assertEquals(newR1Size + newR2Size, reserved.totalSize());
    }

    // ---- bottom_up ----

    @Test
    void memblockSetBottomUpCheck() {
        mb.memblockSetBottomUp(false);
        assertFalse(mb.memblockBottomUp());
        mb.memblockSetBottomUp(true);
        assertTrue(mb.memblockBottomUp());
    }

    @Test
    void memblockBottomUpCheck() {
        mb.memblockSetBottomUp(false);
        assertFalse(mb.memblockBottomUp());
        mb.memblockSetBottomUp(true);
        assertTrue(mb.memblockBottomUp());
    }

    // ---- memblock_trim_memory ----

    @Test
    void memblockTrimMemoryAlignedCheck() {
        long alignment = SMP_CACHE_BYTES;
        mb.memblockAdd(alignment, alignment * 4);
        mb.memblockTrimMemory(alignment);
        assertEquals(alignment, memory.base(0));
        assertEquals(alignment * 4, memory.size(0));
        assertEquals(1, memory.cnt());
    }

    @Test
    void memblockTrimMemoryTooSmallCheck() {
        long alignment = SMP_CACHE_BYTES;
        long r1Base = alignment, r1Size = alignment * 2;
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(alignment * 4, alignment - SZ_2);
        mb.memblockTrimMemory(alignment);
        assertEquals(r1Base, memory.base(0));
        assertEquals(r1Size, memory.size(0));
        assertEquals(1, memory.cnt());
    }

    @Test
    void memblockTrimMemoryUnalignedBaseCheck() {
        long alignment = SMP_CACHE_BYTES;
        long offset = SZ_2;
        long r1Base = alignment, r1Size = alignment * 2;
        long r2Base = alignment * 4 + offset, r2Size = alignment * 2 - offset;
        long newR2Base = r2Base + (alignment - offset);
        long newR2Size = r2Size - (alignment - offset);
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        mb.memblockTrimMemory(alignment);
        assertEquals(r1Base, memory.base(0));
        assertEquals(r1Size, memory.size(0));
        assertEquals(newR2Base, memory.base(1));
        assertEquals(newR2Size, memory.size(1));
        assertEquals(2, memory.cnt());
    }

    @Test
    void memblockTrimMemoryUnalignedEndCheck() {
        long alignment = SMP_CACHE_BYTES;
        long offset = SZ_2;
        long r1Base = alignment, r1Size = alignment * 2;
        long r2Base = alignment * 4, r2Size = alignment * 2 - offset;
        long newR2Size = r2Size - (alignment - offset);
        mb.memblockAdd(r1Base, r1Size);
        mb.memblockAdd(r2Base, r2Size);
        mb.memblockTrimMemory(alignment);
        assertEquals(r1Base, memory.base(0));
        assertEquals(r1Size, memory.size(0));
        assertEquals(r2Base, memory.base(1));
        assertEquals(newR2Size, memory.size(1));
        assertEquals(2, memory.cnt());
    }

    // ---- memblock_overlaps_region ----

    @Test
    void memblockOverlapsRegionCheck() {
        mb.memblockAdd(SZ_1G, SZ_4M);
        // far away
        assertFalse(mb.memblockOverlapsRegion(memory, SZ_1M, SZ_1M));
        assertFalse(mb.memblockOverlapsRegion(memory, SZ_2G, SZ_1M));
        // neighbour
        assertFalse(mb.memblockOverlapsRegion(memory, SZ_1G - SZ_1M, SZ_1M));
        assertFalse(mb.memblockOverlapsRegion(memory, SZ_1G + SZ_4M, SZ_1M));
        // partial overlap
        assertTrue(mb.memblockOverlapsRegion(memory, SZ_1G - SZ_1M, SZ_2M));
        assertTrue(mb.memblockOverlapsRegion(memory, SZ_1G + SZ_2M, SZ_2M));
        // total overlap
        assertTrue(mb.memblockOverlapsRegion(memory, SZ_1G, SZ_4M));
        assertTrue(mb.memblockOverlapsRegion(memory, SZ_1G - SZ_2M, SZ_8M));
        assertTrue(mb.memblockOverlapsRegion(memory, SZ_1G + SZ_1M, SZ_1M));
    }

    // ---- memblock_set_node ----

    @Test
    void memblockSetNodeCheck() {
        mb.memblockAllowResize();
        mb.memblockAdd(h.dummyPhysicalMemoryBase(), MEM_SIZE);

        // split the range equally between nodes 0 and 1
        long half = mb.memblockPhysMemSize() / 2;
        mb.memblockSetNode(mb.memblockStartOfDRAM(), half, memory, 0);
        mb.memblockSetNode(mb.memblockStartOfDRAM() + half, half, memory, 1);

        assertEquals(2, memory.cnt());
        assertEquals(mb.memblockStartOfDRAM(), memory.base(0));
        assertEquals(half, memory.size(0));
        assertEquals(0, memory.nid(0));
        assertEquals(mb.memblockStartOfDRAM() + half, memory.base(1));
        assertEquals(half, memory.size(1));
        assertEquals(1, memory.nid(1));

        // 126 reserved regions, the last one across the node boundary
        for (int i = 0; i < 125; i++) {
            mb.memblockReserve(mb.memblockStartOfDRAM() + SZ_16 * i, SZ_8);
        }
        mb.memblockReserve(mb.memblockStartOfDRAM() + half - SZ_8, SZ_16);

        // give every reserved region its node, again whenever set_node doubled the array
        int maxReserved;
        do {
            maxReserved = reserved.max();
            for (int i = 0; i < memory.cnt(); i++) {
                mb.memblockSetNode(memory.base(i), memory.size(i), reserved, memory.nid(i));
            }
        } while (maxReserved != reserved.max());

        for (int i = 0; i < reserved.cnt(); i++) {
            int nid = reserved.nid(i);
            assertTrue(nid >= 0 && nid < mb.maxNumNodes(), "numa_valid_node(" + nid + ")");
            assertEquals(i == reserved.cnt() - 1 ? 1 : 0, nid, "nid of reserved region " + i);
        }
        // the test does make set_node double the reserved array
        assertEquals(INIT_MEMBLOCK_REGIONS * 2, reserved.max());
    }

    /** sizeof(struct memblock_region) sizes the doubled arrays above: 24 in the 6.1 x86_64 pahole dump. */
    @Test
    void regionStructSizeMatchesPahole() {
        assertEquals(PAGE_SIZE, MemblockConfig.X86_64.pageSize());
        assertEquals(SIZEOF_MEMBLOCK_REGION, MemblockConfig.X86_64.regionStructSize());
    }
}
