package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;


import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real kernel's console log from test resources (see resources/boot/README.md), and what it shows. */
final class RealBootLog {
    private static final Pattern RANGE = Pattern.compile("^(memblock_reserve|memblock_phys_free): (\\[[0-9a-fx-]+\\])");

    /** One zone of a /proc/zoneinfo dump. */
    record Zone(int nid, String name, long min, long low, long high, long spanned, long present, long managed, long cma,
                String protection, int pcpHigh, int pcpBatch, int threshold) {
    }

    private final List<String> lines;

    private RealBootLog(List<String> lines) {
        this.lines = lines;
    }

    static RealBootLog load(String resource) {
        try (InputStream in = RealBootLog.class.getResourceAsStream("/boot/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource boot/" + resource);
            }
            InputStream text = resource.endsWith(".gz") ? new java.util.zip.GZIPInputStream(in) : in;
            return new RealBootLog(List.of(new String(text.readAllBytes(), StandardCharsets.UTF_8).split("\r?\n")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kernel's own lines, up to the first /proc dump. */
    List<String> kernelLines() {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("=== ")) {
                break;
            }
            out.add(l);
        }
        return out;
    }

    /** The memblock_reserve and memblock_phys_free ranges memblock=debug traced, in order. */
    static List<String> memblockRanges(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            Matcher m = RANGE.matcher(l);
            if (m.find()) {
                out.add(m.group(1) + " " + m.group(2));
            }
        }
        return out;
    }

    /** The whole first dump of the file at {@code path}: every line after {@code === path} up to the next {@code ===}. */
    String procFile(String path) {
        StringBuilder sb = new StringBuilder();
        for (int i = lines.indexOf("=== " + path) + 1; i < lines.size() && !lines.get(i).startsWith("=== "); i++) {
            sb.append(lines.get(i)).append('\n');
        }
        return sb.toString();
    }

    /** The value printed after {@code === path}. */
    String proc(String path) {
        int i = lines.indexOf("=== " + path);
        return lines.get(i + 1);
    }

    /** The {@code n}th /proc/zoneinfo dump (0: at boot), zones by name in order (a UMA machine's). */
    Map<String, Zone> zoneinfo(int n) {
        Map<String, Zone> byName = new LinkedHashMap<>();
        zoneinfoByNode(n).forEach((k, z) -> byName.put(z.name(), z));
        return byName;
    }

    /** The {@code n}th /proc/zoneinfo dump (0: at boot), zones keyed {@code "nid name"} in order. */
    Map<String, Zone> zoneinfoByNode(int n) {
        int at = -1;
        for (int i = 0, seen = 0; i < lines.size(); i++) {
            if (lines.get(i).equals("=== /proc/zoneinfo") && seen++ == n) {
                at = i;
                break;
            }
        }
        Map<String, Zone> zones = new LinkedHashMap<>();
        String name = null;
        Map<String, String> f = new LinkedHashMap<>();
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("=== "); i++) {
            String l = lines.get(i);
            if (l.startsWith("Node ")) {
                if (name != null) {
                    zones.put(name, zone(name, f));
                }
                name = l.substring(5, l.indexOf(',')) + " " + l.substring(l.indexOf("zone") + 4).strip();
                f = new LinkedHashMap<>();
                continue;
            }
            String t = l.strip();
            if (t.startsWith("protection:")) {
                f.put("protection", t.substring(t.indexOf('(')));
            } else if (t.startsWith("vm stats threshold:")) {
                f.putIfAbsent("threshold", t.substring("vm stats threshold:".length()).strip());
            } else if (t.startsWith("high:") || t.startsWith("batch:")) {
                f.putIfAbsent("pcp" + t.substring(0, t.indexOf(':')), t.substring(t.indexOf(':') + 1).strip());
            } else {
                String[] kv = t.split("\\s+");
                if (kv.length == 2) {
                    f.putIfAbsent(kv[0], kv[1]);
                }
            }
        }
        if (name != null) {
            zones.put(name, zone(name, f));
        }
        return zones;
    }

    private static Zone zone(String key, Map<String, String> f) {
        int sp = key.indexOf(' ');
        return new Zone(Integer.parseInt(key.substring(0, sp)), key.substring(sp + 1), num(f, "min"), num(f, "low"), num(f, "high"), num(f, "spanned"), num(f, "present"),
                num(f, "managed"), num(f, "cma"), "        protection: " + f.get("protection"),
                (int) num(f, "pcphigh"), (int) num(f, "pcpbatch"), (int) num(f, "threshold"));
    }

    private static long num(Map<String, String> f, String k) {
        String v = f.get(k);
        return v == null ? -1 : Long.parseLong(v);
    }

    /**
     * Holds a booted kernel's zones against a real zoneinfo dump keyed "nid name": spans, present, managed,
     * cma, watermarks, protection, and for populated zones pcp high/batch and the stat threshold.
     */
    static void assertZoneinfoByNode(Map<String, Zone> real, Kernel k) {
        List<ZoneInfo> zones = k.zones();
        assertEquals(List.copyOf(real.keySet()), zones.stream().map(z -> z.nid() + " " + z.name()).toList());
        for (ZoneInfo z : zones) {
            Zone r = real.get(z.nid() + " " + z.name());
            var w = z.limits().watermarks();
            String what = "node " + z.nid() + " " + z.name() + ": ";
            assertEquals(r.spanned(), z.spanned(), what + "spanned");
            assertEquals(r.present(), z.present(), what + "present");
            assertEquals(r.managed(), z.managed(), what + "managed");
            assertEquals(r.cma(), z.cmaPages(), what + "cma");
            assertEquals(r.min(), w.minWmarkPages(), what + "min");
            assertEquals(r.low(), w.lowWmarkPages(), what + "low");
            assertEquals(r.high(), w.highWmarkPages(), what + "high");
            assertEquals(r.protection(), z.limits().protectionLine(), what + "protection");
            if (z.populated()) {
                assertEquals(r.pcpHigh(), z.limits().pcp().high(), what + "pcp high");
                assertEquals(r.pcpBatch(), z.limits().pcp().batch(), what + "pcp batch");
                assertEquals(r.threshold(), z.limits().statThreshold(), what + "vm stats threshold");
            }
        }
    }
}
