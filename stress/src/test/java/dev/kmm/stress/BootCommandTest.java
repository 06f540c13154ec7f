package dev.kmm.stress;

import static dev.kmm.stress.LayoutCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.memblock.Memblock;
import org.junit.jupiter.api.Test;

class BootCommandTest {
    @Test
    void bootPrintsTheKernelsLinesAndArmsLayoutAfterMemory() {
        LayoutCommandTest.Run r = run("boot");
        assertEquals(0, r.exit(), r.err());
        String expected;
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            StringBuilder sb = new StringBuilder();
            for (String line : k.dmesg()) {
                sb.append(line).append('\n');
                if (line.startsWith("Memory: ")) {
                    sb.append(k.addressSpace().virtualKernelMemoryLayout(k.addressSpace().armLowmemLimit()));
                }
            }
            expected = sb.toString();
        }
        assertEquals(expected, r.out());
        assertTrue(r.out().contains("Zone ranges:\n  Normal   [mem 0x0000000060000000-0x000000008fffffff]\n"
                + "  HighMem  [mem 0x0000000090000000-0x000000009fffffff]\n"), r.out());
        assertTrue(r.out().contains("    lowmem  : 0xc0000000 - 0xf0000000   ( 768 MB)\n"), r.out());
    }

    @Test
    void bootargsShapeMemory() {
        LayoutCommandTest.Run r = run("boot", "--bootargs", "mem=512M vmalloc=128M");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("  Normal   [mem 0x0000000060000000-0x000000007fffffff]\n  HighMem  empty\n"), r.out());
        assertTrue(r.out().contains("Kernel command line: mem=512M vmalloc=128M\n"), r.out());
    }

    @Test
    void quietShowPrintsTheViewAlone() {
        LayoutCommandTest.Run r = run("boot", "--show", "memblock", "--quiet");
        assertEquals(0, r.exit(), r.err());
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            assertEquals("memory:\n" + Memblock.debugfsShow(k.memblock().memory(), 32)
                    + "reserved:\n" + Memblock.debugfsShow(k.memblock().reserved(), 32), r.out());
            LayoutCommandTest.Run z = run("boot", "--show", "zoneinfo", "-q");
            assertEquals(0, z.exit(), z.err());
            assertEquals(k.proc("/proc/zoneinfo"), z.out());
        }
        assertTrue(r.out().startsWith("memory:\n   0: 0x60000000..0x9fffffff\nreserved:\n"), r.out());
    }

    @Test
    void severalViewsEachFollowAHeader() {
        LayoutCommandTest.Run r = run("boot", "--show", "buddyinfo,meminfo");
        assertEquals(0, r.exit(), r.err());
        int buddy = r.out().indexOf("\n==> /proc/buddyinfo <==\nNode 0, zone   Normal ");
        assertTrue(buddy > 0, r.out());
        assertTrue(r.out().indexOf("==> /proc/meminfo <==\nMemTotal:") > buddy, r.out());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        LayoutCommandTest.Run v = run("boot", "--show", "nosuchview");
        assertEquals(2, v.exit());
        assertTrue(v.err().startsWith("kmm: --show: unknown view 'nosuchview'"), v.err());
        LayoutCommandTest.Run q = run("boot", "--quiet");
        assertEquals(2, q.exit());
        assertTrue(q.err().startsWith("kmm: --quiet prints one view alone"), q.err());
        LayoutCommandTest.Run c = run("boot", "--config", "CONFIG_FOO=y");
        assertEquals(2, c.exit());
        assertTrue(c.err().startsWith("kmm: --config: unknown kernel config option 'CONFIG_FOO'"), c.err());
        LayoutCommandTest.Run m = run("boot", "--machine", "pdp11");
        assertEquals(2, m.exit());
        assertTrue(m.err().startsWith("kmm: --machine: unknown machine 'pdp11'"), m.err());
        assertEquals(1, m.err().strip().lines().count(), m.err());
    }
}
