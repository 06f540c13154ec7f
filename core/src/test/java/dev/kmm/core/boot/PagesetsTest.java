package dev.kmm.core.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.KernelLayouts;
import dev.kmm.arena.list.ListHead;
import org.junit.jupiter.api.Test;

/** setup_per_cpu_pageset() and the per-CPU half of the watermark code, read back from simulated RAM. */
class PagesetsTest {
    @Test
    void everyCpuHasTheZonesHighBatchAndThresholds() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            check(k);
            // A sysctl write recomputes; the per-CPU copies follow.
            k.sysctl("vm.percpu_pagelist_high_fraction", "8");
            check(k);
        }
    }

    @Test
    void everyNodeOfANumaMachineGetsItsOwnStructures() {
        try (Kernel k = Kernel.boot(Machines.numa2X86_64())) {
            check(k);
            KernelLayouts l = k.layouts();
            assertNotEquals(k.memory().getLong(k.pgdat(0) + l.pglistData().perCpuNodestats),
                    k.memory().getLong(k.pgdat(1) + l.pglistData().perCpuNodestats));
        }
    }

    private static void check(Kernel k) {
        KernelMemory mem = k.memory();
        KernelLayouts l = k.layouts();
        Pagesets p = k.pagesets();
        int[] nodeMax = new int[k.nrNodes()];
        for (ZoneInfo z : k.zones()) {
            long zone = k.zone(z.nid(), z.zoneIdx());
            long pageset = mem.getLong(zone + l.zone().perCpuPageset);
            long zonestats = mem.getLong(zone + l.zone().perCpuZonestats);
            if (!z.populated()) {
                continue;
            }
            nodeMax[z.nid()] = Math.max(nodeMax[z.nid()], z.limits().statThreshold());
            assertEquals(z.limits().pcp().high(), mem.getInt(zone + l.zone().pagesetHigh), z.name());
            for (int cpu = 0; cpu < p.nrCpus(); cpu++) {
                long pcp = p.perCpuPtr(pageset, cpu);
                assertEquals(z.limits().pcp().high(), mem.getInt(pcp + l.perCpuPages().high), z.name() + " cpu " + cpu);
                assertEquals(z.limits().pcp().batch(), mem.getInt(pcp + l.perCpuPages().batch), z.name() + " cpu " + cpu);
                for (int i = 0; i < l.perCpuPages().nrPcpLists; i++) {
                    long list = pcp + l.perCpuPages().listOffset(i);
                    assertEquals(list, ListHead.next(mem, list), "empty pcp list " + i);
                }
                assertEquals(z.limits().statThreshold(),
                        mem.getByte(p.perCpuPtr(zonestats, cpu) + l.perCpuZonestat().statThreshold), z.name());
            }
        }
        for (int nid = 0; nid < k.nrNodes(); nid++) {
            long nodestats = mem.getLong(k.pgdat(nid) + l.pglistData().perCpuNodestats);
            for (int cpu = 0; cpu < p.nrCpus(); cpu++) {
                assertEquals(nodeMax[nid], mem.getByte(p.perCpuPtr(nodestats, cpu) + l.perCpuNodestat().statThreshold),
                        "node " + nid + " cpu " + cpu);
            }
        }
    }
}
