package dev.kmm.core.trace;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;

/**
 * The JVM's counterpart of the kernel's static keys ({@code DEFINE_STATIC_KEY_FALSE},
 * {@code static_branch_unlikely()}): a boolean that compiled code reads as a constant. The key's
 * {@link #invoker()} must be kept in a {@code static final} field and tested with {@link #isOn}; the JIT
 * then folds the test to a constant, so a guarded branch disappears, and flipping the key deoptimizes
 * the code that folded it, as the kernel patches its jump labels.
 *
 * <p>Flips are counted like {@code static_key_slow_inc()}/{@code _dec()}: on while any user holds it.
 */
final class StaticKey {
    private static final MethodHandle FALSE = MethodHandles.constant(boolean.class, false);
    private static final MethodHandle TRUE = MethodHandles.constant(boolean.class, true);

    private final MutableCallSite site = new MutableCallSite(FALSE);
    private int users;

    /** The {@code ()boolean} handle to store in a {@code static final} field and pass to {@link #isOn}. */
    MethodHandle invoker() {
        return site.dynamicInvoker();
    }

    /** {@code static_branch_unlikely()}: whether any user holds the key behind {@code invoker}. */
    static boolean isOn(MethodHandle invoker) {
        try {
            return (boolean) invoker.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t); // a constant method handle does not throw
        }
    }

    /** {@code static_key_slow_inc()}. */
    synchronized void inc() {
        if (users++ == 0) {
            flip(TRUE);
        }
    }

    /** {@code static_key_slow_dec()}. */
    synchronized void dec() {
        if (--users == 0) {
            flip(FALSE);
        }
    }

    private void flip(MethodHandle target) {
        site.setTarget(target);
        MutableCallSite.syncAll(new MutableCallSite[] {site});
    }
}
