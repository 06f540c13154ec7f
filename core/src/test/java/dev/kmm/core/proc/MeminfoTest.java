package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.addr.KernelAddressSpace;
import dev.kmm.arena.addr.VmSplit;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.layout.LayoutConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeminfoTest {
    /** The layouts of the Versatile Express build: 3 zones, CMA's 6 migrate types, no NUMA counters. */
    static KernelLayouts vexpressLayouts() {
        VmstatText t = ProcConfig.ARM_VEXPRESS.vmstatText();
        return KernelLayouts.of(new LayoutConfig(6, 11, 3, 0, 0, t.zoneStatItems().size(), t.numaStatItems().size(),
                t.nodeStatItems().size()));
    }

    /**
     * /proc/meminfo of a real Debian 12 machine, kernel 6.1.0-28-amd64 (6.1.119-1), 16 CPUs, from the
     * "fado" notes of a plex-pms-docker fork (section "system / /proc/meminfo"). The fake kernel holds the
     * counters behind each line; the derived lines (MemAvailable, Cached, CommitLimit, Slab, ...) come out of
     * 6.1's formulas, so the whole text must match byte for byte.
     */
    @Test
    void realDebian61MeminfoByteForByte() {
        String sample = """
                MemTotal:       13196896 kB
                MemFree:          312928 kB
                MemAvailable:   11481100 kB
                Buffers:          771628 kB
                Cached:         10298508 kB
                SwapCached:         2096 kB
                Active:          4666400 kB
                Inactive:        6914020 kB
                Active(anon):      67412 kB
                Inactive(anon):   440916 kB
                Active(file):    4598988 kB
                Inactive(file):  6473104 kB
                Unevictable:           0 kB
                Mlocked:               0 kB
                SwapTotal:        999420 kB
                SwapFree:         957436 kB
                Zswap:                 0 kB
                Zswapped:              0 kB
                Dirty:                84 kB
                Writeback:             0 kB
                AnonPages:        489476 kB
                Mapped:           176592 kB
                Shmem:              1148 kB
                KReclaimable:     424372 kB
                Slab:            1022560 kB
                SReclaimable:     424372 kB
                SUnreclaim:       598188 kB
                KernelStack:        8000 kB
                PageTables:         5572 kB
                SecPageTables:         0 kB
                NFS_Unstable:          0 kB
                Bounce:                0 kB
                WritebackTmp:          0 kB
                CommitLimit:     7597868 kB
                Committed_AS:    1786812 kB
                VmallocTotal:   34359738367 kB
                VmallocUsed:      121552 kB
                VmallocChunk:          0 kB
                Percpu:            18176 kB
                HardwareCorrupted:     0 kB
                AnonHugePages:    202752 kB
                ShmemHugePages:        0 kB
                ShmemPmdMapped:        0 kB
                FileHugePages:         0 kB
                FilePmdMapped:         0 kB
                HugePages_Total:       0
                HugePages_Free:        0
                HugePages_Rsvd:        0
                HugePages_Surp:        0
                Hugepagesize:       2048 kB
                Hugetlb:               0 kB
                DirectMap4k:      740432 kB
                DirectMap2M:    12812288 kB
                DirectMap1G:           0 kB
                """;
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 1, 16)) {
            // 3299224 managed pages; 78232 free.
            k.zoneSpan(0, 0, 1, 4095, 3998, 3840).zoneStat(0, 0, "nr_free_pages", 2000).watermarks(0, 0, 26, 32, 38, 0);
            k.zoneSpan(0, 1, 4096, 1044480, 782000, 748000).zoneStat(0, 1, "nr_free_pages", 30000)
                    .watermarks(0, 1, 4000, 5000, 6000, 0);
            k.zoneSpan(0, 2, 1048576, 2600000, 2600000, 2547384).zoneStat(0, 2, "nr_free_pages", 46232)
                    .watermarks(0, 2, 12870, 16087, 19304, 0);
            // MemAvailable = free - totalreserve + (file - min(file/2, low)) + (sreclaimable - min(sreclaimable/2, low))
            // = 78232 - 39835 + (2768023 - 21119) + (106093 - 21119) = 2870275 pages, with low = 32+5000+16087.
            k.totalreserve(0, 39835);
            k.nodeStat(0, "nr_inactive_anon", 110229).nodeStat(0, "nr_active_anon", 16853)
                    .nodeStat(0, "nr_inactive_file", 1618276).nodeStat(0, "nr_active_file", 1149747)
                    .nodeStat(0, "nr_slab_reclaimable", 106093).nodeStat(0, "nr_slab_unreclaimable", 149547)
                    .nodeStat(0, "nr_file_pages", 2574627 + 524 + 192907).nodeStat(0, "nr_dirty", 21)
                    .nodeStat(0, "nr_anon_pages", 122369).nodeStat(0, "nr_mapped", 44148).nodeStat(0, "nr_shmem", 287)
                    .nodeStat(0, "nr_kernel_stack", 8000).nodeStat(0, "nr_page_table_pages", 1393)
                    .nodeStat(0, "nr_anon_transparent_hugepages", 99 * 512);
            k.blockdevPages = 192907;
            k.swapcachePages = 524;
            k.totalSwapPages = 249855;
            k.freeSwapPages = 239359;
            k.committed = 446703;
            k.vmallocPages = 30388;
            k.pcpuPages = 4544;
            k.directMap = new DirectMap(185108, 6256, 0, true);
            assertEquals(sample, ProcMeminfo.show(k));

            MemInfo info = ProcMeminfo.read(k);
            assertEquals(11481100, info.memAvailable());
            assertEquals(13196896, info.memTotal());
            assertEquals(0, info.get("HugePages_Free"));
            assertEquals(ProcMeminfo.render(info), ProcMeminfo.show(k));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> info.get("CmaTotal"));
            assertEquals("/proc/meminfo of this build has no CmaTotal line", e.getMessage());
        }
    }

    /**
     * Versatile Express (vexpress_defconfig + HIGHMEM): 768 MiB lowmem and 256 MiB highmem, ZONE_MOVABLE taking
     * highmem. HIGHMEM and CMA add their lines; no swap cache, THP, hugetlb, memory failure or DirectMap lines.
     */
    @Test
    void armHighmemAndCmaLines() {
        String expected = """
                MemTotal:        1015808 kB
                MemFree:          840000 kB
                MemAvailable:     840000 kB
                Buffers:               0 kB
                Cached:                0 kB
                SwapCached:            0 kB
                Active:                0 kB
                Inactive:              0 kB
                Active(anon):          0 kB
                Inactive(anon):        0 kB
                Active(file):          0 kB
                Inactive(file):        0 kB
                Unevictable:           0 kB
                Mlocked:               0 kB
                HighTotal:        262144 kB
                HighFree:         240000 kB
                LowTotal:         753664 kB
                LowFree:          600000 kB
                SwapTotal:             0 kB
                SwapFree:              0 kB
                Dirty:                 0 kB
                Writeback:             0 kB
                AnonPages:             0 kB
                Mapped:                0 kB
                Shmem:                 0 kB
                KReclaimable:          0 kB
                Slab:                  0 kB
                SReclaimable:          0 kB
                SUnreclaim:            0 kB
                KernelStack:         312 kB
                PageTables:            0 kB
                SecPageTables:         0 kB
                NFS_Unstable:          0 kB
                Bounce:                0 kB
                WritebackTmp:          0 kB
                CommitLimit:      507904 kB
                Committed_AS:          0 kB
                VmallocTotal:     245760 kB
                VmallocUsed:           0 kB
                VmallocChunk:          0 kB
                Percpu:                0 kB
                CmaTotal:          16384 kB
                CmaFree:            4000 kB
                """;
        try (FakeKernel k = new FakeKernel(ProcConfig.ARM_VEXPRESS, vexpressLayouts(), 1, 4, 0)) {
            k.zoneSpan(0, 0, 0x60000, 196608, 196608, 188416).zoneStat(0, 0, "nr_free_pages", 150000)
                    .zoneStat(0, 0, "nr_free_cma", 1000).watermarks(0, 0, 700, 875, 1050, 0);
            k.zoneSpan(0, 1, 0x90000, 65536, 65536, 65536).zoneStat(0, 1, "nr_free_pages", 60000);
            k.movableZone(1).nodeStat(0, "nr_kernel_stack", 312);
            k.cmaPages = 4096;
            k.addressSpace(KernelAddressSpace.arm(VmSplit.VMSPLIT_3G, 0x6000_0000L).withLowmem(0x9000_0000L, 0x90000));
            assertEquals(expected, ProcMeminfo.show(k));
        }
    }

    /** The hugetlb block prints the default pool's counts and every pool's total, and CommitLimit leaves pools out. */
    @Test
    void hugePagePools() {
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 1, 1)) {
            k.zoneSpan(0, 2, 0x100000, 0x100000, 0x100000, 0x100000);
            k.hstates = List.of(new Hstate(2L << 20, 100, 40, 10, 2), new Hstate(1L << 30, 2, 2, 0, 0));
            String text = ProcMeminfo.show(k);
            assertTrue(text.contains("\nHugePages_Total:     100\nHugePages_Free:       40\nHugePages_Rsvd:       10\n"
                    + "HugePages_Surp:        2\nHugepagesize:       2048 kB\nHugetlb:         2301952 kB\n"), text);
            // (1048576 - 100 * 512 - 2 * 262144) * 50 / 100 = 236544 pages.
            assertTrue(text.contains("\nCommitLimit:      946176 kB\n"), text);
            k.sysctls = new VmSysctls(50, 123456, 10, 0, 20, 0, false);
            assertTrue(ProcMeminfo.show(k).contains("\nCommitLimit:      123456 kB\n"));
        }
    }

    @Test
    void cachedNeverGoesNegative() {
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 1, 1)) {
            k.zoneSpan(0, 2, 0x100000, 0x100000, 0x100000, 0x100000).nodeStat(0, "nr_file_pages", 10);
            k.blockdevPages = 20;
            assertEquals(0, ProcMeminfo.read(k).get("Cached"));
            assertEquals(80, ProcMeminfo.read(k).get("Buffers"));
        }
    }
}
