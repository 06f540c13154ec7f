package dev.kmm.core.boot;

import dev.kmm.core.memblock.MemblockLog;
import dev.kmm.core.pagealloc.PrintkLine;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The kernel log of a boot: every {@code printk} record in order, each with its level. A console shows
 * the records whose level is below its log level ({@link #console(int)}). {@link #records()} also holds
 * the {@code pr_debug} messages, which a kernel built without DEBUG or dynamic debug compiles out and so
 * never prints at any log level; a {@code printk(KERN_DEBUG ...)} is printed at log level 8 and above.
 *
 * <p>The log outlives boot: the running allocator prints here too ({@code warn_alloc}, {@code bad_page}), from
 * any CPU, so appending and reading are synchronized.
 */
public final class BootLog implements MemblockLog {
    private final List<PrintkLine> records = new ArrayList<>();
    /** Which records are {@code pr_debug} calls. */
    private final BitSet prDebug = new BitSet();

    /** Appends one record. */
    public synchronized void printk(PrintkLine.Level level, String text) {
        records.add(new PrintkLine(Objects.requireNonNull(level, "level"), text));
    }

    /** {@code pr_info}. */
    public void info(String text) {
        printk(PrintkLine.Level.INFO, text);
    }

    /** {@code pr_notice}. */
    public void notice(String text) {
        printk(PrintkLine.Level.NOTICE, text);
    }

    /** {@code pr_warn}. */
    public void warn(String text) {
        printk(PrintkLine.Level.WARNING, text);
    }

    /** {@code pr_err}. */
    public void err(String text) {
        printk(PrintkLine.Level.ERR, text);
    }

    /** {@code pr_debug}: kept in {@link #records()}, never on a console. */
    public synchronized void debug(String text) {
        prDebug.set(records.size());
        printk(PrintkLine.Level.DEBUG, text);
    }

    /** Appends records made elsewhere (the zone formulas' logs, whose DEBUG records are {@code pr_debug}). */
    public synchronized void addAll(Collection<PrintkLine> lines) {
        for (PrintkLine l : lines) {
            if (l.level() == PrintkLine.Level.DEBUG) {
                debug(l.text());
            } else {
                records.add(l);
            }
        }
    }

    @Override
    public void printk(int level, String line) {
        printk(PrintkLine.Level.of(level), line);
    }

    /** Every record, in order. */
    public synchronized List<PrintkLine> records() {
        return List.copyOf(records);
    }

    /**
     * The records a console with log level {@code loglevel} prints: those with a lower level number, but
     * no {@code pr_debug}.
     */
    public synchronized List<PrintkLine> console(int loglevel) {
        List<PrintkLine> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (!prDebug.get(i) && records.get(i).level().loglevel() < loglevel) {
                out.add(records.get(i));
            }
        }
        return out;
    }

    /** The texts of {@link #console(int)}. */
    public List<String> consoleText(int loglevel) {
        return console(loglevel).stream().map(PrintkLine::text).toList();
    }
}
