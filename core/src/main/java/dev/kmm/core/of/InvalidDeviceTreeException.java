package dev.kmm.core.of;

/**
 * A device tree blob, or a property inside it, that breaks the flattened device tree format or a limit the
 * kernel enforces. Unchecked: a bad blob is bad input the caller cannot repair, like a malformed number.
 *
 * <p>The message names the byte offset inside the blob (when the fault has one) and the reason, e.g.
 * {@code invalid device tree at offset 0x48: property name offset 0x1234 beyond strings block (size 0x90)}.
 */
public final class InvalidDeviceTreeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long offset;
    private final String reason;

    /** A fault at {@code offset} bytes from the start of the blob. */
    public InvalidDeviceTreeException(long offset, String reason) {
        super(offset >= 0
                ? String.format("invalid device tree at offset 0x%x: %s", offset, reason)
                : "invalid device tree: " + reason);
        this.offset = offset;
        this.reason = reason;
    }

    /** A fault with no place in a blob (a tree built in memory, an oversized file). */
    public InvalidDeviceTreeException(String reason) {
        this(-1, reason);
    }

    /** Byte offset of the fault inside the blob, or -1 when it has none. */
    public long offset() {
        return offset;
    }

    /** The reason alone, without the offset prefix. */
    public String reason() {
        return reason;
    }
}
