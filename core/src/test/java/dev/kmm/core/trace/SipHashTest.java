package dev.kmm.core.trace;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The SipHash-2-4 reference vectors, as lib/test_siphash.c checks them (key 00..0f, message 00..n-1). */
class SipHashTest {
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    @Test
    void referenceVectors() {
        assertEquals(0x93f5f5799a932462L, SipHash.siphash1u64(0x0706050403020100L, K0, K1), "8 bytes");
        assertEquals(0xcf2794e0277187b7L, SipHash.siphash1u32(0x03020100, K0, K1), "4 bytes");
    }
}
