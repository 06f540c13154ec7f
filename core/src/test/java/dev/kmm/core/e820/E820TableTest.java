package dev.kmm.core.e820;

import static dev.kmm.core.e820.E820Type.E820_TYPE_ACPI;
import static dev.kmm.core.e820.E820Type.E820_TYPE_PRAM;
import static dev.kmm.core.e820.E820Type.E820_TYPE_RAM;
import static dev.kmm.core.e820.E820Type.E820_TYPE_RESERVED;
import static dev.kmm.core.e820.E820Type.E820_TYPE_SOFT_RESERVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class E820TableTest {

    private static E820Entry e(long addr, long size, int type) {
        return new E820Entry(addr, size, type);
    }

    @Test
    void overlapsResolveToTheHigherTypeAndNeighboursMerge() {
        E820Table t = E820Table.of(List.of(
                e(0x1000, 0x9000, E820_TYPE_RAM),
                e(0x0, 0x1000, E820_TYPE_RAM),
                e(0x4000, 0x1000, E820_TYPE_RESERVED),
                e(0x4800, 0x1000, E820_TYPE_ACPI),
                e(0xa000, 0x0, E820_TYPE_RESERVED)));
        assertEquals(List.of(
                e(0x0, 0x4000, E820_TYPE_RAM),
                e(0x4000, 0x800, E820_TYPE_RESERVED),
                e(0x4800, 0x1000, E820_TYPE_ACPI),
                e(0x5800, 0x4800, E820_TYPE_RAM)), t.entries());
    }

    @Test
    void softReservedWinsEverythingAndPramKeepsBoundaries() {
        E820Table t = E820Table.of(List.of(
                e(0x0, 0x2000, E820_TYPE_PRAM),
                e(0x2000, 0x2000, E820_TYPE_PRAM),
                e(0x3000, 0x2000, E820_TYPE_SOFT_RESERVED),
                e(0x5000, 0x1000, E820_TYPE_SOFT_RESERVED)));
        assertEquals(List.of(
                e(0x0, 0x2000, E820_TYPE_PRAM),
                e(0x2000, 0x1000, E820_TYPE_PRAM),
                // The PRAM entry underneath ends at 0x4000: a change point, so a no-merge type splits there too.
                e(0x3000, 0x1000, E820_TYPE_SOFT_RESERVED),
                e(0x4000, 0x1000, E820_TYPE_SOFT_RESERVED),
                e(0x5000, 0x1000, E820_TYPE_SOFT_RESERVED)), t.entries());
    }

    @Test
    void kernelBailOutsLeaveTheTableAsGiven() {
        List<E820Entry> one = List.of(e(0x5000, 0, E820_TYPE_RAM));
        assertEquals(one, E820Table.of(one).entries());
        List<E820Entry> wraps = List.of(e(0x5000, 0x1000, E820_TYPE_RAM), e(0xfffffffffffff000L, 0x2000, 2));
        assertEquals(wraps, E820Table.of(wraps).entries());
        List<E820Entry> tooMany = new ArrayList<>();
        for (int i = 0; i <= E820Table.E820_MAX_ENTRIES; i++) {
            tooMany.add(e(i * 0x1000L, 0x1000, 1 + i % 2));
        }
        assertThrows(IllegalArgumentException.class, () -> E820Table.of(tooMany));
    }

    @Test
    void matchesAPlainModelOnRandomTables() {
        int[] types = {1, 2, 3, 4, 5, 7, 12, 6, E820_TYPE_SOFT_RESERVED, 128};
        SplittableRandom rnd = new SplittableRandom(820);
        for (int round = 0; round < 3000; round++) {
            List<E820Entry> raw = new ArrayList<>();
            for (int i = 2 + rnd.nextInt(12); i > 0; i--) {
                raw.add(e(rnd.nextInt(64) * 0x1000L, rnd.nextInt(24) * 0x1000L, types[rnd.nextInt(types.length)]));
            }
            assertEquals(model(raw), E820Table.of(raw).entries(), raw::toString);
        }
    }

    /**
     * Independent model: split at every start and end of a non-empty entry, give each piece the highest
     * (unsigned) type covering it, drop uncovered pieces, and join neighbours of one type unless the type
     * is one the kernel never merges.
     */
    private static List<E820Entry> model(List<E820Entry> raw) {
        TreeSet<Long> cuts = new TreeSet<>();
        for (E820Entry x : raw) {
            if (x.size() != 0) {
                cuts.add(x.addr());
                cuts.add(x.addr() + x.size());
            }
        }
        List<E820Entry> out = new ArrayList<>();
        Long prev = null;
        for (long cut : cuts) {
            if (prev != null) {
                long lo = prev;
                int top = 0;
                for (E820Entry x : raw) {
                    if (x.addr() <= lo && lo < x.addr() + x.size() && Integer.compareUnsigned(x.type(), top) > 0) {
                        top = x.type();
                    }
                }
                if (top != 0) {
                    E820Entry last = out.isEmpty() ? null : out.getLast();
                    boolean mergeable = top != E820_TYPE_PRAM && top != E820_TYPE_SOFT_RESERVED;
                    if (last != null && mergeable && last.type() == top && last.addr() + last.size() == lo) {
                        out.set(out.size() - 1, e(last.addr(), last.size() + cut - lo, top));
                    } else {
                        out.add(e(lo, cut - lo, top));
                    }
                }
            }
            prev = cut;
        }
        return out;
    }
}
