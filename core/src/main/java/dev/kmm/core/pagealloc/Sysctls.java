package dev.kmm.core.pagealloc;

import java.util.Arrays;

/**
 * The {@code vm.*} tunables the zone limits are computed from, with the ranges the 6.1 sysctl table
 * ({@code kernel/sysctl.c}) and handlers accept.
 *
 * @param minFreeKbytes              {@code min_free_kbytes} (boot value 1024, then computed), at least 0
 * @param userMinFreeKbytes          {@code user_min_free_kbytes}: -1 until the sysctl is written
 * @param watermarkScaleFactor       {@code watermark_scale_factor}, 1..3000, default 10
 * @param lowmemReserveRatio         {@code sysctl_lowmem_reserve_ratio[MAX_NR_ZONES]}, each at least 0
 * @param percpuPagelistHighFraction {@code percpu_pagelist_high_fraction}: 0 (pcp high from the low
 *                                   watermark) or at least 8
 */
public record Sysctls(int minFreeKbytes, int userMinFreeKbytes, int watermarkScaleFactor, int[] lowmemReserveRatio,
                      int percpuPagelistHighFraction) {
    /** {@code MIN_PERCPU_PAGELIST_HIGH_FRACTION}. */
    public static final int MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;

    public Sysctls {
        if (minFreeKbytes < 0) {
            throw new IllegalArgumentException("vm.min_free_kbytes must be >= 0: " + minFreeKbytes);
        }
        if (userMinFreeKbytes < -1) {
            throw new IllegalArgumentException("user_min_free_kbytes is -1 (unset) or >= 0: " + userMinFreeKbytes);
        }
        if (watermarkScaleFactor < 1 || watermarkScaleFactor > 3000) {
            throw new IllegalArgumentException("vm.watermark_scale_factor must be 1..3000: " + watermarkScaleFactor);
        }
        lowmemReserveRatio = lowmemReserveRatio.clone();
        for (int ratio : lowmemReserveRatio) {
            if (ratio < 0) {
                throw new IllegalArgumentException("vm.lowmem_reserve_ratio entries must be >= 0: " + Arrays.toString(lowmemReserveRatio));
            }
        }
        if (percpuPagelistHighFraction != 0 && percpuPagelistHighFraction < MIN_PERCPU_PAGELIST_HIGH_FRACTION) {
            throw new IllegalArgumentException("vm.percpu_pagelist_high_fraction must be 0 or >= 8: " + percpuPagelistHighFraction);
        }
    }

    /** The boot values of a kernel with these zones. */
    public static Sysctls defaults(ZoneTypes types) {
        return new Sysctls(1024, -1, 10, types.defaultLowmemReserveRatio(), 0);
    }

    @Override
    public int[] lowmemReserveRatio() {
        return lowmemReserveRatio.clone();
    }

    /** This state with {@code min_free_kbytes} replaced. */
    public Sysctls withMinFreeKbytes(int value) {
        return new Sysctls(value, userMinFreeKbytes, watermarkScaleFactor, lowmemReserveRatio, percpuPagelistHighFraction);
    }

    /** This state with {@code user_min_free_kbytes} replaced. */
    public Sysctls withUserMinFreeKbytes(int value) {
        return new Sysctls(minFreeKbytes, value, watermarkScaleFactor, lowmemReserveRatio, percpuPagelistHighFraction);
    }

    /** This state with {@code watermark_scale_factor} replaced. */
    public Sysctls withWatermarkScaleFactor(int value) {
        return new Sysctls(minFreeKbytes, userMinFreeKbytes, value, lowmemReserveRatio, percpuPagelistHighFraction);
    }

    /** This state with {@code lowmem_reserve_ratio[]} replaced. */
    public Sysctls withLowmemReserveRatio(int[] value) {
        return new Sysctls(minFreeKbytes, userMinFreeKbytes, watermarkScaleFactor, value, percpuPagelistHighFraction);
    }

    /** This state with {@code percpu_pagelist_high_fraction} replaced. */
    public Sysctls withPercpuPagelistHighFraction(int value) {
        return new Sysctls(minFreeKbytes, userMinFreeKbytes, watermarkScaleFactor, lowmemReserveRatio, value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sysctls s && minFreeKbytes == s.minFreeKbytes && userMinFreeKbytes == s.userMinFreeKbytes
                && watermarkScaleFactor == s.watermarkScaleFactor && Arrays.equals(lowmemReserveRatio, s.lowmemReserveRatio)
                && percpuPagelistHighFraction == s.percpuPagelistHighFraction;
    }

    @Override
    public int hashCode() {
        return ((minFreeKbytes * 31 + userMinFreeKbytes) * 31 + watermarkScaleFactor) * 31
                + Arrays.hashCode(lowmemReserveRatio) * 31 + percpuPagelistHighFraction;
    }

    @Override
    public String toString() {
        return "Sysctls[min_free_kbytes=" + minFreeKbytes + ", user_min_free_kbytes=" + userMinFreeKbytes
                + ", watermark_scale_factor=" + watermarkScaleFactor + ", lowmem_reserve_ratio="
                + Arrays.toString(lowmemReserveRatio) + ", percpu_pagelist_high_fraction=" + percpuPagelistHighFraction + "]";
    }
}
