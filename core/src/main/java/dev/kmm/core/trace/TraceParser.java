package dev.kmm.core.trace;

import dev.kmm.core.gfp.GfpFlagNames;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the page events of an ftrace {@code trace} / {@code trace_pipe} text capture, for replay.
 *
 * <p>It accepts the line formats real captures have: 6.x ({@code task-pid [cpu] ..... ts: event: ...}),
 * the 4-character flags column of 4.x/5.x kernels and none at all in older ones, the
 * {@code record-tgid} column ({@code (   123)} or {@code (-------)}), task names with spaces and dashes
 * and {@code <...>}, {@code pfn=0x...} (5.x and later) and decimal {@code pfn=} (older), hashed,
 * raw and {@code (____ptrval____)} page pointers, and fields it does not know ({@code nr_free=} of a
 * patched kernel). 2.6-era {@code mm_page_free_direct} and {@code mm_pagevec_free} are read as
 * {@code mm_page_free} and {@code mm_page_free_batched}.
 *
 * <p>Header and comment lines ({@code #}), blank lines, {@code CPU:n [LOST m EVENTS]} markers and
 * stack-trace lines ({@code => func}) are skipped, as are events other than the page events. Any other
 * line is an error naming its line number.
 */
public final class TraceParser {
    private static final Pattern LINE = Pattern.compile(
            "^\\s*(?<task>.+?)-(?<pid>\\d+)\\s+(?:\\((?<tgid>\\s*\\d+|-+)\\)\\s+)?\\[(?<cpu>\\d+)]\\s+"
            + "(?:(?<flags>[^\\s:\\[\\]]{4,6})\\s+)?(?<ts>\\d+(?:\\.\\d+)?):\\s+"
            + "(?:(?<event>\\w+):\\s?(?<body>.*)|<[^>]+>.*)$");
    // Group numbers, looked up once: Matcher.group(String) copies the pattern's name map on every call.
    private static final int TASK = LINE.namedGroups().get("task");
    private static final int PID = LINE.namedGroups().get("pid");
    private static final int TGID = LINE.namedGroups().get("tgid");
    private static final int CPU = LINE.namedGroups().get("cpu");
    private static final int FLAGS = LINE.namedGroups().get("flags");
    private static final int TS = LINE.namedGroups().get("ts");
    private static final int EVENT = LINE.namedGroups().get("event");
    private static final int BODY = LINE.namedGroups().get("body");
    private static final Pattern LOST = Pattern.compile("^CPU:\\d+ \\[LOST \\d+ EVENTS]$");
    private static final Pattern BLANKS = Pattern.compile("\\s+");
    private static final Pattern NULL_PAGE = Pattern.compile("page=\\s+\\(null\\)");

    private final boolean tolerateUnknownGfp;

    private TraceParser(boolean tolerateUnknownGfp) {
        this.tolerateUnknownGfp = tolerateUnknownGfp;
    }

    /** A parser that refuses {@code gfp_flags} names that are not Linux 6.1's. */
    public static TraceParser strict() {
        return new TraceParser(false);
    }

    /**
     * A parser that reads {@code gfp_flags} it cannot map (names of other kernel versions) as -1, keeping
     * the text in {@link PageTraceRecord#gfpText()}.
     */
    public static TraceParser tolerant() {
        return new TraceParser(true);
    }

    /** Every page event of a whole capture, in file order. */
    public List<PageTraceRecord> parse(String text) {
        List<PageTraceRecord> out = new ArrayList<>();
        try {
            forEach(new BufferedReader(new StringReader(text)), out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not throw
        }
        return out;
    }

    /** Streams the page events of a capture to {@code sink}, one line at a time. */
    public void forEach(BufferedReader in, Consumer<PageTraceRecord> sink) throws IOException {
        int lineNumber = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            PageTraceRecord r = parseLine(line, ++lineNumber);
            if (r != null) {
                sink.accept(r);
            }
        }
    }

    /**
     * One line: its page event, or null for a line that is valid but holds none.
     *
     * @throws TraceFormatException when the line is not a trace line, or a page event's fields are malformed
     */
    public PageTraceRecord parseLine(String line, int lineNumber) {
        String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        String trimmed = l.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("=>")
                || LOST.matcher(trimmed).matches()) {
            return null;
        }
        Matcher m = LINE.matcher(l);
        if (!m.matches()) {
            throw new TraceFormatException(lineNumber, line, "not an ftrace event line");
        }
        String name = m.group(EVENT);
        if (name == null) {
            return null; // <stack trace>, <user stack trace>
        }
        KmemEvent event = switch (name) {
            case "mm_page_alloc" -> KmemEvent.MM_PAGE_ALLOC;
            case "mm_page_free", "mm_page_free_direct" -> KmemEvent.MM_PAGE_FREE;
            case "mm_page_free_batched", "mm_pagevec_free" -> KmemEvent.MM_PAGE_FREE_BATCHED;
            default -> null;
        };
        if (event == null) {
            return null;
        }
        String tgidText = m.group(TGID);
        int tgid = tgidText == null ? -1 : tgidText.startsWith("-") ? 0 : Integer.parseInt(tgidText.strip());
        Fields f = new Fields(lineNumber, line, NULL_PAGE.matcher(m.group(BODY)).replaceFirst("page=(null)"));
        String page = f.text("page");
        long pfn = f.pfn();
        int order = event == KmemEvent.MM_PAGE_FREE_BATCHED && f.text("order") == null ? 0 : f.integer("order", true);
        int migratetype = -1;
        int gfpFlags = -1;
        String gfpText = null;
        if (event == KmemEvent.MM_PAGE_ALLOC) {
            migratetype = f.integer("migratetype", false);
            gfpText = f.text("gfp_flags");
            if (gfpText != null) {
                gfpFlags = gfp(lineNumber, line, gfpText);
            }
            if (isNullPointer(page)) {
                pfn = -1;
            }
        }
        return new PageTraceRecord(lineNumber, m.group(TASK), parseInt(lineNumber, line, "pid", m.group(PID)),
                tgid, parseInt(lineNumber, line, "cpu", m.group(CPU)), m.group(FLAGS),
                timestampNs(lineNumber, line, m.group(TS)), event, page, pfn, order, migratetype, gfpFlags, gfpText);
    }

    private int gfp(int lineNumber, String line, String text) {
        try {
            return GfpFlagNames.parse(text);
        } catch (IllegalArgumentException e) {
            if (tolerateUnknownGfp) {
                return -1;
            }
            throw new TraceFormatException(lineNumber, line, e.getMessage());
        }
    }

    /** A NULL {@code page=}: {@code (null)} of old kernels, or all zeros (NULL is never hashed). */
    private static boolean isNullPointer(String page) {
        if (page == null) {
            return false;
        }
        if (page.equals("(null)")) {
            return true;
        }
        String digits = page.startsWith("0x") ? page.substring(2) : page;
        return !digits.isEmpty() && digits.chars().allMatch(c -> c == '0');
    }

    private static int parseInt(int lineNumber, String line, String what, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new TraceFormatException(lineNumber, line, what + " " + text + " is out of range");
        }
    }

    /** {@code secs.frac} (any number of fraction digits) or a raw counter, to nanoseconds. */
    private static long timestampNs(int lineNumber, String line, String ts) {
        try {
            int dot = ts.indexOf('.');
            if (dot < 0) {
                return Long.parseLong(ts);
            }
            long secs = Long.parseLong(ts, 0, dot, 10);
            String frac = ts.substring(dot + 1);
            if (frac.length() > 9) {
                frac = frac.substring(0, 9);
            }
            long ns = Long.parseLong(frac) * (long) Math.pow(10, 9 - frac.length());
            return Math.addExact(Math.multiplyExact(secs, 1_000_000_000L), ns);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TraceFormatException(lineNumber, line, "timestamp " + ts + " is out of range");
        }
    }

    /** The {@code key=value} fields of an event body. */
    private static final class Fields {
        private final int lineNumber;
        private final String line;
        private final String[] tokens;

        Fields(int lineNumber, String line, String body) {
            this.lineNumber = lineNumber;
            this.line = line;
            this.tokens = BLANKS.split(body.strip());
            for (String t : tokens) {
                if (t.indexOf('=') <= 0) {
                    throw new TraceFormatException(lineNumber, line, "field \"" + t + "\" is not key=value");
                }
            }
        }

        String text(String key) {
            for (String t : tokens) {
                if (t.length() > key.length() && t.startsWith(key) && t.charAt(key.length()) == '=') {
                    return t.substring(key.length() + 1);
                }
            }
            return null;
        }

        int integer(String key, boolean required) {
            String v = text(key);
            if (v == null) {
                if (required) {
                    throw new TraceFormatException(lineNumber, line, "no " + key + "= field");
                }
                return -1;
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new TraceFormatException(lineNumber, line, key + "=" + v + " is not a decimal number");
            }
        }

        /** {@code pfn=0x...} (5.x and later) or decimal (older kernels). */
        long pfn() {
            String v = text("pfn");
            if (v == null) {
                throw new TraceFormatException(lineNumber, line, "no pfn= field");
            }
            try {
                return v.startsWith("0x") ? Long.parseUnsignedLong(v, 2, v.length(), 16) : Long.parseUnsignedLong(v);
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                throw new TraceFormatException(lineNumber, line, "pfn=" + v + " is not a page frame number");
            }
        }
    }
}
