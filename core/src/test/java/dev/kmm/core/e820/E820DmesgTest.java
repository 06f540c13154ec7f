package dev.kmm.core.e820;

import static dev.kmm.core.e820.E820Type.E820_TYPE_RAM;
import static dev.kmm.core.e820.E820Type.E820_TYPE_RESERVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class E820DmesgTest {

    private static String fixture(String name) throws IOException, URISyntaxException {
        return Files.readString(Path.of(E820DmesgTest.class.getResource("/e820/" + name).toURI()));
    }

    /** The fixture's lines containing {@code marker}, cut to start at {@code marker}. */
    private static String linesFrom(String text, String marker) {
        return text.lines().filter(l -> l.contains(marker)).map(l -> l.substring(l.indexOf(marker)) + "\n")
                .collect(Collectors.joining());
    }

    @Test
    void qemuPc8GiB() throws Exception {
        String text = fixture("pc-x86_64.txt");
        E820Dmesg d = E820Dmesg.parse(text);
        List<E820Entry> e = d.table().entries();
        assertEquals(8, e.size());
        assertEquals(new E820Entry(0, 0x9fc00, E820_TYPE_RAM), e.get(0));
        assertEquals(new E820Entry(0x9fc00, 0x400, E820_TYPE_RESERVED), e.get(1));
        assertEquals(new E820Entry(0x100000000L, 0x140000000L, E820_TYPE_RAM), e.get(7));
        assertEquals(0x9fc00L + (0xbffe0000L - 0x100000L) + 5 * (1L << 30), d.table().total(E820_TYPE_RAM));
        assertEquals(List.of(), d.srat());
        assertEquals(linesFrom(text, "BIOS-e820: "), E820Dmesg.e820PrintTable(d.table(), E820Dmesg.BIOS_E820),
                "printing gives back the kernel's lines");
    }

    @Test
    void numaTwoNodes() throws Exception {
        String text = fixture("numa2-x86_64.txt");
        E820Dmesg d = E820Dmesg.parse(text);
        assertEquals(8, d.table().entries().size());
        assertEquals(List.of(
                new SratMemAffinity(0, 0, 0, 0xa0000, false, false),
                new SratMemAffinity(0, 0, 0x100000, 0xbff00000L, false, false),
                new SratMemAffinity(0, 0, 0x100000000L, 0x40000000L, false, false),
                new SratMemAffinity(1, 1, 0x140000000L, 0x100000000L, false, false),
                new SratMemAffinity(1, 1, 0x240000000L, 0x200000000L, true, false)), d.srat());
        assertEquals(linesFrom(text, "ACPI: SRAT: Node"), E820Dmesg.printSrat(d.srat()));
        assertEquals(d, E820Dmesg.parse(d.print()), "print then parse is the identity");
    }

    @Test
    void readsFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path log = dir.resolve("dmesg.txt");
        Files.writeString(log, fixture("numa2-x86_64.txt"));
        assertEquals(E820Dmesg.parse(fixture("numa2-x86_64.txt")), E820Dmesg.read(log));
    }

    @Test
    void readsOtherTablesAndSuffixes() {
        E820Dmesg d = E820Dmesg.parse("""
                user: [mem 0x0000000000000000-0x0000000000000fff] reserved
                user: [mem 0x0000000000001000-0x00000000ffffffff] usable
                BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] unusable
                ACPI: SRAT: Node 2 PXM 7 [mem 0x480000000-0x4ffffffff] hotplug non-volatile
                """, "user");
        assertEquals(2, d.table().entries().size());
        assertTrue(d.srat().getFirst().hotplug());
        assertTrue(d.srat().getFirst().nonVolatile());
    }

    @Test
    void errorsNameTheLine() {
        E820FormatException type = assertThrows(E820FormatException.class, () -> E820Dmesg.parse("""
                [    0.000000] BIOS-provided physical RAM map:
                [    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
                [    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] bogus
                """));
        assertEquals(3, type.line());
        assertEquals("e820 file line 3: cannot parse '[    0.000000] BIOS-e820: [mem 0x000000000009fc00-"
                + "0x000000000009ffff] bogus': unknown e820 type 'bogus'", type.getMessage());
        assertTrue(assertThrows(E820FormatException.class,
                () -> E820Dmesg.parse("BIOS-e820: [mem 0x2000-0x1000] usable")).getMessage()
                .endsWith("range ends before it starts"));
        assertTrue(assertThrows(E820FormatException.class,
                () -> E820Dmesg.parse("BIOS-e820: [mem 0x0-0xffffffffffffffff] usable")).getMessage()
                .endsWith("range covers the whole 64-bit space"));
        assertTrue(assertThrows(E820FormatException.class,
                () -> E820Dmesg.parse("x\nBIOS-e820: [mem 0x0-0x10000000000000000] usable")).getMessage()
                .startsWith("e820 file line 2: "));
        assertTrue(assertThrows(E820FormatException.class,
                () -> E820Dmesg.parse("ACPI: SRAT: Node x PXM 0 [mem 0x0-0x1]")).getMessage()
                .startsWith("e820 file line 1: cannot parse 'ACPI: SRAT: Node x PXM 0 [mem 0x0-0x1]'"));
    }

    @Test
    void typesPrintAndParseBack() {
        int[] types = {1, 2, 3, 4, 5, 6, 7, 12, 13, 0xefffffff, 0xfffffffe};
        for (int t : types) {
            assertEquals(Optional.of(t), E820Type.parseType(E820Type.e820PrintType(t)), Integer.toHexString(t));
        }
        assertEquals("usable", E820Type.e820PrintType(E820Type.E820_TYPE_RESERVED_KERN));
        assertEquals("persistent (type 12)", E820Type.e820PrintType(12));
        assertEquals("type 4294967294", E820Type.e820PrintType(0xfffffffe));
        assertFalse(E820Type.parseType("type 1").isPresent(), "the kernel prints type 1 as usable");
        assertFalse(E820Type.parseType("persistent (type 8)").isPresent());
        assertFalse(E820Type.parseType("type 99999999999").isPresent());
    }
}
