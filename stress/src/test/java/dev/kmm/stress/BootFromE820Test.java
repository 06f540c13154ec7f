package dev.kmm.stress;

import static dev.kmm.stress.LayoutCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootFromE820Test {
    @TempDir
    Path dir;

    /** A QEMU 8 GiB PC's map split into two SRAT nodes at 5 GiB, as a dmesg prints it. */
    private Path fixture(String name) throws IOException {
        return Files.writeString(dir.resolve(name), """
                [    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
                [    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
                [    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable
                [    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000023fffffff] usable
                [    0.000000] ACPI: SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]
                [    0.000000] ACPI: SRAT: Node 0 PXM 0 [mem 0x00100000-0xbfffffff]
                [    0.000000] ACPI: SRAT: Node 0 PXM 0 [mem 0x100000000-0x13fffffff]
                [    0.000000] ACPI: SRAT: Node 1 PXM 1 [mem 0x140000000-0x23fffffff]
                """);
    }

    @Test
    void aDmesgMapBootsWithItsNumaNodes() throws IOException {
        LayoutCommandTest.Run r = run("boot", "--e820", fixture("numa2.txt").toString(), "--cpus", "4");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("BIOS-e820: [mem 0x0000000100000000-0x000000023fffffff] usable\n"), r.out());
        assertTrue(r.out().contains("Initmem setup node 0 [mem 0x0000000000001000-0x000000013fffffff]\n"), r.out());
        assertTrue(r.out().contains("Initmem setup node 1 [mem 0x0000000140000000-0x000000023fffffff]\n"), r.out());
        assertTrue(r.out().contains("nr_cpu_ids:4 nr_node_ids:2"), r.out());
    }

    @Test
    void memSizesAPcTheWayQemuLaysItOut() {
        LayoutCommandTest.Run r = run("boot", "--machine", "pc-x86_64", "--mem", "2G");
        assertEquals(0, r.exit(), r.err());
        // Under 3.5 GiB QEMU keeps all RAM below 4 GiB; SeaBIOS takes the top 128 KiB of it.
        assertTrue(r.out().contains("BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable\n"), r.out());
        assertTrue(r.out().contains("BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"), r.out());
        assertTrue(!r.out().contains("0x0000000100000000-"), r.out());
    }

    @Test
    void badMapsAndOptionsAreOneLine() throws IOException {
        LayoutCommandTest.Run none = run("boot", "--e820", dir.resolve("missing.txt").toString());
        assertEquals(2, none.exit());
        assertTrue(none.err().startsWith("kmm: --e820 ") && none.err().contains("no such file"), none.err());
        Path noRam = Files.writeString(dir.resolve("noram.txt"), "hello\n");
        LayoutCommandTest.Run empty = run("boot", "--e820", noRam.toString());
        assertEquals(2, empty.exit());
        assertTrue(empty.err().contains("the e820 map has no usable RAM"), empty.err());
        Path bad = Files.writeString(dir.resolve("bad.txt"), "BIOS-e820: [mem 0x0-0xfff] bogus\n");
        LayoutCommandTest.Run badType = run("boot", "--e820", bad.toString());
        assertEquals(2, badType.exit());
        assertTrue(badType.err().contains("line 1"), badType.err());
        LayoutCommandTest.Run mem = run("boot", "--e820", fixture("numa2.txt").toString(), "--mem", "1G");
        assertEquals(2, mem.exit());
        assertTrue(mem.err().startsWith("kmm: --mem: an e820 map fixes the RAM"), mem.err());
        LayoutCommandTest.Run numaMem = run("boot", "--machine", "numa2-x86_64", "--mem", "4G");
        assertEquals(2, numaMem.exit());
        assertTrue(numaMem.err().startsWith("kmm: --mem: numa2-x86_64 has a fixed NUMA layout"), numaMem.err());
        for (LayoutCommandTest.Run r : new LayoutCommandTest.Run[] {none, empty, badType, mem, numaMem}) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
