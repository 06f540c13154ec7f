package dev.kmm.core.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class PageFlagsLayoutTest {
    private static final PageFlagsLayout X86 = PageFlagsLayout.LINUX_6_1_X86_64;

    /**
     * include/linux/page-flags-layout.h and mm.h evaluated by hand for Debian's 6.1 config: 64 - 25 = 39 spare bits;
     * ZONES_SHIFT 3 (5 zones), LRU_GEN_WIDTH order_base_2(5) = 3, NODES_SHIFT 10, LAST_CPUPID_SHIFT 8 + ilog2(8192)
     * = 21 fits (3 + 3 + 10 + 21 = 37), LRU_REFS_WIDTH min(2, 39 - 37) = 2.
     */
    @Test
    void referenceConfigFieldPositions() {
        assertEquals(3, X86.zonesShift);
        assertEquals(10, X86.nodesWidth);
        assertEquals(21, X86.lastCpupidWidth);
        assertEquals(3, X86.lruGenWidth);
        assertEquals(2, X86.lruRefsWidth);
        assertEquals(54, X86.nodesPgoff);
        assertEquals(51, X86.zonesPgoff);
        assertEquals(30, X86.lastCpupidPgoff);
        assertEquals(30, X86.kasanTagPgoff);
        assertEquals(27, X86.lruGenPgoff);
        assertEquals(25, X86.lruRefsPgoff);
        assertEquals(51, X86.zoneidPgshift);
        assertEquals(13, X86.zoneidShift);
        assertEquals(7L << 27, X86.lruGenMask);
        assertEquals(3L << 25, X86.lruRefsMask);
    }

    /**
     * Kernel oops reports of Debian/Fedora x86_64 kernels (NR_CPUS 8192, NODES_SHIFT 10) print a node-0
     * ZONE_NORMAL page as {@code flags: 0x17ffffc0000000(node=0|zone=2|lastcpupid=0x1fffff)}.
     */
    @Test
    void freshNormalPageMatchesPublishedDumps() {
        long flags = X86.initSinglePageFlags(2, 0);
        assertEquals(0x17ffffc0000000L, flags);
        assertEquals("0x17ffffc0000000(node=0|zone=2|lastcpupid=0x1fffff)", X86.formatFlags(flags));
        assertEquals("0x17ffffc0001000(reserved|node=0|zone=2|lastcpupid=0x1fffff)",
                X86.formatFlags(flags | 1L << PageFlags.PG_reserved));
    }

    @Test
    void zoneAndNodeRoundTripThroughSetPageLinks() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64, 16);
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("page", 0x1000, seg));
            for (int zone = 0; zone < 5; zone++) {
                for (int nid : new int[] {0, 1, 511, 1023}) {
                    mem.putLong(0x1000, 0x5555L); // low flag bits must survive
                    X86.setPageLinks(mem, 0x1000, zone, nid, 0);
                    assertEquals(zone, X86.pageZonenum(mem, 0x1000));
                    assertEquals(nid, X86.pageToNid(mem, 0x1000));
                    assertEquals(nid << 3 | zone, X86.pageZoneId(mem, 0x1000));
                    assertEquals(0x5555L, mem.getLong(0x1000) & X86.pageflagsMask);
                }
            }
            X86.pageCpupidResetLast(mem, 0x1000);
            assertEquals(0x1fffff, X86.pageCpupidLast(mem.getLong(0x1000)));
        }
    }

    @Test
    void checkMasksFollowTheHeader() {
        long atFree = 1L << PageFlags.PG_lru | 1L << PageFlags.PG_locked | 1L << PageFlags.PG_private
                | 1L << PageFlags.PG_private_2 | 1L << PageFlags.PG_writeback | 1L << PageFlags.PG_reserved
                | 1L << PageFlags.PG_slab | 1L << PageFlags.PG_active | 1L << PageFlags.PG_unevictable
                | 1L << PageFlags.PG_mlocked | 7L << 27;
        assertEquals(atFree, X86.pageFlagsCheckAtFree);
        assertEquals(((1L << 25) - 1 & ~(1L << 23)) | 7L << 27 | 3L << 25, X86.pageFlagsCheckAtPrep);
    }

    /** 32-bit ARM: a 32-bit flags word, 22 flags, 3 zones (ZONES_SHIFT 2), no node and no cpupid fields. */
    @Test
    void armProfileFieldsSitBelowBit32() {
        PageFlagsLayout arm = PageFlagsLayout.of(32, 22, 3, 0, false, 1, false, false, -1);
        assertEquals(2, arm.zonesShift);
        assertEquals(30, arm.zonesPgoff);
        assertEquals(0, arm.nodesWidth);
        assertEquals(0, arm.lastCpupidWidth);
        assertEquals(0x4000_0000L, arm.initSinglePageFlags(1, 0));
        assertEquals("0x40000000(zone=1)", arm.formatFlags(arm.initSinglePageFlags(1, 0)));
        assertEquals(1, arm.pageZonenum(0x4000_0000L));
    }

    @Test
    void impossibleLayoutsAreRejected() {
        IllegalArgumentException nodes = assertThrows(IllegalArgumentException.class,
                () -> PageFlagsLayout.of(32, 25, 5, 10, false, 1, false, false, -1));
        assertTrue(nodes.getMessage().contains("no space for the nodes field"), nodes.getMessage());
        IllegalArgumentException bits = assertThrows(IllegalArgumentException.class,
                () -> PageFlagsLayout.of(32, 22, 8, 3, false, 1, true, true, -1));
        assertTrue(bits.getMessage().contains("Not enough bits in page flags"), bits.getMessage());
        assertThrows(IllegalArgumentException.class, () -> X86.pageLinks(8, 0));
        assertThrows(IllegalArgumentException.class, () -> X86.pageLinks(0, 1024));
    }

    /** With KASAN tags the last cpupid no longer fits (3+3+10+8+21 > 39) and moves out of the flags. */
    @Test
    void lastCpupidLeavesTheFlagsWhenItDoesNotFit() {
        PageFlagsLayout kasan = PageFlagsLayout.of(64, 25, 5, 10, true, 8192, true, true, 23);
        assertEquals(0, kasan.lastCpupidWidth);
        assertEquals(51, kasan.kasanTagPgoff + 8);
        assertEquals(0x10000000000000L, kasan.initSinglePageFlags(2, 0));
    }
}
