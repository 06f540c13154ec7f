package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.of.Fdt;
import dev.kmm.core.of.FdtWriter;
import dev.kmm.core.of.InvalidDeviceTreeException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sizes unflattening takes, held against hand computations that follow drivers/of/fdt.c and
 * drivers/of/base.c of Linux 6.1 line by line.
 */
class UnflattenedTreeTest {
    /**
     * {@code / { compatible; #address-cells; #size-cells; aliases { 4 props } uart@1000 { reg }
     * cpus { cpu@0 { name } } }}: every node but cpu@0 lacks a {@code name} property and gets one made
     * from its unit name.
     */
    private static Fdt smallTree() {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root().string("compatible", "arm,vexpress").u32("#address-cells", 1)
                .u32("#size-cells", 1);
        root.node("aliases").string("serial0", "/uart@1000").string("i2c1", "/uart@1000")
                .string("bad0", "/nothere").string("noid", "/uart@1000");
        root.node("uart@1000").cells("reg", 0x1000, 0x100);
        root.node("cpus").node("cpu@0").string("name", "cpu");
        return w.toFdt();
    }

    /**
     * 32-bit arm (device_node 108, property 48, align 4), cursor after each step:
     * root: 108 + strlen("") + 1 = 109; 3 properties from 112: 256; name "" (48 + 1): 305.
     * aliases from 308: + 108 + 8 = 424; 4 properties: 616; name "aliases" (48 + 8): 672.
     * uart@1000: + 108 + 10 = 790; reg from 792: 840; name "uart" (48 + 5): 893.
     * cpus from 896: + 108 + 5 = 1009; name "cpus" from 1012: 1065.
     * cpu@0 from 1068: + 108 + 6 = 1182; its own name from 1184: 1232.
     * ALIGN(1232, 4) + 4 = 1236.
     */
    @Test
    void armSizeFollowsPopulateNodeAndProperties() {
        assertEquals(1236, UnflattenedTree.unflattenSize(smallTree(), UnflattenedTree.Structs.ARM));
    }

    /**
     * arm64 (device_node 208, property 96, align 8): root 209; props from 216: 504; name: 601.
     * aliases from 608: 824; props: 1208; name: 1312. uart@1000: 1530; reg from 1536: 1632; name: 1733.
     * cpus from 1736: 1949; name from 1952: 2053. cpu@0 from 2056: 2270; name from 2272: 2368.
     * ALIGN(2368, 4) + 4 = 2372.
     */
    @Test
    void arm64SizeFollowsPopulateNodeAndProperties() {
        assertEquals(2372, UnflattenedTree.unflattenSize(smallTree(), UnflattenedTree.Structs.ARM64));
    }

    /** A name ending in '@' with nothing after, and a disabled node: counted as any other (OF_KOBJ). */
    @Test
    void disabledNodesAreUnflattenedAndNameStopsAtTheLastAt() {
        FdtWriter w = new FdtWriter();
        w.root().string("name", "r").node("a@1@2").string("status", "disabled");
        // root 108 + 1 = 109; name from 112: 160. a@1@2 (6 bytes) from 160: 160 + 108 + 6 = 274;
        // status from 276: 324; name "a@1" (last '@' ends it: 3 + 1) 48 + 4: 376. ALIGN + 4 = 380.
        assertEquals(380, UnflattenedTree.unflattenSize(w.toFdt(), UnflattenedTree.Structs.ARM));
    }

    /**
     * of_alias_scan: serial0 (stem "serial", 6) and i2c1 ("i2c", 3) resolve; bad0 points nowhere and noid has
     * no id, so neither is allocated. alias_prop is 20 bytes on arm and 40 on arm64.
     */
    @Test
    void aliasSizesAreAliasPropPlusStem() {
        assertEquals(List.of(27L, 24L), UnflattenedTree.aliasSizes(smallTree(), UnflattenedTree.Structs.ARM));
        assertEquals(List.of(47L, 44L), UnflattenedTree.aliasSizes(smallTree(), UnflattenedTree.Structs.ARM64));
    }

    /** Values naming another alias, carrying ':' options, or an id beyond int, as of_find_node_opts_by_path. */
    @Test
    void aliasLookupFollowsOfFindNodeOptsByPath() {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root();
        root.node("soc").node("uart@1000");
        root.node("aliases")
                .string("serial0", "/soc/uart@1000")
                .string("serial1", "serial0")
                .string("serial2", "/soc/uart@1000:115200n8")
                .string("serial3", "serial0/")
                .string("serial4", "/soc/uart")
                .string("spi4294967296", "/soc")
                .string("42", "/")
                .u32("phandle", 7);
        // 27 x3; "serial0/" steps to an empty component (NULL); "uart" lacks the unit address (NULL);
        // 4294967296 overflows kstrtoint; "42" is all id: empty stem, 20 + 0 + 1.
        assertEquals(List.of(27L, 27L, 27L, 21L), UnflattenedTree.aliasSizes(w.toFdt(), UnflattenedTree.Structs.ARM));
    }

    /**
     * The six aliases of the kernel's vexpress-v2m.dtsi (serial0..3, i2c0, i2c1; dtc writes each label
     * reference as the node's path) give the sizes measured on the built-in machine's real boot.
     */
    @Test
    void vexpressAliasesGiveTheMeasuredSizes() {
        FdtWriter w = new FdtWriter();
        FdtWriter.Node root = w.root();
        FdtWriter.Node iofpga = root.node("smb@8000000").node("motherboard").node("iofpga@7,00000000");
        String base = "/smb@8000000/motherboard/iofpga@7,00000000/";
        FdtWriter.Node aliases = root.node("aliases");
        String[] uarts = {"uart@9000", "uart@a000", "uart@b000", "uart@c000"};
        for (int i = 0; i < uarts.length; i++) {
            iofpga.node(uarts[i]);
            aliases.string("serial" + i, base + uarts[i]);
        }
        iofpga.node("i2c@16000");
        iofpga.node("i2c@2000");
        aliases.string("i2c0", base + "i2c@16000").string("i2c1", base + "i2c@2000");
        assertEquals(Machines.vexpressA9().dtb().orElseThrow().aliasSizes(),
                UnflattenedTree.aliasSizes(w.toFdt(), UnflattenedTree.Structs.ARM));
    }

    @Test
    void aliasCycleIsRefused() {
        FdtWriter w = new FdtWriter();
        w.root().node("aliases").string("a0", "b0").string("b0", "a0");
        InvalidDeviceTreeException e = assertThrows(InvalidDeviceTreeException.class,
                () -> UnflattenedTree.aliasSizes(w.toFdt(), UnflattenedTree.Structs.ARM));
        assertTrue(e.getMessage().contains("alias 'a0' leads to a cycle"), e.getMessage());
    }

    @Test
    void structsPerArch() {
        assertEquals(UnflattenedTree.Structs.ARM, UnflattenedTree.Structs.of(Arch.ARM));
        assertEquals(8, UnflattenedTree.Structs.of(Arch.ARM64).align());
        assertThrows(IllegalArgumentException.class, () -> UnflattenedTree.Structs.of(Arch.X86_64));
    }
}
