package dev.kmm.core.faultinject;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kmm.core.gfp.Gfp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailSlabTest {
    @Test
    void filtersOfFailslab() {
        RecordingLog log = new RecordingLog();
        FailSlab f = new FailSlab(FaultRandom.seeded(1), log);
        assertTrue(f.ignoreGfpReclaim());
        assertFalse(f.cacheFilter());
        assertTrue(f.setupFailslab("1,100,0,-1"));

        assertFalse(f.shouldFailslab(null, GFP_ATOMIC, 64, false, true), "never the kmem_cache cache");
        assertFalse(f.shouldFailslab(null, GFP_ATOMIC | __GFP_NOFAIL, 64, false, false));
        assertFalse(f.shouldFailslab(null, GFP_KERNEL, 64, false, false), "ignore-gfp-wait");
        assertTrue(f.shouldFailslab(null, GFP_ATOMIC, 64, false, false));

        f.setCacheFilter(true);
        assertFalse(f.shouldFailslab(null, GFP_ATOMIC, 64, false, false), "cache-filter without SLAB_FAILSLAB");
        assertTrue(f.shouldFailslab(null, GFP_ATOMIC, 64, true, false));

        f.setIgnoreGfpReclaim(false);
        log.lines.clear();
        assertTrue(f.shouldFailslab(null, GFP_KERNEL | __GFP_NOWARN, 64, true, false));
        assertEquals(List.of(), log.lines, "__GFP_NOWARN is silent");
    }

    @Test
    void spaceIsCountedInObjectBytes() {
        FailSlab f = new FailSlab(FaultRandom.seeded(1), FaultLog.DISCARD);
        assertTrue(f.setupFailslab("1,100,100,-1"));
        assertFalse(f.shouldFailslab(null, GFP_ATOMIC, 64, false, false));
        assertEquals(36, f.attr().space());
        assertTrue(f.shouldFailslab(null, GFP_ATOMIC, 64, false, false));
    }
}
