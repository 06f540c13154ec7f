package dev.kmm.core.memblock;

/** An action on the physical range {@code [base, base + size)}. */
@FunctionalInterface
public interface PhysRangeOp {
    void apply(long base, long size);
}
