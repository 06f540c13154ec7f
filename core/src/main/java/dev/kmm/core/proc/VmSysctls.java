package dev.kmm.core.proc;

/**
 * The {@code vm.*} tunables the views compute with: the overcommit limit of {@code CommitLimit} (mm/util.c)
 * and the dirty limits of {@code nr_dirty_threshold} and {@code nr_dirty_background_threshold}
 * (mm/page-writeback.c).
 *
 * @param overcommitRatio       {@code sysctl_overcommit_ratio} (percent of RAM)
 * @param overcommitKbytes      {@code sysctl_overcommit_kbytes}; when non-zero it replaces the ratio
 * @param dirtyBackgroundRatio  {@code dirty_background_ratio} (percent of dirtyable memory)
 * @param dirtyBackgroundBytes  {@code dirty_background_bytes}; when non-zero it replaces the ratio
 * @param dirtyRatio            {@code vm_dirty_ratio}
 * @param dirtyBytes            {@code vm_dirty_bytes}; when non-zero it replaces the ratio
 * @param highmemIsDirtyable    {@code vm_highmem_is_dirtyable}
 */
public record VmSysctls(int overcommitRatio, long overcommitKbytes, int dirtyBackgroundRatio, long dirtyBackgroundBytes,
                        int dirtyRatio, long dirtyBytes, boolean highmemIsDirtyable) {
    /** The boot values: overcommit ratio 50, dirty ratios 20 and 10, no byte limits. */
    public static final VmSysctls DEFAULTS = new VmSysctls(50, 0, 10, 0, 20, 0, false);

    /** The ranges of the 6.1 sysctl table (kernel/sysctl.c, mm/page-writeback.c). */
    public VmSysctls {
        if (overcommitRatio < 0 || overcommitKbytes < 0) {
            throw new IllegalArgumentException("vm.overcommit_ratio and vm.overcommit_kbytes must be >= 0");
        }
        if (dirtyBackgroundRatio < 0 || dirtyBackgroundRatio > 100 || dirtyRatio < 0 || dirtyRatio > 100) {
            throw new IllegalArgumentException("vm.dirty_ratio and vm.dirty_background_ratio must be 0..100");
        }
        if (dirtyBackgroundBytes < 0 || (dirtyBytes != 0 && dirtyBytes < 2 * 4096)) {
            throw new IllegalArgumentException("vm.dirty_background_bytes must be >= 0 and vm.dirty_bytes 0 or >= 2 pages");
        }
    }
}
