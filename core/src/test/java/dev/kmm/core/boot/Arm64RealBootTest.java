package dev.kmm.core.boot;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kmm's boot of the built-in virt-arm64 against real boots of Linux 6.1.192 (arm64 defconfig) under QEMU's virt
 * board with four Cortex-A57, 2 GiB (or 6 GiB) and the variants mem=1G, cma=64M, kernelcore=1G and numa=off (the
 * logs and how they were made: resources/boot/README.md). The machine is the built-in one with QEMU's placement
 * of that run's 298195-byte initrd and the command line of the run.
 */
class Arm64RealBootTest {
    private static final String RUNS = """
            default.log.gz,2,''
            mem-1G.log.gz,2,mem=1G
            cma-64M.log.gz,2,cma=64M
            6G.log.gz,6,''
            kernelcore-1G.log.gz,2,kernelcore=1G
            numa-off.log.gz,2,numa=off
            """;

    private static Machine qemuRun(int gib, String extraArgs) {
        long ram = (long) gib << 30;
        String args = "console=ttyAMA0 earlycon=pl011,0x9000000 nokaslr memblock=debug loglevel=8"
                + (extraArgs.isEmpty() ? "" : " " + extraArgs);
        long initrd = 0x4000_0000L + Math.min(ram / 2, 128L << 20);
        long dtb = (initrd + 298195 + (2L << 20) - 1) & -(2L << 20); // QEMU: the next 2 MiB after the initrd
        return Machines.virtArm64(ram, 4).toBuilder()
                .bootArgs(args)
                .initrd(initrd, 298195)
                .dtb(new DeviceTreeBlob(new PhysRange(dtb, 1L << 20), 43804, 8, List.of()))
                .build();
    }

    /**
     * Every memblock reservation and free, in order and to the byte: the initrd, the image, each of the
     * linear map's and the image's page tables (1023 with 2 GiB), init_pg_dir's return, the identity map, the
     * unflattened device tree, the NUMA distance table (allocated, freed, allocated again), NODE_DATA, the
     * sparse tables, usemaps and memmap with its vmemmap tables, CMA, the resources, the command lines, the
     * per-CPU chunk, the hashes, swiotlb above 4 GiB and the initrd's return to memblock. Left out: start_kernel's
     * 9-byte buffer for the "Unknown kernel command line parameters" line ("nokaslr"), freed right away.
     */
    @ParameterizedTest
    @CsvSource(textBlock = RUNS)
    void memblockCallsAreTheKernels(String log, int gib, String args) {
        List<String> real = new ArrayList<>(RealBootLog.memblockRanges(RealBootLog.load("virt-arm64/" + log).kernelLines()));
        real.removeIf(Arm64RealBootTest::unknownParamsBuffer);
        try (Kernel k = Kernel.boot(qemuRun(gib, args))) {
            assertEquals(real, RealBootLog.memblockRanges(k.dmesg()));
        }
    }

    private static boolean unknownParamsBuffer(String trace) {
        String range = trace.substring(trace.indexOf('[') + 1, trace.indexOf(']'));
        long start = Long.decode(range.substring(0, range.indexOf('-')));
        long end = Long.decode(range.substring(range.indexOf('-') + 1)) + 1;
        return end - start == 9;
    }

    /** Every line kmm prints (but the memblock=debug trace) is a line of the real boot, in its order. */
    @ParameterizedTest
    @CsvSource(textBlock = RUNS)
    void consoleLinesAreTheKernels(String log, int gib, String args) {
        List<String> real = RealBootLog.load("virt-arm64/" + log).kernelLines();
        try (Kernel k = Kernel.boot(qemuRun(gib, args))) {
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
            assertTrue(ours.size() >= 15, "too few lines compared: " + ours);
            assertTrue(ours.stream().anyMatch(l -> l.startsWith("Memory: ")));
        }
    }

    /**
     * /proc/iomem: System RAM, the image's code and data and memblock's reserved regions after boot, each line
     * kmm prints being the real file's, in order (the real one adds the board's devices, flash and PCI).
     */
    @ParameterizedTest
    @CsvSource(textBlock = RUNS)
    void iomemIsTheKernels(String log, int gib, String args) {
        List<String> real = List.of(RealBootLog.load("virt-arm64/" + log).procFile("/proc/iomem").split("\n"));
        try (Kernel k = Kernel.boot(qemuRun(gib, args))) {
            List<String> ours = List.of(k.proc("/proc/iomem").split("\n"));
            int at = 0;
            for (String line : ours) {
                int found = real.subList(at, real.size()).indexOf(line);
                assertTrue(found >= 0, "not in the real /proc/iomem after line " + at + ": " + line + "\n" + ours);
                at += found + 1;
            }
            // and all of the real file's System RAM with what lies in it
            boolean inRam = false;
            for (String line : real) {
                inRam = line.endsWith(": System RAM") || (inRam && line.startsWith(" "));
                if (inRam) {
                    assertTrue(ours.contains(line), "kmm's /proc/iomem lacks: " + line);
                }
            }
        }
    }

    /** /proc/zoneinfo at the end of boot and the vm sysctls. */
    @ParameterizedTest
    @CsvSource(textBlock = RUNS)
    void zoneinfoIsTheKernels(String log, int gib, String args) {
        RealBootLog real = RealBootLog.load("virt-arm64/" + log);
        try (Kernel k = Kernel.boot(qemuRun(gib, args))) {
            RealBootLog.assertZoneinfoByNode(real.zoneinfoByNode(0), k);
            assertEquals(real.proc("/proc/sys/vm/min_free_kbytes"), k.sysctl("vm.min_free_kbytes"));
            assertEquals(real.proc("/proc/sys/vm/lowmem_reserve_ratio"), k.sysctl("vm.lowmem_reserve_ratio"));
            assertEquals(real.proc("/proc/sys/vm/watermark_scale_factor"), k.sysctl("vm.watermark_scale_factor"));
            assertEquals(real.proc("/proc/sys/vm/percpu_pagelist_high_fraction"),
                    k.sysctl("vm.percpu_pagelist_high_fraction"));
        }
    }

    /**
     * /init's sysctl reads (reading lowmem_reserve_ratio recomputes the protection), then min_free_kbytes=8192,
     * then watermark_scale_factor=200, lowmem_reserve_ratio="128 64 0", percpu_pagelist_high_fraction=8.
     */
    @ParameterizedTest
    @CsvSource(textBlock = RUNS)
    void sysctlWritesRecomputeAsTheKernelDoes(String log, int gib, String args) {
        RealBootLog real = RealBootLog.load("virt-arm64/" + log);
        try (Kernel k = Kernel.boot(qemuRun(gib, args))) {
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
