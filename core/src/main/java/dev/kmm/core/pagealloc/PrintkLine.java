package dev.kmm.core.pagealloc;

import java.util.Objects;

/**
 * One kernel log record as {@code printk} would store it: a level and the text, without the
 * trailing newline. A {@code pr_info()} continued by {@code pr_cont()} is one record.
 *
 * @param level the {@code KERN_*} level of the call
 * @param text  the formatted message
 */
public record PrintkLine(Level level, String text) {
    /** The {@code KERN_*} levels boot code prints at. */
    public enum Level {
        /** {@code KERN_ALERT} ({@code pr_alert}), "1". */
        ALERT(1),
        /** {@code KERN_CRIT} ({@code pr_crit}), "2". */
        CRIT(2),
        /** {@code KERN_ERR} ({@code pr_err}), "3". */
        ERR(3),
        /** {@code KERN_WARNING} ({@code pr_warn}), "4". */
        WARNING(4),
        /** {@code KERN_NOTICE} ({@code pr_notice}), "5". */
        NOTICE(5),
        /** {@code KERN_INFO} ({@code pr_info}), "6". */
        INFO(6),
        /** {@code KERN_DEBUG} ({@code pr_debug}): shown only with DEBUG or dynamic debug enabled, "7". */
        DEBUG(7);

        private final int loglevel;

        Level(int loglevel) {
            this.loglevel = loglevel;
        }

        /** The numeric console log level. */
        public int loglevel() {
            return loglevel;
        }

        /** The level of a numeric {@code KERN_*} value (1 to 7). */
        public static Level of(int loglevel) {
            for (Level l : values()) {
                if (l.loglevel == loglevel) {
                    return l;
                }
            }
            throw new IllegalArgumentException("no printk level " + loglevel);
        }
    }

    public PrintkLine {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(text, "text");
        if (text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a printk record holds one line: " + text);
        }
    }

    static PrintkLine info(String text) {
        return new PrintkLine(Level.INFO, text);
    }

    static PrintkLine debug(String text) {
        return new PrintkLine(Level.DEBUG, text);
    }

    static PrintkLine warn(String text) {
        return new PrintkLine(Level.WARNING, text);
    }

    /** The kernel's {@code %#018Lx}: "0x" and 16 hex digits (its vsprintf prints "0x" even for 0). */
    static String hex018(long value) {
        String digits = Long.toHexString(value);
        return "0x" + "0".repeat(16 - digits.length()) + digits;
    }
}
