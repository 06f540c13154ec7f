package dev.kmm.core.boot;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kmm's boot of the Versatile Express against real boots of Linux 6.1.192 (vexpress_defconfig with
 * HIGHMEM and VMSPLIT_3G) under QEMU, with and without mem=, vmalloc=, cma= and kernelcore= (the logs and
 * how they were made: resources/boot/README.md). The machine is the built-in one with QEMU's placement of
 * that run's 250569-byte initrd and the command line of the run.
 */
class VexpressRealBootTest {
    private static Machine qemuRun(String extraArgs) {
        String args = "console=ttyAMA0 memblock=debug loglevel=8" + (extraArgs.isEmpty() ? "" : " " + extraArgs);
        return Machines.vexpressA9().toBuilder()
                .bootArgs(args)
                .initrd(0x6800_0000L, 250569)
                .dtb(new DeviceTreeBlob(new PhysRange(0x6803_e000L, 48162), 40024, 4,
                        List.of(27L, 27L, 27L, 27L, 24L, 24L)))
                .build();
    }

    /**
     * Every memblock reservation and free, in order and to the byte: the kernel image, initrd, page tables,
     * CMA, the memmap, the pageblock bitmaps, the device tree, the command lines, the per-CPU chunk and its
     * bookkeeping, the log buffer and the dentry and inode hashes.
     */
    @ParameterizedTest
    @CsvSource({"default.log,''", "mem-512M.log,mem=512M", "vmalloc-128M.log,vmalloc=128M",
            "mem-900M-vmalloc-400M-cma-32M.log,mem=900M vmalloc=400M cma=32M", "kernelcore-600M.log,kernelcore=600M"})
    void memblockCallsAreTheKernels(String log, String args) {
        RealBootLog real = RealBootLog.load("vexpress-a9/" + log);
        try (Kernel k = Kernel.boot(qemuRun(args))) {
            assertEquals(RealBootLog.memblockRanges(real.kernelLines()), RealBootLog.memblockRanges(k.dmesg()));
        }
    }

    /**
     * Every line kmm prints is a line of the real boot, in the real boot's order: zone ranges, reserved
     * memory, CMA, per-CPU, zonelists, command line, log buffer, hash tables, the Memory line, the frees.
     * (memblock=debug's trace names Java callers, so it is compared by range above.)
     */
    @ParameterizedTest
    @CsvSource({"default.log,''", "mem-512M.log,mem=512M", "vmalloc-128M.log,vmalloc=128M",
            "mem-900M-vmalloc-400M-cma-32M.log,mem=900M vmalloc=400M cma=32M", "kernelcore-600M.log,kernelcore=600M"})
    void consoleLinesAreTheKernels(String log, String args) {
        List<String> real = RealBootLog.load("vexpress-a9/" + log).kernelLines();
        try (Kernel k = Kernel.boot(qemuRun(args))) {
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
        }
    }

    /** /proc/zoneinfo at the end of boot: spans, present, managed, cma, watermarks, protection, pcp, thresholds. */
    @ParameterizedTest
    @CsvSource({"default.log,''", "mem-512M.log,mem=512M", "vmalloc-128M.log,vmalloc=128M",
            "mem-900M-vmalloc-400M-cma-32M.log,mem=900M vmalloc=400M cma=32M", "kernelcore-600M.log,kernelcore=600M"})
    void zoneinfoIsTheKernels(String log, String args) {
        RealBootLog real = RealBootLog.load("vexpress-a9/" + log);
        try (Kernel k = Kernel.boot(qemuRun(args))) {
            assertZoneinfo(real.zoneinfo(0), k);
            assertEquals(real.proc("/proc/sys/vm/min_free_kbytes"), k.sysctl("vm.min_free_kbytes"));
            assertEquals(real.proc("/proc/sys/vm/lowmem_reserve_ratio"), k.sysctl("vm.lowmem_reserve_ratio"));
            assertEquals(real.proc("/proc/sys/vm/watermark_scale_factor"), k.sysctl("vm.watermark_scale_factor"));
            assertEquals(real.proc("/proc/sys/vm/percpu_pagelist_high_fraction"),
                    k.sysctl("vm.percpu_pagelist_high_fraction"));
        }
    }

    /**
     * /proc/meminfo's Percpu is {@code pcpu_nr_pages()}: the first chunk's static, reserved and dynamic pages times
     * its units. The vmalloc=128M run read it before anything needed a second chunk; the other runs show 3 more
     * pages per unit, a chunk their userspace had populated by then.
     */
    @Test
    void percpuIsTheFirstChunksPopulatedPages() {
        String real = RealBootLog.load("vexpress-a9/vmalloc-128M.log").procFile("/proc/meminfo").lines()
                .filter(l -> l.startsWith("Percpu:")).findFirst().orElseThrow();
        try (Kernel k = Kernel.boot(qemuRun("vmalloc=128M"))) {
            assertEquals(real, k.proc("/proc/meminfo").lines().filter(l -> l.startsWith("Percpu:")).findFirst()
                    .orElseThrow());
        }
    }

    /**
     * The sysctl writes of the real run: min_free_kbytes=8192, then watermark_scale_factor=200,
     * lowmem_reserve_ratio="128 64 0" and percpu_pagelist_high_fraction=8, each recomputed from the
     * managed pages the zones have by then (larger than at boot, after the init sections and initrd).
     */
    @Test
    void sysctlWritesRecomputeAsTheKernelDoes() {
        RealBootLog real = RealBootLog.load("vexpress-a9/default.log");
        try (Kernel k = Kernel.boot(qemuRun(""))) {
            for (String s : List.of("vm.min_free_kbytes", "vm.watermark_scale_factor", "vm.lowmem_reserve_ratio",
                    "vm.percpu_pagelist_high_fraction")) {
                k.sysctl(s); // /init's reads (reading lowmem_reserve_ratio recomputes the protection)
            }
            k.sysctl("vm.min_free_kbytes", "8192");
            assertZoneinfo(real.zoneinfo(1), k);
            k.sysctl("vm.watermark_scale_factor", "200");
            k.sysctl("vm.lowmem_reserve_ratio", "128 64 0");
            k.sysctl("vm.percpu_pagelist_high_fraction", "8");
            assertZoneinfo(real.zoneinfo(2), k);
        }
    }

    private static void assertZoneinfo(Map<String, RealBootLog.Zone> real, Kernel k) {
        List<ZoneInfo> zones = k.zones();
        assertEquals(List.copyOf(real.keySet()), zones.stream().map(ZoneInfo::name).toList());
        for (ZoneInfo z : zones) {
            RealBootLog.Zone r = real.get(z.name());
            var w = z.limits().watermarks();
            String what = z.name() + ": ";
            assertEquals(r.spanned(), z.spanned(), what + "spanned");
            assertEquals(r.present(), z.present(), what + "present");
            assertEquals(r.managed(), z.managed(), what + "managed");
            assertEquals(r.cma(), z.cmaPages(), what + "cma");
            assertEquals(r.min(), w.minWmarkPages(), what + "min");
            assertEquals(r.low(), w.lowWmarkPages(), what + "low");
            assertEquals(r.high(), w.highWmarkPages(), what + "high");
            assertEquals(r.protection(), z.limits().protectionLine(), what + "protection");
            if (z.populated()) {
                assertEquals(r.pcpHigh(), z.limits().pcp().high(), what + "pcp high");
                assertEquals(r.pcpBatch(), z.limits().pcp().batch(), what + "pcp batch");
                assertEquals(r.threshold(), z.limits().statThreshold(), what + "vm stats threshold");
            }
        }
    }
}
