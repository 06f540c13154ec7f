package dev.kmm.core.of;

/**
 * One decoded {@code (address, size)} entry of a {@code reg}-like property, in the parent bus's address space
 * (no {@code ranges} translation). Wider values keep their low 64 bits, as {@code of_read_number} does.
 *
 * @param address start address
 * @param size    length in bytes (0 when the parent has {@code #size-cells = <0>})
 */
public record FdtReg(long address, long size) {
}
