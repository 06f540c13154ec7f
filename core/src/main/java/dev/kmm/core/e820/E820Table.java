package dev.kmm.core.e820;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable e820 memory map, sanitized as arch/x86/kernel/e820.c's {@code e820__update_table} does: sorted,
 * overlaps resolved in favour of the numerically highest type, adjacent entries of one type merged (except
 * {@link E820Type#E820_TYPE_PRAM} and {@link E820Type#E820_TYPE_SOFT_RESERVED}), empty entries dropped.
 */
public final class E820Table {
    /**
     * {@code E820_MAX_ENTRIES} on x86_64: {@code E820_MAX_ENTRIES_ZEROPAGE} (128) + 3 * {@code MAX_NUMNODES}
     * with the x86_64 default {@code NODES_SHIFT} of 6.
     */
    public static final int E820_MAX_ENTRIES = 128 + 3 * 64;

    private final List<E820Entry> entries;

    private E820Table(List<E820Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * The table {@code e820__update_table} makes of {@code raw}. Like the kernel, it leaves the entries as they
     * are when there are fewer than two or when one wraps past the top of the 64-bit space.
     *
     * @throws IllegalArgumentException with more than {@link #E820_MAX_ENTRIES} entries
     */
    public static E820Table of(List<E820Entry> raw) {
        if (raw.size() > E820_MAX_ENTRIES) {
            throw new IllegalArgumentException(raw.size() + " e820 entries, above E820_MAX_ENTRIES "
                    + E820_MAX_ENTRIES);
        }
        return new E820Table(e820UpdateTable(raw));
    }

    /** The sanitized entries, ascending. */
    public List<E820Entry> entries() {
        return entries;
    }

    /** Total bytes of entries of {@code type}. */
    public long total(int type) {
        long sum = 0;
        for (E820Entry e : entries) {
            sum += e.type() == type ? e.size() : 0;
        }
        return sum;
    }

    /** A boundary of an entry: where it starts or ends. */
    private record ChangeMember(long addr, E820Entry entry) {
        boolean isStart() {
            return addr == entry.addr();
        }
    }

    /** {@code cpcompare}: by address, and at one address region starts before region ends. */
    private static final Comparator<ChangeMember> CPCOMPARE = Comparator
            .comparing(ChangeMember::addr, Long::compareUnsigned)
            .thenComparing(c -> c.isStart() ? 0 : 1);

    /** {@code e820__update_table} over a list. */
    static List<E820Entry> e820UpdateTable(List<E820Entry> table) {
        if (table.size() < 2) {
            return table;
        }
        for (E820Entry e : table) {
            if (Long.compareUnsigned(e.addr() + e.size(), e.addr()) < 0) {
                return table;
            }
        }
        List<ChangeMember> changePoints = new ArrayList<>(2 * table.size());
        for (E820Entry e : table) {
            if (e.size() != 0) {
                changePoints.add(new ChangeMember(e.addr(), e));
                changePoints.add(new ChangeMember(e.addr() + e.size(), e));
            }
        }
        changePoints.sort(CPCOMPARE);

        List<E820Entry> overlapList = new ArrayList<>();
        List<E820Entry> newEntries = new ArrayList<>();
        int lastType = 0;
        long lastAddr = 0;
        for (ChangeMember cp : changePoints) {
            if (cp.isStart()) {
                overlapList.add(cp.entry());
            } else {
                overlapList.remove(cp.entry());
            }
            // Overlapping entries: the larger type value takes precedence (1 = usable, 2, 3, 4, ... = not).
            int currentType = 0;
            for (E820Entry e : overlapList) {
                if (Integer.compareUnsigned(e.type(), currentType) > 0) {
                    currentType = e.type();
                }
            }
            if (currentType != lastType || e820Nomerge(currentType)) {
                if (lastType != 0) {
                    long size = cp.addr() - lastAddr;
                    if (size != 0) {
                        newEntries.add(new E820Entry(lastAddr, size, lastType));
                        if (newEntries.size() >= E820_MAX_ENTRIES) {
                            break;
                        }
                    }
                }
                if (currentType != 0) {
                    lastAddr = cp.addr();
                }
                lastType = currentType;
            }
        }
        return newEntries;
    }

    /** {@code e820_nomerge}: types that may mark distinct platform ranges keep their boundaries. */
    private static boolean e820Nomerge(int type) {
        return type == E820Type.E820_TYPE_PRAM || type == E820Type.E820_TYPE_SOFT_RESERVED;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof E820Table t && entries.equals(t.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return E820Dmesg.e820PrintTable(this, E820Dmesg.BIOS_E820);
    }
}
