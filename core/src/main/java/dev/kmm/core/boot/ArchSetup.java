package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.arch.arm.ArmSetup;
import dev.kmm.core.arch.arm64.Arm64Setup;
import dev.kmm.core.arch.x86.X86Setup;
import dev.kmm.core.percpu.PcpuFirstChunk;

/**
 * What {@code start_kernel()} asks of an architecture port, at the points it asks: {@code setup_arch()}
 * (memblock populated and reserved, the boot page tables' allocations, the zone limits and
 * {@code free_area_init()}), {@code setup_per_cpu_areas()}, the memblock part of {@code mem_init()}, and
 * the page rounding of the late frees.
 */
public interface ArchSetup {
    /**
     * {@code setup_arch()}'s memory work, in the architecture's order, ending once the device tree is
     * unflattened (or, on x86, once the NUMA nodes and zones are set up).
     */
    void setupArch(EarlyBoot boot);

    /** {@code setup_per_cpu_areas()}: the embedded first chunk with the architecture's parameters. */
    PcpuFirstChunk.Result setupPerCpuAreas(EarlyBoot boot);

    /**
     * {@code mem_init()}: the architecture's allocations before {@code memblock_free_all()} (x86's
     * swiotlb), then the pages released to the buddy allocator: {@code memblock_free_all()} below
     * {@code max_low_pfn} and, on arm, {@code free_highpages()} above.
     */
    void memInit(EarlyBoot boot);

    /** {@code trap_init()}: x86 maps the CPU entry areas, whose page tables come from memblock. */
    default void trapInit(EarlyBoot boot) {
    }

    /** {@code check_bugs()}: x86 frees the SMP alternatives after patching, before the initcalls. */
    default void checkBugs(EarlyBoot boot) {
    }

    /** What {@code free_initmem()} calls the init sections: arm and x86 "unused kernel image (initmem)". */
    default String initmemName() {
        return "unused kernel image (initmem)";
    }

    /** After {@code free_initmem()}: x86's {@code mark_rodata_ro()} frees the gaps around rodata. */
    default void markRodataRo(EarlyBoot boot) {
    }

    /**
     * The pages {@code free_initrd_mem()} gives back for the initrd at {@code initrd}: arm rounds the
     * range out to whole pages first; the generic version frees the whole pages inside it.
     *
     * @return {start, end} physical, page aligned
     */
    default long[] freeInitrdRange(PhysRange initrd) {
        long start = (initrd.base() + EarlyBoot.PAGE_SIZE - 1) & -EarlyBoot.PAGE_SIZE;
        long end = initrd.end() & -EarlyBoot.PAGE_SIZE;
        return new long[] {start, Math.max(start, end)};
    }

    /**
     * The start of {@code free_initrd_mem()}: the generic version on an ARCH_KEEP_MEMBLOCK architecture (arm64)
     * first gives the initrd's pages back to memblock; arm and x86_64 have their own versions without that.
     */
    default void beforeFreeInitrd(EarlyBoot boot, PhysRange initrd) {
    }

    /** The port for {@code arch}. */
    static ArchSetup of(Arch arch) {
        return switch (arch) {
            case ARM -> new ArmSetup();
            case X86_64 -> new X86Setup();
            case ARM64 -> new Arm64Setup();
        };
    }
}
