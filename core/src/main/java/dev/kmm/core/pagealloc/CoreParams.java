package dev.kmm.core.pagealloc;

/**
 * The {@code kernelcore=} and {@code movablecore=} boot parameters as {@code mm/page_alloc.c} (6.1)
 * keeps them: a size in pages, or a percentage of all memory that overrides the size.
 *
 * <p>{@code kernelcore=mirror} and {@code movable_node} are not supported: they depend on memblock's
 * mirror and hotplug flags, which the pfn ranges given to {@link FreeAreaInit} do not carry.
 *
 * @param requiredKernelcore         {@code required_kernelcore}, pages
 * @param requiredKernelcorePercent  {@code required_kernelcore_percent}, 0 when not given as a percentage
 * @param requiredMovablecore        {@code required_movablecore}, pages
 * @param requiredMovablecorePercent {@code required_movablecore_percent}
 */
public record CoreParams(long requiredKernelcore, long requiredKernelcorePercent,
                         long requiredMovablecore, long requiredMovablecorePercent) {
    /** Neither parameter given: no ZONE_MOVABLE. */
    public static final CoreParams NONE = new CoreParams(0, 0, 0, 0);

    public CoreParams {
        if (requiredKernelcore < 0 || requiredMovablecore < 0) {
            throw new IllegalArgumentException("kernelcore/movablecore page counts must not be negative");
        }
        checkPercent("kernelcore", requiredKernelcorePercent);
        checkPercent("movablecore", requiredMovablecorePercent);
    }

    private static void checkPercent(String param, long percent) {
        // The kernel only WARNs above 100%; a clear error is kinder than a nonsensical zone split.
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException(param + "= percentage " + percent + " outside 0..100");
        }
    }

    /**
     * Parses the values of {@code kernelcore=} and {@code movablecore=} as {@code cmdline_parse_core()}
     * does: a number (decimal, {@code 0x} hex or {@code 0} octal) followed by {@code %}, or a size for
     * {@code memparse()} with an optional K/M/G/T/P/E suffix, turned into pages.
     *
     * @param kernelcore  the value after {@code kernelcore=}, or null when the parameter is absent
     * @param movablecore the value after {@code movablecore=}, or null when the parameter is absent
     * @throws IllegalArgumentException for {@code mirror} (not supported), or for text the kernel would
     *                                  silently read as 0 or cut short
     */
    public static CoreParams parse(String kernelcore, String movablecore) {
        long[] k = kernelcore == null ? new long[2] : cmdlineParseCore("kernelcore", kernelcore);
        long[] m = movablecore == null ? new long[2] : cmdlineParseCore("movablecore", movablecore);
        return new CoreParams(k[0], k[1], m[0], m[1]);
    }

    /** Returns {pages, percent}. */
    private static long[] cmdlineParseCore(String param, String p) {
        if (param.equals("kernelcore") && p.equals("mirror")) {
            throw new IllegalArgumentException("kernelcore=mirror is not supported (needs memblock mirror flags)");
        }
        int[] end = new int[1];
        long coremem = simpleStrtoull(param, p, end);
        if (end[0] < p.length() && p.charAt(end[0]) == '%') {
            requireEnd(param, p, end[0] + 1);
            return new long[]{0, coremem};
        }
        int i = end[0];
        int shift = 0;
        if (i < p.length()) {
            shift = switch (Character.toLowerCase(p.charAt(i))) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                case 'p' -> 50;
                case 'e' -> 60;
                default -> throw new IllegalArgumentException(param + "=" + p + ": unknown size suffix");
            };
            i++;
        }
        requireEnd(param, p, i);
        if (shift > 0 && Long.numberOfLeadingZeros(coremem) < shift) {
            throw new IllegalArgumentException(param + "=" + p + " overflows 64 bits");
        }
        return new long[]{(coremem << shift) >>> PageAllocConfig.PAGE_SHIFT, 0};
    }

    private static void requireEnd(String param, String p, int i) {
        if (i != p.length()) {
            throw new IllegalArgumentException(param + "=" + p + ": unexpected text '" + p.substring(i) + "'");
        }
    }

    /** {@code simple_strtoull(p, &end, 0)}; stores the index after the digits in {@code end[0]}. */
    private static long simpleStrtoull(String param, String p, int[] end) {
        int base = 10;
        int i = 0;
        if (p.startsWith("0x") || p.startsWith("0X")) {
            if (p.length() > 2 && Character.digit(p.charAt(2), 16) >= 0) {
                base = 16;
                i = 2;
            }
        } else if (p.startsWith("0")) {
            base = 8;
        }
        int first = i;
        long value = 0;
        while (i < p.length() && Character.digit(p.charAt(i), base) >= 0) {
            int d = Character.digit(p.charAt(i), base);
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - d, base)) > 0) {
                throw new IllegalArgumentException(param + "=" + p + " overflows 64 bits");
            }
            value = value * base + d;
            i++;
        }
        if (i == first) {
            throw new IllegalArgumentException(param + "=" + p + ": no number");
        }
        end[0] = i;
        return value;
    }
}
