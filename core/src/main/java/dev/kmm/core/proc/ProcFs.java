package dev.kmm.core.proc;

import dev.kmm.core.memblock.Memblock;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The memory views by their paths, as a reader of a Linux 6.1 system would open them: {@code /proc/zoneinfo},
 * {@code /proc/buddyinfo}, {@code /proc/pagetypeinfo}, {@code /proc/meminfo}, {@code /proc/vmstat},
 * {@code /proc/iomem}, and debugfs {@code /sys/kernel/debug/memblock/memory} and {@code .../reserved} where
 * the kernel keeps memblock.
 */
public final class ProcFs {
    private static final List<String> PROC = List.of("/proc/zoneinfo", "/proc/buddyinfo", "/proc/pagetypeinfo",
            "/proc/meminfo", "/proc/vmstat", "/proc/iomem");
    private static final String MEMBLOCK_MEMORY = "/sys/kernel/debug/memblock/memory";
    private static final String MEMBLOCK_RESERVED = "/sys/kernel/debug/memblock/reserved";

    private ProcFs() {
    }

    /** The paths {@link #read} serves for this kernel: the debugfs files only when it kept memblock. */
    public static List<String> paths(MmState state) {
        return state.memblock().isPresent()
                ? Stream.concat(PROC.stream(), Stream.of(MEMBLOCK_MEMORY, MEMBLOCK_RESERVED)).toList()
                : PROC;
    }

    /**
     * The text of the file at {@code path}.
     *
     * @throws IllegalArgumentException for a path this kernel does not have, naming those it has
     */
    public static String read(MmState state, String path) {
        Function<MmState, String> proc = switch (path) {
            case "/proc/zoneinfo" -> ProcZoneinfo::show;
            case "/proc/buddyinfo" -> ProcBuddyinfo::show;
            case "/proc/pagetypeinfo" -> ProcPagetypeinfo::show;
            case "/proc/meminfo" -> ProcMeminfo::show;
            case "/proc/vmstat" -> ProcVmstat::show;
            case "/proc/iomem" -> ProcIomem::show;
            default -> null;
        };
        if (proc != null) {
            return proc.apply(state);
        }
        BiFunction<Memblock, Integer, String> debugfs = switch (path) {
            case MEMBLOCK_MEMORY -> (m, bits) -> Memblock.debugfsShow(m.memory(), bits);
            case MEMBLOCK_RESERVED -> (m, bits) -> Memblock.debugfsShow(m.reserved(), bits);
            default -> null;
        };
        if (debugfs != null && state.memblock().isPresent()) {
            Memblock m = state.memblock().get();
            return debugfs.apply(m, m.config().physAddrBits());
        }
        throw new IllegalArgumentException("no such file: " + path + " (this kernel has " + paths(state) + ")");
    }
}
