package dev.kmm.core.proc;

import java.util.SequencedMap;

/**
 * {@code /proc/meminfo} as values ({@code meminfo_proc_show()}, fs/proc/meminfo.c): each line's field name
 * (the text before the colon) and its value in the unit the line prints, kB for all but the
 * {@code HugePages_*} counts. The fields and their order are the kernel's for the build: lines of options
 * the build lacks are absent, lines of features kmm does not simulate are present with the value a kernel
 * without them shows.
 *
 * @param fields every line, in the kernel's order
 */
public record MemInfo(SequencedMap<String, Long> fields) {
    public MemInfo {
        fields = ZoneInfo.copy(fields);
    }

    /**
     * The value of one line, e.g. {@code get("MemAvailable")}.
     *
     * @throws IllegalArgumentException if this build prints no such line
     */
    public long get(String field) {
        Long v = fields.get(field);
        if (v == null) {
            throw new IllegalArgumentException("/proc/meminfo of this build has no " + field + " line");
        }
        return v;
    }

    /** MemTotal in kB: RAM the buddy allocator manages. */
    public long memTotal() {
        return get("MemTotal");
    }

    /** MemFree in kB. */
    public long memFree() {
        return get("MemFree");
    }

    /** MemAvailable in kB: {@code si_mem_available()}'s estimate. */
    public long memAvailable() {
        return get("MemAvailable");
    }
}
