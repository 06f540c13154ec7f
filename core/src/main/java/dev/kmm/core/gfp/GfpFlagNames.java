package dev.kmm.core.gfp;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kmm.core.gfp.Gfp.*;

/**
 * GFP masks as the kernel prints them, and back.
 *
 * <p>The name table is 6.1's {@code __def_gfpflag_names} ({@code include/trace/events/mmflags.h}):
 * composite masks first, most bits first, so that {@code GFP_KERNEL|__GFP_ZERO} prints as such and not as
 * a list of single bits. Both printers walk it the same way: a name matches when all its bits are still
 * set, those bits are then cleared, and what no name claims is printed as {@code 0x%lx}. The
 * {@code CONFIG_KASAN_HW_TAGS} names ({@code __GFP_SKIP_ZERO}, {@code __GFP_SKIP_KASAN_*}) are absent, as
 * in Debian's 6.1 config; {@code __GFP_NOLOCKDEP} has no name in 6.1's table.
 */
public final class GfpFlagNames {
    private GfpFlagNames() {
    }

    private static final String[] NAMES = {
        "GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER",
        "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT", "GFP_DMA",
        "__GFP_HIGHMEM", "GFP_DMA32", "__GFP_HIGH", "__GFP_ATOMIC", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN",
        "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO",
        "__GFP_NOMEMALLOC", "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_RECLAIMABLE",
        "__GFP_MOVABLE", "__GFP_ACCOUNT", "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM",
        "__GFP_KSWAPD_RECLAIM", "__GFP_ZEROTAGS",
    };

    private static final int[] MASKS = {
        GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT, GFP_HIGHUSER_MOVABLE, GFP_HIGHUSER, GFP_USER,
        GFP_KERNEL_ACCOUNT, GFP_KERNEL, GFP_NOFS, GFP_ATOMIC, GFP_NOIO, GFP_NOWAIT, GFP_DMA,
        __GFP_HIGHMEM, GFP_DMA32, __GFP_HIGH, __GFP_ATOMIC, __GFP_IO, __GFP_FS, __GFP_NOWARN,
        __GFP_RETRY_MAYFAIL, __GFP_NOFAIL, __GFP_NORETRY, __GFP_COMP, __GFP_ZERO,
        __GFP_NOMEMALLOC, __GFP_MEMALLOC, __GFP_HARDWALL, __GFP_THISNODE, __GFP_RECLAIMABLE,
        __GFP_MOVABLE, __GFP_ACCOUNT, __GFP_WRITE, __GFP_RECLAIM, __GFP_DIRECT_RECLAIM,
        __GFP_KSWAPD_RECLAIM, __GFP_ZEROTAGS,
    };

    /** Every name {@link #parse} accepts: the printed ones, and the two bits printed only inside composites. */
    private static final Map<String, Integer> BY_NAME = new HashMap<>();

    static {
        for (int i = 0; i < NAMES.length; i++) {
            BY_NAME.put(NAMES[i], MASKS[i]);
        }
        BY_NAME.put("__GFP_DMA", __GFP_DMA);
        BY_NAME.put("__GFP_DMA32", __GFP_DMA32);
    }

    /** The names of 6.1's {@code __def_gfpflag_names}, in table order. */
    public static List<String> names() {
        return List.of(NAMES);
    }

    /**
     * {@code %pGg} ({@code format_flags()} of {@code lib/vsprintf.c}), as {@code warn_alloc} and
     * page_owner print a mask: names joined by {@code |}, leftover bits as {@code 0x%lx}, and the empty
     * string for 0.
     */
    public static String formatFlags(int gfpFlags) {
        StringBuilder sb = new StringBuilder();
        appendFlags(sb, gfpFlags);
        return sb.toString();
    }

    /**
     * {@code show_gfp_flags()} of the tracepoints ({@code __print_flags(flags, "|", ...)}): as
     * {@link #formatFlags}, but {@code "none"} for 0.
     */
    public static String showGfpFlags(int gfpFlags) {
        return gfpFlags == 0 ? "none" : formatFlags(gfpFlags);
    }

    /** Appends {@link #showGfpFlags} to {@code sb}, without an intermediate string. */
    public static void appendShowGfpFlags(StringBuilder sb, int gfpFlags) {
        if (gfpFlags == 0) {
            sb.append("none");
        } else {
            appendFlags(sb, gfpFlags);
        }
    }

    /**
     * {@code warn_alloc}'s {@code mode:%#x(%pGg)} part without the {@code mode:} label, e.g.
     * {@code 0xa20(GFP_ATOMIC)}. The kernel's {@code %#x} prints {@code 0x0} for 0.
     */
    public static String mode(int gfpFlags) {
        return "0x" + Integer.toHexString(gfpFlags) + "(" + formatFlags(gfpFlags) + ")";
    }

    private static void appendFlags(StringBuilder sb, int gfpFlags) {
        long flags = Integer.toUnsignedLong(gfpFlags);
        for (int i = 0; i < MASKS.length && flags != 0; i++) {
            long mask = Integer.toUnsignedLong(MASKS[i]);
            if ((flags & mask) != mask) {
                continue;
            }
            sb.append(NAMES[i]);
            flags &= ~mask;
            if (flags != 0) {
                sb.append('|');
            }
        }
        if (flags != 0) {
            sb.append("0x").append(Long.toHexString(flags));
        }
    }

    /**
     * Reads a printed mask back: names of 6.1's table (and {@code __GFP_DMA}, {@code __GFP_DMA32}) and
     * hexadecimal leftovers ({@code 0x...}) joined by {@code |}; {@code "none"} and the empty string are 0.
     * {@code parse(showGfpFlags(m)) == m} and {@code parse(formatFlags(m)) == m} for every mask.
     *
     * @throws IllegalArgumentException naming the first token that is no 6.1 GFP name or number
     */
    public static int parse(String text) {
        if (text.isEmpty() || text.equals("none")) {
            return 0;
        }
        int mask = 0;
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf('|', start);
            if (end < 0) {
                end = text.length();
            }
            mask |= token(text, start, end);
            start = end + 1;
        }
        return mask;
    }

    private static int token(String text, int start, int end) {
        if (start == end) {
            throw new IllegalArgumentException("empty GFP flag name at offset " + start + " in \"" + text + "\"");
        }
        String token = text.substring(start, end);
        Integer named = BY_NAME.get(token);
        if (named != null) {
            return named;
        }
        if (token.startsWith("0x") && token.length() > 2) {
            try {
                long value = Long.parseLong(token, 2, token.length(), 16);
                if (value <= 0xffff_ffffL) {
                    return (int) value;
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
            throw new IllegalArgumentException("\"" + token + "\" in \"" + text + "\" is not a 32-bit hex GFP mask");
        }
        throw new IllegalArgumentException("unknown GFP flag name \"" + token + "\" in \"" + text
                + "\" (not a Linux 6.1 gfpflag name)");
    }
}
