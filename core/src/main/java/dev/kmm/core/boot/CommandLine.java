package dev.kmm.core.boot;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The kernel command line: {@code boot_command_line} as the boot path stores it (truncated to
 * {@code COMMAND_LINE_SIZE - 1} characters, as {@code strscpy} into the fixed array does), split into
 * parameters the way {@code parse_args()} splits it ({@code next_arg()} of kernel/params.c: spaces
 * separate, double quotes group, quotes around a value are dropped, a bare {@code --} ends the kernel's
 * part and starts init's).
 *
 * @param text       {@code boot_command_line}
 * @param params     the kernel's parameters in order, each {@code name} with its value (null for a bare
 *                   word); init's arguments after {@code --} are not included
 * @param truncated  whether the given line was longer than {@code COMMAND_LINE_SIZE - 1}
 */
public record CommandLine(String text, List<Param> params, boolean truncated) {
    /** One {@code name[=value]} parameter. */
    public record Param(String name, String value) {
        public Param {
            Objects.requireNonNull(name, "name");
        }
    }

    public CommandLine {
        Objects.requireNonNull(text, "text");
        params = List.copyOf(params);
    }

    /**
     * The command line the kernel ends up with for a boot loader's {@code bootargs}: the boot loader's
     * text when it has any, else the built-in {@code CONFIG_CMDLINE} (CONFIG_CMDLINE_FROM_BOOTLOADER, the
     * Kconfig default, as in {@code early_init_dt_scan_chosen()}), cut to {@code commandLineSize - 1}.
     */
    public static CommandLine of(String bootArgs, String configCmdline, int commandLineSize) {
        Objects.requireNonNull(bootArgs, "bootArgs");
        Objects.requireNonNull(configCmdline, "configCmdline");
        if (commandLineSize < 2) {
            throw new IllegalArgumentException("COMMAND_LINE_SIZE must be at least 2: " + commandLineSize);
        }
        String chosen = bootArgs.isEmpty() ? configCmdline : bootArgs;
        boolean cut = chosen.length() > commandLineSize - 1;
        String text = cut ? chosen.substring(0, commandLineSize - 1) : chosen;
        return new CommandLine(text, parse(text), cut);
    }

    /** {@code parse_args()}'s walk: {@code next_arg()} until the end or a bare {@code --}. */
    private static List<Param> parse(String args) {
        List<Param> out = new ArrayList<>();
        int i = skipSpaces(args, 0);
        while (i < args.length()) {
            int start = i;
            boolean inQuote = false;
            boolean quoted = false;
            if (args.charAt(i) == '"') {
                start = ++i;
                inQuote = true;
                quoted = true;
            }
            int equals = -1;
            int end = start;
            while (end < args.length()) {
                char c = args.charAt(end);
                if (Character.isWhitespace(c) && !inQuote) {
                    break;
                }
                if (equals < 0 && c == '=') {
                    equals = end;
                }
                if (c == '"') {
                    inQuote = !inQuote;
                }
                end++;
            }
            int tokenEnd = end;
            // A closing quote of a quoted token or value is dropped.
            boolean trailingQuote = tokenEnd > start && args.charAt(tokenEnd - 1) == '"';
            String name;
            String value = null;
            if (equals < 0) {
                name = args.substring(start, quoted && trailingQuote ? tokenEnd - 1 : tokenEnd);
            } else {
                name = args.substring(start, equals);
                int vStart = equals + 1;
                int vEnd = tokenEnd;
                if (vStart < tokenEnd && args.charAt(vStart) == '"') {
                    vStart++;
                    if (trailingQuote) {
                        vEnd--;
                    }
                } else if (quoted && trailingQuote) {
                    vEnd--;
                }
                value = args.substring(vStart, Math.max(vStart, vEnd));
            }
            if (value == null && name.equals("--")) {
                break;
            }
            out.add(new Param(name, value));
            i = skipSpaces(args, end < args.length() ? end + 1 : end);
        }
        return out;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * {@code parameq()}: parameter names match with {@code -} and {@code _} taken as the same character.
     */
    public static boolean parameq(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int k = 0; k < a.length(); k++) {
            char x = a.charAt(k) == '-' ? '_' : a.charAt(k);
            char y = b.charAt(k) == '-' ? '_' : b.charAt(k);
            if (x != y) {
                return false;
            }
        }
        return true;
    }

    /** The parameters named {@code name} ({@link #parameq}), in order: early params see every occurrence. */
    public List<Param> all(String name) {
        return params.stream().filter(p -> parameq(p.name(), name)).toList();
    }
}
