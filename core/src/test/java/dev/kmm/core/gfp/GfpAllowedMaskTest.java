package dev.kmm.core.gfp;

import org.junit.jupiter.api.Test;

import static dev.kmm.core.gfp.Gfp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GfpAllowedMaskTest {
    @Test
    void bootMaskStripsReclaimAndIoUntilTheSchedulerIsReady() {
        GfpAllowedMask m = new GfpAllowedMask();
        assertTrue(m.isBootMask());
        assertEquals(0, m.apply(GFP_KERNEL));
        assertEquals(__GFP_ZERO, m.apply(GFP_KERNEL | __GFP_ZERO));
        assertEquals(__GFP_HIGH | __GFP_ATOMIC, m.apply(GFP_ATOMIC));
        assertEquals(__GFP_HARDWALL | __GFP_HIGHMEM | __GFP_MOVABLE, m.apply(GFP_HIGHUSER_MOVABLE));

        m.setSchedulerReady();
        assertFalse(m.isBootMask());
        assertEquals(GFP_KERNEL, m.apply(GFP_KERNEL));
        assertEquals(GFP_TRANSHUGE, m.apply(GFP_TRANSHUGE));
        assertEquals(0, m.apply(1 << __GFP_BITS_SHIFT), "bits past __GFP_BITS_MASK never pass");
    }
}
