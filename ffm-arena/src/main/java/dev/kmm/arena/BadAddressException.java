package dev.kmm.arena;

/** A kernel virtual or physical address that no region of simulated memory backs. */
public final class BadAddressException extends IllegalArgumentException {
    private final long address;

    public BadAddressException(long address, long length) {
        super(String.format("unable to handle kernel paging request at virtual address %016x (length %d)", address, length));
        this.address = address;
    }

    /** For callers in this package that describe the bad range themselves (e.g. a physical address). */
    BadAddressException(long address, String message) {
        super(message);
        this.address = address;
    }

    public long address() {
        return address;
    }
}
