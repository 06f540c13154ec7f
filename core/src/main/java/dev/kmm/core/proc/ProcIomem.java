package dev.kmm.core.proc;

/**
 * {@code /proc/iomem} of Linux 6.1 ({@code r_show()}, kernel/resource.c): every resource below the root in
 * address order, indented two spaces per level below the first (at most five levels), as
 * {@code "%0*llx-%0*llx : %s"} with at least 8 hex digits (4 for a root ending below 0x10000, as
 * {@code ioport_resource} does); longer addresses print in full.
 */
public final class ProcIomem {
    /** {@code MAX_IORES_LEVEL}: deeper resources print at this indentation. */
    static final int MAX_IORES_LEVEL = 5;

    private ProcIomem() {
    }

    /**
     * The text for the tree under {@code root}.
     *
     * @param capSysAdmin whether the reader has CAP_SYS_ADMIN; without it the kernel prints every address as 0
     */
    public static String render(Resource root, boolean capSysAdmin) {
        int width = Long.compareUnsigned(root.end(), 0x10000) < 0 ? 4 : 8;
        StringBuilder sb = new StringBuilder();
        for (Resource r : root.children()) {
            show(sb, r, 0, width, capSysAdmin);
        }
        return sb.toString();
    }

    private static void show(StringBuilder sb, Resource r, int depth, int width, boolean capSysAdmin) {
        sb.append(" ".repeat(Math.min(depth, MAX_IORES_LEVEL) * 2))
                .append(Fmt.hex(capSysAdmin ? r.start() : 0, width)).append('-')
                .append(Fmt.hex(capSysAdmin ? r.end() : 0, width)).append(" : ")
                .append(r.name() != null ? r.name() : "<BAD>").append('\n');
        for (Resource c : r.children()) {
            show(sb, c, depth + 1, width, capSysAdmin);
        }
    }

    /** The text of {@code /proc/iomem} as root reads it. */
    public static String show(MmState state) {
        return render(state.iomemResource(), true);
    }
}
