package dev.kmm.core.vmstat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StatThresholdsTest {
    private static int fls(int x) {
        return 32 - Integer.numberOfLeadingZeros(x);
    }

    @Test
    void normalThresholdByHand() {
        // 2 * fls(cpus) * (1 + fls(managed >> 15)), at most 125.
        assertEquals(2 * fls(1) * (1 + fls(235929 >> 15)), StatThresholds.calculateNormalThreshold(235929, 1));
        assertEquals(8, StatThresholds.calculateNormalThreshold(235929, 1)); // the comment's "8 | 1 | 0.9-1 GB"
        assertEquals(20, StatThresholds.calculateNormalThreshold(393216, 2)); // 1.5 GB, 2 CPUs
        assertEquals(4, StatThresholds.calculateNormalThreshold(20000, 2)); // < 128 MB
        assertEquals(10, StatThresholds.calculateNormalThreshold(20000, 16));
        assertEquals(40, StatThresholds.calculateNormalThreshold(230400, 16)); // 900 MB
        assertEquals(125, StatThresholds.calculateNormalThreshold(1L << 23, 1024));
        assertThrows(IllegalArgumentException.class, () -> StatThresholds.calculateNormalThreshold(1, 0));
    }

    /**
     * Real zoneinfo: a Normal zone of 7404622 managed pages shows "vm stats threshold: 90"
     * (ryncsn/memstrack issue #4), which is 2 * 5 * (1 + fls(225)): 16 to 31 CPUs; a DMA zone of a
     * 32-CPU server shows 12 (oracle/oracle-linux issue #218): 2 * fls(32) * (1 + fls(0)).
     */
    @Test
    void matchesRealZoneinfo() {
        assertEquals(90, StatThresholds.calculateNormalThreshold(7404622, 16));
        assertEquals(90, StatThresholds.calculateNormalThreshold(7404622, 31));
        assertEquals(72, StatThresholds.calculateNormalThreshold(7404622, 15));
        assertEquals(12, StatThresholds.calculateNormalThreshold(3840, 32));
    }

    @Test
    void pressureThresholdByHand() {
        assertEquals((13233 - 10587) / 1000, StatThresholds.calculatePressureThreshold(10587, 13233, 1000));
        assertEquals(Math.min(125, (13233 - 10587) / 4), StatThresholds.calculatePressureThreshold(10587, 13233, 4));
        assertEquals(125, StatThresholds.calculatePressureThreshold(10587, 13233, 1));
        assertEquals(1, StatThresholds.calculatePressureThreshold(5, 8, 4));
        assertEquals(1, StatThresholds.calculatePressureThreshold(0, 0, 4));
    }

    @Test
    void refreshSetsDriftMarkOnlyWhereDriftCouldHideABreach() {
        StatThresholds.Zone[] zones = {
                new StatThresholds.Zone(0, true, 3840, 31, 38, 45, 777),     // 4 * 6 = 24 > 7: set
                new StatThresholds.Zone(0, true, 1273653, 10587, 13233, 15879, 777), // 4 * 42 <= 2646: kept
                new StatThresholds.Zone(0, false, 0, 0, 0, 0, 5),             // unpopulated: untouched
                new StatThresholds.Zone(0, true, 1000, 0, 0, 0, 0),           // small zone after a large one
                new StatThresholds.Zone(1, true, 65536, 64, 139, 214, 0),     // 4 * 18 = 72 <= 75: kept
        };
        StatThresholds.Result r = StatThresholds.refreshZoneStatThresholds(zones, 4);
        assertArrayEquals(new int[]{6, 42, 0, 6, 18}, r.statThreshold());
        assertArrayEquals(new long[]{45 + 24, 777, 5, 24, 0}, r.percpuDriftMark());
        // The node threshold is the largest of the node's zones, not the last one.
        assertArrayEquals(new int[]{42, 18}, r.nodeStatThreshold());
        assertThrows(IllegalArgumentException.class, () -> new StatThresholds.Zone(0, true, 10, 5, 4, 6, 0));
    }
}
