package dev.kmm.core.of;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code /reserved-memory} as drivers/of/fdt.c ({@code fdt_scan_reserved_mem},
 * {@code __reserved_mem_reserve_reg}) and drivers/of/of_reserved_mem.c ({@code fdt_reserved_mem_save_node},
 * the checks of {@code __reserved_mem_alloc_size}, {@code __rmem_check_for_overlap}) read it. Where the kernel
 * logs an error and skips a node, the node is skipped and the message joins the warnings.
 */
final class OfReservedMem {
    /** {@code MAX_RESERVED_REGIONS}. */
    static final int MAX_RESERVED_REGIONS = 64;
    private static final String FDT = "OF: fdt: ";
    private static final String RMEM = "OF: reserved mem: ";

    private final Fdt fdt;
    private final int na;
    private final int ns;
    private final List<String> warnings;
    private final List<ReservedMemRegion> saved = new ArrayList<>();

    private OfReservedMem(Fdt fdt, int na, int ns, List<String> warnings) {
        this.fdt = fdt;
        this.na = na;
        this.ns = ns;
        this.warnings = warnings;
    }

    /** The regions {@code fdt_scan_reserved_mem} saves and {@code fdt_init_reserved_mem} would place. */
    static List<ReservedMemRegion> fdtScanReservedMem(Fdt fdt, int dtRootAddrCells, int dtRootSizeCells,
                                                      List<String> warnings) {
        OfReservedMem r = new OfReservedMem(fdt, dtRootAddrCells, dtRootSizeCells, warnings);
        Optional<FdtNode> node = fdt.node("/reserved-memory");
        if (node.isEmpty()) {
            return List.of();
        }
        if (!r.reservedMemCheckRoot(node.get())) {
            warnings.add(FDT + "Reserved memory: unsupported node format, ignoring");
            return List.of();
        }
        for (FdtNode child : node.get().children()) {
            if (!child.isAvailable()) {
                continue;
            }
            if (child.hasProperty("reg")) {
                r.reservedMemReserveReg(child);
            } else if (child.hasProperty("size")) {
                r.reservedMemAllocSize(child);
            }
        }
        r.rmemCheckForOverlap();
        return List.copyOf(r.saved);
    }

    /** {@code __reserved_mem_check_root}: the root's cells and an (empty) {@code ranges} are required. */
    private boolean reservedMemCheckRoot(FdtNode node) {
        return node.u32("#size-cells").orElse(-1) == ns && node.u32("#address-cells").orElse(-1) == na
                && node.hasProperty("ranges");
    }

    /** {@code __reserved_mem_reserve_reg}: a region placed by {@code reg}, every entry reserved. */
    private void reservedMemReserveReg(FdtNode node) {
        FdtProperty reg = node.property("reg").orElseThrow();
        int tLen = (na + ns) * 4;
        if (reg.length() != 0 && reg.length() % tLen != 0) {
            warnings.add(FDT + "Reserved memory: invalid reg property in '" + node.name() + "', skipping node.");
            return;
        }
        boolean nomap = node.hasProperty("no-map");
        List<FdtReg> entries = new ArrayList<>();
        for (FdtReg e : FdtNode.decodeEntries(reg, na, ns)) {
            if (e.size() == 0) {
                warnings.add(String.format(FDT + "Reserved memory: failed to reserve memory for node '%s': "
                        + "base %#018x, size 0 MiB", node.name(), e.address()));
            } else {
                entries.add(e);
            }
        }
        // A region whose entries are all empty reserves nothing; the kernel keeps a zero-size slot for it.
        if (!entries.isEmpty()) {
            save(node, entries, 0, 0, List.of());
        }
    }

    /**
     * The property checks of {@code __reserved_mem_alloc_size} for a region placed by the allocator; the
     * allocation itself is the memblock side's.
     */
    private void reservedMemAllocSize(FdtNode node) {
        FdtProperty sizeProp = node.property("size").orElseThrow();
        if (sizeProp.length() != ns * 4) {
            warnings.add(RMEM + "invalid size property in '" + node.name() + "' node.");
            return;
        }
        long size = sizeProp.readNumber(0, ns);
        long align = 0;
        Optional<FdtProperty> alignment = node.property("alignment");
        if (alignment.isPresent()) {
            if (alignment.get().length() != na * 4) {
                warnings.add(RMEM + "invalid alignment property in '" + node.name() + "' node.");
                return;
            }
            align = alignment.get().readNumber(0, na);
        }
        List<FdtReg> ranges = List.of();
        Optional<FdtProperty> allocRanges = node.property("alloc-ranges");
        if (allocRanges.isPresent()) {
            int tLen = (na + ns) * 4;
            if (allocRanges.get().length() % tLen != 0) {
                warnings.add(RMEM + "invalid alloc-ranges property in '" + node.name() + "', skipping node.");
                return;
            }
            ranges = FdtNode.decodeEntries(allocRanges.get(), na, ns);
        }
        if (size == 0) {
            warnings.add(RMEM + "failed to allocate memory for node '" + node.name() + "': size 0 MiB");
            return;
        }
        save(node, List.of(), size, align, ranges);
    }

    /** {@code fdt_reserved_mem_save_node}: at most {@link #MAX_RESERVED_REGIONS}. */
    private void save(FdtNode node, List<FdtReg> reg, long size, long align, List<FdtReg> ranges) {
        if (saved.size() == MAX_RESERVED_REGIONS) {
            warnings.add(RMEM + "not enough space for all defined regions.");
            return;
        }
        saved.add(new ReservedMemRegion(node.name(), node.path(), List.copyOf(reg), size, align,
                List.copyOf(ranges), node.hasProperty("no-map"), node.hasProperty("reusable"), node.compatible(),
                node.phandle(), node.hasProperty("linux,cma-default")));
    }

    /** {@code __rmem_check_for_overlap}: statically placed regions (first entries) must not overlap. */
    private void rmemCheckForOverlap() {
        List<ReservedMemRegion> placed = new ArrayList<>();
        for (ReservedMemRegion r : saved) {
            if (!r.isDynamic()) {
                placed.add(r);
            }
        }
        placed.sort(Comparator.comparing((ReservedMemRegion r) -> r.reg().getFirst().address(), Long::compareUnsigned)
                .thenComparing(r -> r.reg().getFirst().size(), Long::compareUnsigned));
        for (int i = 0; i + 1 < placed.size(); i++) {
            FdtReg a = placed.get(i).reg().getFirst();
            FdtReg b = placed.get(i + 1).reg().getFirst();
            if (Long.compareUnsigned(a.address() + a.size(), b.address()) > 0) {
                warnings.add(String.format(RMEM + "OVERLAP DETECTED!\n%s (%#018x--%#018x) overlaps with %s "
                        + "(%#018x--%#018x)", placed.get(i).name(), a.address(), a.address() + a.size(),
                        placed.get(i + 1).name(), b.address(), b.address() + b.size()));
            }
        }
    }
}
