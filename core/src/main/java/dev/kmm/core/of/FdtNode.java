package dev.kmm.core.of;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One node of an immutable device tree: its name with unit address ({@code memory@60000000}), full path,
 * properties in blob order and children in blob order. Equality compares name, properties and children,
 * not the parent or blob offsets.
 */
public final class FdtNode {
    /** {@code OF_ROOT_NODE_ADDR_CELLS_DEFAULT}: #address-cells when no ancestor gives one. */
    public static final int OF_ROOT_NODE_ADDR_CELLS_DEFAULT = 1;
    /** {@code OF_ROOT_NODE_SIZE_CELLS_DEFAULT}: #size-cells when no ancestor gives one. */
    public static final int OF_ROOT_NODE_SIZE_CELLS_DEFAULT = 1;
    /** {@code OF_MAX_ADDR_CELLS} (drivers/of/address.c): the widest address the kernel handles. */
    public static final int OF_MAX_ADDR_CELLS = 4;

    private final String name;
    private final String path;
    private final long offset;
    private final FdtNode parent;
    private final List<FdtProperty> properties;
    private final List<FdtNode> children;

    FdtNode(NodeDraft draft, FdtNode parent) {
        this.name = draft.name;
        this.path = draft.path;
        this.offset = draft.offset;
        this.parent = parent;
        this.properties = List.copyOf(draft.properties);
        List<FdtNode> kids = new ArrayList<>(draft.children.size());
        for (NodeDraft child : draft.children) {
            kids.add(new FdtNode(child, this));
        }
        this.children = List.copyOf(kids);
    }

    /** Name with unit address, e.g. {@code cpu@0}; empty for the root. */
    public String name() {
        return name;
    }

    /** Name without unit address, e.g. {@code cpu} (what {@code of_node_name_eq} compares). */
    public String nodeName() {
        int at = name.indexOf('@');
        return at < 0 ? name : name.substring(0, at);
    }

    /** The unit address after {@code @}, if any. */
    public Optional<String> unitAddress() {
        int at = name.indexOf('@');
        return at < 0 ? Optional.empty() : Optional.of(name.substring(at + 1));
    }

    /** Full path, {@code /} for the root. */
    public String path() {
        return path;
    }

    /** Offset of the node's FDT_BEGIN_NODE token in the blob, or -1 for a tree built in memory. */
    public long offset() {
        return offset;
    }

    public Optional<FdtNode> parent() {
        return Optional.ofNullable(parent);
    }

    public List<FdtNode> children() {
        return children;
    }

    /**
     * The first child matching {@code childName} the way libfdt's {@code fdt_subnode_offset} does: an exact
     * match, or a name given without unit address matching {@code childName@...}.
     */
    public Optional<FdtNode> child(String childName) {
        boolean bare = childName.indexOf('@') < 0;
        for (FdtNode c : children) {
            if (c.name.equals(childName)
                    || bare && c.name.startsWith(childName) && c.name.length() > childName.length()
                    && c.name.charAt(childName.length()) == '@') {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public List<FdtProperty> properties() {
        return properties;
    }

    public Optional<FdtProperty> property(String propertyName) {
        for (FdtProperty p : properties) {
            if (p.name().equals(propertyName)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public boolean hasProperty(String propertyName) {
        return property(propertyName).isPresent();
    }

    /** A string property ({@link FdtProperty#asString()}). */
    public Optional<String> string(String propertyName) {
        return property(propertyName).map(FdtProperty::asString);
    }

    /** A string-list property, empty when absent. */
    public List<String> strings(String propertyName) {
        return property(propertyName).map(FdtProperty::asStringList).orElse(List.of());
    }

    /** A one-cell property ({@link FdtProperty#asU32()}). */
    public OptionalInt u32(String propertyName) {
        Optional<FdtProperty> p = property(propertyName);
        return p.isPresent() ? OptionalInt.of(p.get().asU32()) : OptionalInt.empty();
    }

    /** A two-cell property ({@link FdtProperty#asU64()}). */
    public OptionalLong u64(String propertyName) {
        Optional<FdtProperty> p = property(propertyName);
        return p.isPresent() ? OptionalLong.of(p.get().asU64()) : OptionalLong.empty();
    }

    /** {@code compatible} strings, most specific first. */
    public List<String> compatible() {
        return strings("compatible");
    }

    /**
     * {@code of_fdt_is_compatible}: whether one {@code compatible} string equals {@code compat}, ignoring
     * case as {@code of_compat_cmp} does.
     */
    public boolean isCompatible(String compat) {
        for (String c : isCompatibleListWellFormed() ? compatible() : List.<String>of()) {
            if (c.equalsIgnoreCase(compat)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code compatible} is absent, empty or ends in NUL, so it splits into strings. */
    boolean isCompatibleListWellFormed() {
        Optional<FdtProperty> p = property("compatible");
        return p.isEmpty() || p.get().isEmpty() || p.get().byteAt(p.get().length() - 1) == 0;
    }

    /** {@code __of_node_is_type}: whether {@code device_type} is {@code type}. */
    public boolean isType(String type) {
        return property("device_type").map(p -> p.cString().equals(type)).orElse(false);
    }

    /**
     * {@code of_fdt_device_is_available}: no {@code status}, or {@code status} is {@code "okay"} or
     * {@code "ok"}.
     */
    public boolean isAvailable() {
        Optional<FdtProperty> status = property("status");
        if (status.isEmpty()) {
            return true;
        }
        String s = status.get().cString();
        return s.equals("okay") || s.equals("ok");
    }

    /**
     * The node's phandle: {@code phandle}, else the legacy {@code linux,phandle} (as libfdt's
     * {@code fdt_get_phandle}).
     */
    public OptionalInt phandle() {
        Optional<FdtProperty> p = property("phandle").or(() -> property("linux,phandle"));
        return p.isPresent() ? OptionalInt.of(p.get().asU32()) : OptionalInt.empty();
    }

    /**
     * {@code of_bus_n_addr_cells}: the {@code #address-cells} this node gives its children, inherited from the
     * nearest ancestor that has one (6.1 still walks up), else {@link #OF_ROOT_NODE_ADDR_CELLS_DEFAULT}.
     */
    public int addressCells() {
        for (FdtNode n = this; n != null; n = n.parent) {
            Optional<FdtProperty> p = n.property("#address-cells");
            if (p.isPresent()) {
                return p.get().asU32();
            }
        }
        return OF_ROOT_NODE_ADDR_CELLS_DEFAULT;
    }

    /** {@code of_bus_n_size_cells}: as {@link #addressCells()} for {@code #size-cells}. */
    public int sizeCells() {
        for (FdtNode n = this; n != null; n = n.parent) {
            Optional<FdtProperty> p = n.property("#size-cells");
            if (p.isPresent()) {
                return p.get().asU32();
            }
        }
        return OF_ROOT_NODE_SIZE_CELLS_DEFAULT;
    }

    /**
     * {@code reg} decoded into {@code (address, size)} pairs with the parent's cells
     * ({@code of_n_addr_cells}/{@code of_n_size_cells}); empty when there is no {@code reg}.
     */
    public List<FdtReg> reg() {
        return decodeReg("reg");
    }

    /** Any property laid out like {@code reg} (e.g. {@code alloc-ranges}), decoded with the parent's cells. */
    public List<FdtReg> decodeReg(String propertyName) {
        Optional<FdtProperty> p = property(propertyName);
        if (p.isEmpty()) {
            return List.of();
        }
        FdtNode bus = parent != null ? parent : this;
        return decodeEntries(p.get(), bus.addressCells(), bus.sizeCells());
    }

    static List<FdtReg> decodeEntries(FdtProperty p, int na, int ns) {
        int entry = (na + ns) * 4;
        if (entry == 0) {
            if (p.isEmpty()) {
                return List.of();
            }
            throw p.invalid("cannot be decoded: #address-cells and #size-cells are both 0");
        }
        if (p.length() % entry != 0) {
            throw p.invalid("has length " + p.length() + ", not a multiple of (#address-cells " + na
                    + " + #size-cells " + ns + ") * 4");
        }
        List<FdtReg> out = new ArrayList<>(p.length() / entry);
        for (int cell = 0; cell < p.length() / 4; cell += na + ns) {
            out.add(new FdtReg(p.readNumber(cell, na), p.readNumber(cell + na, ns)));
        }
        return List.copyOf(out);
    }

    /** Equal when names, properties and children are equal (recursively). */
    @Override
    public boolean equals(Object o) {
        return o instanceof FdtNode n && name.equals(n.name) && properties.equals(n.properties)
                && children.equals(n.children);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, properties, children);
    }

    @Override
    public String toString() {
        return path;
    }
}
