package dev.kmm.core.lib;

/**
 * lib/cmdline.c: the kernel's parsing of numbers and sizes on the command line.
 */
public final class Cmdline {
    private Cmdline() {
    }

    /** The result of {@link #memparse}: the value and the index just past what was parsed. */
    public record Parsed(long value, int end) {
    }

    /**
     * memparse(): a number as simple_strtoull(ptr, &endptr, 0) reads it (0x.. hex, 0.. octal, else decimal),
     * optionally followed by one of K, M, G, T, P, E (either case), each a further shift by 10. Like the
     * kernel it parses as much as it can: no digits give 0 with {@code end == start}; overflow wraps.
     */
    public static Parsed memparse(String s, int start) {
        int i = start;
        int base = 10;
        if (i < s.length() && s.charAt(i) == '0') {
            if (i + 2 < s.length() && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                base = 16;
                i += 2;
            } else {
                base = 8;
            }
        }
        long v = 0;
        int digitsStart = i;
        while (i < s.length()) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0) {
                break;
            }
            v = v * base + d;
            i++;
        }
        if (i == digitsStart) {
            return new Parsed(0, start);
        }
        if (i < s.length()) {
            int shift = switch (s.charAt(i)) {
                case 'E', 'e' -> 60;
                case 'P', 'p' -> 50;
                case 'T', 't' -> 40;
                case 'G', 'g' -> 30;
                case 'M', 'm' -> 20;
                case 'K', 'k' -> 10;
                default -> 0;
            };
            if (shift != 0) {
                v <<= shift;
                i++;
            }
        }
        return new Parsed(v, i);
    }

    /**
     * memparse() over the whole string, for kmm's own options: anything left over, or no number at all,
     * is an error instead of being ignored.
     */
    public static long memparseStrict(String s) {
        Parsed p = memparse(s, 0);
        if (p.end() == 0 || p.end() != s.length()) {
            throw new IllegalArgumentException("'" + s + "' is not a size (a number with an optional K, M, G, T, P or E)");
        }
        return p.value();
    }
}
