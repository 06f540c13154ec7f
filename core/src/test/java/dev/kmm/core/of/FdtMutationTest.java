package dev.kmm.core.of;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutations of valid blobs (byte flips, truncations, header field overwrites, token splices, inserted
 * and deleted bytes): every mutant must parse and scan or fail with {@link InvalidDeviceTreeException}, each
 * within a time bound.
 */
class FdtMutationTest {
    private static final int MUTANTS = 12_000;
    private static final long PER_INPUT_NANOS = Duration.ofMillis(500).toNanos();
    private static final int[] INTERESTING = {0, 1, 3, 4, 8, 16, 0x28, 0x38, 0x7fffffff, 0x80000000, 0xffffffff,
            0xfffffff0, 0xd00dfeed, 17, 16, 2, 9};

    @Test
    void mutantsParseOrFailCleanly() {
        List<byte[]> seeds = List.of(Machines.vexpressA9().toBlob(), Machines.virtArm64().toBlob(),
                Machines.numaArm64().toBlob(), RawFdt.minimal().blob());
        SplittableRandom rnd = new SplittableRandom(0x6b6d6dL);
        int[] parsed = new int[1];
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            for (int i = 0; i < MUTANTS; i++) {
                byte[] mutant = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
                long start = System.nanoTime();
                if (FdtExercise.exercise(mutant)) {
                    parsed[0]++;
                }
                long took = System.nanoTime() - start;
                int n = i;
                assertTrue(took < PER_INPUT_NANOS || n < 50, () -> "mutant " + n + " took " + took / 1_000_000
                        + " ms: " + Arrays.toString(mutant));
            }
        });
        // Mutations that hit padding or values keep the blob valid: both outcomes must be exercised.
        assertTrue(parsed[0] > MUTANTS / 50 && parsed[0] < MUTANTS - MUTANTS / 50, "parsed " + parsed[0]);
    }

    private static byte[] mutate(byte[] seed, SplittableRandom rnd) {
        byte[] b = seed.clone();
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    int flips = 1 + rnd.nextInt(8);
                    for (int i = 0; i < flips && b.length > 0; i++) {
                        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                case 2 -> {
                    if (b.length >= 40) {
                        int field = 4 * rnd.nextInt(10);
                        int value = rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)]
                                : ByteBuffer.wrap(b).getInt(field) + rnd.nextInt(-64, 65);
                        ByteBuffer.wrap(b).putInt(field, value);
                    }
                }
                case 3 -> {
                    if (b.length >= 8) {
                        int at = rnd.nextInt(b.length / 4) * 4;
                        int value = rnd.nextBoolean() ? 1 + rnd.nextInt(9) : INTERESTING[rnd.nextInt(INTERESTING.length)];
                        if (at + 4 <= b.length) {
                            ByteBuffer.wrap(b).putInt(at, value);
                        }
                    }
                }
                case 4 -> {
                    int at = rnd.nextInt(b.length + 1);
                    int len = 1 + rnd.nextInt(8);
                    byte[] grown = new byte[b.length + len];
                    System.arraycopy(b, 0, grown, 0, at);
                    for (int i = 0; i < len; i++) {
                        grown[at + i] = (byte) rnd.nextInt(256);
                    }
                    System.arraycopy(b, at, grown, at + len, b.length - at);
                    b = grown;
                }
                default -> {
                    if (b.length > 0) {
                        int at = rnd.nextInt(b.length);
                        int len = Math.min(b.length - at, 1 + rnd.nextInt(8));
                        byte[] shrunk = new byte[b.length - len];
                        System.arraycopy(b, 0, shrunk, 0, at);
                        System.arraycopy(b, at + len, shrunk, at, b.length - at - len);
                        b = shrunk;
                    }
                }
            }
        }
        return b;
    }
}
