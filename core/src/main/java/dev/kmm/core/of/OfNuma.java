package dev.kmm.core.of;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * NUMA from a device tree: drivers/of/of_numa.c ({@code of_numa_init}) run under drivers/base/arch_numa.c's
 * {@code numa_init}, which falls back to {@code dummy_numa_init} when the tree gives no usable layout.
 */
final class OfNuma {
    private static final String OF = "OF: NUMA: ";
    private static final String ARCH = "NUMA: ";
    private static final long ABSENT = -1;
    private static final long OVERFLOW = -2;

    private final Fdt fdt;
    private final int maxNumNodes;
    private final List<String> warnings;
    private final Set<String> warnedOnce = new HashSet<>();
    private final TreeSet<Integer> numaNodesParsed = new TreeSet<>();
    private final List<NumaMemblk> memblks = new ArrayList<>();
    private final byte[] numaDistance;
    private String registerFailure;

    /** The layout and the memory banks with their node ids filled in. */
    record Result(NumaConfig config, List<MemoryBank> banks) {
    }

    private OfNuma(Fdt fdt, int maxNumNodes, List<String> warnings) {
        this.fdt = fdt;
        this.maxNumNodes = maxNumNodes;
        this.warnings = warnings;
        this.numaDistance = new byte[maxNumNodes * maxNumNodes];
    }

    /** {@code arch_numa_init} with ACPI disabled: {@code numa_init(of_numa_init)}, else the dummy node. */
    static Result archNumaInit(Fdt fdt, List<MemoryBank> banks, int maxNumNodes, List<String> warnings) {
        OfNuma numa = new OfNuma(fdt, maxNumNodes, warnings);
        numa.numaAllocDistance();
        Optional<String> failure = numa.ofNumaInit();
        if (failure.isEmpty() && numa.numaNodesParsed.isEmpty()) {
            failure = Optional.of(ARCH + "No NUMA configuration found");
        }
        List<MemoryBank> placed = null;
        if (failure.isEmpty()) {
            placed = numa.assignNodes(banks);
            if (placed == null) {
                failure = Optional.of(numa.registerFailure);
            }
        }
        if (failure.isPresent()) {
            warnings.add(failure.get());
            return dummyNumaInit(banks, failure.get());
        }
        return new Result(new NumaConfig(List.copyOf(numa.numaNodesParsed), numa.memblks, numa.numaDistance,
                maxNumNodes, null), placed);
    }

    /** {@code dummy_numa_init}: node 0 spans {@code [memblock_start_of_DRAM, memblock_end_of_DRAM)}. */
    private static Result dummyNumaInit(List<MemoryBank> banks, String reason) {
        List<NumaMemblk> one = new ArrayList<>();
        List<MemoryBank> placed = new ArrayList<>();
        if (!banks.isEmpty()) {
            long start = -1L;
            long end = 0;
            for (MemoryBank b : banks) {
                start = Long.compareUnsigned(b.base(), start) < 0 ? b.base() : start;
                end = Long.compareUnsigned(b.end(), end) > 0 ? b.end() : end;
                placed.add(new MemoryBank(b.base(), b.size(), 0, b.hotpluggable(), b.node()));
            }
            one.add(new NumaMemblk(0, start, end));
        }
        return new Result(new NumaConfig(List.of(0), one, new byte[0], 0, reason), placed);
    }

    /** {@code numa_alloc_distance}: LOCAL on the diagonal, REMOTE elsewhere. */
    private void numaAllocDistance() {
        Arrays.fill(numaDistance, (byte) NumaConfig.REMOTE_DISTANCE);
        for (int i = 0; i < maxNumNodes; i++) {
            numaDistance[i * maxNumNodes + i] = (byte) NumaConfig.LOCAL_DISTANCE;
        }
    }

    /** {@code of_numa_init}: empty on success, else the message of the step that failed. */
    private Optional<String> ofNumaInit() {
        ofNumaParseCpuNodes();
        Optional<String> r = ofNumaParseMemoryNodes();
        return r.isPresent() ? r : ofNumaParseDistanceMap();
    }

    private void ofNumaParseCpuNodes() {
        Optional<FdtNode> cpus = fdt.node("/cpus");
        if (cpus.isEmpty()) {
            return;
        }
        for (FdtNode np : cpus.get().children()) {
            if (!np.isType("cpu")) {
                continue;
            }
            long nid = ofPropertyReadU32(np, "numa-node-id");
            if (nid < 0) {
                continue;
            }
            if (nid >= maxNumNodes) {
                warnings.add(OF + "Node id " + nid + " exceeds maximum value");
            } else {
                numaNodesParsed.add((int) nid);
            }
        }
    }

    private Optional<String> ofNumaParseMemoryNodes() {
        for (FdtNode np : fdt.allNodes()) {
            if (!np.isType("memory")) {
                continue;
            }
            long nid = ofPropertyReadU32(np, "numa-node-id");
            if (nid == ABSENT) {
                continue;
            }
            boolean bad = nid == OVERFLOW;
            if (!bad && nid >= maxNumNodes) {
                warnings.add(OF + "Node id " + nid + " exceeds maximum value");
                bad = true;
            }
            List<FdtReg> regs = bad ? List.of() : ofAddressToResources(np);
            if (regs.isEmpty()) {
                return Optional.of(OF + "bad property in memory node");
            }
            for (FdtReg r : regs) {
                numaAddMemblk((int) nid, r.address(), r.address() + r.size());
            }
        }
        return Optional.empty();
    }

    /**
     * The entries {@code of_address_to_resource(np, i)} yields for i = 0, 1, ... (without {@code ranges}
     * translation): none when the parent's cells are outside what {@code OF_CHECK_COUNTS} accepts or the
     * {@code reg} is missing.
     */
    private static List<FdtReg> ofAddressToResources(FdtNode np) {
        Optional<FdtProperty> reg = np.property("reg");
        FdtNode bus = np.parent().orElse(np);
        int na = bus.addressCells();
        int ns = bus.sizeCells();
        if (reg.isEmpty() || na < 1 || ns < 1) {
            return List.of();
        }
        List<FdtReg> out = new ArrayList<>();
        int cells = reg.get().length() / 4;
        for (int i = 0; i + na + ns <= cells; i += na + ns) {
            out.add(new FdtReg(reg.get().readNumber(i, na), reg.get().readNumber(i + na, ns)));
        }
        return out;
    }

    private void numaAddMemblk(int nid, long start, long end) {
        memblks.add(new NumaMemblk(nid, start, end));
        numaNodesParsed.add(nid);
    }

    private Optional<String> ofNumaParseDistanceMap() {
        for (FdtNode np : fdt.allNodes()) {
            if (np.isCompatible("numa-distance-map-v1")) {
                return ofNumaParseDistanceMapV1(np);
            }
        }
        return Optional.empty();
    }

    private Optional<String> ofNumaParseDistanceMapV1(FdtNode map) {
        Optional<FdtProperty> matrix = map.property("distance-matrix");
        if (matrix.isEmpty()) {
            return Optional.of(OF + "No distance-matrix property in distance-map");
        }
        FdtProperty m = matrix.get();
        if (m.length() % 4 != 0 || m.length() == 0) {
            return Optional.of(OF + "Invalid distance-matrix");
        }
        int entryCount = m.length() / 4;
        for (int i = 0; i + 2 < entryCount; i += 3) {
            long nodea = Integer.toUnsignedLong(m.cellAt(i));
            long nodeb = Integer.toUnsignedLong(m.cellAt(i + 1));
            long distance = Integer.toUnsignedLong(m.cellAt(i + 2));
            if (nodea == nodeb && distance != NumaConfig.LOCAL_DISTANCE
                    || nodea != nodeb && distance <= NumaConfig.LOCAL_DISTANCE) {
                return Optional.of(OF + "Invalid distance[node" + (int) nodea + " -> node" + (int) nodeb + "] = "
                        + (int) distance);
            }
            // The kernel sets the bit unchecked; a node id past MAX_NUMNODES would write past the nodemask.
            if (nodea < maxNumNodes) {
                numaNodesParsed.add((int) nodea);
            } else {
                warnings.add(OF + "Node id " + nodea + " exceeds maximum value");
            }
            numaSetDistance((int) nodea, (int) nodeb, (int) distance);
            if (nodeb > nodea) {
                numaSetDistance((int) nodeb, (int) nodea, (int) distance);
            }
        }
        return Optional.empty();
    }

    /** {@code numa_set_distance}: out-of-range nodes and distances that are no u8 are ignored, warned once. */
    private void numaSetDistance(int from, int to, int distance) {
        if (from >= maxNumNodes || to >= maxNumNodes || from < 0 || to < 0) {
            warnOnce("bound", ARCH + "Warning: node ids are out of bound, from=" + from + " to=" + to
                    + " distance=" + distance);
            return;
        }
        if ((distance & 0xff) != distance || from == to && distance != NumaConfig.LOCAL_DISTANCE) {
            warnOnce("param", ARCH + "Warning: invalid distance parameter, from=" + from + " to=" + to
                    + " distance=" + distance);
            return;
        }
        numaDistance[from * maxNumNodes + to] = (byte) distance;
    }

    private void warnOnce(String key, String message) {
        if (warnedOnce.add(key)) {
            warnings.add(message);
        }
    }

    /**
     * {@code memblock_set_node} for every memblk in call order (a later call wins where ranges overlap), then
     * {@code numa_register_nodes}' check that every memory range got a node. Returns the banks split at node
     * boundaries, or null (with the kernel's warning in {@link #registerFailure}) when some memory has no node.
     */
    private List<MemoryBank> assignNodes(List<MemoryBank> banks) {
        // Sweep the memblk edges: between consecutive edges the node is that of the latest covering memblk.
        TreeMap<Long, List<int[]>> edges = new TreeMap<>(Long::compareUnsigned);
        for (int i = 0; i < memblks.size(); i++) {
            NumaMemblk m = memblks.get(i);
            if (Long.compareUnsigned(m.start(), m.end()) >= 0) {
                continue;
            }
            edges.computeIfAbsent(m.start(), k -> new ArrayList<>()).add(new int[] {i, 1});
            edges.computeIfAbsent(m.end(), k -> new ArrayList<>()).add(new int[] {i, 0});
        }
        TreeMap<Long, Integer> nidFrom = new TreeMap<>(Long::compareUnsigned);
        TreeSet<Integer> active = new TreeSet<>();
        nidFrom.put(0L, EarlyScan.NUMA_NO_NODE);
        for (var e : edges.entrySet()) {
            for (int[] change : e.getValue()) {
                if (change[1] == 1) {
                    active.add(change[0]);
                } else {
                    active.remove(change[0]);
                }
            }
            nidFrom.put(e.getKey(), active.isEmpty() ? EarlyScan.NUMA_NO_NODE : memblks.get(active.last()).nid());
        }
        List<MemoryBank> out = new ArrayList<>();
        for (MemoryBank b : banks) {
            long s = b.base();
            long end = b.end();
            while (Long.compareUnsigned(s, end) < 0) {
                int nid = nidFrom.floorEntry(s).getValue();
                Long nextEdge = nidFrom.higherKey(s);
                long next = nextEdge == null || Long.compareUnsigned(nextEdge, end) > 0 ? end : nextEdge;
                if (nid == EarlyScan.NUMA_NO_NODE) {
                    registerFailure = String.format(ARCH + "Warning: invalid memblk node %d [mem %#018x-%#018x]",
                            nid, s, next - 1);
                    return null;
                }
                MemoryBank last = out.isEmpty() ? null : out.getLast();
                if (last != null && last.nid() == nid && last.end() == s && last.node().equals(b.node())) {
                    out.set(out.size() - 1, new MemoryBank(last.base(), last.size() + (next - s), nid,
                            b.hotpluggable(), b.node()));
                } else {
                    out.add(new MemoryBank(s, next - s, nid, b.hotpluggable(), b.node()));
                }
                s = next;
            }
        }
        return out;
    }

    /**
     * {@code of_property_read_u32}: the first cell, {@link #ABSENT} (-EINVAL) without the property, or
     * {@link #OVERFLOW} (-EOVERFLOW) when it is shorter than a cell.
     */
    static long ofPropertyReadU32(FdtNode np, String name) {
        Optional<FdtProperty> p = np.property(name);
        if (p.isEmpty()) {
            return ABSENT;
        }
        return p.get().length() < 4 ? OVERFLOW : Integer.toUnsignedLong(p.get().cellAt(0));
    }
}
