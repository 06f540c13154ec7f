package dev.kmm.core.gfp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gfp_zone() against a plain model of the table documented above GFP_ZONE_TABLE in include/linux/gfp.h:
 * 0x0 NORMAL, 0x1 DMA or NORMAL, 0x2 HIGHMEM or NORMAL, 0x4 DMA32 or NORMAL, 0x8 NORMAL, 0x9 DMA or
 * NORMAL, 0xa MOVABLE, 0xc DMA32 or NORMAL, all others BAD.
 */
class GfpZonesTest {
    /** A zone configuration, -1 for an absent optional zone. */
    private record Config(String name, int dma, int dma32, int normal, int highmem, int movable, int maxNrZones,
                          boolean device) {
        GfpZones zones() {
            return GfpZones.of(dma, dma32, normal, highmem, movable, maxNrZones, device);
        }

        int orNormal(int zone) {
            return zone >= 0 ? zone : normal;
        }
    }

    private static final Config[] CONFIGS = {
        new Config("x86_64 Debian", 0, 1, 2, -1, 3, 5, true),
        new Config("arm64", 0, 1, 2, -1, 3, 4, false),
        new Config("arm highmem", -1, -1, 0, 1, 2, 3, false),
        new Config("arm64 without ZONE_DMA", -1, 0, 1, -1, 2, 3, false),
        new Config("x86_32 highmem", 0, -1, 1, 2, 3, 4, false),
        new Config("all five zones, no device", 0, 1, 2, 3, 4, 5, false),
        new Config("normal and movable only", -1, -1, 0, -1, 1, 2, false),
    };

    /** The documented table: -1 for BAD. */
    private static int documented(Config c, int bits) {
        return switch (bits) {
            case 0x0, 0x8 -> c.normal;
            case 0x1, 0x9 -> c.orNormal(c.dma);
            case 0x2 -> c.orNormal(c.highmem);
            case 0x4, 0xc -> c.orNormal(c.dma32);
            case 0xa -> c.movable;
            default -> -1;
        };
    }

    @Test
    void everyModifierCombinationMatchesTheDocumentedTable() {
        for (Config c : CONFIGS) {
            GfpZones z = c.zones();
            for (int bits = 0; bits < 16; bits++) {
                int want = documented(c, bits);
                String what = c.name + " bits 0x" + Integer.toHexString(bits);
                assertEquals(want < 0, GfpZones.isBadZoneCombination(bits), what);
                if (want >= 0) {
                    assertEquals(want, z.gfpZone(bits), what);
                    assertEquals(want, z.gfpZoneChecked(bits), what);
                } else {
                    // Without CONFIG_DEBUG_VM the kernel returns the table's empty entry: zone 0.
                    assertEquals(0, z.gfpZone(bits), what);
                    int b = bits;
                    assertThrows(IllegalArgumentException.class, () -> z.gfpZoneChecked(b), what);
                }
            }
        }
    }

    @Test
    void bitsOutsideTheZoneMaskDoNotMatter() {
        SplittableRandom rnd = new SplittableRandom(61);
        for (Config c : CONFIGS) {
            GfpZones z = c.zones();
            for (int i = 0; i < 2000; i++) {
                int gfp = rnd.nextInt();
                int want = documented(c, gfp & Gfp.GFP_ZONEMASK);
                assertEquals(want < 0 ? 0 : want, z.gfpZone(gfp), c.name + " gfp 0x" + Integer.toHexString(gfp));
            }
        }
    }

    @Test
    void commonMasksOnX86AndArm() {
        assertEquals(2, GfpZones.X86_64.gfpZone(Gfp.GFP_KERNEL));
        assertEquals(3, GfpZones.X86_64.gfpZone(Gfp.GFP_HIGHUSER_MOVABLE));
        assertEquals(2, GfpZones.X86_64.gfpZone(Gfp.GFP_HIGHUSER));
        assertEquals(0, GfpZones.X86_64.gfpZone(Gfp.GFP_KERNEL | Gfp.GFP_DMA));
        assertEquals(1, GfpZones.X86_64.gfpZone(Gfp.GFP_KERNEL | Gfp.GFP_DMA32));
        assertEquals(0, GfpZones.ARM_HIGHMEM.gfpZone(Gfp.GFP_KERNEL));
        assertEquals(1, GfpZones.ARM_HIGHMEM.gfpZone(Gfp.GFP_HIGHUSER));
        assertEquals(2, GfpZones.ARM_HIGHMEM.gfpZone(Gfp.GFP_HIGHUSER_MOVABLE));
        assertEquals(0, GfpZones.ARM_HIGHMEM.gfpZone(Gfp.GFP_DMA), "no ZONE_DMA: DMA requests use Normal");
    }

    @Test
    void tableIsPackedAsTheKernelPacksIt() {
        // x86_64: 2-bit entries; 0x0->2, 0x1->0, 0x2->2, 0x4->1, 0x8->2, 0x9->0, 0xa->3, 0xc->1, by hand.
        assertEquals(2, GfpZones.X86_64.gfpZonesShift());
        assertEquals(0x1320122L, GfpZones.X86_64.gfpZoneTable());
        assertEquals(2, GfpZones.ARM_HIGHMEM.gfpZonesShift());
        assertEquals(3, CONFIGS[5].zones().gfpZonesShift(), "ZONES_SHIFT for 5 zones without ZONE_DEVICE");
        assertEquals(1, CONFIGS[6].zones().gfpZonesShift(), "ZONES_SHIFT for 2 zones");
    }

    @Test
    void badDmaHighmemComboIsNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GfpZones.X86_64.gfpZoneChecked(Gfp.GFP_KERNEL | Gfp.__GFP_DMA | Gfp.__GFP_HIGHMEM));
        assertTrue(e.getMessage().contains("0x3 (GFP_DMA|__GFP_HIGHMEM)"), e.getMessage());
        assertTrue(e.getMessage().contains("gfp 0xcc3"), e.getMessage());
    }

    @Test
    void invalidConfigurationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GfpZones.of(0, 0, 2, -1, 3, 5, true));
        assertThrows(IllegalArgumentException.class, () -> GfpZones.of(0, 1, 5, -1, 3, 5, true));
        assertThrows(IllegalArgumentException.class, () -> GfpZones.of(0, 1, -1, -1, 3, 5, true));
        assertThrows(IllegalArgumentException.class, () -> GfpZones.of(0, 1, 2, -1, -1, 5, true));
        assertThrows(IllegalArgumentException.class, () -> GfpZones.of(0, 1, 2, -1, 3, 0, false));
    }
}
