package dev.kmm.core.pagealloc;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything the zone-limit formulas decided for one zone: the numbers {@code /proc/zoneinfo} shows
 * as min/low/high, "protection", each CPU's "high:"/"batch:" and "vm stats threshold:", plus the
 * {@code percpu_drift_mark} it does not show.
 *
 * @param zone            the zone's sizes
 * @param watermarks      {@code _watermark[]} and {@code watermark_boost}
 * @param lowmemReserve   {@code lowmem_reserve[MAX_NR_ZONES]}
 * @param pcp             the per-cpu pageset {@code high}/{@code batch} (the same on every CPU)
 * @param statThreshold   the per-cpu zonestat {@code stat_threshold} (0 while unpopulated)
 * @param percpuDriftMark {@code percpu_drift_mark} (0 when never needed)
 */
public record ZoneLimits(ZoneSizes zone, ZoneWatermarks watermarks, long[] lowmemReserve, Watermarks.PcpLimits pcp,
                         int statThreshold, long percpuDriftMark) {
    public ZoneLimits {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(watermarks, "watermarks");
        Objects.requireNonNull(pcp, "pcp");
        lowmemReserve = lowmemReserve.clone();
    }

    @Override
    public long[] lowmemReserve() {
        return lowmemReserve.clone();
    }

    /** The zoneinfo "protection: (...)" line. */
    public String protectionLine() {
        return Watermarks.formatProtection(lowmemReserve);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZoneLimits l && zone.equals(l.zone) && watermarks.equals(l.watermarks)
                && Arrays.equals(lowmemReserve, l.lowmemReserve) && pcp.equals(l.pcp)
                && statThreshold == l.statThreshold && percpuDriftMark == l.percpuDriftMark;
    }

    @Override
    public int hashCode() {
        return Objects.hash(zone, watermarks, Arrays.hashCode(lowmemReserve), pcp, statThreshold, percpuDriftMark);
    }

    @Override
    public String toString() {
        return "ZoneLimits[" + zone.name() + "@" + zone.nid() + ", " + watermarks + ", protection="
                + Arrays.toString(lowmemReserve) + ", " + pcp + ", statThreshold=" + statThreshold
                + ", percpuDriftMark=" + percpuDriftMark + "]";
    }
}
