package dev.kmm.core.proc;

import dev.kmm.core.memblock.Memblock;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The memory views by their paths, as a reader of a Linux 6.1 system would open them: {@code /proc/zoneinfo},
 * {@code /proc/buddyinfo}, {@code /proc/pagetypeinfo}, {@code /proc/meminfo}, {@code /proc/vmstat},
 * {@code /proc/iomem}, debugfs {@code /sys/kernel/debug/memblock/memory} and {@code .../reserved} where
 * the kernel keeps memblock, debugfs {@code /sys/kernel/debug/extfrag/unusable_index} and
 * {@code .../extfrag_index} where it has CONFIG_COMPACTION, and {@code /sys/kernel/debug/page_owner} when
 * page_owner is on.
 */
public final class ProcFs {
    private static final List<String> PROC = List.of("/proc/zoneinfo", "/proc/buddyinfo", "/proc/pagetypeinfo",
            "/proc/meminfo", "/proc/vmstat", "/proc/iomem");
    private static final String MEMBLOCK_MEMORY = "/sys/kernel/debug/memblock/memory";
    private static final String MEMBLOCK_RESERVED = "/sys/kernel/debug/memblock/reserved";
    private static final String PAGE_OWNER = "/sys/kernel/debug/page_owner";
    private static final String EXTFRAG_UNUSABLE = "/sys/kernel/debug/extfrag/unusable_index";
    private static final String EXTFRAG_INDEX = "/sys/kernel/debug/extfrag/extfrag_index";

    private ProcFs() {
    }

    /**
     * The paths {@link #read} serves for this kernel: the memblock files only when it kept memblock, the extfrag
     * files only with CONFIG_COMPACTION, page_owner's only when it is on ({@code pageowner_init} creates the file
     * then).
     */
    public static List<String> paths(MmState state) {
        Stream<String> memblock = state.memblock().isPresent() ? Stream.of(MEMBLOCK_MEMORY, MEMBLOCK_RESERVED)
                : Stream.empty();
        Stream<String> extfrag = state.config().has(Kconfig.COMPACTION) ? Stream.of(EXTFRAG_UNUSABLE, EXTFRAG_INDEX)
                : Stream.empty();
        Stream<String> pageOwner = state.pageOwner().isPresent() ? Stream.of(PAGE_OWNER) : Stream.empty();
        return Stream.of(PROC.stream(), memblock, extfrag, pageOwner).flatMap(s -> s).toList();
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
            case EXTFRAG_UNUSABLE -> state.config().has(Kconfig.COMPACTION) ? ProcExtfrag::showUnusable : null;
            case EXTFRAG_INDEX -> state.config().has(Kconfig.COMPACTION) ? ProcExtfrag::showExtfrag : null;
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
        if (path.equals(PAGE_OWNER) && state.pageOwner().isPresent()) {
            return state.pageOwner().get().read();
        }
        throw new IllegalArgumentException("no such file: " + path + " (this kernel has " + paths(state) + ")");
    }
}
