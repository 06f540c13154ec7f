package dev.kmm.stress.run;

import java.util.Locale;

/** Durations as {@code --duration} takes them: a decimal number and a unit, {@code 500ms}, {@code 5s}, {@code 2m}. */
public final class Durations {
    private Durations() {
    }

    /**
     * Nanoseconds of {@code text}: a number (decimals allowed) followed by {@code ms}, {@code s}, {@code m} or
     * {@code h}.
     *
     * @throws IllegalArgumentException for anything else, or a duration that is not positive
     */
    public static long parseNanos(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        long unit;
        String number;
        if (t.endsWith("ms")) {
            unit = 1_000_000L;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = 1_000_000_000L;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000_000_000L;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unit = 3_600_000_000_000L;
            number = t.substring(0, t.length() - 1);
        } else {
            throw new IllegalArgumentException("--duration: '" + text + "' needs a unit: ms, s, m or h (e.g. 5s)");
        }
        double v;
        try {
            v = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--duration: '" + text + "' is not a number and a unit (e.g. 5s)");
        }
        if (!(v > 0) || v * unit > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("--duration: '" + text + "' must be positive and below a century");
        }
        return Math.max(1, Math.round(v * unit));
    }
}
