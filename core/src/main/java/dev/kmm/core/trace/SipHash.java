package dev.kmm.core.trace;

/**
 * {@code siphash_1u64()} and {@code siphash_1u32()} of {@code lib/siphash.c} (SipHash-2-4 of one 8- or
 * 4-byte word), which {@code %p} uses to hash pointers with a per-boot key.
 */
final class SipHash {
    private SipHash() {
    }

    static long siphash1u64(long first, long k0, long k1) {
        long[] v = init(k0, k1);
        long b = 8L << 56;
        v[3] ^= first;
        sipround(v);
        sipround(v);
        v[0] ^= first;
        return finish(v, b);
    }

    static long siphash1u32(int first, long k0, long k1) {
        long[] v = init(k0, k1);
        long b = (4L << 56) | Integer.toUnsignedLong(first);
        return finish(v, b);
    }

    private static long[] init(long k0, long k1) {
        return new long[] {
            0x736f6d6570736575L ^ k0, 0x646f72616e646f6dL ^ k1, 0x6c7967656e657261L ^ k0, 0x7465646279746573L ^ k1,
        };
    }

    private static long finish(long[] v, long b) {
        v[3] ^= b;
        sipround(v);
        sipround(v);
        v[0] ^= b;
        v[2] ^= 0xff;
        sipround(v);
        sipround(v);
        sipround(v);
        sipround(v);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void sipround(long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13);
        v[1] ^= v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17);
        v[1] ^= v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }
}
