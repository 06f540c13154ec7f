package dev.kmm.core.of;

/**
 * One entry of the memory reservation block ({@code struct fdt_reserve_entry}, written by dtc from
 * {@code /memreserve/}): physical memory the kernel must never touch.
 *
 * @param address physical start address
 * @param size    length in bytes (never 0: a zero size ends the block)
 */
public record FdtReserveEntry(long address, long size) {
}
