package dev.kmm.core.gfp;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import static dev.kmm.core.gfp.Gfp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GfpTest {
    /**
     * The ___GFP_* defines of the 6.1 header text, taking the #else branch of each #ifdef (the Debian
     * config has neither CONFIG_KASAN_HW_TAGS nor CONFIG_LOCKDEP).
     */
    private static Map<String, Integer> defines61() throws IOException {
        Map<String, Integer> values = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                GfpTest.class.getResourceAsStream("gfp-6.1-defines.txt")), StandardCharsets.UTF_8))) {
            boolean configOnBranch = false;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("#ifdef")) {
                    configOnBranch = true;
                } else if (line.startsWith("#else") || line.startsWith("#endif")) {
                    configOnBranch = false;
                } else if (line.startsWith("#define") && !configOnBranch) {
                    String[] f = line.split("\\s+");
                    String v = f[2].replace("u", "");
                    values.put(f[1], v.startsWith("0x") ? Integer.parseInt(v.substring(2), 16) : Integer.parseInt(v));
                }
            }
        }
        return values;
    }

    @Test
    void everyBitMatchesThe61Header() throws Exception {
        Map<String, Integer> defines = defines61();
        assertEquals(28, defines.size(), "24 plain bits + 3 KASAN + NOLOCKDEP");
        for (Map.Entry<String, Integer> d : defines.entrySet()) {
            int java = Gfp.class.getField(d.getKey()).getInt(null);
            assertEquals(d.getValue(), java, d.getKey());
            String flag = d.getKey().substring(1); // ___GFP_X -> __GFP_X
            assertEquals(d.getValue(), Gfp.class.getField(flag).getInt(null), flag);
        }
    }

    @Test
    void compositeMasksHaveTheValuesRealKernelsPrint() {
        // Values as printed by warn_alloc / page_owner of kernels with 6.1's bit layout.
        assertEquals(0xcc0, GFP_KERNEL);
        assertEquals(0xa20, GFP_ATOMIC);
        assertEquals(0x400cc0, GFP_KERNEL_ACCOUNT);
        assertEquals(0x800, GFP_NOWAIT);
        assertEquals(0xc00, GFP_NOIO);
        assertEquals(0xc40, GFP_NOFS);
        assertEquals(0x100cc0, GFP_USER);
        assertEquals(0x100cc2, GFP_HIGHUSER);
        assertEquals(0x100cca, GFP_HIGHUSER_MOVABLE);
        assertEquals(0x1c20ca, GFP_TRANSHUGE_LIGHT);
        assertEquals(0x1c24ca, GFP_TRANSHUGE);
        assertEquals(0x1, GFP_DMA);
        assertEquals(0x4, GFP_DMA32);
        assertEquals(0xf, GFP_ZONEMASK);
        assertEquals(0x7ffffff, __GFP_BITS_MASK);
        assertEquals(0x7fff33f, GFP_BOOT_MASK);
    }

    @Test
    void migratetypeFollowsTheMobilityBits() {
        assertEquals(0, gfpMigratetype(GFP_KERNEL));
        assertEquals(1, gfpMigratetype(GFP_HIGHUSER_MOVABLE));
        assertEquals(2, gfpMigratetype(GFP_KERNEL | __GFP_RECLAIMABLE));
        assertEquals(3, gfpMigratetype(__GFP_MOVABLE | __GFP_RECLAIMABLE));
        assertEquals(1, gfpMigratetype(GFP_TRANSHUGE));
        assertEquals(0, gfpMigratetype(GFP_HIGHUSER_MOVABLE, true));
        assertEquals(1, gfpMigratetype(GFP_HIGHUSER_MOVABLE, false));
        assertEquals(1, gfpMigratetype(0xffff_ffff & ~__GFP_RECLAIMABLE));
    }

    @Test
    void blockingAndZonelist() {
        assertTrue(gfpflagsAllowBlocking(GFP_KERNEL));
        assertTrue(gfpflagsAllowBlocking(GFP_NOIO));
        assertFalse(gfpflagsAllowBlocking(GFP_ATOMIC));
        assertFalse(gfpflagsAllowBlocking(GFP_NOWAIT));
        assertFalse(gfpflagsAllowBlocking(GFP_TRANSHUGE_LIGHT));
        assertTrue(gfpflagsAllowBlocking(GFP_TRANSHUGE));
        assertEquals(ZONELIST_NOFALLBACK, gfpZonelist(GFP_KERNEL | __GFP_THISNODE, true));
        assertEquals(ZONELIST_FALLBACK, gfpZonelist(GFP_KERNEL | __GFP_THISNODE, false));
        assertEquals(ZONELIST_FALLBACK, gfpZonelist(GFP_KERNEL, true));
    }
}
