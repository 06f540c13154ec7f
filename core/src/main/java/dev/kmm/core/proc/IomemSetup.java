package dev.kmm.core.proc;

import static dev.kmm.core.e820.E820Type.E820_TYPE_ACPI;
import static dev.kmm.core.e820.E820Type.E820_TYPE_NVS;
import static dev.kmm.core.e820.E820Type.E820_TYPE_PMEM;
import static dev.kmm.core.e820.E820Type.E820_TYPE_PRAM;
import static dev.kmm.core.e820.E820Type.E820_TYPE_RAM;
import static dev.kmm.core.e820.E820Type.E820_TYPE_RESERVED;
import static dev.kmm.core.e820.E820Type.E820_TYPE_RESERVED_KERN;
import static dev.kmm.core.e820.E820Type.E820_TYPE_SOFT_RESERVED;
import static dev.kmm.core.e820.E820Type.E820_TYPE_UNUSABLE;

import dev.kmm.core.e820.E820Entry;
import dev.kmm.core.e820.E820Table;
import dev.kmm.core.memblock.Memblock;
import dev.kmm.core.memblock.MemblockFlags;
import dev.kmm.core.memblock.MemblockType;
import java.util.ArrayList;
import java.util.List;

/**
 * How each architecture of Linux 6.1 describes RAM in {@code iomem_resource} at boot: arm's and arm64's
 * {@code request_standard_resources()} from memblock, x86's kernel image resources and
 * {@code e820__reserve_resources()} / {@code e820__reserve_resources_late()} from the e820 table. Firmware
 * and device resources (PCI, ROMs, ACPI devices) are not simulated.
 */
public final class IomemSetup {
    private static final long PAGE_SIZE = 4096;

    private IomemSetup() {
    }

    /**
     * arm {@code request_standard_resources()} (arch/arm/kernel/setup.c): "System RAM" per memory range
     * (NOMAP regions skipped), with "Kernel code" {@code [_text, __init_begin)} and "Kernel data"
     * {@code [_sdata, _end)} inside the range holding each. Machines without a boot alias or video RAM, as
     * device-tree boards are.
     */
    public static void armRequestStandardResources(ResourceTree tree, Memblock memblock, KernelImage image) {
        ResourceTree.Node code = ResourceTree.resource("Kernel code", image.text(), image.initBegin() - 1);
        ResourceTree.Node data = ResourceTree.resource("Kernel data", image.sdata(), image.end() - 1);
        memblock.forEachMemRange((start, end, nid) -> {
            ResourceTree.Node res = ResourceTree.resource("System RAM", start, end - 1);
            tree.requestResource(tree.root(), res);
            if (inside(code, res)) {
                tree.requestResource(res, code);
            }
            if (inside(data, res)) {
                tree.requestResource(res, data);
            }
        });
    }

    /**
     * arm64 {@code request_standard_resources()} and {@code reserve_memblock_reserved_regions()}
     * (arch/arm64/kernel/setup.c): "Kernel code" {@code [_stext, __init_begin)} and "Kernel data" first, then
     * per memblock region "System RAM" (whole pages inside it) or, for NOMAP regions, "reserved" (the pages
     * it touches); then every reserved memblock range inside a standard resource, rounded out to pages, is
     * claimed there as "reserved" around what is already present.
     */
    public static void arm64RequestStandardResources(ResourceTree tree, Memblock memblock, KernelImage image) {
        tree.insertResource(tree.root(), ResourceTree.resource("Kernel code", image.stext(), image.initBegin() - 1));
        tree.insertResource(tree.root(), ResourceTree.resource("Kernel data", image.sdata(), image.end() - 1));
        MemblockType memory = memblock.memory();
        List<ResourceTree.Node> standard = new ArrayList<>();
        for (int i = 0; i < memory.cnt(); i++) {
            long base = memory.base(i);
            long limit = base + memory.size(i);
            ResourceTree.Node res = (memory.flags(i) & MemblockFlags.MEMBLOCK_NOMAP) != 0
                    ? ResourceTree.resource("reserved", pageDown(base), pageUp(limit) - 1)
                    : ResourceTree.resource("System RAM", pageUp(base), pageDown(limit) - 1);
            standard.add(res);
            tree.insertResource(tree.root(), res);
        }
        for (ResourceTree.Node mem : standard) {
            long size = mem.end() - mem.start() + 1;
            if (!memblock.memblockIsRegionReserved(mem.start(), size)) {
                continue;
            }
            memblock.forEachReservedMemRange((rStart, rEnd, nid) -> {
                long start = Math.max(pageDown(rStart), mem.start());
                long end = Math.min(pageUp(rEnd) - 1, mem.end());
                if (Long.compareUnsigned(start, mem.end()) > 0 || Long.compareUnsigned(end, mem.start()) < 0) {
                    return;
                }
                tree.reserveRegionWithSplit(mem, start, end, "reserved");
            });
        }
    }

    /**
     * x86 {@code setup_arch()}'s kernel resources, "Kernel code" {@code [_text, _etext)}, "Kernel rodata",
     * "Kernel data" {@code [_sdata, _edata)} and "Kernel bss", then {@code e820__reserve_resources()}: one
     * resource per e820 entry, inserted now if it is below 1 MiB or not a reserved/persistent type (those wait
     * for PCI), and at last {@code e820__reserve_resources_late()}: the waiting entries, grown over what they
     * overlap, and a "RAM buffer" after each RAM entry up to 64 KiB, 1 MiB or 64 MiB alignment.
     */
    public static void x86ReserveResources(ResourceTree tree, E820Table e820, KernelImage image) {
        ResourceTree.Node root = tree.root();
        tree.insertResource(root, ResourceTree.resource("Kernel code", image.text(), image.etext() - 1));
        tree.insertResource(root, ResourceTree.resource("Kernel rodata", image.startRodata(), image.endRodata() - 1));
        tree.insertResource(root, ResourceTree.resource("Kernel data", image.sdata(), image.edata() - 1));
        tree.insertResource(root, ResourceTree.resource("Kernel bss", image.bssStart(), image.bssStop() - 1));
        List<ResourceTree.Node> res = new ArrayList<>();
        for (E820Entry e : e820.entries()) {
            long end = e.addr() + e.size() - 1;
            ResourceTree.Node r = ResourceTree.resource(e820TypeToString(e.type()), e.addr(), end);
            res.add(r);
            if (doMarkBusy(e.type(), r)) {
                tree.insertResource(root, r);
            }
        }
        for (ResourceTree.Node r : res) {
            if (!r.attached() && r.end() != 0) {
                tree.insertResourceExpandToFit(root, r);
            }
        }
        for (E820Entry e : e820.entries()) {
            if (e.type() != E820_TYPE_RAM) {
                continue;
            }
            long start = e.addr() + e.size();
            long end = roundUp(start, ramAlignment(start)) - 1;
            if (Long.compareUnsigned(start, end) >= 0) {
                continue;
            }
            tree.reserveRegionWithSplit(root, start, end, "RAM buffer");
        }
    }

    /** {@code e820_type_to_string()}. */
    static String e820TypeToString(int type) {
        return switch (type) {
            case E820_TYPE_RESERVED_KERN, E820_TYPE_RAM -> "System RAM";
            case E820_TYPE_ACPI -> "ACPI Tables";
            case E820_TYPE_NVS -> "ACPI Non-volatile Storage";
            case E820_TYPE_UNUSABLE -> "Unusable memory";
            case E820_TYPE_PRAM -> "Persistent Memory (legacy)";
            case E820_TYPE_PMEM -> "Persistent Memory";
            case E820_TYPE_RESERVED -> "Reserved";
            case E820_TYPE_SOFT_RESERVED -> "Soft Reserved";
            default -> "Unknown E820 type";
        };
    }

    /** {@code do_mark_busy()}: whether the entry is claimed at once rather than left for PCI. */
    private static boolean doMarkBusy(int type, ResourceTree.Node res) {
        if (Long.compareUnsigned(res.start(), 1L << 20) < 0) {
            return true; // the legacy BIOS/DOS ROM shadow and MMIO region
        }
        return switch (type) {
            case E820_TYPE_RESERVED, E820_TYPE_SOFT_RESERVED, E820_TYPE_PRAM, E820_TYPE_PMEM -> false;
            default -> true;
        };
    }

    /** {@code ram_alignment()}: 64 KiB in the first MiB, 1 MiB up to 16 MiB, 64 MiB above. */
    private static long ramAlignment(long pos) {
        long mb = pos >>> 20;
        if (mb == 0) {
            return 64 * 1024;
        }
        return mb < 16 ? 1024 * 1024 : 64 * 1024 * 1024;
    }

    private static boolean inside(ResourceTree.Node inner, ResourceTree.Node outer) {
        return Long.compareUnsigned(inner.start(), outer.start()) >= 0 && Long.compareUnsigned(inner.end(), outer.end()) <= 0;
    }

    private static long roundUp(long x, long align) {
        return (x + align - 1) & -align;
    }

    private static long pageUp(long x) {
        return roundUp(x, PAGE_SIZE);
    }

    private static long pageDown(long x) {
        return x & -PAGE_SIZE;
    }
}
