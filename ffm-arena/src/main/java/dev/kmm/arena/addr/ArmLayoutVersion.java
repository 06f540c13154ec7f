package dev.kmm.arena.addr;

/**
 * Which kernel's 32-bit ARM constants a profile uses. Linux 6.1 is the default; 4.14 exists to reproduce
 * boots of that era, whose lowmem limit differs because VMALLOC_END was 8 MiB lower.
 */
public enum ArmLayoutVersion {
    /** Linux 4.14: VMALLOC_END 0xff000000, FIXADDR_START 0xffc00000. */
    V4_14(ArmLayout.VMALLOC_END_4_14, ArmLayout.FIXADDR_START_4_14),
    /** Linux 6.1: VMALLOC_END 0xff800000, FIXADDR_START 0xffc80000. */
    V6_1(ArmLayout.VMALLOC_END, ArmLayout.FIXADDR_START);

    private final long vmallocEnd;
    private final long fixaddrStart;

    ArmLayoutVersion(long vmallocEnd, long fixaddrStart) {
        this.vmallocEnd = vmallocEnd;
        this.fixaddrStart = fixaddrStart;
    }

    public long vmallocEnd() {
        return vmallocEnd;
    }

    public long fixaddrStart() {
        return fixaddrStart;
    }
}
