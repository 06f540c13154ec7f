package dev.kmm.core.gfp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.kmm.core.gfp.Gfp.*;
import static dev.kmm.core.gfp.GfpFlagNames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GfpFlagNamesTest {
    /**
     * Mask and text pairs printed by real kernels whose GFP bits and names are 6.1's. Sources:
     * <ul>
     * <li>0xa20: warn_alloc "mode:0xa20(GFP_ATOMIC)", Linux 5.4.30, ceph-devel thread (Apr 2020);</li>
     * <li>0xdc0: "vmalloc error: ... mode:0xdc0(GFP_KERNEL|__GFP_ZERO)", Linux 6.6.38-gentoo;</li>
     * <li>0x1d2a20: page_owner "gfp_mask 0x1d2a20(...)", syzbot on 6.1.0-rc7, "KASAN: use-after-free Write
     * in l2tp_tunnel_del_work (2)", netdev, 6 Dec 2022;</li>
     * <li>0x3d24ca: page_owner "gfp_mask 0x3d24ca(GFP_TRANSHUGE|__GFP_NORETRY|__GFP_THISNODE)", syzbot;</li>
     * <li>0x140cca: mm_page_alloc "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP", commit 60295b944ff6
     * ("tracing: gfp: Fix the GFP enum values shown for user space tracing tools");</li>
     * <li>0x100dc2 and 0x280a: mm_page_alloc lines in "[PATCH v2] page_alloc: consider highatomic reserve in
     * wmartermark fast", Jaewon Kim, linux-kernel, Jun 2020.</li>
     * </ul>
     */
    private static final Object[][] REAL = {
        {0xa20, "GFP_ATOMIC"},
        {0xdc0, "GFP_KERNEL|__GFP_ZERO"},
        {0x1d2a20, "GFP_ATOMIC|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC|__GFP_HARDWALL"},
        {0x3d24ca, "GFP_TRANSHUGE|__GFP_NORETRY|__GFP_THISNODE"},
        {0x140cca, "GFP_HIGHUSER_MOVABLE|__GFP_COMP"},
        {0x100dc2, "GFP_HIGHUSER|__GFP_ZERO"},
        {0x280a, "GFP_NOWAIT|__GFP_HIGHMEM|__GFP_NOWARN|__GFP_MOVABLE"},
    };

    @Test
    void realKernelOutputIsReproducedAndReadBack() {
        for (Object[] r : REAL) {
            int mask = (Integer) r[0];
            String text = (String) r[1];
            assertEquals(text, formatFlags(mask), "0x" + Integer.toHexString(mask));
            assertEquals(text, showGfpFlags(mask));
            assertEquals(mask, parse(text), text);
        }
        assertEquals("0xa20(GFP_ATOMIC)", mode(GFP_ATOMIC));
        assertEquals("0xdc0(GFP_KERNEL|__GFP_ZERO)", mode(GFP_KERNEL | __GFP_ZERO));
    }

    @Test
    void compositesComeFirstSoSingleBitsMayPrintAsComposites() {
        assertEquals("GFP_KERNEL", showGfpFlags(GFP_KERNEL));
        assertEquals("GFP_ATOMIC|__GFP_NOWARN", showGfpFlags(GFP_ATOMIC | __GFP_NOWARN));
        assertEquals("GFP_KERNEL_ACCOUNT", showGfpFlags(GFP_KERNEL_ACCOUNT));
        assertEquals("GFP_NOIO", showGfpFlags(__GFP_RECLAIM));
        assertEquals("GFP_NOWAIT", showGfpFlags(__GFP_KSWAPD_RECLAIM));
        assertEquals("__GFP_DIRECT_RECLAIM", showGfpFlags(__GFP_DIRECT_RECLAIM));
        assertEquals("GFP_DMA", showGfpFlags(__GFP_DMA));
        assertEquals("GFP_TRANSHUGE_LIGHT", showGfpFlags(GFP_TRANSHUGE_LIGHT));
        assertEquals("GFP_USER|GFP_DMA32", showGfpFlags(GFP_USER | GFP_DMA32));
        assertEquals("__GFP_HIGH|__GFP_ATOMIC", showGfpFlags(__GFP_HIGH | __GFP_ATOMIC));
    }

    @Test
    void zeroAndLeftoverBits() {
        assertEquals("", formatFlags(0));
        assertEquals("none", showGfpFlags(0));
        assertEquals("0x0()", mode(0));
        assertEquals("0x8000000", showGfpFlags(0x8000000));
        assertEquals("GFP_KERNEL|0x8000000", showGfpFlags(GFP_KERNEL | 0x8000000));
        assertEquals("GFP_KERNEL|0x80000000", formatFlags(GFP_KERNEL | 0x80000000));
        assertEquals(0, parse("none"));
        assertEquals(0, parse(""));
        assertEquals(GFP_KERNEL | 0x80000000, parse("GFP_KERNEL|0x80000000"));
    }

    @Test
    void randomMasksRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(20221211);
        for (int i = 0; i < 20_000; i++) {
            int mask = switch (i % 3) {
                case 0 -> rnd.nextInt() & __GFP_BITS_MASK;
                case 1 -> rnd.nextInt();
                default -> (rnd.nextInt() & rnd.nextInt() & rnd.nextInt()) & __GFP_BITS_MASK;
            };
            assertEquals(mask, parse(showGfpFlags(mask)), () -> showGfpFlags(mask));
            assertEquals(mask, parse(formatFlags(mask)), () -> formatFlags(mask));
        }
    }

    @Test
    void everyNamedMaskPrintsNoLeftoverBits() {
        for (String name : names()) {
            int mask = parse(name);
            assertTrue(mask != 0, name);
            assertTrue(!showGfpFlags(mask).contains("0x"), name + " -> " + showGfpFlags(mask));
        }
        assertEquals(__GFP_DMA, parse("__GFP_DMA"));
        assertEquals(__GFP_DMA32, parse("__GFP_DMA32"));
    }

    @Test
    void badNamesAreRefusedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("GFP_TEMPORARY|__GFP_ZERO"));
        assertTrue(e.getMessage().contains("\"GFP_TEMPORARY\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("gfp_kernel"));
        assertThrows(IllegalArgumentException.class, () -> parse("GFP_KERNEL|"));
        assertThrows(IllegalArgumentException.class, () -> parse("|GFP_KERNEL"));
        assertThrows(IllegalArgumentException.class, () -> parse("GFP_KERNEL||__GFP_ZERO"));
        assertThrows(IllegalArgumentException.class, () -> parse("0x1ffffffff"));
        assertThrows(IllegalArgumentException.class, () -> parse("0xzz"));
        assertThrows(IllegalArgumentException.class, () -> parse("0x"));
        assertThrows(IllegalArgumentException.class, () -> parse("__GFP_COLD"));
    }
}
