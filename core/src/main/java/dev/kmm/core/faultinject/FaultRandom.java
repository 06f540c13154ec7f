package dev.kmm.core.faultinject;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The random source of fault injection, the kernel's {@code prandom_u32_max(100)}. It is injectable so
 * that a run with the same seed fails the same allocations.
 */
@FunctionalInterface
public interface FaultRandom {
    /** A uniformly distributed value in {@code [0, bound)}; {@code bound} is positive. */
    int below(int bound);

    /**
     * A deterministic source: SplitMix64 over a seed, safe to share between threads (one atomic add per
     * draw). With one thread driving all CPUs the sequence of draws is a function of the seed alone.
     */
    static FaultRandom seeded(long seed) {
        AtomicLong state = new AtomicLong(seed);
        return bound -> {
            long z = state.addAndGet(0x9e3779b97f4a7c15L);
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            z ^= z >>> 31;
            // Multiply-shift of the high 32 bits, as the kernel's prandom_u32_max() reduces a u32.
            return (int) (((z >>> 32) * bound) >>> 32);
        };
    }
}
