package dev.kmm.core.of;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

/**
 * Drives a blob through everything a caller can do with it and holds the robustness contract: each step
 * either succeeds or throws {@link InvalidDeviceTreeException} with a well-formed message; any other
 * throwable escapes and fails the caller. A parsed tree must also survive a write and re-parse unchanged.
 */
final class FdtExercise {
    private FdtExercise() {
    }

    /** Returns true when the blob parsed. */
    static boolean exercise(byte[] blob) {
        Fdt fdt = attempt(() -> Fdt.parse(blob));
        if (fdt == null) {
            return false;
        }
        for (FdtNode n : fdt.allNodes()) {
            attempt(n::reg);
            attempt(n::compatible);
            attempt(n::addressCells);
            attempt(n::sizeCells);
            attempt(n::isAvailable);
            attempt(n::phandle);
            attempt(() -> n.string("model"));
            attempt(() -> fdt.phandles(n, "memory-region"));
            for (FdtProperty p : n.properties()) {
                attempt(p::asStringList);
                attempt(p::asCells);
            }
        }
        attempt(() -> EarlyScan.scan(fdt));
        attempt(() -> EarlyScan.scan(fdt, 1));
        Fdt again = Fdt.parse(FdtWriter.of(fdt).toBlob());
        assertEquals(fdt.root(), again.root());
        assertEquals(fdt.memReserve(), again.memReserve());
        assertEquals(fdt.bootCpuidPhys(), again.bootCpuidPhys());
        return true;
    }

    private static <T> T attempt(Supplier<T> step) {
        try {
            return step.get();
        } catch (InvalidDeviceTreeException e) {
            assertTrue(e.getMessage().startsWith("invalid device tree"), e.getMessage());
            assertTrue(!e.reason().isEmpty() && e.offset() >= -1, e.getMessage());
            return null;
        }
    }
}
