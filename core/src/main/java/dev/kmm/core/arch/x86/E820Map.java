package dev.kmm.core.arch.x86;

import dev.kmm.core.boot.BootLog;
import dev.kmm.core.boot.MemoryRange;
import dev.kmm.core.pagealloc.PrintkLine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The kernel's e820 table (arch/x86/kernel/e820.c) as boot edits it: updates of a range's type, removals, and
 * the queries {@code setup_arch()} makes of it. Entries are kept sorted and without overlap, as
 * {@code e820__update_table()} leaves them.
 */
final class E820Map {
    private final List<MemoryRange> entries = new ArrayList<>();

    E820Map(List<MemoryRange> firmware) {
        entries.addAll(firmware);
        sort();
    }

    List<MemoryRange> entries() {
        return List.copyOf(entries);
    }

    /** {@code e820__print_table(who)}. */
    void print(BootLog log, String who) {
        for (MemoryRange r : entries) {
            log.info(String.format("%s: [mem %#018x-%#018x] %s", who, r.base(), r.end() - 1, r.type().e820Name()));
        }
    }

    /** {@code e820__range_update(start, size, old_type, new_type)}: the parts of old_type in the range change type. */
    void update(BootLog log, long start, long size, MemoryRange.Type oldType, MemoryRange.Type newType) {
        long end = start + size;
        log.printk(PrintkLine.Level.DEBUG, String.format("e820: update [mem %#010x-%#010x] %s ==> %s", start, end - 1,
                oldType.e820Name(), newType.e820Name()));
        List<MemoryRange> out = new ArrayList<>();
        for (MemoryRange r : entries) {
            if (r.type() != oldType || !r.overlaps(start, end)) {
                out.add(r);
                continue;
            }
            long s = Math.max(r.base(), start);
            long e = Math.min(r.end(), end);
            if (r.base() < s) {
                out.add(new MemoryRange(r.base(), s - r.base(), r.type()));
            }
            out.add(new MemoryRange(s, e - s, newType));
            if (e < r.end()) {
                out.add(new MemoryRange(e, r.end() - e, r.type()));
            }
        }
        entries.clear();
        entries.addAll(out);
        sort();
    }

    /** {@code e820__range_remove(start, size, RAM, 1)}: RAM in the range is dropped from the table. */
    void removeRam(BootLog log, long start, long size) {
        long end = start + size < start ? Long.MAX_VALUE : start + size;
        log.printk(PrintkLine.Level.DEBUG, String.format("e820: remove [mem %#010x-%#010x] usable", start, end - 1));
        List<MemoryRange> out = new ArrayList<>();
        for (MemoryRange r : entries) {
            if (r.type() != MemoryRange.Type.RAM || !r.overlaps(start, end)) {
                out.add(r);
                continue;
            }
            if (r.base() < start) {
                out.add(new MemoryRange(r.base(), start - r.base(), r.type()));
            }
            if (end < r.end()) {
                out.add(new MemoryRange(end, r.end() - end, r.type()));
            }
        }
        entries.clear();
        entries.addAll(out);
    }

    /** {@code e820__end_ram_pfn(limit_pfn)}: the end of the last RAM entry below {@code limitPfn}, as a pfn. */
    long endRamPfn(long limitPfn) {
        long last = 0;
        for (MemoryRange r : entries) {
            if (r.type() != MemoryRange.Type.RAM) {
                continue;
            }
            long start = r.base() >>> 12;
            long end = r.end() >>> 12;
            if (start >= limitPfn) {
                continue;
            }
            last = Math.max(last, Math.min(end, limitPfn));
        }
        return last;
    }

    /** The RAM entries, for {@code e820__memblock_setup()}. */
    List<MemoryRange> ram() {
        return entries.stream().filter(r -> r.type() == MemoryRange.Type.RAM).toList();
    }

    private void sort() {
        entries.sort(Comparator.comparingLong(MemoryRange::base));
    }
}
