package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;

/**
 * The kernel image as its linker script lays it out: the section symbols that boot code reads, as byte
 * offsets from {@code _text}, and the physical address the boot loader put {@code _text} at.
 *
 * <p>The memory side of boot needs only these symbols: the image reservation
 * ({@code memblock_reserve(__pa(_stext), _end - _stext)} on arm and arm64, from {@code _text} to
 * {@code __end_of_kernel_reserve} on x86_64), the section sizes of {@code mem_init_print_info()}, the
 * init sections that {@code free_initmem()} returns, the static per-CPU size
 * ({@code __per_cpu_end - __per_cpu_start}) of the first per-CPU chunk, and where {@code .data} and
 * {@code .rodata} hold the structures kmm places there ({@code contig_page_data}, the zone names).
 *
 * @param textPhys     physical address of {@code _text}
 * @param stext        {@code _stext}: start of the text the kernel reserves from (arm, arm64)
 * @param etext        {@code _etext}
 * @param startRodata  {@code __start_rodata}
 * @param endRodata    {@code __end_rodata}
 * @param initBegin    {@code __init_begin}
 * @param sinittext    {@code _sinittext}
 * @param einittext    {@code _einittext}
 * @param initEnd      {@code __init_end}
 * @param sdata        {@code _sdata}
 * @param edata        {@code _edata}
 * @param bssStart     {@code __bss_start}
 * @param bssStop      {@code __bss_stop}
 * @param end          {@code _end}
 * @param reserveEnd   where the boot reservation ends: {@code _end} on arm and arm64,
 *                     {@code __end_of_kernel_reserve} on x86_64 (the brk area past it is reserved as used)
 * @param perCpuSize   {@code __per_cpu_end - __per_cpu_start}: the static per-CPU variables
 * @param contigPageData {@code contig_page_data}, the node of a kernel without NUMA, in .data or .bss
 * @param brkBase      x86: {@code __brk_base}, 0 elsewhere
 * @param brkEnd       x86: {@code _brk_end} when {@code reserve_brk()} runs (what early boot took of the brk
 *                     area: the early page-table buffer, DMI), 0 elsewhere
 * @param smpLocks     x86: {@code __smp_locks}, freed by {@code alternative_instructions()}; 0 elsewhere
 * @param smpLocksEnd  x86: {@code __smp_locks_end}
 * @param initPgDir    arm64: {@code init_pg_dir}, the boot page tables {@code paging_init()} frees; 0 elsewhere
 * @param initPgEnd    arm64: {@code init_pg_end}
 * @param pglistDataSize {@code sizeof(struct pglist_data)} of this build, which a NUMA kernel allocates for each
 *                     node; 0 when the kernel has no NUMA (its node is {@code contig_page_data})
 * @param arm64        arm64's page-table symbols; null on the other architectures
 */
public record KernelImage(long textPhys, long stext, long etext, long startRodata, long endRodata, long initBegin,
                          long sinittext, long einittext, long initEnd, long sdata, long edata, long bssStart,
                          long bssStop, long end, long reserveEnd, long perCpuSize, long contigPageData,
                          long brkBase, long brkEnd, long smpLocks, long smpLocksEnd, long initPgDir, long initPgEnd,
                          long pglistDataSize, Arm64Symbols arm64) {
    /**
     * The arm64 linker symbols {@code paging_init()} maps by ({@code map_kernel()}'s segments,
     * {@code create_idmap()}), as offsets from {@code _text}.
     *
     * @param initdataBegin {@code __initdata_begin}, which is also {@code __inittext_end}
     * @param idmapText     {@code __idmap_text_start}
     * @param idmapTextEnd  {@code __idmap_text_end}
     * @param idmapKptiFlag {@code __idmap_kpti_flag} (CONFIG_UNMAP_KERNEL_AT_EL0), -1 without it
     */
    public record Arm64Symbols(long initdataBegin, long idmapText, long idmapTextEnd, long idmapKptiFlag) {
    }

    public KernelImage {
        long[] order = {0, stext, etext, startRodata, endRodata, end};
        for (int i = 1; i < order.length; i++) {
            if (order[i] < order[i - 1]) {
                throw new IllegalArgumentException("kernel image symbols out of order: _text <= _stext <= _etext <= "
                        + "__start_rodata <= __end_rodata <= _end is broken");
            }
        }
        if (textPhys < 0 || (textPhys & 0xfff) != 0) {
            throw new IllegalArgumentException(String.format("_text at 0x%x is not page-aligned", textPhys));
        }
        if (initBegin > sinittext || sinittext > einittext || einittext > initEnd || initEnd > end
                || sdata > edata || edata > end || bssStart > bssStop || bssStop > end || reserveEnd > end
                || reserveEnd <= stext) {
            throw new IllegalArgumentException("inconsistent kernel image symbols");
        }
        if (contigPageData < sdata || contigPageData >= end) {
            throw new IllegalArgumentException("contig_page_data must lie in the image's data or bss");
        }
        if (perCpuSize <= 0) {
            throw new IllegalArgumentException("the static per-CPU area cannot be empty (pcpu_setup_first_chunk)");
        }
    }

    /**
     * Linux 6.1.192 built with {@code vexpress_defconfig} plus {@code CONFIG_HIGHMEM=y} and
     * {@code CONFIG_VMSPLIT_3G=y} (arm-linux-gnueabihf-gcc 12.2): the symbols of its System.map, loaded
     * at {@code PHYS_OFFSET + TEXT_OFFSET} (0x8000). With {@code STRICT_KERNEL_RWX}, {@code _stext},
     * {@code __init_begin} and {@code __init_end} sit on 1 MiB sections, so the first MiB after
     * {@code swapper_pg_dir} is free memory and the image reservation starts at {@code _stext}.
     * {@code mem_init_print_info()} prints it as 8192K kernel code, 660K rwdata, 1976K rodata, 1024K init
     * and 202K bss.
     */
    public static KernelImage vexpress(long physOffset) {
        long t = 0xc0008000L; // _text
        return new KernelImage(physOffset + 0x8000, 0xc0100000L - t, 0xc0900000L - t, 0xc0900000L - t,
                0xc0aee000L - t, 0xc0c00000L - t, 0xc0c003c0L - t, 0xc0c316c4L - t, 0xc0d00000L - t,
                0xc0d00000L - t, 0xc0da5394L - t, 0xc0da5394L - t, 0xc0dd7bb0L - t, 0xc0dd7bb0L - t,
                0xc0dd7bb0L - t, 0xc0c5e954L - 0xc0c57000L, 0xc0d94ac0L - t, 0, 0, 0, 0, 0, 0, 0, null);
    }

    /**
     * Linux 6.1.192 built with {@code x86_64_defconfig} (gcc 12.2, Debian 12), loaded at
     * {@code CONFIG_PHYSICAL_START} (16 MiB) without KASLR: the symbols of its System.map. It prints as
     * 16397K kernel code, 2745K rwdata, 5180K rodata, 1544K init and 2804K bss; 176936 bytes of static
     * per-CPU data; 68 KiB of brk in use by {@code reserve_brk()} (the 16-page early page-table buffer and
     * DMI), 48 KiB of SMP alternatives. Its {@code pg_data_t} (NODES_SHIFT 6) rounds up to 16 KiB, the size of
     * {@code NODE_DATA(0)} in its boot log; 16384 stands for it, as only the rounded size reaches memblock.
     */
    public static KernelImage x86_64Defconfig() {
        long t = 0xffff_ffff_8100_0000L;
        return new KernelImage(0x100_0000L, 0, 0xffff_ffff_8200_35b2L - t, 0xffff_ffff_8220_0000L - t,
                0xffff_ffff_8270_f000L - t, 0xffff_ffff_82fb_4000L - t, 0xffff_ffff_82fe_0000L - t,
                0xffff_ffff_8303_ae6eL - t, 0xffff_ffff_8313_6000L - t, 0xffff_ffff_8280_0000L - t,
                0xffff_ffff_82aa_e580L - t, 0xffff_ffff_8314_3000L - t, 0xffff_ffff_8340_0000L - t,
                0xffff_ffff_8343_0000L - t, 0xffff_ffff_8340_0000L - t, 0x2b328, 0xffff_ffff_8280_0000L - t,
                0xffff_ffff_8340_0000L - t, 0xffff_ffff_8341_1000L - t, 0xffff_ffff_8313_6000L - t,
                0xffff_ffff_8314_2000L - t, 0, 0, 16384, null);
    }

    /**
     * Linux 6.1.192 built with arm64 {@code defconfig} (aarch64-linux-gnu-gcc 12.2, Debian 12), loaded at
     * {@code textPhys} (QEMU's virt board puts the Image 2 MiB into RAM, at 0x40200000): the symbols of its
     * System.map. It prints as 16320K kernel code, 3744K rwdata, 9380K rodata, 7616K init and 610K bss; 48424
     * bytes of static per-CPU data; its {@code init_pg_dir} (5 pages) is freed by {@code paging_init()}. Its
     * {@code pg_data_t} (NODES_SHIFT 4, MEMCG) rounded to SMP_CACHE_BYTES is 9728 bytes, the size of its boot
     * log's "NUMA: NODE_DATA" range.
     */
    public static KernelImage arm64Defconfig(long textPhys) {
        long t = 0xffff_8000_0800_0000L; // _text
        return new KernelImage(textPhys, 0xffff_8000_0801_0000L - t, 0xffff_8000_0900_0000L - t,
                0xffff_8000_0900_0000L - t, 0xffff_8000_0992_9000L - t, 0xffff_8000_0994_0000L - t,
                0xffff_8000_0994_0000L - t, 0xffff_8000_099b_9e40L - t, 0xffff_8000_0a0b_0000L - t,
                0xffff_8000_0a0b_0000L - t, 0xffff_8000_0a45_8200L - t, 0xffff_8000_0a45_9000L - t,
                0xffff_8000_0a4f_19b0L - t, 0xffff_8000_0a50_0000L - t, 0xffff_8000_0a50_0000L - t,
                0xffff_8000_09ad_dd28L - 0xffff_8000_09ad_2000L, 0xffff_8000_0a0b_de80L - t, 0, 0, 0, 0,
                0xffff_8000_0a4f_2000L - t, 0xffff_8000_0a4f_7000L - t, 9728,
                new Arm64Symbols(0xffff_8000_09a2_0000L - t, 0xffff_8000_08ff_7000L - t,
                        0xffff_8000_08ff_7930L - t, 0xffff_8000_0a0c_84dcL - t));
    }

    /** This image loaded at {@code newTextPhys} instead (where the boot loader put {@code _text}). */
    public KernelImage at(long newTextPhys) {
        return new KernelImage(newTextPhys, stext, etext, startRodata, endRodata, initBegin, sinittext, einittext,
                initEnd, sdata, edata, bssStart, bssStop, end, reserveEnd, perCpuSize, contigPageData, brkBase, brkEnd,
                smpLocks, smpLocksEnd, initPgDir, initPgEnd, pglistDataSize, arm64);
    }

    /** The profile used when a machine names none: {@link #vexpress} on arm, {@link #x86_64Defconfig} on x86_64, {@link #arm64Defconfig} 2 MiB into RAM on arm64. */
    static KernelImage defaultFor(Arch arch, long ramStart) {
        return switch (arch) {
            case ARM -> vexpress(ramStart);
            case X86_64 -> x86_64Defconfig();
            case ARM64 -> arm64Defconfig(ramStart + (2L << 20));
        };
    }

    /** The image's length from {@code _text} to {@code _end}. */
    public long size() {
        return end;
    }

    /** The physical address of the image symbol at offset {@code off}. */
    public long phys(long off) {
        return textPhys + off;
    }

    /** {@code _etext - _stext}, less the rodata or init text that lies inside it. */
    public long codeSize() {
        return sizes()[0];
    }

    /** {@code _edata - _sdata}, less embedded init data or rodata. */
    public long rwdataSize() {
        return sizes()[1];
    }

    /** {@code __end_rodata - __start_rodata}. */
    public long rodataSize() {
        return sizes()[2];
    }

    /** The init sections: {@code __init_end - __init_begin} plus init text kept outside them. */
    public long initSize() {
        return sizes()[3];
    }

    /** {@code __bss_stop - __bss_start}. */
    public long bssSize() {
        return bssStop - bssStart;
    }

    /**
     * {@code mem_init_print_info()}'s section sizes with its {@code adj_init_size()} corrections: init
     * text inside the init sections or the text, init data inside .data, rodata inside .text or .data.
     *
     * @return {code, rwdata, rodata, init}
     */
    private long[] sizes() {
        long codesize = etext - stext;
        long datasize = edata - sdata;
        long rosize = endRodata - startRodata;
        long initDataSize = initEnd - initBegin;
        long initCodeSize = einittext - sinittext;
        if (within(initBegin, initEnd, sinittext) && initDataSize > initCodeSize) {
            initDataSize -= initCodeSize;
        }
        if (within(stext, etext, sinittext) && codesize > initCodeSize) {
            codesize -= initCodeSize;
        }
        if (within(sdata, edata, initBegin) && datasize > initDataSize) {
            datasize -= initDataSize;
        }
        if (within(stext, etext, startRodata) && codesize > rosize) {
            codesize -= rosize;
        }
        if (within(sdata, edata, startRodata) && datasize > rosize) {
            datasize -= rosize;
        }
        return new long[] {codesize, datasize, rosize, initDataSize + initCodeSize};
    }

    private static boolean within(long start, long end, long pos) {
        return start <= pos && pos < end;
    }
}
