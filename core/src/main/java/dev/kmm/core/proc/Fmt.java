package dev.kmm.core.proc;

/** The few printf conversions the views need, without {@link String#format}'s locale and parsing. */
final class Fmt {
    private Fmt() {
    }

    /** {@code %lu}: an unsigned long. */
    static String ul(long v) {
        return Long.toUnsignedString(v);
    }

    /** {@code %Ns}: right-aligned in at least {@code width} columns. */
    static String right(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    /** {@code %-Ns}: left-aligned in at least {@code width} columns. */
    static String left(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** {@code %Nlu}. */
    static String ul(long v, int width) {
        return right(ul(v), width);
    }

    /** {@code %0Nllx}: lowercase hex, zero-padded to at least {@code width} digits. */
    static String hex(long v, int width) {
        String h = Long.toHexString(v);
        return h.length() >= width ? h : "0".repeat(width - h.length()) + h;
    }

    /** {@code %Nd} or, with {@code zeroPad}, {@code %0Nd}: the zeros go after the sign, as C puts them. */
    static String d(long v, int width, boolean zeroPad) {
        String s = Long.toString(v);
        if (!zeroPad || s.length() >= width) {
            return right(s, width);
        }
        String digits = v < 0 ? s.substring(1) : s;
        return (v < 0 ? "-" : "") + "0".repeat(width - s.length()) + digits;
    }
}
