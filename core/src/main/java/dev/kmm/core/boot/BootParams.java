package dev.kmm.core.boot;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.lib.Cmdline;
import dev.kmm.core.pagealloc.CoreParams;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The early parameters that shape memory, read from a {@link CommandLine} as {@code parse_early_param()}
 * hands them to their {@code early_param()} handlers in Linux 6.1. Each occurrence is seen in order, so
 * the last one wins where a handler overwrites a variable, and arm's {@code mem=} banks accumulate.
 *
 * <p>The kernel's handlers read sizes with {@code memparse()} and silently take garbage as 0; here a
 * value that is not a size is refused with a message, since the kernel would then boot without memory
 * or panic. Parameters of another architecture are ignored, as that kernel has no handler for them
 * ({@code parse_args} only complains about unknown parameters later, without effect on memory).
 *
 * @param mem           arm {@code mem=size[@start]} banks, in order (they replace the device tree's memory)
 * @param memLimit      arm64 {@code mem=}: {@code memory_limit}, page-aligned; x86_64 {@code mem=}: the
 *                      highest RAM address kept (e820 RAM above it is removed)
 * @param vmalloc       arm {@code vmalloc=}: the vmalloc reservation before clamping
 * @param cma           {@code cma=size[@base[-limit]]}
 * @param core          {@code kernelcore=} and {@code movablecore=}
 * @param numaOff       {@code numa=off} (arm64, x86_64)
 * @param memblockDebug {@code memblock=debug}
 * @param loglevel      the console log level: 7 by default ({@code CONSOLE_LOGLEVEL_DEFAULT}), 4 with
 *                      {@code quiet}, 10 with {@code debug}, or {@code loglevel=}
 * @param initOnAlloc   {@code init_on_alloc=}: zero pages when they are allocated (off without
 *                      CONFIG_INIT_ON_ALLOC_DEFAULT_ON, which no defconfig sets)
 * @param initOnFree    {@code init_on_free=}: zero pages when they are freed (off by default likewise)
 * @param pageOwner     {@code page_owner=}: record who allocated each page (off by default)
 * @param failPageAlloc {@code fail_page_alloc=<interval>,<probability>,<space>,<times>} as given (with
 *                      CONFIG_FAIL_PAGE_ALLOC)
 */
public record BootParams(List<MemBank> mem, OptionalLong memLimit, OptionalLong vmalloc, Optional<Cma> cma,
                         CoreParams core, boolean numaOff, boolean memblockDebug, int loglevel, boolean initOnAlloc,
                         boolean initOnFree, boolean pageOwner, Optional<String> failPageAlloc) {
    /** {@code CONSOLE_LOGLEVEL_DEFAULT}. */
    public static final int CONSOLE_LOGLEVEL_DEFAULT = 7;
    /** {@code CONSOLE_LOGLEVEL_QUIET}. */
    public static final int CONSOLE_LOGLEVEL_QUIET = 4;
    /** {@code CONSOLE_LOGLEVEL_DEBUG}. */
    public static final int CONSOLE_LOGLEVEL_DEBUG = 10;

    /** One arm {@code mem=size@start} bank; {@code start} absent means {@code PHYS_OFFSET}. */
    public record MemBank(long size, OptionalLong start) {
    }

    /**
     * {@code cma=} as {@code early_cma()} keeps it: {@code size_cmdline}, {@code base_cmdline},
     * {@code limit_cmdline} (0 when not given).
     */
    public record Cma(long size, long base, long limit) {
        /** {@code dma_contiguous_reserve()}'s "fixed": base and size end exactly at the limit. */
        public boolean fixed() {
            return limit != 0 && base + size == limit;
        }
    }

    public BootParams {
        mem = List.copyOf(mem);
        Objects.requireNonNull(memLimit, "memLimit");
        Objects.requireNonNull(vmalloc, "vmalloc");
        Objects.requireNonNull(cma, "cma");
        Objects.requireNonNull(core, "core");
    }

    /**
     * Reads the memory parameters of {@code cmdline} for an {@code arch} kernel.
     *
     * @throws IllegalArgumentException when a value the kernel would read as a size is not one
     */
    public static BootParams parse(CommandLine cmdline, Arch arch) {
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(arch, "arch");
        List<MemBank> mem = new ArrayList<>();
        OptionalLong memLimit = OptionalLong.empty();
        OptionalLong vmalloc = OptionalLong.empty();
        Optional<Cma> cma = Optional.empty();
        String kernelcore = null;
        String movablecore = null;
        boolean numaOff = false;
        boolean memblockDebug = false;
        int loglevel = CONSOLE_LOGLEVEL_DEFAULT;
        boolean initOnAlloc = false;
        boolean initOnFree = false;
        boolean pageOwner = false;
        Optional<String> failPageAlloc = Optional.empty();
        for (CommandLine.Param p : cmdline.params()) {
            String name = p.name();
            String v = p.value();
            if (CommandLine.parameq(name, "mem")) {
                String value = require(p);
                switch (arch) {
                    case ARM -> mem.add(armMem(value));
                    case ARM64 -> memLimit = OptionalLong.of(size(p, value) & ~0xfffL);
                    case X86_64 -> {
                        long s = size(p, value);
                        if (s == 0) {
                            throw new IllegalArgumentException("mem=" + value + ": the kernel refuses a zero size");
                        }
                        memLimit = OptionalLong.of(s);
                    }
                }
            } else if (CommandLine.parameq(name, "vmalloc") && arch == Arch.ARM) {
                vmalloc = OptionalLong.of(size(p, require(p)));
            } else if (CommandLine.parameq(name, "cma")) {
                cma = Optional.of(earlyCma(require(p)));
            } else if (CommandLine.parameq(name, "kernelcore")) {
                kernelcore = require(p);
            } else if (CommandLine.parameq(name, "movablecore")) {
                movablecore = require(p);
            } else if (CommandLine.parameq(name, "numa") && arch != Arch.ARM) {
                numaOff |= require(p).startsWith("off");
            } else if (CommandLine.parameq(name, "memblock")) {
                memblockDebug |= v != null && v.contains("debug");
            } else if (CommandLine.parameq(name, "quiet") && v == null) {
                loglevel = CONSOLE_LOGLEVEL_QUIET;
            } else if (CommandLine.parameq(name, "debug") && v == null) {
                loglevel = CONSOLE_LOGLEVEL_DEBUG;
            } else if (CommandLine.parameq(name, "loglevel")) {
                loglevel = loglevel(require(p));
            } else if (CommandLine.parameq(name, "init_on_alloc")) {
                initOnAlloc = kstrtobool(p);
            } else if (CommandLine.parameq(name, "init_on_free")) {
                initOnFree = kstrtobool(p);
            } else if (CommandLine.parameq(name, "page_owner")) {
                pageOwner = kstrtobool(p);
            } else if (CommandLine.parameq(name, "fail_page_alloc")) {
                failPageAlloc = Optional.of(v == null ? "" : v);
            }
        }
        return new BootParams(mem, memLimit, vmalloc, cma, CoreParams.parse(kernelcore, movablecore), numaOff,
                memblockDebug, loglevel, initOnAlloc, initOnFree, pageOwner, failPageAlloc);
    }

    /** The defaults of an empty command line. */
    public static BootParams none() {
        return new BootParams(List.of(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(),
                CoreParams.NONE, false, false, CONSOLE_LOGLEVEL_DEFAULT, false, false, false, Optional.empty());
    }

    /**
     * {@code kstrtobool()} of a parameter's value: {@code y}, {@code Y}, {@code 1} and {@code on} are true;
     * {@code n}, {@code N}, {@code 0} and {@code off} false (only the first one or two characters count). The
     * kernel warns "Malformed early option" for anything else and keeps the default; kmm refuses it, so that a
     * typo does not go unnoticed.
     */
    static boolean kstrtobool(CommandLine.Param p) {
        String v = p.value();
        if (v != null && !v.isEmpty()) {
            switch (v.charAt(0)) {
                case 'y', 'Y', '1' -> {
                    return true;
                }
                case 'n', 'N', '0' -> {
                    return false;
                }
                case 'o', 'O' -> {
                    if (v.length() > 1) {
                        switch (v.charAt(1)) {
                            case 'n', 'N' -> {
                                return true;
                            }
                            case 'f', 'F' -> {
                                return false;
                            }
                            default -> {
                            }
                        }
                    }
                }
                default -> {
                }
            }
        }
        throw new IllegalArgumentException(p.name() + (v == null ? "" : "=" + v)
                + ": not a boolean (y/n/1/0/on/off); the kernel would warn \"Malformed early option\"");
    }

    private static String require(CommandLine.Param p) {
        if (p.value() == null || p.value().isEmpty()) {
            throw new IllegalArgumentException(p.name() + " needs a value");
        }
        return p.value();
    }

    private static long size(CommandLine.Param p, String value) {
        try {
            return Cmdline.memparseStrict(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p.name() + "=" + value + ": " + e.getMessage());
        }
    }

    /** arm {@code early_mem()}: {@code size[@start]}. */
    private static MemBank armMem(String value) {
        Cmdline.Parsed s = Cmdline.memparse(value, 0);
        if (s.end() == 0) {
            throw new IllegalArgumentException("mem=" + value + ": not a size");
        }
        if (s.end() == value.length()) {
            return new MemBank(s.value(), OptionalLong.empty());
        }
        if (value.charAt(s.end()) != '@') {
            throw new IllegalArgumentException("mem=" + value + ": expected size[@start]");
        }
        String start = value.substring(s.end() + 1);
        try {
            return new MemBank(s.value(), OptionalLong.of(Cmdline.memparseStrict(start)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mem=" + value + ": bad start: " + e.getMessage());
        }
    }

    /** {@code early_cma()}: {@code size[@base[-limit]]}. */
    private static Cma earlyCma(String value) {
        Cmdline.Parsed s = Cmdline.memparse(value, 0);
        if (s.end() == 0) {
            throw new IllegalArgumentException("cma=" + value + ": not a size");
        }
        if (s.end() == value.length()) {
            return new Cma(s.value(), 0, 0);
        }
        if (value.charAt(s.end()) != '@') {
            throw new IllegalArgumentException("cma=" + value + ": expected size[@base[-limit]]");
        }
        Cmdline.Parsed b = Cmdline.memparse(value, s.end() + 1);
        if (b.end() == s.end() + 1) {
            throw new IllegalArgumentException("cma=" + value + ": bad base");
        }
        if (b.end() == value.length()) {
            return new Cma(s.value(), b.value(), b.value() + s.value());
        }
        if (value.charAt(b.end()) != '-') {
            throw new IllegalArgumentException("cma=" + value + ": expected size[@base[-limit]]");
        }
        Cmdline.Parsed l = Cmdline.memparse(value, b.end() + 1);
        if (l.end() != value.length() || l.end() == b.end() + 1) {
            throw new IllegalArgumentException("cma=" + value + ": bad limit");
        }
        return new Cma(s.value(), b.value(), l.value());
    }

    private static int loglevel(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loglevel=" + value + ": not a number");
        }
    }
}
