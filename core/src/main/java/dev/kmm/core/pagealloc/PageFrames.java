package dev.kmm.core.pagealloc;

import dev.kmm.arena.PageOps;
import dev.kmm.arena.PhysicalMemory;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The bytes of page frames, by pfn: the simulated RAM as the kernel reaches it through {@code page_address()} or,
 * for highmem, {@code kmap_local_page()}. The allocator zeroes pages through it ({@code clear_highpage}); highmem
 * frames are reached the same way as lowmem, because no kmap slot needs modelling to write host memory.
 */
public final class PageFrames {
    private final MemorySegment[] banks;
    private final long[] startPfn;
    private final long[] endPfn;

    private PageFrames(List<MemorySegment> banks, long[] physStart) {
        this.banks = banks.toArray(MemorySegment[]::new);
        this.startPfn = new long[physStart.length];
        this.endPfn = new long[physStart.length];
        for (int i = 0; i < physStart.length; i++) {
            if ((physStart[i] & (PageOps.PAGE_SIZE - 1)) != 0) {
                throw new IllegalArgumentException(String.format("RAM bank at 0x%x is not page aligned", physStart[i]));
            }
            startPfn[i] = physStart[i] >>> PageOps.PAGE_SHIFT;
            endPfn[i] = startPfn[i] + (this.banks[i].byteSize() >>> PageOps.PAGE_SHIFT);
        }
    }

    /** One segment holding RAM from physical address {@code physStart} on. */
    public static PageFrames of(MemorySegment ram, long physStart) {
        return new PageFrames(List.of(ram), new long[] {physStart});
    }

    /** Every bank of a simulated physical memory. */
    public static PageFrames of(PhysicalMemory ram) {
        List<PhysicalMemory.Bank> banks = ram.banks();
        long[] starts = new long[banks.size()];
        MemorySegment[] segs = new MemorySegment[banks.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = banks.get(i).start();
            segs[i] = ram.bankSegment(i);
        }
        return new PageFrames(List.of(segs), starts);
    }

    /**
     * {@code clear_highpage}: fills the frame {@code pfn} with zeros.
     *
     * @throws IllegalArgumentException when the frame is not simulated RAM
     */
    public void clearPage(long pfn) {
        for (int i = 0; i < banks.length; i++) {
            if (pfn >= startPfn[i] && pfn < endPfn[i]) {
                PageOps.zeroPage(banks[i], (pfn - startPfn[i]) << PageOps.PAGE_SHIFT);
                return;
            }
        }
        throw notRam(pfn);
    }

    private static IllegalArgumentException notRam(long pfn) {
        return new IllegalArgumentException(String.format("page frame 0x%x is not simulated RAM", pfn));
    }

    /** Whether frame {@code pfn} holds only zero bytes. */
    public boolean isZeroPage(long pfn) {
        for (int i = 0; i < banks.length; i++) {
            if (pfn >= startPfn[i] && pfn < endPfn[i]) {
                return PageOps.isZeroPage(banks[i], (pfn - startPfn[i]) << PageOps.PAGE_SHIFT);
            }
        }
        throw notRam(pfn);
    }
}
