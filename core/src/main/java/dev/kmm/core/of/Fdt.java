package dev.kmm.core.of;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable, parsed flattened device tree: header fields, the memory reservation block and the node tree.
 * Build one with {@link #parse(byte[])} from a dtc-written blob, or with {@link FdtWriter#toFdt()}.
 *
 * <p>Beyond the blob format, construction checks what the kernel and dtc rely on: {@code #address-cells} and
 * {@code #size-cells} are single cells no larger than {@link FdtNode#OF_MAX_ADDR_CELLS}; phandles are single
 * cells other than 0 and 0xffffffff, {@code phandle} and {@code linux,phandle} agree, and no two nodes share
 * one. A violation raises {@link InvalidDeviceTreeException}.
 */
public final class Fdt {
    /** {@code FDT_MAGIC}, big-endian at offset 0. */
    public static final int FDT_MAGIC = 0xd00dfeed;
    /** Largest blob accepted, checked before anything is allocated. */
    public static final int MAX_BLOB_SIZE = 64 << 20;
    /** libfdt's and the kernel's {@code FDT_MAX_DEPTH}: deepest node nesting accepted (root at depth 0). */
    public static final int FDT_MAX_DEPTH = 64;

    private final int version;
    private final int lastCompVersion;
    private final int bootCpuidPhys;
    private final List<FdtReserveEntry> memReserve;
    private final FdtNode root;
    private final List<FdtNode> allNodes;
    private final Map<Integer, FdtNode> byPhandle;

    Fdt(int version, int lastCompVersion, int bootCpuidPhys, List<FdtReserveEntry> memReserve, NodeDraft root) {
        this.version = version;
        this.lastCompVersion = lastCompVersion;
        this.bootCpuidPhys = bootCpuidPhys;
        this.memReserve = List.copyOf(memReserve);
        this.root = new FdtNode(root, null);
        List<FdtNode> nodes = new ArrayList<>();
        Map<Integer, FdtNode> phandles = new HashMap<>();
        Deque<FdtNode> todo = new ArrayDeque<>();
        todo.push(this.root);
        while (!todo.isEmpty()) {
            FdtNode n = todo.pop();
            nodes.add(n);
            checkNode(n, phandles);
            for (int i = n.children().size() - 1; i >= 0; i--) {
                todo.push(n.children().get(i));
            }
        }
        this.allNodes = List.copyOf(nodes);
        this.byPhandle = Map.copyOf(phandles);
    }

    private static void checkNode(FdtNode n, Map<Integer, FdtNode> phandles) {
        for (String cells : new String[] {"#address-cells", "#size-cells"}) {
            Optional<FdtProperty> p = n.property(cells);
            if (p.isPresent()) {
                int v = p.get().asU32();
                if (Integer.compareUnsigned(v, FdtNode.OF_MAX_ADDR_CELLS) > 0) {
                    throw p.get().invalid("is " + Integer.toUnsignedString(v) + ", above OF_MAX_ADDR_CELLS "
                            + FdtNode.OF_MAX_ADDR_CELLS);
                }
            }
        }
        Optional<FdtProperty> ph = n.property("phandle");
        Optional<FdtProperty> legacy = n.property("linux,phandle");
        for (Optional<FdtProperty> p : List.of(ph, legacy)) {
            if (p.isPresent()) {
                int v = p.get().asU32();
                if (v == 0 || v == -1) {
                    throw p.get().invalid(String.format("has the reserved value 0x%x", v));
                }
            }
        }
        if (ph.isPresent() && legacy.isPresent() && ph.get().asU32() != legacy.get().asU32()) {
            throw legacy.get().invalid(String.format("is 0x%x but phandle is 0x%x", legacy.get().asU32(),
                    ph.get().asU32()));
        }
        Optional<FdtProperty> own = ph.or(() -> legacy);
        if (own.isPresent()) {
            FdtNode previous = phandles.putIfAbsent(own.get().asU32(), n);
            if (previous != null) {
                throw own.get().invalid(String.format("duplicates phandle 0x%x of %s", own.get().asU32(),
                        previous.path()));
            }
        }
    }

    /**
     * Parses a blob as dtc writes it (versions 16 and 17, and later versions whose {@code last_comp_version}
     * is at most 17). Bytes past {@code totalsize} are ignored.
     *
     * @throws InvalidDeviceTreeException when the blob is malformed; no other exception is thrown for any
     *                                    content of {@code blob}
     */
    public static Fdt parse(byte[] blob) {
        return new FdtParser(Objects.requireNonNull(blob, "blob")).parse();
    }

    /** Reads and parses a {@code .dtb} file, refusing files above {@link #MAX_BLOB_SIZE} before reading. */
    public static Fdt read(Path dtb) throws IOException {
        long size = Files.size(dtb);
        if (size > MAX_BLOB_SIZE) {
            throw new InvalidDeviceTreeException(dtb + " is " + size + " bytes, above the "
                    + (MAX_BLOB_SIZE >> 20) + " MiB limit");
        }
        return parse(Files.readAllBytes(dtb));
    }

    /** Header {@code version}. */
    public int version() {
        return version;
    }

    /** Header {@code last_comp_version}. */
    public int lastCompVersion() {
        return lastCompVersion;
    }

    /** Header {@code boot_cpuid_phys}: the physical id of the boot CPU. */
    public int bootCpuidPhys() {
        return bootCpuidPhys;
    }

    /** The memory reservation block, up to its terminating entry. */
    public List<FdtReserveEntry> memReserve() {
        return memReserve;
    }

    public FdtNode root() {
        return root;
    }

    /** Every node, depth first in blob order (the kernel's {@code of_allnodes} order). */
    public List<FdtNode> allNodes() {
        return allNodes;
    }

    /**
     * The node at an absolute {@code path} such as {@code /cpus/cpu@0}, matching each component as
     * {@link FdtNode#child(String)} does (libfdt's {@code fdt_path_offset}).
     */
    public Optional<FdtNode> node(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute device tree path: " + path);
        }
        FdtNode n = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            Optional<FdtNode> c = n.child(part);
            if (c.isEmpty()) {
                return Optional.empty();
            }
            n = c.get();
        }
        return Optional.of(n);
    }

    /** The node whose phandle is {@code phandle}. */
    public Optional<FdtNode> nodeByPhandle(int phandle) {
        return Optional.ofNullable(byPhandle.get(phandle));
    }

    /**
     * Resolves a property made of bare phandles (e.g. {@code memory-region = <&a &b>}).
     *
     * @throws InvalidDeviceTreeException when the length is not whole cells or a phandle points nowhere
     */
    public List<FdtNode> phandles(FdtNode node, String propertyName) {
        Optional<FdtProperty> p = node.property(propertyName);
        if (p.isEmpty()) {
            return List.of();
        }
        List<FdtNode> out = new ArrayList<>();
        int[] cells = p.get().asCells();
        for (int i = 0; i < cells.length; i++) {
            FdtNode target = byPhandle.get(cells[i]);
            if (target == null) {
                throw p.get().invalid(String.format("entry %d is the dangling phandle 0x%x", i, cells[i]));
            }
            out.add(target);
        }
        return Collections.unmodifiableList(out);
    }

    /** Equal when header fields, reservations and trees are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Fdt f && version == f.version && lastCompVersion == f.lastCompVersion
                && bootCpuidPhys == f.bootCpuidPhys && memReserve.equals(f.memReserve) && root.equals(f.root);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, lastCompVersion, bootCpuidPhys, memReserve, root);
    }

    @Override
    public String toString() {
        return "Fdt[version " + version + ", " + allNodes.size() + " nodes, " + memReserve.size() + " memreserve]";
    }
}
