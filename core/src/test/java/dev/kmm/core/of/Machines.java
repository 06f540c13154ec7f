package dev.kmm.core.of;

/** The machines of the {@code .dts} fixtures, built with {@link FdtWriter} property for property. */
final class Machines {
    private Machines() {
    }

    static FdtWriter vexpressA9() {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root().string("model", "V2P-CA9").u32("arm,hbi", 0x191)
                .strings("compatible", "arm,vexpress,v2p-ca9", "arm,vexpress").u32("interrupt-parent", 1)
                .u32("#address-cells", 1).u32("#size-cells", 1);
        root.node("chosen").string("bootargs", "console=ttyAMA0 root=/dev/mmcblk0")
                .u32("linux,initrd-start", 0x61000000).u32("linux,initrd-end", 0x61400000);
        FdtWriter.Node cpus = root.node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
        for (int i = 0; i < 4; i++) {
            cpus.node("cpu@" + i).string("device_type", "cpu").string("compatible", "arm,cortex-a9").u32("reg", i);
        }
        root.node("memory@60000000").string("device_type", "memory").cells("reg", 0x60000000, 0x40000000);
        root.node("reserved-memory").u32("#address-cells", 1).u32("#size-cells", 1).empty("ranges")
                .node("vram@4c000000").string("compatible", "shared-dma-pool").cells("reg", 0x4c000000, 0x00800000)
                .empty("no-map");
        root.node("interrupt-controller@1e001000").string("compatible", "arm,cortex-a9-gic")
                .u32("#interrupt-cells", 3).u32("#address-cells", 0).empty("interrupt-controller")
                .cells("reg", 0x1e001000, 0x1000, 0x1e000100, 0x100).u32("phandle", 1);
        return w;
    }

    static FdtWriter virtArm64() {
        FdtWriter w = new FdtWriter().memReserve(0x48000000L, 0x400000);
        FdtWriter.Node root = w.root().string("compatible", "linux,dummy-virt").u32("#address-cells", 2)
                .u32("#size-cells", 2);
        root.node("chosen").string("bootargs", "console=ttyAMA0 earlycon root=/dev/vda rw")
                .string("stdout-path", "/pl011@9000000").u64("linux,initrd-start", 0x48000000L)
                .u64("linux,initrd-end", 0x48400000L);
        root.node("memory@40000000").string("device_type", "memory").cells("reg", 0, 0x40000000, 0, 0x80000000);
        FdtWriter.Node rmem = root.node("reserved-memory").u32("#address-cells", 2).u32("#size-cells", 2)
                .empty("ranges");
        rmem.node("secmon@bfe00000").cells("reg", 0, 0xbfe00000, 0, 0x00200000).empty("no-map").u32("phandle", 1);
        rmem.node("linux,cma").string("compatible", "shared-dma-pool").empty("reusable").u64("size", 0x04000000)
                .u64("alignment", 0x00400000).cells("alloc-ranges", 0, 0x40000000, 0, 0x40000000)
                .empty("linux,cma-default");
        FdtWriter.Node cpus = root.node("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
        for (int i = 0; i < 4; i++) {
            cpus.node("cpu@" + i).string("device_type", "cpu").string("compatible", "arm,cortex-a57").u32("reg", i)
                    .string("enable-method", "psci");
        }
        root.node("firmware").node("optee").string("compatible", "linaro,optee-tz").string("method", "smc")
                .u32("memory-region", 1);
        root.node("pl011@9000000").strings("compatible", "arm,pl011", "arm,primecell")
                .cells("reg", 0, 0x09000000, 0, 0x1000);
        return w;
    }

    static FdtWriter numaArm64() {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root().string("compatible", "linux,dummy-virt").u32("#address-cells", 2)
                .u32("#size-cells", 2);
        root.node("chosen").string("bootargs", "console=ttyAMA0 numa=on");
        root.node("memory@80000000").string("device_type", "memory").cells("reg", 0, 0x80000000, 0, 0x80000000)
                .u32("numa-node-id", 0);
        root.node("memory@100000000").string("device_type", "memory").cells("reg", 1, 0, 0, 0x80000000)
                .u32("numa-node-id", 1);
        FdtWriter.Node cpus = root.node("cpus").u32("#address-cells", 2).u32("#size-cells", 0);
        int[] ids = {0, 1, 0x100, 0x101};
        for (int id : ids) {
            cpus.node("cpu@" + Integer.toHexString(id)).string("device_type", "cpu")
                    .strings("compatible", "arm,cortex-a72", "arm,armv8").cells("reg", 0, id)
                    .string("enable-method", "psci").u32("numa-node-id", id >> 8);
        }
        root.node("distance-map").string("compatible", "numa-distance-map-v1")
                .cells("distance-matrix", 0, 0, 10, 0, 1, 20, 1, 1, 10);
        return w;
    }
}
