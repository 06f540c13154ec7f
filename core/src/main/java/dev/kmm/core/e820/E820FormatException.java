package dev.kmm.core.e820;

/**
 * A line of kernel log text that names an e820 or SRAT entry but cannot be read as one; the message gives
 * the line number: {@code e820 file line 7: cannot parse '...': reason}. Unchecked, like a malformed number.
 */
public final class E820FormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;

    public E820FormatException(int line, String text, String reason) {
        super("e820 file line " + line + ": cannot parse '" + text + "': " + reason);
        this.line = line;
    }

    /** The 1-based line number. */
    public int line() {
        return line;
    }
}
