package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.pagealloc.CoreParams;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** boot_command_line handling (drivers/of/fdt.c, kernel/params.c next_arg) and the memory early params. */
class CommandLineTest {
    @Test
    void splitsLikeNextArg() {
        CommandLine c = CommandLine.of("  console=ttyAMA0  root=\"/dev/my disk\" \"quoted=x y\" ro -- init-arg", "", 1024);
        assertEquals(List.of(new CommandLine.Param("console", "ttyAMA0"), new CommandLine.Param("root", "/dev/my disk"),
                new CommandLine.Param("quoted", "x y"), new CommandLine.Param("ro", null)), c.params());
        assertTrue(CommandLine.parameq("memblock", "memblock"));
        assertTrue(CommandLine.parameq("numa_balancing", "numa-balancing"));
        assertFalse(CommandLine.parameq("mem", "memblock"));
    }

    /** CONFIG_CMDLINE is the default when the boot loader passes nothing (CMDLINE_FROM_BOOTLOADER). */
    @Test
    void builtInCommandLineWhenTheBootLoaderGivesNone() {
        assertEquals("console=ttyAMA0", CommandLine.of("", "console=ttyAMA0", 1024).text());
        assertEquals("mem=512M", CommandLine.of("mem=512M", "console=ttyAMA0", 1024).text());
    }

    /** strscpy(cmdline, bootargs, COMMAND_LINE_SIZE) keeps COMMAND_LINE_SIZE - 1 characters. */
    @Test
    void truncatedToCommandLineSize() {
        String longArgs = "x".repeat(1017) + " mem=256M";
        CommandLine arm = CommandLine.of(longArgs, "", 1024);
        assertEquals(1023, arm.text().length());
        assertTrue(arm.truncated());
        assertEquals("mem", arm.params().getLast().name());
        assertEquals("2", arm.params().getLast().value()); // "mem=256M" cut after "mem=2"
        CommandLine arm64 = CommandLine.of(longArgs, "", 2048);
        assertFalse(arm64.truncated());
        assertEquals("256M", arm64.params().getLast().value());
    }

    @Test
    void memoryParametersPerArch() {
        BootParams arm = BootParams.parse(CommandLine.of("mem=256M mem=128M@0x80000000 vmalloc=400M cma=32M@0x70000000 "
                + "kernelcore=50% numa=off memblock=debug quiet", "", 1024), Arch.ARM);
        assertEquals(List.of(new BootParams.MemBank(256L << 20, OptionalLong.empty()),
                new BootParams.MemBank(128L << 20, OptionalLong.of(0x8000_0000L))), arm.mem());
        assertEquals(400L << 20, arm.vmalloc().getAsLong());
        assertEquals(new BootParams.Cma(32L << 20, 0x7000_0000L, 0x7000_0000L + (32L << 20)), arm.cma().orElseThrow());
        assertTrue(arm.cma().orElseThrow().fixed());
        assertEquals(new CoreParams(0, 50, 0, 0), arm.core());
        assertFalse(arm.numaOff()); // arm has no numa= handler
        assertTrue(arm.memblockDebug());
        assertEquals(BootParams.CONSOLE_LOGLEVEL_QUIET, arm.loglevel());

        BootParams arm64 = BootParams.parse(CommandLine.of("mem=1000001k vmalloc=1G numa=off", "", 2048), Arch.ARM64);
        assertEquals(1_000_001L * 1024 & ~0xfffL, arm64.memLimit().getAsLong()); // memparse() & PAGE_MASK
        assertTrue(arm64.vmalloc().isEmpty());
        assertTrue(arm64.numaOff());
        BootParams x86 = BootParams.parse(CommandLine.of("mem=4G loglevel=3", "", 2048), Arch.X86_64);
        assertEquals(4L << 30, x86.memLimit().getAsLong());
        assertEquals(3, x86.loglevel());
        assertEquals(new BootParams.Cma(64L << 20, 0, 0),
                BootParams.parse(CommandLine.of("cma=64M", "", 2048), Arch.X86_64).cma().orElseThrow());
    }

    @Test
    void valuesTheKernelWouldMisreadAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> parse("mem=lots", Arch.ARM));
        assertThrows(IllegalArgumentException.class, () -> parse("mem=512M@high", Arch.ARM));
        assertThrows(IllegalArgumentException.class, () -> parse("mem=0", Arch.X86_64));
        assertThrows(IllegalArgumentException.class, () -> parse("mem", Arch.ARM64));
        assertThrows(IllegalArgumentException.class, () -> parse("vmalloc=big", Arch.ARM));
        assertThrows(IllegalArgumentException.class, () -> parse("cma=16M@0x70000000+", Arch.ARM));
        assertThrows(IllegalArgumentException.class, () -> parse("kernelcore=mirror", Arch.ARM64));
        assertThrows(IllegalArgumentException.class, () -> parse("loglevel=loud", Arch.ARM));
    }

    /** init_on_alloc, init_on_free and page_owner take kstrtobool's values, off by default, the last one winning. */
    @Test
    void memoryDebugSwitches() {
        BootParams none = parse("console=ttyS0", Arch.X86_64);
        assertFalse(none.initOnAlloc() || none.initOnFree() || none.pageOwner());
        BootParams on = parse("init_on_alloc=1 init_on_free=on page_owner=Yes", Arch.ARM64);
        assertTrue(on.initOnAlloc() && on.initOnFree() && on.pageOwner());
        BootParams off = parse("init_on_alloc=y init_on_alloc=0 init-on-free=ON init_on_free=off page_owner=N", Arch.ARM);
        assertFalse(off.initOnAlloc() || off.initOnFree() || off.pageOwner());
        assertTrue(parse("page_owner=on init_on_free=OFF", Arch.ARM).pageOwner());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("init_on_free=maybe", Arch.X86_64));
        assertEquals("init_on_free=maybe: not a boolean (y/n/1/0/on/off); the kernel would warn \"Malformed early "
                + "option\"", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("page_owner", Arch.X86_64));
        assertThrows(IllegalArgumentException.class, () -> parse("init_on_alloc=o", Arch.X86_64));
    }

    private static BootParams parse(String args, Arch arch) {
        return BootParams.parse(CommandLine.of(args, "", 2048), arch);
    }
}
