package dev.kmm.core.trace;

/** A line of a trace file that {@link TraceParser} cannot read, with its 1-based line number. */
public final class TraceFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int lineNumber;
    private final String line;

    TraceFormatException(int lineNumber, String line, String problem) {
        super("line " + lineNumber + ": " + problem + ": " + line);
        this.lineNumber = lineNumber;
        this.line = line;
    }

    /** The 1-based number of the offending line. */
    public int lineNumber() {
        return lineNumber;
    }

    /** The offending line. */
    public String line() {
        return line;
    }
}
