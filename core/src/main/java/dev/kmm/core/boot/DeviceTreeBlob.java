package dev.kmm.core.boot;

import java.util.List;
import java.util.Objects;

/**
 * The flattened device tree the boot loader hands over, as far as memory sees it: where the blob lies
 * ({@code memblock_reserve(__pa(blob), fdt_totalsize(blob))}) and what unflattening it allocates from
 * memblock: {@code unflatten_device_tree()} takes one block for every node and property
 * ({@code __unflatten_device_tree}, aligned to {@code __alignof__(struct device_node)}) and
 * {@code of_alias_scan()} one {@code struct alias_prop} per {@code /aliases} entry.
 *
 * @param blob           the blob's physical range, sized by {@code fdt_totalsize()}
 * @param unflattenSize  bytes of the unflattened tree
 * @param unflattenAlign {@code __alignof__(struct device_node)}: 4 on 32-bit, 8 on 64-bit
 * @param aliasSizes     the size of each alias allocation, in {@code /aliases} order
 */
public record DeviceTreeBlob(PhysRange blob, long unflattenSize, long unflattenAlign, List<Long> aliasSizes) {
    public DeviceTreeBlob {
        Objects.requireNonNull(blob, "blob");
        aliasSizes = List.copyOf(aliasSizes);
        if (unflattenSize <= 0 || Long.bitCount(unflattenAlign) != 1) {
            throw new IllegalArgumentException("an unflattened device tree needs a size and a power-of-two alignment");
        }
        for (long a : aliasSizes) {
            if (a <= 0) {
                throw new IllegalArgumentException("alias allocations must have a size: " + aliasSizes);
            }
        }
    }
}
