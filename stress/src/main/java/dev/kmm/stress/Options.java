package dev.kmm.stress;

import dev.kmm.arena.addr.Arch;
import dev.kmm.core.lib.Cmdline;

/** Parsing of option values shared by the subcommands, with one-line errors. */
final class Options {
    private Options() {
    }

    static Arch arch(String s) {
        return switch (s) {
            case "arm" -> Arch.ARM;
            case "arm64", "aarch64" -> Arch.ARM64;
            case "x86_64", "x86-64", "amd64" -> Arch.X86_64;
            default -> throw new UsageException("--arch: '" + s + "' is not one of arm, arm64, x86_64");
        };
    }

    /** A size with the kernel's memparse suffixes (K, M, G, T, P, E). */
    static long size(String option, String s) {
        try {
            return Cmdline.memparseStrict(s);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    /** A physical address (decimal, or hex with 0x), or the default when absent. */
    static long address(String option, String s, long dflt) {
        if (s == null) {
            return dflt;
        }
        return size(option, s);
    }
}
