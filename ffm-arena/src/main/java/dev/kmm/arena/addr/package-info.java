/**
 * Kernel virtual address spaces of the simulated architectures (x86_64, arm64, 32-bit arm) with Linux 6.1's
 * constants, the kernel's address conversions ({@code __pa}, {@code __va}, {@code pfn_to_page},
 * {@code page_to_pfn}, {@code virt_to_page}, {@code page_address}) and the bridge from those addresses to
 * the host segments of {@link dev.kmm.arena.KernelMemory}.
 *
 * <p>Every profile keeps the LP64 structure layouts ({@code sizeof(struct page) == 64}); the 32-bit arm
 * profile simulates arm's split, highmem and addresses, not its 32-bit structure sizes.
 */
package dev.kmm.arena.addr;
