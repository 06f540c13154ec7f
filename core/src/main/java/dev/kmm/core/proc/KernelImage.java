package dev.kmm.core.proc;

/**
 * Physical addresses of the kernel image's linker symbols (include/asm-generic/sections.h), from which the
 * architectures name the "Kernel code", "Kernel rodata", "Kernel data" and "Kernel bss" resources. Each end
 * symbol is one past its section.
 *
 * @param text        {@code _text}: the image start
 * @param stext       {@code _stext}: the start of the code proper (arm64's "Kernel code" starts here)
 * @param etext       {@code _etext}
 * @param startRodata {@code __start_rodata}
 * @param endRodata   {@code __end_rodata}
 * @param initBegin   {@code __init_begin}
 * @param sdata       {@code _sdata}
 * @param edata       {@code _edata}
 * @param bssStart    {@code __bss_start}
 * @param bssStop     {@code __bss_stop}
 * @param end         {@code _end}: the image end
 */
public record KernelImage(long text, long stext, long etext, long startRodata, long endRodata, long initBegin,
                          long sdata, long edata, long bssStart, long bssStop, long end) {
    public KernelImage {
        long[] order = {text, stext, etext, startRodata, endRodata, sdata, edata, bssStart, bssStop, end};
        for (int i = 1; i < order.length; i++) {
            if (Long.compareUnsigned(order[i - 1], order[i]) > 0) {
                throw new IllegalArgumentException("kernel image symbols out of order: " + this);
            }
        }
        if (Long.compareUnsigned(initBegin, text) < 0 || Long.compareUnsigned(initBegin, end) > 0) {
            throw new IllegalArgumentException("__init_begin outside the image: " + this);
        }
    }
}
