package dev.kmm.core.memblock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The 32-bit ARM profile: 32-bit {@code phys_addr_t}, no NUMA, 12-byte regions. */
class MemblockArmTest {
    private final Memblock mb = new Memblock(MemblockConfig.ARM_VEXPRESS, (l, m) -> { }, (b, s) -> { });

    @Test
    void rangesAreCappedAt32BitPhysAddrMax() {
        assertEquals(0xffff_ffffL, mb.memblockAllocAnywhere());
        mb.memblockAdd(0xfff0_0000L, 0x20_0000L);
        // memblock_cap_size(): PHYS_ADDR_MAX - base
        assertEquals(0xf_ffffL, mb.memory().size(0));
        assertEquals(0xffff_ffffL, mb.memblockEndOfDRAM());
        mb.memblockRemove(0xfff8_0000L, 0x10_0000L);
        assertEquals(0x8_0000L, mb.memory().size(0));
    }

    @Test
    void nodesAreIgnoredWithoutNuma() {
        mb.memblockAdd(0x6000_0000L, 0x2000_0000L);
        mb.memblockAdd(0x8000_0000L, 0x2000_0000L);
        // MAX_NUMNODES is 1 and every region reads node 0, so adjacent banks merge
        assertEquals(1, mb.memory().cnt());
        assertEquals(0, mb.memory().nid(0));
        assertEquals(0, mb.memblockSetNode(0x6000_0000L, 0x1000_0000L, mb.memory(), 1));
        assertEquals(1, mb.memory().cnt());
    }

    @Test
    void vexpressBootLayout() {
        // the device tree's 1 GiB at 0x60000000, the kernel image and the DTB reserved
        mb.memblockAdd(0x6000_0000L, 0x4000_0000L);
        mb.memblockReserve(0x6000_8000L, 0x8a_0000L);
        mb.memblockReserve(0x6800_0000L, 0x4000);
        mb.memblockSetCurrentLimit(0x8f80_0000L); // arm_lowmem_limit
        long pgd = mb.memblockPhysAlloc(0x4000, 0x4000);
        assertEquals(0x8f7f_c000L, pgd);
        assertEquals("""
                   0: 0x60008000..0x608a7fff
                   1: 0x68000000..0x68003fff
                   2: 0x8f7fc000..0x8f7fffff
                """, Memblock.debugfsShow(mb.reserved(), 32));
    }

    @Test
    void doubledArraysUseTheArmRegionSize() {
        mb.memblockAllowResize();
        mb.memblockAdd(0x6000_0000L, 0x100_0000L);
        for (int i = 0; i <= Memblock.INIT_MEMBLOCK_REGIONS; i++) {
            mb.memblockReserve(0x6000_0000L + i * 0x2000L, 0x1000);
        }
        // 256 * 12 bytes fit one page, taken from the top of memory
        assertEquals(0x60ff_f000L, mb.reserved().arrayPhys());
        assertEquals(0x60ff_f000L, mb.reserved().base(mb.reserved().cnt() - 1));
        assertEquals(0x1000, mb.reserved().size(mb.reserved().cnt() - 1));
    }
}
