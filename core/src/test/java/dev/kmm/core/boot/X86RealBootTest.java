package dev.kmm.core.boot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kmm's boot of the built-in PCs against real boots of Linux 6.1.192 (x86_64_defconfig) under QEMU with
 * 8 GiB, four CPUs and, for numa2-x86_64, two SRAT nodes of 4 GiB (the logs and how they were made:
 * resources/boot/README.md). The machine is the built-in one with QEMU's placement of that run's
 * 331588-byte initrd and the command line of the run.
 */
class X86RealBootTest {
    private static Machine qemuRun(String machine) {
        return Machines.byName(machine).toBuilder()
                .bootArgs("console=ttyS0 nokaslr memblock=debug loglevel=8")
                .initrd(0xbff8_f000L, 331588)
                .build();
    }

    private static String logOf(String machine) {
        return machine.equals("pc-x86_64") ? "pc-x86_64/default.log" : "pc-x86_64/numa2.log";
    }

    /**
     * Every memblock reservation and free that lands in RAM, in order and to the byte: the kernel image and
     * brk, the first 1 MiB, the real-mode trampoline, the direct-map page tables, the initrd, the nodes'
     * pglist_data, the sparse tables, usemaps and memmap with its vmemmap page tables, the per-CPU chunks and
     * their bookkeeping, the log buffer and the hashes. Left out of kmm's trace, and of this comparison, are
     * reservations of firmware tables inside e820-reserved memory or the first MiB (the SMP MP-table and the
     * ACPI tables: they change nothing memblock.memory covers) and start_kernel's 9-byte buffer for the
     * "Unknown kernel command line parameters" line, freed again right away.
     */
    @ParameterizedTest
    @ValueSource(strings = {"pc-x86_64", "numa2-x86_64"})
    void memblockCallsAreTheKernels(String machine) {
        List<String> real = new ArrayList<>(RealBootLog.memblockRanges(RealBootLog.load(logOf(machine)).kernelLines()));
        real.removeIf(X86RealBootTest::firmwareOrUnknownParams);
        try (Kernel k = Kernel.boot(qemuRun(machine))) {
            assertEquals(real, RealBootLog.memblockRanges(k.dmesg()));
        }
    }

    private static boolean firmwareOrUnknownParams(String trace) {
        String range = trace.substring(trace.indexOf('[') + 1, trace.indexOf(']'));
        long start = Long.decode(range.substring(0, range.indexOf('-')));
        long end = Long.decode(range.substring(range.indexOf('-') + 1)) + 1;
        boolean mpTable = start >= 0xf0000 && end <= 0x100000;
        boolean acpi = start >= 0xbffe0000L && end <= 0xc0000000L;
        boolean unknownParams = end - start == 9; // "nokaslr" (x86_64_defconfig has no RANDOMIZE_BASE)
        return mpTable || acpi || unknownParams;
    }

    /** Every line kmm prints (but the memblock=debug trace) is a line of the real boot, in its order. */
    @ParameterizedTest
    @ValueSource(strings = {"pc-x86_64", "numa2-x86_64"})
    void consoleLinesAreTheKernels(String machine) {
        List<String> real = RealBootLog.load(logOf(machine)).kernelLines();
        try (Kernel k = Kernel.boot(qemuRun(machine))) {
            List<String> ours = new ArrayList<>();
            for (String l : k.dmesg()) {
                if (!l.startsWith("memblock_") && !l.startsWith("MEMBLOCK") && !l.startsWith(" ")) {
                    ours.add(l);
                }
            }
            int at = 0;
            for (String line : ours) {
                int found = real.subList(at, real.size()).indexOf(line);
                assertTrue(found >= 0, "not in the real log after line " + at + ": " + line);
                at += found + 1;
            }
            assertTrue(ours.size() >= 20, "too few lines compared: " + ours);
        }
    }

    /**
     * The "Memory:" line is the real one, "available" included: nr_free_pages() when mem_init_print_info runs,
     * after mem_init()'s preallocate_vmalloc_pages() took one PUD page for each of the 64 PGD slots from
     * VMALLOC_START to VMALLOC_END (32 TiB / 512 GiB) from the page allocator.
     */
    @ParameterizedTest
    @ValueSource(strings = {"pc-x86_64", "numa2-x86_64"})
    void memoryLineIsTheKernels(String machine) {
        String real = RealBootLog.load(logOf(machine)).kernelLines().stream()
                .filter(l -> l.startsWith("Memory: ")).findFirst().orElseThrow();
        try (Kernel k = Kernel.boot(qemuRun(machine))) {
            assertEquals(real, k.dmesg().stream().filter(l -> l.startsWith("Memory: ")).findFirst().orElseThrow());
        }
    }

    /**
     * /proc/iomem from the e820 table setup_arch left and the image's sections: each line kmm prints is the
     * real file's, in order (the real one adds the PCI bus, ROMs and devices kmm has not).
     */
    @ParameterizedTest
    @ValueSource(strings = {"pc-x86_64", "numa2-x86_64"})
    void iomemIsTheKernels(String machine) {
        List<String> real = List.of(RealBootLog.load(logOf(machine)).procFile("/proc/iomem").split("\n"));
        try (Kernel k = Kernel.boot(qemuRun(machine))) {
            List<String> ours = List.of(k.proc("/proc/iomem").split("\n"));
            int at = 0;
            for (String line : ours) {
                int found = real.subList(at, real.size()).indexOf(line);
                assertTrue(found >= 0, "not in the real /proc/iomem after line " + at + ": " + line);
                at += found + 1;
            }
            assertEquals(13, ours.size());
        }
    }

    /** /proc/zoneinfo at the end of boot, every node and zone, and the vm sysctls. */
    @ParameterizedTest
    @ValueSource(strings = {"pc-x86_64", "numa2-x86_64"})
    void zoneinfoIsTheKernels(String machine) {
        RealBootLog real = RealBootLog.load(logOf(machine));
        try (Kernel k = Kernel.boot(qemuRun(machine))) {
            RealBootLog.assertZoneinfoByNode(real.zoneinfoByNode(0), k);
            assertEquals(real.proc("/proc/sys/vm/min_free_kbytes"), k.sysctl("vm.min_free_kbytes"));
            assertEquals(real.proc("/proc/sys/vm/lowmem_reserve_ratio"), k.sysctl("vm.lowmem_reserve_ratio"));
            assertEquals(real.proc("/proc/sys/vm/watermark_scale_factor"), k.sysctl("vm.watermark_scale_factor"));
            assertEquals(real.proc("/proc/sys/vm/percpu_pagelist_high_fraction"),
                    k.sysctl("vm.percpu_pagelist_high_fraction"));
        }
    }

    /**
     * The real run's sysctl reads and writes: /init reads the four files (reading lowmem_reserve_ratio
     * recomputes the protection from the managed pages after boot, a quirk of 6.1's handler), writes
     * min_free_kbytes=8192, then watermark_scale_factor=200, lowmem_reserve_ratio="128 64 0" and
     * percpu_pagelist_high_fraction=8, each recomputed from the managed pages.
     */
    @ParameterizedTest
    @ValueSource(strings = {"pc-x86_64", "numa2-x86_64"})
    void sysctlWritesRecomputeAsTheKernelDoes(String machine) {
        RealBootLog real = RealBootLog.load(logOf(machine));
        try (Kernel k = Kernel.boot(qemuRun(machine))) {
            for (String s : List.of("vm.min_free_kbytes", "vm.watermark_scale_factor", "vm.lowmem_reserve_ratio",
                    "vm.percpu_pagelist_high_fraction")) {
                k.sysctl(s);
            }
            k.sysctl("vm.min_free_kbytes", "8192");
            RealBootLog.assertZoneinfoByNode(real.zoneinfoByNode(1), k);
            k.sysctl("vm.watermark_scale_factor", "200");
            k.sysctl("vm.lowmem_reserve_ratio", "128 64 0");
            k.sysctl("vm.percpu_pagelist_high_fraction", "8");
            RealBootLog.assertZoneinfoByNode(real.zoneinfoByNode(2), k);
        }
    }
}
