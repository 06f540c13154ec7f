package dev.kmm.core.boot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in virt-arm64: its numbers written as the kernel's arithmetic. {@link Arm64RealBootTest} holds the
 * same boots against the real kernel's logs.
 */
class Arm64BootTest {
    private static final long RAM = 0x4000_0000L;
    private static final long PAGE = 4096;
    /** The defconfig image's offsets from _text (System.map of the 6.1.192 build). */
    private static final long STEXT = 0x10000;
    private static final long INIT_BEGIN = 0x1940000;
    private static final long END = 0x2500000;

    private static Machine qemuRun(long ram, String args) {
        long initrd = RAM + Math.min(ram / 2, 128L << 20);
        long dtb = (initrd + 298195 + (2L << 20) - 1) & -(2L << 20);
        return Machines.virtArm64(ram, 4).toBuilder()
                .bootArgs("console=ttyAMA0 " + args)
                .initrd(initrd, 298195)
                .dtb(new DeviceTreeBlob(new PhysRange(dtb, 1L << 20), 43804, 8, List.of()))
                .build();
    }

    /**
     * paging_init(): with rodata_full (RODATA_FULL_DEFAULT_ENABLED) map_mem() maps the linear map with pages,
     * one PTE table per 2 MiB, except the 2 MiB blocks wholly inside [_stext, __init_begin) which map_mem()
     * maps afterwards with blocks: [0x40400000, 0x41a00000) = 11 blocks. With the PUD table and two PMD tables
     * that is 1024 - 11 + 3 = 1016; map_kernel()'s five segments need a PUD and a PMD table and a PTE table at
     * each unaligned segment end, 5; create_idmap() a PUD, a PMD and a PTE table for the idmap text and another
     * PTE table for KPTI's flag, 4 - after init_pg_dir (5 pages) went back to memblock.
     */
    @Test
    void pageTables() {
        try (Kernel k = Kernel.boot(qemuRun(2L << 30, ""))) {
            long text = RAM + (2L << 20);
            long kernelStart = text + STEXT;
            long kernelEnd = text + INIT_BEGIN;
            long blocksInKernel = ((kernelEnd & -(2L << 20)) - ((kernelStart + (2L << 20) - 1) & -(2L << 20))) >> 21;
            assertEquals(11, blocksInKernel);
            long linear = (2L << 30 >> 21) - blocksInKernel + 1 + 2;
            long kernel = 2 + 5;
            long idmap = 4;
            assertEquals(1027, linear + kernel + idmap);
            // memblock top-down: the tables are the top 1027 pages of RAM
            assertTrue(k.memblock().memblockIsRegionReserved(0xc000_0000L - 1027 * PAGE, 1027 * PAGE));
            // init_pg_dir [0x426f2000, 0x426f7000) is no longer reserved
            assertTrue(!k.memblock().memblockIsRegionReserved(text + 0x24f2000, 5 * PAGE));
        }
    }

    /**
     * zone_sizes_init(): zone_dma_bits = 32, max_zone_phys(32) = min(0xffffffff, end of DRAM - 1) + 1: with
     * 2 GiB at 1 GiB, ZONE_DMA is all of RAM and ZONE_DMA32 and ZONE_NORMAL are empty; with 6 GiB ZONE_DMA ends
     * at 4 GiB and ZONE_NORMAL holds the remaining 3 GiB.
     */
    @Test
    void zoneLimits() {
        try (Kernel k = Kernel.boot(qemuRun(2L << 30, ""))) {
            assertArrayEquals(new long[] {RAM / PAGE, 0xc0000, 0xc0000}, k.pfnLimits());
            assertEquals(RAM / PAGE, k.zone(0, "DMA").zoneStartPfn());
            assertEquals((2L << 30) / PAGE, k.zone(0, "DMA").present());
            assertEquals(0, k.zone(0, "DMA32").spanned());
            assertEquals(0, k.zone(0, "Normal").spanned());
        }
        try (Kernel k = Kernel.boot(qemuRun(6L << 30, ""))) {
            assertEquals((4L << 30) / PAGE - RAM / PAGE, k.zone(0, "DMA").present());
            assertEquals(0, k.zone(0, "DMA32").spanned());
            assertEquals((4L << 30) / PAGE, k.zone(0, "Normal").zoneStartPfn());
            assertEquals((3L << 30) / PAGE, k.zone(0, "Normal").present());
            // mem_init(): RAM past arm64_dma_phys_limit needs swiotlb's 64 MiB below it
            assertTrue(k.dmesg().contains("software IO TLB: mapped [mem 0x00000000fa000000-0x00000000fe000000] (64MB)"));
        }
    }

    /**
     * Managed pages: the 524288 pages less what memblock kept when memblock_free_all() ran - the image
     * [_stext, _end) less init_pg_dir, the initrd, QEMU's 1 MiB device tree, the dentry hash (2 MiB), the memmap
     * (16 sections of 2 MiB), the inode hash (1 MiB, not page aligned: 257 pages), the per-CPU chunk (4 units of
     * 21 pages), the page tables (1027 and the vmemmap's PUD and PMD table) and the 31 pages of small allocations
     * packed below them ([0xbfbde000, 0xbfbfd000) in the real trace: the unflattened tree, NODE_DATA, the sparse
     * roots, usemaps, command lines, per-CPU bookkeeping); the 8192 CMA pages come back at core_initcall. Then
     * free_initrd_mem() (72 whole pages of the 298195-byte initrd) and free_initmem() (7616K).
     */
    @Test
    void managedPages() {
        try (Kernel k = Kernel.boot(qemuRun(2L << 30, ""))) {
            long image = (END - STEXT) / PAGE - 5;
            long initrd = ((298195 + PAGE - 1) / PAGE);
            long dtb = (1L << 20) / PAGE;
            long dentry = (2L << 20) / PAGE;
            long memmap = 16 * (2L << 20) / PAGE;
            long inode = 257;
            long percpu = 4 * 21;
            long tables = 1027 + 2;
            long small = (0xbfbf_d000L - 0xbfbd_e000L) / PAGE;
            long reservedAtFreeAll = image + initrd + dtb + dentry + memmap + inode + percpu + tables + small;
            assertEquals(19885, reservedAtFreeAll);
            assertTrue(k.dmesg().contains("Memory: 1984844K/2097152K available (16320K kernel code, 3744K rwdata, "
                    + "9380K rodata, 7616K init, 610K bss, " + (reservedAtFreeAll << 2) + "K reserved, 32768K cma-reserved)"));
            long managed = 524288 - reservedAtFreeAll + 298195 / PAGE + 0x770000 / PAGE; // __init_end - __init_begin
            assertEquals(506379, managed);
            assertEquals(managed, k.zone(0, "DMA").managed());
        }
    }

    /**
     * defconfig has THP "always": hugepage_init() -> set_recommended_min_free_kbytes() asks for
     * pageblock_nr_pages * 1 zone * (2 + MIGRATE_PCPTYPES^2) = 512 * 11 pages = 22528 kB, above
     * init_per_zone_wmark_min()'s int_sqrt(lowmem_kbytes * 16). The one zone's min is all of pages_min (5632),
     * low and high each add max(min / 4, managed * 10 / 10000) = 1408; pcp high is low / 4 CPUs = 1760, batch
     * 63 (zone_batchsize: min(managed / 1024, 256) / 4 = 64, rounddown_pow_of_two(64 * 1.5) - 1), and the stat
     * threshold 2 * fls(4) * (1 + fls(managed >> 15)) = 30.
     */
    @Test
    void watermarks() {
        try (Kernel k = Kernel.boot(qemuRun(2L << 30, ""))) {
            assertEquals(512 * (2 + 9) * 4, k.minFreeKbytes());
            var z = k.zone(0, "DMA");
            var w = z.limits().watermarks();
            assertEquals(22528 / 4, w.minWmarkPages());
            assertEquals(5632 + 1408, w.lowWmarkPages());
            assertEquals(5632 + 2 * 1408, w.highWmarkPages());
            assertEquals(7040 / 4, z.limits().pcp().high());
            assertEquals(63, z.limits().pcp().batch());
            assertEquals(2 * 3 * (1 + (32 - Integer.numberOfLeadingZeros((int) (506379 >> 15)))), z.limits().statThreshold());
        }
    }

    /**
     * kernelcore=1G (find_zone_movable_pfns_for_nodes): ZONE_DMA is the highest populated zone, so kernelcore
     * counts from its start; ZONE_MOVABLE begins 262144 pages in, at 0x80000, MAX_ORDER aligned already.
     */
    @Test
    void kernelcore() {
        try (Kernel k = Kernel.boot(qemuRun(2L << 30, "kernelcore=1G"))) {
            assertEquals(0x80000, k.zone(0, "Movable").zoneStartPfn());
            assertEquals(0x40000, k.zone(0, "Movable").spanned());
            assertEquals(0x40000, k.zone(0, "DMA").spanned());
        }
    }

    /**
     * Two NUMA nodes described in the device tree (resources/dts/numa-arm64.dts: 2 GiB per node at 2 GiB and
     * 4 GiB, two CPUs each, a distance map): of_numa_init() takes them, each node's pglist_data comes from its
     * own memory, ZONE_DMA (max_zone_phys(32) = 4 GiB) is node 0's and ZONE_NORMAL node 1's, and the per-CPU
     * units are grouped by node.
     */
    @Test
    void twoNodesFromTheDeviceTree() {
        Machine m = Machine.builder("numa-arm64", KernelConfig.defconfig(dev.kmm.arena.addr.Arch.ARM64))
                .ram(0x8000_0000L, 2L << 30)
                .ram(0x1_0000_0000L, 2L << 30)
                .cpus(4)
                .cpuNodes(0, 0, 1, 1)
                .numa(NumaTopology.uniform(2, List.of(
                        new NumaTopology.NodeMemory(0, 0x8000_0000L, 2L << 30, false),
                        new NumaTopology.NodeMemory(1, 0x1_0000_0000L, 2L << 30, false))))
                .bootArgs("console=ttyAMA0 loglevel=8")
                .image(KernelImage.arm64Defconfig(0x8020_0000L))
                .build();
        try (Kernel k = Kernel.boot(m)) {
            List<String> log = k.dmesg();
            assertTrue(log.contains("OF: NUMA: parsing numa-distance-map-v1"));
            long nd0 = log.stream().filter(l -> l.startsWith("NUMA: NODE_DATA [mem 0x")).count();
            assertEquals(2, nd0);
            assertTrue(log.stream().anyMatch(l -> l.matches("NUMA: NODE_DATA \\[mem 0xff.*")), "node 0's at its top");
            assertTrue(log.stream().anyMatch(l -> l.matches("NUMA: NODE_DATA \\[mem 0x17f.*")), "node 1's at its top");
            assertEquals(0x80000, k.zone(0, "DMA").zoneStartPfn());
            assertEquals(0x80000, k.zone(0, "DMA").present());
            assertEquals(0x100000, k.zone(1, "Normal").zoneStartPfn());
            assertEquals(0x80000, k.zone(1, "Normal").present());
            assertTrue(log.contains("Fallback order for Node 1: 1 0 "));
            assertTrue(log.contains("Built 2 zonelists, mobility grouping on.  Total pages: 1032192"));
            assertTrue(log.contains("Policy zone: Normal"));
            assertTrue(log.contains("pcpu-alloc: [0] 0 [0] 1 [1] 2 [1] 3 "));
        }
    }

    /** mem=1G: memblock_mem_limit_remove_map(1 GiB); the image stays; "Memory limited to 1024MB". */
    @Test
    void memLimit() {
        try (Kernel k = Kernel.boot(qemuRun(2L << 30, "mem=1G"))) {
            assertArrayEquals(new long[] {0x40000, 0x80000, 0x80000}, k.pfnLimits());
            assertTrue(k.dmesg().contains("Memory limited to 1024MB"));
        }
    }

    /**
     * A CMA area across the start of ZONE_MOVABLE (kernelcore=512M of 1 GiB puts it at 0x60000000):
     * cma_activate_area() finds two zones, frees the pages as ordinary ones, takes them out of totalcma_pages and
     * says the area could not be activated. (The Memory: line, printed before the initcalls, still counts them.)
     */
    @Test
    void aCmaAreaAcrossTwoZonesIsNotActivated() {
        try (Kernel k = Kernel.boot(qemuRun(1L << 30, "kernelcore=512M cma=64M@0x5e000000"))) {
            assertTrue(k.dmesg().contains("cma: Reserved 64 MiB at 0x000000005e000000"), String.join("\n", k.dmesg()));
            assertTrue(k.dmesg().contains("CMA area reserved could not be activated"), String.join("\n", k.dmesg()));
            assertEquals(0, k.totalcmaPages());
            for (ZoneInfo z : k.zones()) {
                assertEquals(0, z.cmaPages(), z.name());
            }
            assertTrue(k.proc("/proc/meminfo").contains("\nCmaTotal:              0 kB\n"), k.proc("/proc/meminfo"));
            assertEquals(java.util.List.of(), k.verify());
        }
    }
}
