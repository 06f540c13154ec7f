package dev.kmm.core.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcFsTest {
    @Test
    void pathsServeTheirViews() {
        try (FakeKernel k = new FakeKernel(ProcConfig.DEBIAN_X86_64, 1, 1)) {
            k.zoneSpan(0, 2, 0x100000, 0x1000, 0x1000, 0x1000).nrFree(0, 2, 7);
            k.iomem(new Resource("PCI mem", 0, -1, List.of(Resource.leaf("System RAM", 0x100000, 0x1ffffff))));
            assertEquals(ProcBuddyinfo.show(k), ProcFs.read(k, "/proc/buddyinfo"));
            assertTrue(ProcFs.read(k, "/proc/buddyinfo").startsWith("Node 0, zone   Normal      7 "));
            assertEquals(ProcZoneinfo.show(k), ProcFs.read(k, "/proc/zoneinfo"));
            assertEquals(ProcPagetypeinfo.show(k), ProcFs.read(k, "/proc/pagetypeinfo"));
            assertEquals(ProcMeminfo.show(k), ProcFs.read(k, "/proc/meminfo"));
            assertEquals(ProcVmstat.show(k), ProcFs.read(k, "/proc/vmstat"));
            assertEquals("00100000-01ffffff : System RAM\n", ProcFs.read(k, "/proc/iomem"));
            assertEquals(8, ProcFs.paths(k).size()); // with debugfs extfrag (CONFIG_COMPACTION)
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ProcFs.read(k, "/sys/kernel/debug/memblock/memory"));
            assertTrue(e.getMessage().startsWith("no such file: /sys/kernel/debug/memblock/memory (this kernel has [/proc/zoneinfo,"),
                    e.getMessage());
        }
    }

    /** With CONFIG_ARCH_KEEP_MEMBLOCK the debugfs files show memblock's regions (32-bit phys_addr_t on vexpress). */
    @Test
    void keptMemblockGivesDebugfsFiles() {
        try (FakeKernel k = new FakeKernel(ProcConfig.ARM_VEXPRESS, MeminfoTest.vexpressLayouts(), 1, 1, 0)) {
            Memblock mb = new Memblock(MemblockConfig.ARM_VEXPRESS, (level, line) -> { }, (base, size) -> { });
            mb.memblockAdd(0x60000000L, 0x40000000L);
            mb.memblockReserve(0x60004000L, 0x4000);
            mb.memblockReserve(0x60100000L, 0xe00000);
            k.memblock = mb;
            assertEquals("   0: 0x60000000..0x9fffffff\n", ProcFs.read(k, "/sys/kernel/debug/memblock/memory"));
            assertEquals("   0: 0x60004000..0x60007fff\n   1: 0x60100000..0x60efffff\n",
                    ProcFs.read(k, "/sys/kernel/debug/memblock/reserved"));
            assertEquals(10, ProcFs.paths(k).size());
        }
    }
}
