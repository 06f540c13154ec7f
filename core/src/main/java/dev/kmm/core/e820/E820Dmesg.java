package dev.kmm.core.e820;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The x86 memory map as the kernel's own log prints it, read back and written out: the firmware's e820 table
 * ({@code e820__print_table("BIOS-e820")}) and the SRAT memory affinities
 * ({@code acpi_numa_memory_affinity_init}). Reading accepts whole {@code dmesg} or {@code journalctl -k} text:
 * timestamps, syslog prefixes and every other line are skipped; a line that names an entry but does not read
 * as one is an error with its line number.
 *
 * @param table the sanitized e820 table
 * @param srat  SRAT memory affinities in log order
 */
public record E820Dmesg(E820Table table, List<SratMemAffinity> srat) {
    /** The {@code who} of the firmware's table. */
    public static final String BIOS_E820 = "BIOS-e820";
    /** Largest text accepted by {@link #read(Path)}. */
    public static final long MAX_TEXT_SIZE = 16 << 20;

    private static final String HEX = "0x([0-9a-fA-F]{1,16})";
    private static final Pattern RANGE = Pattern.compile("\\[mem " + HEX + "-" + HEX + "\\] (.+?)\\s*");
    private static final String SRAT_MARK = "SRAT: Node ";
    private static final Pattern SRAT = Pattern.compile("SRAT: Node (\\d{1,10}) PXM (\\d{1,10}) \\[mem " + HEX + "-"
            + HEX + "\\]( hotplug)?( non-volatile)?\\s*");

    public E820Dmesg {
        srat = List.copyOf(srat);
    }

    /** Reads {@code BIOS-e820:} lines and SRAT lines from log text. */
    public static E820Dmesg parse(String text) {
        return parse(text, BIOS_E820);
    }

    /** Reads the table printed under {@code who} (e.g. {@code user} after {@code memmap=}) and SRAT lines. */
    public static E820Dmesg parse(String text, String who) {
        String mark = who + ": ";
        List<E820Entry> raw = new ArrayList<>();
        List<SratMemAffinity> srat = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int at = line.indexOf(mark);
            if (at >= 0) {
                if (raw.size() == E820Table.E820_MAX_ENTRIES) {
                    throw new E820FormatException(i + 1, line, "more than E820_MAX_ENTRIES "
                            + E820Table.E820_MAX_ENTRIES + " entries");
                }
                raw.add(parseEntry(i + 1, line, line.substring(at + mark.length())));
                continue;
            }
            at = line.indexOf(SRAT_MARK);
            if (at >= 0) {
                srat.add(parseSrat(i + 1, line, line.substring(at)));
            }
        }
        return new E820Dmesg(E820Table.of(raw), srat);
    }

    /** Reads a log file, refusing files above {@link #MAX_TEXT_SIZE}. */
    public static E820Dmesg read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_TEXT_SIZE) {
            throw new IOException(file + " is " + size + " bytes, above the " + (MAX_TEXT_SIZE >> 20) + " MiB limit");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    private static E820Entry parseEntry(int lineNo, String line, String rest) {
        Matcher m = RANGE.matcher(rest);
        if (!m.matches()) {
            throw new E820FormatException(lineNo, line, "expected '[mem 0x<start>-0x<end>] <type>'");
        }
        long start = Long.parseUnsignedLong(m.group(1), 16);
        long last = Long.parseUnsignedLong(m.group(2), 16);
        Optional<Integer> type = E820Type.parseType(m.group(3));
        if (type.isEmpty()) {
            throw new E820FormatException(lineNo, line, "unknown e820 type '" + m.group(3) + "'");
        }
        return new E820Entry(start, size(lineNo, line, start, last), type.get());
    }

    private static SratMemAffinity parseSrat(int lineNo, String line, String rest) {
        Matcher m = SRAT.matcher(rest);
        if (!m.matches()) {
            throw new E820FormatException(lineNo, line,
                    "expected 'SRAT: Node <n> PXM <p> [mem 0x<start>-0x<end>]' with optional hotplug, non-volatile");
        }
        long node = Long.parseLong(m.group(1));
        long pxm = Long.parseLong(m.group(2));
        if (node > 0xffffffffL || pxm > 0xffffffffL) {
            throw new E820FormatException(lineNo, line, "node or PXM beyond 32 bits");
        }
        long start = Long.parseUnsignedLong(m.group(3), 16);
        long last = Long.parseUnsignedLong(m.group(4), 16);
        return new SratMemAffinity((int) node, (int) pxm, start, size(lineNo, line, start, last), m.group(5) != null,
                m.group(6) != null);
    }

    private static long size(int lineNo, String line, long start, long last) {
        if (Long.compareUnsigned(last, start) < 0) {
            throw new E820FormatException(lineNo, line, "range ends before it starts");
        }
        long size = last - start + 1;
        if (size == 0) {
            throw new E820FormatException(lineNo, line, "range covers the whole 64-bit space");
        }
        return size;
    }

    /**
     * {@code e820__print_table(who)}: one line per entry,
     * {@code who: [mem %#018Lx-%#018Lx] type}, without the log's timestamp.
     */
    public static String e820PrintTable(E820Table table, String who) {
        StringBuilder sb = new StringBuilder();
        for (E820Entry e : table.entries()) {
            sb.append(String.format("%s: [mem %#018x-%#018x] %s\n", who, e.addr(), e.last(),
                    E820Type.e820PrintType(e.type())));
        }
        return sb.toString();
    }

    /** The SRAT lines as 6.1 logs them ({@code pr_fmt} {@code "ACPI: "}, {@code %#010Lx} bounds). */
    public static String printSrat(List<SratMemAffinity> srat) {
        StringBuilder sb = new StringBuilder();
        for (SratMemAffinity a : srat) {
            sb.append(String.format("ACPI: SRAT: Node %d PXM %d [mem %#010x-%#010x]%s%s\n",
                    Integer.toUnsignedLong(a.node()), Integer.toUnsignedLong(a.pxm()), a.start(), a.last(),
                    a.hotplug() ? " hotplug" : "", a.nonVolatile() ? " non-volatile" : ""));
        }
        return sb.toString();
    }

    /** The table under {@code BIOS-e820} followed by the SRAT lines: text {@link #parse(String)} reads back. */
    public String print() {
        return e820PrintTable(table, BIOS_E820) + printSrat(srat);
    }
}
