package dev.kmm.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class LayoutCommandTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = KmmCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void vexpressUnder414ReproducesTheNotesLowmem() {
        // 1 GiB at 0x60000000, VMSPLIT_3G, 4.14 constants: lowmem ends at max_low_pfn 0x8f800 (760 MiB).
        Run r = run("layout", "--arch", "arm", "--layout-version", "4.14");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("    lowmem  : 0xc0000000 - 0xef800000   ( 760 MB)"), r.out());
    }

    @Test
    void vexpressUnder61HasTheMovedVmallocEnd() {
        Run r = run("layout");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Virtual kernel memory layout:\n"), r.out());
        assertTrue(r.out().contains("    vmalloc : 0xf0800000 - 0xff800000   ( 240 MB)"), r.out());
        assertTrue(r.out().contains("    lowmem  : 0xc0000000 - 0xf0000000   ( 768 MB)"), r.out());
    }

    @Test
    void smallRamIsAllLowmem() {
        Run r = run("layout", "--mem", "256M", "--vmsplit", "2G");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("    lowmem  : 0x80000000 - 0x90000000   ( 256 MB)"), r.out());
    }

    @Test
    void x86_64PrintsTheDirectMapAndVmemmap() {
        Run r = run("layout", "--arch", "x86_64");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("ffff888000000000\tffffc87fffffffff\t  64TB\t\tdirect mapping of all physical memory"), r.out());
        assertTrue(r.out().contains("ffffea0000000000"), r.out());
    }

    @Test
    void badValuesGiveOneLineAndExitTwo() {
        Run r = run("layout", "--arch", "sparc");
        assertEquals(2, r.exit());
        assertEquals("kmm: --arch: 'sparc' is not one of arm, arm64, x86_64\n", r.err().replace("\r", ""));
        Run m = run("layout", "--mem", "12Q");
        assertEquals(2, m.exit());
        assertTrue(m.err().startsWith("kmm: --mem: '12Q' is not a size"), m.err());
        Run u = run("layout", "--no-such-option");
        assertEquals(2, u.exit());
        assertTrue(u.err().contains("Unknown option: '--no-such-option'"), u.err());
    }
}
