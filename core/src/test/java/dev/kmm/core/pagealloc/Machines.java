package dev.kmm.core.pagealloc;

import java.util.List;

/** The three reference machines of the watermark tests, as zone sizes after memblock freed its memory. */
final class Machines {
    private Machines() {
    }

    /**
     * x86_64 QEMU guest with 8 GiB: present and managed pages as its /proc/zoneinfo shows them
     * (xiaolincoder/CS-Base issue #212, kernel 5.15.147, 8 GiB KVM guest). The ranges are
     * [1, 0x9f), [0x100, 0xbfff8), [0x100000, 0x240000) in pfns.
     */
    static List<ZoneSizes> x86EightGig() {
        return List.of(
                new ZoneSizes(0, 0, "DMA", false, 3840, 3998, 4095),
                new ZoneSizes(0, 1, "DMA32", false, 755116, 782328, 1044480),
                new ZoneSizes(0, 2, "Normal", false, 1273653, 1310720, 1310720),
                new ZoneSizes(0, 3, "Movable", false, 0, 0, 0),
                new ZoneSizes(0, 4, "Device", false, 0, 0, 0));
    }

    /**
     * Versatile Express, 1 GiB at 0x60000000: 768 MiB lowmem of which 188416 pages are managed after
     * the kernel image, memmap and reservations; all 65536 highmem pages are managed; ZONE_MOVABLE is
     * empty but counts as highmem (movable_zone is HighMem).
     */
    static List<ZoneSizes> armVexpress() {
        return List.of(
                new ZoneSizes(0, 0, "Normal", false, 188416, 196608, 196608),
                new ZoneSizes(0, 1, "HighMem", true, 65536, 65536, 65536),
                new ZoneSizes(0, 2, "Movable", true, 0, 0, 0));
    }

    /** arm64 QEMU virt with 2 GiB at 1 GiB: everything is ZONE_DMA; 500000 pages managed. */
    static List<ZoneSizes> arm64TwoGig() {
        return List.of(
                new ZoneSizes(0, 0, "DMA", false, 500000, 524288, 524288),
                new ZoneSizes(0, 1, "DMA32", false, 0, 0, 0),
                new ZoneSizes(0, 2, "Normal", false, 0, 0, 0),
                new ZoneSizes(0, 3, "Movable", false, 0, 0, 0));
    }
}
