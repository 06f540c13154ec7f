package dev.kmm.core.proc;

import java.util.SequencedMap;

/**
 * {@code /proc/vmstat} as values ({@code vmstat_start()}/{@code vmstat_show()}, mm/vmstat.c): every counter by
 * its {@code vmstat_text} name, in the file's order, ending with the deprecated {@code nr_unstable} (always 0)
 * that 6.1 still appends for old readers. Values are unsigned.
 *
 * @param counters name to value, in the file's order
 */
public record VmStat(SequencedMap<String, Long> counters) {
    public VmStat {
        counters = ZoneInfo.copy(counters);
    }

    /**
     * The value of one counter, e.g. {@code get("pgfree")}.
     *
     * @throws IllegalArgumentException if this build has no such counter
     */
    public long get(String name) {
        Long v = counters.get(name);
        if (v == null) {
            throw new IllegalArgumentException("/proc/vmstat of this build has no " + name);
        }
        return v;
    }
}
