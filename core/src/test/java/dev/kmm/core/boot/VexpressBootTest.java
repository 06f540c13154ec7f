package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.arena.addr.ArmLayoutVersion;
import dev.kmm.arena.layout.ZonerefLayout;
import dev.kmm.core.pagealloc.KernelMath;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in Versatile Express: its numbers written as the kernel's arithmetic, and the variants of
 * the issue (mem=, vmalloc=, the 4.14 layout, the defconfig's own split).
 */
class VexpressBootTest {
    private static final long RAM = 0x6000_0000L;
    private static final long PAGE = 4096;

    /**
     * find_limits(): max_low_pfn is the memblock limit adjust_lowmem_bounds() set,
     * PFN_DOWN(VMALLOC_END - 240 MiB - VMALLOC_OFFSET - PAGE_OFFSET + PHYS_OFFSET); ZONE_NORMAL below it,
     * ZONE_HIGHMEM above (zone_sizes_init()).
     */
    @Test
    void zoneLimitsOf61() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long maxLow = (0xff80_0000L - (240L << 20) - (8L << 20) - 0xc000_0000L + RAM) >>> 12;
            assertEquals(0x90000, maxLow);
            assertArrayEquals(new long[] {0x60000, maxLow, 0xa0000}, k.pfnLimits());
            ZoneInfo normal = k.zone(0, "Normal");
            ZoneInfo high = k.zone(0, "HighMem");
            assertEquals(0x60000, normal.zoneStartPfn());
            assertEquals(maxLow - 0x60000, normal.spanned());
            assertEquals(maxLow - 0x60000, normal.present());
            assertEquals(maxLow, high.zoneStartPfn());
            assertEquals(0xa0000 - maxLow, high.present());
            assertEquals(0x9000_0000L, k.addressSpace().armLowmemLimit());
        }
    }

    /** The 4.14 layout (VMALLOC_END 0xff000000) reproduces the notes' max_low_pfn of 0x8f800. */
    @Test
    void zoneLimitsOf414() {
        Machine m = Machines.vexpressA9().toBuilder().armLayout(ArmLayoutVersion.V4_14).build();
        try (Kernel k = Kernel.boot(m)) {
            assertArrayEquals(new long[] {0x60000, 0x8f800, 0xa0000}, k.pfnLimits());
            assertEquals(0x8f800 - 0x60000, k.zone(0, "Normal").spanned());
            assertEquals(0xa0000 - 0x8f800, k.zone(0, "HighMem").spanned());
        }
    }

    /**
     * Managed pages: lowmem less every page memblock kept (each listed by what it holds), highmem whole
     * (its CMA area joins it at core_initcall). The watermarks come from the boot-time count; the initrd
     * (arm frees it rounded out to pages) and the 1 MiB of init sections come back afterwards.
     */
    @Test
    void managedPagesAndWatermarks() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long swapperPgDir = 0x4000 / PAGE;
            long image = pfnUp(RAM + 0xdcfbb0 + 0x8000) - (RAM + 0x100000) / PAGE; // PFN_UP(_end) - PFN_DOWN(_stext)
            long initrdAndDtb = pfnUp(0x6840_0000L + 48162) - 0x6800_0000L / PAGE; // contiguous: initrd then DTB
            long earlyAlloc = 2 + 3 + 1; // vectors, PTE tables of vectors/pkmap/fixmap, zero page
            long memmap = (0xa0000 - 0x60000) * 32 / PAGE; // 32-byte struct page
            // percpu (4 units of 15 pages), log buffer (32768 + 12288 + 90112 bytes), dentry (128 pages) and
            // inode (64 pages) hashes, the unflattened DT and the small allocations packed between them:
            // [0x8f6d0000, 0x8f7fa000) less the two pages percpu gave back (see the real boot's memblock trace).
            long packed = (0x8f7f_a000L - 0x8f6d_0000L) / PAGE - 2;
            long lowReserved = swapperPgDir + image + initrdAndDtb + earlyAlloc + memmap + packed;
            long bootNormal = 196608 - lowReserved;
            assertEquals(3288, image);
            assertEquals(1036, initrdAndDtb);

            long initrdPages = (4L << 20) / PAGE;
            long initmem = (1L << 20) / PAGE;
            ZoneInfo normal = k.zone(0, "Normal");
            ZoneInfo high = k.zone(0, "HighMem");
            assertEquals(bootNormal + initrdPages + initmem, normal.managed());
            assertEquals(65536, high.managed());
            assertEquals(4096, high.cmaPages());

            // init_per_zone_wmark_min() ran on the boot-time count: min_free_kbytes = sqrt(lowmem kB * 16).
            long minFree = KernelMath.intSqrt(bootNormal * 4 * 16);
            assertEquals(minFree, k.minFreeKbytes());
            long pagesMin = minFree >> 2;
            long tmp = Math.max(pagesMin >> 2, bootNormal * 10 / 10000);
            var w = normal.limits().watermarks();
            assertEquals(pagesMin, w.min());
            assertEquals(pagesMin + tmp, w.low());
            assertEquals(pagesMin + 2 * tmp, w.high());
            long highTmp = Math.max(pagesMin * 65536 / bootNormal >> 2, 65536 * 10 / 10000);
            assertEquals(64, high.limits().watermarks().min()); // clamp(65536 / 1024, 32, 128)
            assertEquals(64 + highTmp, high.limits().watermarks().low());
            assertEquals("        protection: (0, " + 65536 / 32 + ", " + 65536 / 32 + ")", normal.limits().protectionLine());
            assertEquals((pagesMin + tmp) / 4, normal.limits().pcp().high()); // low watermark over 4 CPUs

            assertTrue(k.dmesg().contains("Freeing initrd memory: 4096K"));
            assertTrue(k.dmesg().contains("Freeing unused kernel image (initmem) memory: 1024K"));
            long physpages = 262144;
            long bootManaged = bootNormal + 65536 - 4096;
            assertTrue(k.dmesg().contains(String.format("Memory: %dK/%dK available (8192K kernel code, 660K rwdata, "
                    + "1976K rodata, 1024K init, 202K bss, %dK reserved, 16384K cma-reserved, %dK highmem)",
                    bootManaged * 4, physpages * 4, (physpages - bootManaged - 4096) * 4, (65536 - 4096) * 4)));
        }
    }

    /** vexpress_defconfig as it is: VMSPLIT_2G puts the vmalloc limit at 0xd0000000, so all 1 GiB is lowmem. */
    @Test
    void defconfigSplitHasNoHighmem() {
        Machine m = Machines.vexpressA9().toBuilder().config(KernelConfig.defconfig(Arch.ARM)).build();
        try (Kernel k = Kernel.boot(m)) {
            assertEquals(List.of("Normal", "Movable"), k.zones().stream().map(ZoneInfo::name).toList());
            assertEquals(0x40000, k.zone(0, "Normal").present());
            assertEquals(0xd000_0000L, k.addressSpace().vmallocLimit());
        }
    }

    /** HIGHMEM off with the 3G split: adjust_lowmem_bounds() drops the RAM above lowmem and says so. */
    @Test
    void highmemOffDropsTheTop() {
        Machine m = Machines.vexpressA9().toBuilder().config("# CONFIG_HIGHMEM is not set").build();
        try (Kernel k = Kernel.boot(m)) {
            assertTrue(k.dmesg().contains("Ignoring RAM at 0x90000000-0xa0000000"));
            assertTrue(k.dmesg().contains("Consider using a HIGHMEM enabled kernel."));
            assertArrayEquals(new long[] {0x60000, 0x90000, 0x90000}, k.pfnLimits());
            // The CMA area then comes from the top of lowmem, remapped with pages: 8 more PTE tables.
            assertEquals(0x8f00_0000L, k.cmaAreas().getFirst().base());
        }
    }

    /** vmalloc= below 16 MiB is raised to it, with the kernel's warning; the lowmem limit follows. */
    @Test
    void vmallocTooSmall() {
        Machine m = Machines.vexpressA9().toBuilder().bootArgs("vmalloc=1M").build();
        try (Kernel k = Kernel.boot(m)) {
            assertTrue(k.dmesg().contains("vmalloc area is too small, limiting to 16MiB"));
            long vmallocLimit = 0xff80_0000L - (16L << 20) - (8L << 20) - 0xc000_0000L + RAM;
            assertEquals(vmallocLimit >>> 12, k.pfnLimits()[1]);
        }
    }

    /**
     * mem=size@start banks replace the device tree's memory: [0x60000000, 0x70000000) and
     * [0x80000000, 0xa0000000), a hole between them; lowmem still ends at 0x90000000.
     */
    @Test
    void memBanks() {
        Machine m = Machines.vexpressA9().toBuilder().bootArgs("mem=256M mem=512M@0x80000000").noInitrd().build();
        try (Kernel k = Kernel.boot(m)) {
            ZoneInfo normal = k.zone(0, "Normal");
            assertEquals(0x90000 - 0x60000, normal.spanned());
            assertEquals(0x10000 + 0x10000, normal.present());
            assertEquals(0x10000, k.zone(0, "HighMem").present());
        }
    }

    /** The UMA node lives in the image's .data (contig_page_data); its zonelist holds its zones, highest first. */
    @Test
    void nodeAndZonelistInSimulatedRam() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long pgdat = k.pgdat(0);
            assertEquals(0xc0d9_4ac0L, pgdat); // System.map of the vexpress build
            var mem = k.memory();
            var p = k.layouts().pglistData();
            assertEquals(0x60000, mem.getLong(pgdat + p.nodeStartPfn));
            assertEquals(262144, mem.getLong(pgdat + p.nodePresentPages));
            assertEquals(2, mem.getInt(pgdat + p.nrZones)); // HighMem is the highest populated
            long zl = pgdat + p.nodeZonelistOffset(0);
            long[] expected = {k.zone(0, 1), k.zone(0, 0), 0};
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], mem.getLong(zl + k.layouts().zonelist().zonerefOffset(i) + ZonerefLayout.ZONE));
            }
            long normal = k.zone(0, 0);
            var z = k.layouts().zone();
            assertEquals(pgdat, mem.getLong(normal + z.zonePgdat));
            long name = mem.getLong(normal + z.name);
            assertEquals("Normal", cString(mem, name));
            assertEquals(k.zone(0, "Normal").limits().watermarks().min(), mem.getLong(normal + z.watermarkOffset(0)));
            assertEquals(k.zone(0, "Normal").managed(), mem.getLong(normal + z.managedPages));
        }
    }

    @Test
    void sysctlErrors() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            assertThrows(IllegalArgumentException.class, () -> k.sysctl("vm.swappiness", "10"));
            assertThrows(IllegalArgumentException.class, () -> k.sysctl("vm.watermark_scale_factor", "0"));
            assertThrows(IllegalArgumentException.class, () -> k.sysctl("vm.percpu_pagelist_high_fraction", "4"));
            assertThrows(IllegalArgumentException.class, () -> k.sysctl("vm.lowmem_reserve_ratio", "1 2 3 4"));
            assertThrows(IllegalArgumentException.class, () -> k.sysctl("vm.min_free_kbytes", "-1"));
            k.sysctl("/proc/sys/vm/lowmem_reserve_ratio", "64");
            assertEquals("64\t0\t0", k.sysctl("vm/lowmem_reserve_ratio"));
            assertEquals("        protection: (0, 1024, 1024)", k.zone(0, "Normal").limits().protectionLine());
        }
    }

    private static long pfnUp(long pa) {
        return (pa + PAGE - 1) / PAGE;
    }

    private static String cString(dev.kmm.arena.KernelMemory mem, long va) {
        StringBuilder sb = new StringBuilder();
        for (byte b; (b = mem.getByte(va)) != 0; va++) {
            sb.append((char) b);
        }
        return sb.toString();
    }
}
