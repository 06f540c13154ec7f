package dev.kmm.arena.addr;

import static dev.kmm.arena.addr.KernelAddressSpace.PAGE_SIZE;

import java.util.List;

/**
 * Human-readable dumps of a {@link KernelAddressSpace}.
 *
 * <p>arm: the boot-time block of Linux 5.0's arch/arm/mm/init.c mem_init() (the last kernel that printed it),
 * without the kernel-image lines. Sizes are {@code (end - start) >> 10} kB or {@code >> 20} MB, as the
 * kernel's MLK/MLM macros compute them.
 *
 * <p>x86_64 and arm64: a table in the format of Documentation/arm64/memory.rst (start and inclusive end in
 * hex, size, use), with the regions that memory.rst or Documentation/x86/x86_64/mm.rst list (unused holes
 * left out). A size is written in the largest unit (kB, MB, GB, TB, PB) not above it when it is a whole
 * number of that unit; otherwise in the next smaller unit when it is a whole number below 10000 of that
 * (1520MB, 512GB); otherwise rounded to the nearest whole larger unit (arm64's 124TB vmalloc).
 */
final class LayoutDump {
    private LayoutDump() {
    }

    private record Row(long start, long end, String use) {
    }

    private static final String[] UNITS = {"kB", "MB", "GB", "TB", "PB"};

    static String arm(KernelAddressSpace a, long lowmemEndPhys) {
        long pkmap = a.pkmapBase();
        return "Virtual kernel memory layout:\n"
                + armLine("vector", a.vectorsBase(), a.vectorsBase() + PAGE_SIZE, 10, "kB")
                + armLine("fixmap", a.fixaddrStart(), a.fixaddrEnd(), 10, "kB")
                + armLine("vmalloc", a.vmallocStart(lowmemEndPhys), a.vmallocEnd(), 20, "MB")
                + armLine("lowmem", a.pageOffset(), a.highMemory(lowmemEndPhys), 20, "MB")
                + armLine("pkmap", pkmap, pkmap + ArmLayout.LAST_PKMAP * PAGE_SIZE, 20, "MB")
                + armLine("modules", a.modulesVaddr(), a.modulesEnd(), 20, "MB");
    }

    private static String armLine(String name, long start, long end, int shift, String unit) {
        return String.format("    %-8s: 0x%08x - 0x%08x   (%4d %s)\n", name, start, end, (end - start) >>> shift, unit);
    }

    static String arm64(KernelAddressSpace a) {
        return table(List.of(
                new Row(0, a.taskSize(), "user"),
                new Row(a.pageOffset(), a.pageEnd(), "kernel logical memory map"),
                new Row(a.modulesVaddr(), a.modulesEnd(), "modules"),
                new Row(a.vmallocStart(), a.vmallocEnd(), "vmalloc"),
                new Row(a.vmallocEnd(), a.fixaddrTop(), "fixed mappings (top down)"),
                new Row(a.fixaddrTop(), a.pciIoStart(), "[guard region]"),
                new Row(a.pciIoStart(), a.pciIoEnd(), "PCI I/O space"),
                new Row(a.pciIoEnd(), a.vmemmapStart(), "[guard region]"),
                new Row(a.vmemmapStart(), a.vmemmapEnd(), "vmemmap"),
                new Row(a.vmemmapEnd(), 0, "[guard region]")));
    }

    static String x86_64(KernelAddressSpace a) {
        long vmemmapSize = (X86_64Layout.MAXMEM >>> KernelAddressSpace.PAGE_SHIFT) * KernelAddressSpace.SIZEOF_STRUCT_PAGE;
        long pgd = X86_64Layout.PGDIR_SIZE;
        return table(List.of(
                new Row(0, 1L << X86_64Layout.VIRTUAL_MASK_SHIFT, "user-space virtual memory, different per mm"),
                new Row(X86_64Layout.GUARD_HOLE_BASE_ADDR, X86_64Layout.GUARD_HOLE_BASE_ADDR + X86_64Layout.GUARD_HOLE_SIZE,
                        "guard hole, also reserved for hypervisor"),
                new Row(X86_64Layout.LDT_BASE_ADDR, X86_64Layout.LDT_BASE_ADDR + pgd, "LDT remap for PTI"),
                new Row(a.pageOffset(), a.pageOffset() + X86_64Layout.MAXMEM,
                        "direct mapping of all physical memory (page_offset_base)"),
                new Row(a.vmallocStart(), a.vmallocEnd() + 1, "vmalloc/ioremap space (vmalloc_base)"),
                new Row(a.vmemmapStart(), a.vmemmapStart() + vmemmapSize, "virtual memory map (vmemmap_base)"),
                new Row(a.cpuEntryAreaBase(), a.cpuEntryAreaBase() + pgd, "cpu_entry_area mapping"),
                new Row(X86_64Layout.ESPFIX_BASE_ADDR, X86_64Layout.ESPFIX_BASE_ADDR + pgd, "%esp fixup stacks"),
                new Row(X86_64Layout.EFI_VA_END, X86_64Layout.EFI_VA_START, "EFI region mapping space"),
                new Row(a.startKernelMap(), a.startKernelMap() + a.kernelImageSize(),
                        "kernel text mapping, mapped to physical address 0"),
                new Row(a.modulesVaddr(), a.modulesEnd(), "module mapping space"),
                new Row(a.fixaddrStart(), X86_64Layout.VSYSCALL_ADDR, "kernel-internal fixmap range"),
                new Row(X86_64Layout.VSYSCALL_ADDR, X86_64Layout.VSYSCALL_ADDR + PAGE_SIZE, "legacy vsyscall ABI")));
    }

    private static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder("  Start\t\t\tEnd\t\t\tSize\t\tUse\n");
        sb.append("  -----------------------------------------------------------------------\n");
        for (Row r : rows) {
            sb.append(String.format("  %016x\t%016x\t%6s\t\t%s\n", r.start(), r.end() - 1, size(r.end() - r.start()), r.use()));
        }
        return sb.toString();
    }

    /** The size notation described in the class comment; {@code bytes} is unsigned and a multiple of 1 kB. */
    private static String size(long bytes) {
        int u = 0;
        while (u + 1 < UNITS.length && bytes >>> (10 * (u + 2)) != 0) {
            u++;
        }
        int shift = 10 * (u + 1);
        long unit = 1L << shift;
        if ((bytes & (unit - 1)) == 0) {
            return (bytes >>> shift) + UNITS[u];
        }
        long smaller = unit >>> 10;
        if (u > 0 && (bytes & (smaller - 1)) == 0 && (bytes >>> (shift - 10)) < 10000) {
            return (bytes >>> (shift - 10)) + UNITS[u - 1];
        }
        return (((bytes >>> (shift - 1)) + 1) >>> 1) + UNITS[u];
    }
}
