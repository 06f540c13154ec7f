package dev.kmm.core.of;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The architecture a CPU {@code compatible} string implies, for choosing which kernel port to simulate. */
public enum CpuArch {
    /** 32-bit ARM (ARMv7-A and older cores), e.g. {@code arm,cortex-a9}. */
    ARM,
    /** 64-bit ARM: ARMv8 and later cores, e.g. {@code arm,cortex-a57} or the generic {@code arm,armv8}. */
    ARM64;

    private static final Set<String> ARM_CORES = Set.of("arm,cortex-a5", "arm,cortex-a7", "arm,cortex-a8",
            "arm,cortex-a9", "arm,cortex-a12", "arm,cortex-a15", "arm,cortex-a17", "arm,arm11mpcore",
            "arm,arm1176jzf-s", "arm,arm926ej-s");
    private static final Set<String> ARM64_CORES = Set.of("arm,armv8", "arm,cortex-a34", "arm,cortex-a35",
            "arm,cortex-a53", "arm,cortex-a55", "arm,cortex-a57", "arm,cortex-a65", "arm,cortex-a72",
            "arm,cortex-a73", "arm,cortex-a75", "arm,cortex-a76", "arm,cortex-a77", "arm,cortex-a78",
            "arm,cortex-a510", "arm,cortex-a710", "arm,cortex-x1", "arm,cortex-x2", "arm,neoverse-n1",
            "arm,neoverse-n2", "arm,neoverse-v1", "arm,neoverse-e1");

    /**
     * The architecture of one CPU {@code compatible} string, if it names a known core. ARMv8 cores that can
     * also run 32-bit kernels map to {@link #ARM64}, the kernel kmm simulates for them.
     */
    public static Optional<CpuArch> ofCompatible(String compatible) {
        String c = compatible.toLowerCase(Locale.ROOT);
        if (ARM_CORES.contains(c)) {
            return Optional.of(ARM);
        }
        if (ARM64_CORES.contains(c)) {
            return Optional.of(ARM64);
        }
        return Optional.empty();
    }
}
