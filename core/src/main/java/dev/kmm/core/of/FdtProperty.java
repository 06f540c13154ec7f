package dev.kmm.core.of;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One property of a device tree node: a name and an uninterpreted big-endian byte value. The typed readers
 * check the length the type needs and throw {@link InvalidDeviceTreeException} naming the property's offset
 * in the blob when it does not fit. Immutable: {@link #value()} returns a copy.
 */
public final class FdtProperty {
    private final String name;
    private final byte[] value;
    private final long offset;
    private final String nodePath;

    FdtProperty(String name, byte[] value, long offset, String nodePath) {
        this.name = name;
        this.value = value;
        this.offset = offset;
        this.nodePath = nodePath;
    }

    /** Property name, e.g. {@code "reg"}. */
    public String name() {
        return name;
    }

    /** A copy of the raw value bytes. */
    public byte[] value() {
        return value.clone();
    }

    /** Length of the value in bytes. */
    public int length() {
        return value.length;
    }

    /** True for an empty (boolean) property such as {@code no-map}. */
    public boolean isEmpty() {
        return value.length == 0;
    }

    /** Offset of the property's FDT_PROP token in the blob, or -1 for a tree built in memory. */
    public long offset() {
        return offset;
    }

    /** Byte {@code i} of the value. */
    public byte byteAt(int i) {
        return value[i];
    }

    /** Big-endian cell {@code i} (4 bytes at {@code 4*i}); the caller checks the length. */
    int cellAt(int i) {
        int o = i * 4;
        return (value[o] & 0xff) << 24 | (value[o + 1] & 0xff) << 16 | (value[o + 2] & 0xff) << 8 | value[o + 3] & 0xff;
    }

    /**
     * {@code of_read_number}: {@code cells} cells from cell {@code first} on, keeping the low 64 bits.
     */
    long readNumber(int first, int cells) {
        long r = 0;
        for (int i = 0; i < cells; i++) {
            r = r << 32 | Integer.toUnsignedLong(cellAt(first + i));
        }
        return r;
    }

    /** The first NUL-terminated string; the value must hold a NUL. */
    public String asString() {
        int nul = indexOfNul(0);
        if (nul < 0) {
            throw invalid("is not a NUL-terminated string");
        }
        return new String(value, 0, nul, StandardCharsets.UTF_8);
    }

    /** All NUL-terminated strings (e.g. {@code compatible}); empty for an empty value. */
    public List<String> asStringList() {
        if (value.length > 0 && value[value.length - 1] != 0) {
            throw invalid("is not a list of NUL-terminated strings");
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < value.length) {
            int nul = indexOfNul(start);
            out.add(new String(value, start, nul - start, StandardCharsets.UTF_8));
            start = nul + 1;
        }
        return List.copyOf(out);
    }

    /** The value as one cell; it must be exactly 4 bytes. Unsigned in meaning. */
    public int asU32() {
        if (value.length != 4) {
            throw invalid("has length " + value.length + ", a u32 needs 4");
        }
        return cellAt(0);
    }

    /** The value as two cells (high first); it must be exactly 8 bytes. */
    public long asU64() {
        if (value.length != 8) {
            throw invalid("has length " + value.length + ", a u64 needs 8");
        }
        return readNumber(0, 2);
    }

    /** The value as cells; its length must be a multiple of 4. */
    public int[] asCells() {
        if (value.length % 4 != 0) {
            throw invalid("has length " + value.length + ", not a multiple of 4 (cells)");
        }
        int[] cells = new int[value.length / 4];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = cellAt(i);
        }
        return cells;
    }

    /**
     * The value as a C string the way the kernel's {@code strcmp} sees it: up to the first NUL, or the
     * whole value when it has none.
     */
    String cString() {
        int nul = indexOfNul(0);
        return new String(value, 0, nul < 0 ? value.length : nul, StandardCharsets.ISO_8859_1);
    }

    private int indexOfNul(int from) {
        for (int i = from; i < value.length; i++) {
            if (value[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    InvalidDeviceTreeException invalid(String what) {
        return new InvalidDeviceTreeException(offset, "property '" + name + "' of " + nodePath + " " + what);
    }

    /** Equal when name and value bytes are equal; the blob offset is not part of the value. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FdtProperty p && name.equals(p.name) && Arrays.equals(value, p.value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name);
        if (value.length > 0) {
            sb.append(" = [");
            for (int i = 0; i < value.length; i++) {
                sb.append(i == 0 ? "" : " ").append(String.format("%02x", value[i] & 0xff));
            }
            sb.append(']');
        }
        return sb.toString();
    }
}
