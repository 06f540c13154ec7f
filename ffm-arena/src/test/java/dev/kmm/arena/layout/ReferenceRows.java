package dev.kmm.arena.layout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The reference struct layouts of the test resource {@code layouts/linux-6.1-x86_64.tsv}, by struct. */
final class ReferenceRows {
    static final String RESOURCE = "/layouts/linux-6.1-x86_64.tsv";
    static final String SIZEOF = "(sizeof)";
    private static final Pattern ARRAY = Pattern.compile("\\[(\\d+)]");

    /** One member (or the sizeof) of a struct, as BTF reports it. */
    record Row(String struct, String field, long offset, long size, String type, String bits) {
        /** The first array dimension in the C type, if the member is an array. */
        Optional<Long> arrayLength() {
            Matcher m = ARRAY.matcher(type);
            return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
        }
    }

    private final Map<String, List<Row>> byStruct;

    private ReferenceRows(Map<String, List<Row>> byStruct) {
        this.byStruct = byStruct;
    }

    static ReferenceRows load() {
        try (InputStream in = ReferenceRows.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + RESOURCE + " is missing");
            }
            Map<String, List<Row>> rows = new LinkedHashMap<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            boolean header = true;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (header) {
                    header = false;
                    if (!line.startsWith("kernel\tstruct\tfield\toffset\tsize\ttype")) {
                        throw new IllegalStateException("unexpected header in " + RESOURCE + ": " + line);
                    }
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length != 7 || !f[0].equals("6.1")) {
                    throw new IllegalStateException("malformed row in " + RESOURCE + ": " + line);
                }
                Row row = new Row(f[1], f[2], Long.parseLong(f[3]), Long.parseLong(f[4]), f[5], f[6]);
                rows.computeIfAbsent(row.struct(), k -> new ArrayList<>()).add(row);
            }
            return new ReferenceRows(rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> structs() {
        return List.copyOf(byStruct.keySet());
    }

    /** The member rows of {@code struct}, without its sizeof row. */
    List<Row> members(String struct) {
        return rows(struct).stream().filter(r -> !r.field().equals(SIZEOF)).toList();
    }

    long sizeof(String struct) {
        return row(struct, SIZEOF).size();
    }

    Row row(String struct, String field) {
        return rows(struct).stream().filter(r -> r.field().equals(field)).findFirst()
                .orElseThrow(() -> new AssertionError("reference has no row " + struct + "." + field));
    }

    long offset(String struct, String field) {
        return row(struct, field).offset();
    }

    private List<Row> rows(String struct) {
        List<Row> rows = byStruct.get(struct);
        if (rows == null) {
            throw new AssertionError("reference has no struct " + struct);
        }
        return rows;
    }
}
