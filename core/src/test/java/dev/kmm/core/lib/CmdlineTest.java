package dev.kmm.core.lib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CmdlineTest {
    @Test
    void suffixesShiftByTen() {
        assertEquals(1L << 30, Cmdline.memparseStrict("1G"));
        assertEquals(512L << 20, Cmdline.memparseStrict("512m"));
        assertEquals(64L << 10, Cmdline.memparseStrict("64K"));
        assertEquals(3L << 40, Cmdline.memparseStrict("3T"));
        assertEquals(1L << 50, Cmdline.memparseStrict("1P"));
        assertEquals(1L << 60, Cmdline.memparseStrict("1E"));
        assertEquals(4096, Cmdline.memparseStrict("4096"));
    }

    @Test
    void radixFollowsSimpleStrtoull() {
        assertEquals(0x60000000L, Cmdline.memparseStrict("0x60000000"));
        assertEquals(0x10L << 20, Cmdline.memparseStrict("0x10M"));
        assertEquals(8, Cmdline.memparseStrict("010"));
        assertEquals(0, Cmdline.memparseStrict("0"));
    }

    @Test
    void lenientFormStopsWhereTheKernelStops() {
        // "mem=512M@0x60000000": memparse reads 512M and leaves '@' for the caller.
        Cmdline.Parsed p = Cmdline.memparse("512M@0x60000000", 0);
        assertEquals(512L << 20, p.value());
        assertEquals(4, p.end());
        Cmdline.Parsed q = Cmdline.memparse("512M@0x60000000", 5);
        assertEquals(0x60000000L, q.value());
        // "0x" with no hex digit after it is octal 0 followed by 'x', as _parse_integer_fixup_radix decides.
        assertEquals(new Cmdline.Parsed(0, 1), Cmdline.memparse("0xg", 0));
        assertEquals(new Cmdline.Parsed(0, 0), Cmdline.memparse("G", 0));
    }

    @Test
    void strictFormRejectsLeftovers() {
        assertThrows(IllegalArgumentException.class, () -> Cmdline.memparseStrict("1GB"));
        assertThrows(IllegalArgumentException.class, () -> Cmdline.memparseStrict(""));
        assertThrows(IllegalArgumentException.class, () -> Cmdline.memparseStrict("M"));
    }
}
