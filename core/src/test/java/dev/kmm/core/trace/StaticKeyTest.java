package dev.kmm.core.trace;

import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaticKeyTest {
    private static final StaticKey KEY = new StaticKey();
    private static final MethodHandle ON = KEY.invoker();

    /** Compiled often enough to be JIT-compiled with the key folded, so a flip must deoptimize it. */
    private static int hot() {
        return StaticKey.isOn(ON) ? 1 : 0;
    }

    @Test
    void onWhileAnyUserHoldsIt() {
        long sum = 0;
        for (int i = 0; i < 200_000; i++) {
            sum += hot();
        }
        assertTrue(sum == 0);
        KEY.inc();
        assertTrue(StaticKey.isOn(ON));
        assertTrue(hot() == 1, "compiled code sees the flip");
        KEY.inc();
        KEY.dec();
        assertTrue(StaticKey.isOn(ON), "one user left");
        KEY.dec();
        assertFalse(StaticKey.isOn(ON));
        assertTrue(hot() == 0);
    }
}
