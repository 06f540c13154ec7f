package dev.kmm.core.proc;

import static dev.kmm.core.e820.E820Type.E820_TYPE_RAM;
import static dev.kmm.core.e820.E820Type.E820_TYPE_RESERVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.core.e820.E820Entry;
import dev.kmm.core.e820.E820Table;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockConfig;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class IomemTest {
    @Test
    void renderIndentsByDepthAndPadsToEightDigits() {
        Resource deep = Resource.leaf("f", 0x1000, 0x1000);
        for (String n : List.of("e", "d", "c", "b", "a")) {
            deep = new Resource(n, 0x1000, 0x1fff, List.of(deep));
        }
        Resource root = new Resource("PCI mem", 0, -1, List.of(
                Resource.leaf("Reserved", 0, 0xfff), deep,
                new Resource("System RAM", 0x100000000L, 0x13fffffffL, List.of(Resource.leaf(null, 0x101000000L, 0x101ffffffL)))));
        assertEquals("""
                00000000-00000fff : Reserved
                00001000-00001fff : a
                  00001000-00001fff : b
                    00001000-00001fff : c
                      00001000-00001fff : d
                        00001000-00001fff : e
                          00001000-00001000 : f
                100000000-13fffffff : System RAM
                  101000000-101ffffff : <BAD>
                """, ProcIomem.render(root, true));
        assertTrue(ProcIomem.render(root, false).startsWith("00000000-00000000 : Reserved\n00000000-00000000 : a\n"));
    }

    @Test
    void ioportRootPrintsFourDigits() {
        Resource ioports = new Resource("PCI IO", 0, 0xffff, List.of(new Resource("PCI Bus 0000:00", 0, 0xcf7,
                List.of(Resource.leaf("dma1", 0, 0x1f), Resource.leaf("keyboard", 0x60, 0x60)))));
        assertEquals("0000-0cf7 : PCI Bus 0000:00\n  0000-001f : dma1\n  0060-0060 : keyboard\n",
                ProcIomem.render(ioports, true));
    }

    @Test
    void resourceRecordsRejectBrokenTrees() {
        assertThrows(IllegalArgumentException.class, () -> Resource.leaf("x", 10, 9));
        assertThrows(IllegalArgumentException.class,
                () -> new Resource("p", 0, 0xff, List.of(Resource.leaf("c", 0x80, 0x100))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Resource("p", 0, 0xff,
                List.of(Resource.leaf("a", 0, 0x10), Resource.leaf("b", 0x10, 0x20))));
        assertEquals("resources a [0x0-0x10] and b [0x10-0x20] overlap or are out of order", e.getMessage());
    }

    @Test
    void requestResourceRefusesOverlaps() {
        ResourceTree t = ResourceTree.iomem(64);
        ResourceTree.Node a = ResourceTree.resource("a", 0x1000, 0x1fff);
        assertTrue(t.requestResource(t.root(), a));
        ResourceTree.Node b = ResourceTree.resource("b", 0x1800, 0x27ff);
        assertSame(a, t.requestResourceConflict(t.root(), b));
        assertFalse(b.attached());
        ResourceTree.Node inside = ResourceTree.resource("in", 0x1100, 0x11ff);
        assertNull(t.requestResourceConflict(a, inside));
        assertSame(a, t.requestResourceConflict(a, ResourceTree.resource("out", 0x1f00, 0x20ff)));
        assertThrows(IllegalArgumentException.class, () -> t.requestResource(t.root(), a));
        ResourceTree small = ResourceTree.iomem(32);
        ResourceTree.Node high = ResourceTree.resource("high", 0x100000000L, 0x1ffffffffL);
        assertSame(small.root(), small.requestResourceConflict(small.root(), high));
    }

    @Test
    void insertResourceAdoptsWhatFitsInside() {
        ResourceTree t = ResourceTree.iomem(64);
        t.insertResource(t.root(), ResourceTree.resource("Kernel code", 0x1000000, 0x1ffffff));
        t.insertResource(t.root(), ResourceTree.resource("Kernel data", 0x2200000, 0x22fffff));
        t.insertResource(t.root(), ResourceTree.resource("x", 0x5000000, 0x5000fff));
        assertTrue(t.insertResource(t.root(), ResourceTree.resource("System RAM", 0x100000, 0x3ffffff)));
        // Goes under System RAM, beside the kernel resources, not above them.
        assertTrue(t.insertResource(t.root(), ResourceTree.resource("Crash kernel", 0x3000000, 0x3ffffff)));
        ResourceTree.Node partial = ResourceTree.resource("partial", 0x4fff000, 0x5000800);
        assertEquals("x", t.insertResourceConflict(t.root(), partial).name());
        assertEquals("""
                00100000-03ffffff : System RAM
                  01000000-01ffffff : Kernel code
                  02200000-022fffff : Kernel data
                  03000000-03ffffff : Crash kernel
                05000000-05000fff : x
                """, ProcIomem.render(t.snapshot(), true));
    }

    @Test
    void expandToFitGrowsOverPartialOverlaps() {
        ResourceTree t = ResourceTree.iomem(64);
        t.insertResource(t.root(), ResourceTree.resource("dev", 0xfe000000L, 0xfe0fffffL));
        ResourceTree.Node r = ResourceTree.resource("Reserved", 0xfe080000L, 0xfeffffffL);
        t.insertResourceExpandToFit(t.root(), r);
        assertEquals("fe000000-feffffff : Reserved\n  fe000000-fe0fffff : dev\n", ProcIomem.render(t.snapshot(), true));
    }

    @Test
    void reserveRegionWithSplitFillsTheGaps() {
        ResourceTree t = ResourceTree.iomem(64);
        ResourceTree.Node ram = ResourceTree.resource("System RAM", 0x0, 0xffff);
        t.requestResource(t.root(), ram);
        t.requestResource(ram, ResourceTree.resource("code", 0x2000, 0x2fff));
        t.requestResource(ram, ResourceTree.resource("data", 0x5000, 0x5fff));
        t.reserveRegionWithSplit(ram, 0x1000, 0x6fff, "reserved");
        t.reserveRegionWithSplit(ram, 0x2100, 0x21ff, "covered"); // entirely inside code: dropped
        t.reserveRegionWithSplit(ram, 0xf000, 0x1ffff, "clipped"); // cut to the parent's end
        assertEquals("""
                00000000-0000ffff : System RAM
                  00001000-00001fff : reserved
                  00002000-00002fff : code
                  00003000-00004fff : reserved
                  00005000-00005fff : data
                  00006000-00006fff : reserved
                  0000f000-0000ffff : clipped
                """, ProcIomem.render(t.snapshot(), true));
    }

    /**
     * A QEMU x86_64 guest (i440fx, 4 GiB), from Chinese notes on physical memory ("物理内存", a virtme-ng
     * guest): its BIOS e820 map after the kernel's trim of the first page and the legacy ROM hole, the kernel
     * image resources as its /proc/iomem shows them, and that /proc/iomem. Firmware and PCI resources are not
     * simulated, so their lines are left out of the sample; every other line must match, indentation included.
     */
    @Test
    void realX86IomemIsReproduced() {
        String sample = """
                00000000-00000fff : Reserved
                00001000-0009fbff : System RAM
                0009fc00-0009ffff : Reserved
                000a0000-000bffff : PCI Bus 0000:00
                000c0000-000c0dff : Video ROM
                000f0000-000fffff : Reserved
                  000f0000-000fffff : System ROM
                00100000-bffdffff : System RAM
                  01000000-021fffff : Kernel code
                  02200000-02860fff : Kernel rodata
                  02a00000-02cacf3f : Kernel data
                  03482000-035fffff : Kernel bss
                bffe0000-bfffffff : Reserved
                c0000000-febfffff : PCI Bus 0000:00
                  feb00000-feb7ffff : 0000:00:04.0
                  feb80000-feb80fff : 0000:00:02.0
                  feb81000-feb8100f : 0000:00:03.0
                  feb82000-feb82fff : 0000:00:04.0
                fec00000-fec003ff : IOAPIC 0
                fed00000-fed003ff : HPET 0
                  fed00000-fed003ff : PNP0103:00
                feffc000-feffffff : Reserved
                fffc0000-ffffffff : Reserved
                100000000-13fffffff : System RAM
                """;
        E820Table e820 = E820Table.of(List.of(
                new E820Entry(0, 0x1000, E820_TYPE_RESERVED),
                new E820Entry(0x1000, 0x9fc00 - 0x1000, E820_TYPE_RAM),
                new E820Entry(0x9fc00, 0x400, E820_TYPE_RESERVED),
                new E820Entry(0xf0000, 0x10000, E820_TYPE_RESERVED),
                new E820Entry(0x100000, 0xbffe0000L - 0x100000, E820_TYPE_RAM),
                new E820Entry(0xbffe0000L, 0x20000, E820_TYPE_RESERVED),
                new E820Entry(0xfeffc000L, 0x4000, E820_TYPE_RESERVED),
                new E820Entry(0xfffc0000L, 0x40000, E820_TYPE_RESERVED),
                new E820Entry(0x100000000L, 0x40000000L, E820_TYPE_RAM)));
        KernelImage image = new KernelImage(0x1000000, 0x1000000, 0x2200000, 0x2200000, 0x2861000, 0x2e00000,
                0x2a00000, 0x2cacf40, 0x3482000, 0x3600000, 0x3600000);
        ResourceTree t = ResourceTree.iomem(64);
        IomemSetup.x86ReserveResources(t, e820, image);
        Set<String> modelled = Set.of("Reserved", "System RAM", "Kernel code", "Kernel rodata", "Kernel data", "Kernel bss");
        String expected = sample.lines().filter(l -> modelled.contains(l.substring(l.indexOf(" : ") + 3)))
                .collect(Collectors.joining("\n", "", "\n"));
        assertEquals(expected, ProcIomem.render(t.snapshot(), true));
    }

    /** A RAM entry that does not end on its alignment gets a "RAM buffer" up to it, where nothing else is. */
    @Test
    void x86RamBufferPadsTheEndOfRam() {
        E820Table e820 = E820Table.of(List.of(new E820Entry(0x1000, 0x9e000, E820_TYPE_RAM),
                new E820Entry(0x100000, 0x7ee0000, E820_TYPE_RAM)));
        KernelImage image = new KernelImage(0x1000000, 0x1000000, 0x1100000, 0x1100000, 0x1200000, 0x1400000,
                0x1300000, 0x1380000, 0x1400000, 0x1500000, 0x1500000);
        ResourceTree t = ResourceTree.iomem(64);
        IomemSetup.x86ReserveResources(t, e820, image);
        assertEquals("""
                00001000-0009efff : System RAM
                0009f000-0009ffff : RAM buffer
                00100000-07fdffff : System RAM
                  01000000-010fffff : Kernel code
                  01100000-011fffff : Kernel rodata
                  01300000-0137ffff : Kernel data
                  01400000-014fffff : Kernel bss
                07fe0000-07ffffff : RAM buffer
                """, ProcIomem.render(t.snapshot(), true));
    }

    /** Versatile Express, 1 GiB at 0x60000000: arm puts the kernel's code and data inside its RAM bank. */
    @Test
    void armStandardResources() {
        Memblock mb = new Memblock(MemblockConfig.ARM_VEXPRESS, (level, line) -> { }, (base, size) -> { });
        mb.memblockAdd(0x60000000L, 0x40000000L);
        KernelImage image = new KernelImage(0x60008000L, 0x60008000L, 0x60900000L, 0x60a00000L, 0x60b00000L,
                0x60c00000L, 0x60d00000L, 0x60e00000L, 0x60e00000L, 0x60e9d8a8L, 0x60e9d8a8L);
        ResourceTree t = ResourceTree.iomem(32);
        IomemSetup.armRequestStandardResources(t, mb, image);
        assertEquals("""
                60000000-9fffffff : System RAM
                  60008000-60bfffff : Kernel code
                  60d00000-60e9d8a7 : Kernel data
                """, ProcIomem.render(t.snapshot(), true));
    }

    /**
     * arm64: NOMAP memory shows as "reserved", and reserved memblock ranges inside System RAM are claimed as
     * "reserved" around the kernel's code and data.
     */
    @Test
    void arm64StandardResourcesAndReservedRegions() {
        Memblock mb = new Memblock(MemblockConfig.X86_64, (level, line) -> { }, (base, size) -> { });
        mb.memblockAdd(0x40000000L, 0x40000000L);
        mb.memblockMarkNomap(0x40000000L, 0x200000);
        mb.memblockReserve(0x40200000L, 0x1e00000);
        mb.memblockReserve(0x48000000L, 0x800);
        KernelImage image = new KernelImage(0x40200000L, 0x40210000L, 0x40c00000L, 0x40c00000L, 0x40f00000L,
                0x41000000L, 0x41200000L, 0x41800000L, 0x41900000L, 0x41f00000L, 0x42000000L);
        ResourceTree t = ResourceTree.iomem(64);
        IomemSetup.arm64RequestStandardResources(t, mb, image);
        assertEquals("""
                40000000-401fffff : reserved
                40200000-7fffffff : System RAM
                  40200000-4020ffff : reserved
                  40210000-40ffffff : Kernel code
                  41000000-411fffff : reserved
                  41200000-41ffffff : Kernel data
                  48000000-48000fff : reserved
                """, ProcIomem.render(t.snapshot(), true));
    }

    @Test
    void kernelImageSymbolsMustBeInOrder() {
        assertThrows(IllegalArgumentException.class,
                () -> new KernelImage(0x2000, 0x1000, 0x3000, 0x3000, 0x4000, 0x4000, 0x5000, 0x6000, 0x6000, 0x7000, 0x7000));
    }
}
