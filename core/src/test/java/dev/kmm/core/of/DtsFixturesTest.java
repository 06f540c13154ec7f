package dev.kmm.core.of;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Compiles the {@code .dts} fixtures with the real dtc and checks them against the same machines built here. */
class DtsFixturesTest {

    private static void needDtc() {
        Assumptions.assumeTrue(Dtc.isAvailable(), "skipped: " + Dtc.NOT_INSTALLED);
    }

    @Test
    void missingDtcGivesTheInstallHint(@org.junit.jupiter.api.io.TempDir Path emptyDir) {
        IOException e = assertThrows(IOException.class,
                () -> Dtc.compile(emptyDir.resolve("x.dts"), emptyDir.toString()));
        assertEquals("dtc (device-tree-compiler) is not installed: install it (apt-get install "
                + "device-tree-compiler) or pass a compiled .dtb", e.getMessage());
    }

    static Path fixture(String name) {
        try {
            return Path.of(DtsFixturesTest.class.getResource("/dts/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Fdt compile(String name) throws IOException {
        needDtc();
        return Fdt.parse(Dtc.compile(fixture(name)));
    }

    /** dtc writes version 17 with last_comp_version 16, as the writer does; so the whole trees compare. */
    private static void assertSameMachine(FdtWriter expected, Fdt compiled) {
        assertEquals(expected.toFdt(), compiled);
        assertEquals(compiled, Fdt.parse(expected.toBlob()));
        assertEquals(compiled, Fdt.parse(FdtWriter.of(compiled).toBlob()), "re-writing a dtc blob keeps the tree");
    }

    @Test
    void vexpressA9MatchesWriter() throws IOException {
        assertSameMachine(Machines.vexpressA9(), compile("vexpress-a9.dts"));
    }

    @Test
    void virtArm64MatchesWriter() throws IOException {
        Fdt fdt = compile("virt-arm64.dts");
        assertSameMachine(Machines.virtArm64(), fdt);
        FdtNode optee = fdt.node("/firmware/optee").orElseThrow();
        assertEquals(List.of(fdt.node("/reserved-memory/secmon@bfe00000").orElseThrow()),
                fdt.phandles(optee, "memory-region"), "dtc's &secmon resolves to the phandle it assigned");
    }

    @Test
    void numaArm64MatchesWriter() throws IOException {
        assertSameMachine(Machines.numaArm64(), compile("numa-arm64.dts"));
    }

    @Test
    void dtcErrorsAreReported(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        needDtc();
        Path bad = dir.resolve("bad.dts");
        Files.writeString(bad, "/dts-v1/;\n/ { x = <1 ; };\n");
        IOException e = assertThrows(IOException.class, () -> Dtc.compile(bad));
        assertTrue(e.getMessage().startsWith("dtc failed (exit 1) on " + bad), e.getMessage());
        assertFalse(e.getMessage().endsWith(": "), "dtc's diagnostics are included");
    }
}
