package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@code /proc} views of a booted kernel against the files a real Linux 6.1.192 showed on the same
 * vexpress-a9 boot under QEMU (resources/boot). The real system had run an init process by then, so its
 * runtime counters (anon and file pages, slab, kernel stacks, pages on pcp lists, the pages those took
 * from the free lists) differ; every other line must be the kernel's, byte for byte.
 */
class KernelProcViewsTest {
    /** zoneinfo keys that count what a running system allocated, which kmm's boot has not run. */
    private static final Set<String> RUNTIME = Set.of("pages", "nr_free_pages", "nr_free_cma", "count:",
            "nr_inactive_anon", "nr_active_anon", "nr_zone_inactive_anon", "nr_zone_active_anon",
            "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_mapped", "nr_file_pages", "nr_shmem",
            "nr_kernel_stack");

    private static Machine qemuRun() {
        return Machines.vexpressA9().toBuilder()
                .bootArgs("console=ttyAMA0 memblock=debug loglevel=8")
                .initrd(0x6800_0000L, 250569)
                .dtb(new DeviceTreeBlob(new PhysRange(0x6803_e000L, 48162), 40024, 4,
                        List.of(27L, 27L, 27L, 27L, 24L, 24L)))
                .build();
    }

    @Test
    void zoneinfoIsTheKernelsButForRuntimeCounters() {
        RealBootLog real = RealBootLog.load("vexpress-a9/default.log");
        try (Kernel k = Kernel.boot(qemuRun())) {
            List<String> want = real.procFile("/proc/zoneinfo").lines().toList();
            List<String> got = k.proc("/proc/zoneinfo").lines().toList();
            assertEquals(want.size(), got.size(), "line count");
            int compared = 0;
            for (int i = 0; i < want.size(); i++) {
                String key = want.get(i).strip().split("\\s+")[0];
                if (RUNTIME.contains(key)) {
                    assertEquals(key, got.get(i).strip().split("\\s+")[0], "line " + (i + 1));
                    continue;
                }
                assertEquals(want.get(i), got.get(i), "line " + (i + 1));
                compared++;
            }
            assertTrue(compared > 100, "only " + compared + " lines compared");
        }
    }

    @Test
    void pagetypeinfoHasTheKernelsBlocksPerZone() {
        RealBootLog real = RealBootLog.load("vexpress-a9/default.log");
        try (Kernel k = Kernel.boot(qemuRun())) {
            List<String> want = real.procFile("/proc/pagetypeinfo").lines().toList();
            List<String> got = k.proc("/proc/pagetypeinfo").lines().toList();
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                String w = want.get(i);
                if (w.startsWith("Node ") && !w.contains(", type ")) {
                    // "Number of blocks type" rows: the real run moved a few blocks between types, not their sum.
                    assertEquals(blocks(w), blocks(got.get(i)), "pageblocks on line " + (i + 1));
                } else if (!w.contains(", type ")) {
                    assertEquals(w, got.get(i), "line " + (i + 1));
                }
            }
        }
    }

    private static long blocks(String row) {
        String[] f = row.substring(row.indexOf(',') + 1).trim().split("\\s+");
        long sum = 0;
        for (int i = 2; i < f.length; i++) {
            sum += Long.parseLong(f[i]);
        }
        return sum;
    }

    @Test
    void meminfoTotalsAreTheKernels() {
        RealBootLog real = RealBootLog.load("vexpress-a9/default.log");
        try (Kernel k = Kernel.boot(qemuRun())) {
            String want = real.procFile("/proc/meminfo");
            String got = k.proc("/proc/meminfo");
            for (String key : List.of("MemTotal:", "HighTotal:", "LowTotal:", "CmaTotal:", "VmallocTotal:")) {
                assertEquals(line(want, key), line(got, key));
            }
            assertEquals(want.lines().map(l -> l.split(":")[0]).toList(), got.lines().map(l -> l.split(":")[0]).toList());
        }
    }

    private static String line(String text, String key) {
        return text.lines().filter(l -> l.startsWith(key)).findFirst().orElseThrow(() -> new AssertionError(key));
    }

    @Test
    void freePagesInTheViewsAreTheBuddyAllocatorsOwn() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long[] perOrder = new long[11];
            for (String row : k.proc("/proc/buddyinfo").lines().toList()) {
                String[] f = row.substring(row.indexOf("zone") + 4).trim().split("\\s+");
                for (int o = 0; o < 11; o++) {
                    perOrder[o] += Long.parseLong(f[o + 1]);
                }
            }
            long pages = 0;
            for (int o = 0; o < 11; o++) {
                pages += perOrder[o] << o;
            }
            long memFreeKb = Long.parseLong(line(k.proc("/proc/meminfo"), "MemFree:").replaceAll("\\D", ""));
            assertEquals(memFreeKb, pages * 4);
            assertTrue(k.proc("/sys/kernel/debug/memblock/memory").startsWith("   0: 0x60000000..0x9fffffff\n"));
        }
    }

    @Test
    void anUnknownPathIsRefused() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            assertThrows(IllegalArgumentException.class, () -> k.proc("/proc/slabinfo"));
        }
    }
}
