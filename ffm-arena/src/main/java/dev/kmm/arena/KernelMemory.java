package dev.kmm.arena;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The kernel's view of memory: kernel virtual addresses resolved to host memory.
 *
 * <p>Structures in simulated RAM hold kernel virtual addresses, as the kernel's do (a
 * {@code list_head.next} is a direct-map or vmemmap address). A {@code KernelMemory} is a
 * short, fixed list of VA regions, each backed by a {@link MemorySegment}; resolving an address
 * is one unsigned compare and one subtraction per region tried. The two regions the allocator
 * hot paths touch (the direct map and the memmap) are tried first, from final fields.
 *
 * <p>All accessors take kernel virtual addresses. An address outside every region raises
 * {@link BadAddressException}: nothing is read or written.
 */
public final class KernelMemory {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();

    /** One VA range backed by host memory. */
    public record Region(String name, long vaStart, MemorySegment segment) {
        public Region {
            Objects.requireNonNull(name);
            Objects.requireNonNull(segment);
        }

        public long size() {
            return segment.byteSize();
        }

        public long vaEnd() {
            return vaStart + segment.byteSize();
        }

        public boolean contains(long va) {
            return Long.compareUnsigned(va - vaStart, segment.byteSize()) < 0;
        }
    }

    private final MemorySegment seg0;
    private final long va0;
    private final long size0;
    private final MemorySegment seg1;
    private final long va1;
    private final long size1;
    private final Region[] regions;

    private KernelMemory(Region[] regions) {
        this.regions = regions;
        this.seg0 = regions[0].segment();
        this.va0 = regions[0].vaStart();
        this.size0 = regions[0].size();
        Region r1 = regions.length > 1 ? regions[1] : new Region("none", 0, MemorySegment.NULL);
        this.seg1 = r1.segment();
        this.va1 = r1.vaStart();
        this.size1 = r1.size();
    }

    /**
     * Builds a view over the given regions, tried in the given order (put the hottest first).
     * Regions must not overlap.
     */
    public static KernelMemory of(List<Region> regions) {
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("KernelMemory needs at least one region");
        }
        List<Region> rs = new ArrayList<>(regions);
        for (int i = 0; i < rs.size(); i++) {
            for (int j = i + 1; j < rs.size(); j++) {
                Region a = rs.get(i), b = rs.get(j);
                if (a.contains(b.vaStart()) || b.contains(a.vaStart())) {
                    throw new IllegalArgumentException("regions overlap: " + describe(a) + " and " + describe(b));
                }
            }
        }
        return new KernelMemory(rs.toArray(Region[]::new));
    }

    public static KernelMemory of(Region... regions) {
        return of(List.of(regions));
    }

    private static String describe(Region r) {
        return String.format("%s [0x%016x-0x%016x)", r.name(), r.vaStart(), r.vaEnd());
    }

    public List<Region> regions() {
        return List.of(regions);
    }

    /** True when {@code [va, va+len)} lies inside one region. */
    public boolean isMapped(long va, long len) {
        return regionOf(va, len) != null;
    }

    /** The region that holds all of {@code [va, va+len)}, or null. */
    private Region regionOf(long va, long len) {
        for (Region r : regions) {
            long off = va - r.vaStart();
            if (Long.compareUnsigned(off, r.size()) < 0 && len >= 0 && len <= r.size() - off) {
                return r;
            }
        }
        return null;
    }

    private Region requireRegion(long va, long len) {
        Region r = regionOf(va, len);
        if (r == null) {
            throw new BadAddressException(va, len);
        }
        return r;
    }

    /** The host memory behind {@code [va, va+len)}, which must lie inside one region. */
    public MemorySegment slice(long va, long len) {
        Region r = requireRegion(va, len);
        return r.segment().asSlice(va - r.vaStart(), len);
    }

    /**
     * The whole host segment of the region that holds {@code [va, va+len)}, without making a slice (nothing is
     * allocated): a loop over a block of structures reads it at {@link #regionOffset}{@code (va)} plus its own
     * offsets.
     *
     * @throws BadAddressException when the range is not inside one region
     */
    public MemorySegment regionSegment(long va, long len) {
        return requireRegion(va, len).segment();
    }

    /** The offset of {@code va} in its region's segment ({@link #regionSegment}). */
    public long regionOffset(long va) {
        return off(va);
    }

    // Resolution: the segment and offset of va. Kept as two small methods so callers inline them.
    private MemorySegment seg(long va) {
        if (Long.compareUnsigned(va - va0, size0) < 0) {
            return seg0;
        }
        if (Long.compareUnsigned(va - va1, size1) < 0) {
            return seg1;
        }
        return slowRegion(va).segment();
    }

    private long off(long va) {
        if (Long.compareUnsigned(va - va0, size0) < 0) {
            return va - va0;
        }
        if (Long.compareUnsigned(va - va1, size1) < 0) {
            return va - va1;
        }
        return va - slowRegion(va).vaStart();
    }

    private Region slowRegion(long va) {
        for (int i = 2; i < regions.length; i++) {
            if (regions[i].contains(va)) {
                return regions[i];
            }
        }
        throw new BadAddressException(va, 1);
    }

    public long getLong(long va) {
        return (long) LONG.get(seg(va), off(va));
    }

    public void putLong(long va, long value) {
        LONG.set(seg(va), off(va), value);
    }

    public long getLongVolatile(long va) {
        return (long) LONG.getVolatile(seg(va), off(va));
    }

    public void putLongVolatile(long va, long value) {
        LONG.setVolatile(seg(va), off(va), value);
    }

    public long getLongAcquire(long va) {
        return (long) LONG.getAcquire(seg(va), off(va));
    }

    public void putLongRelease(long va, long value) {
        LONG.setRelease(seg(va), off(va), value);
    }

    /** {@code READ_ONCE}: one untorn access the compiler may not merge, split or hoist; no ordering. */
    public long getLongOpaque(long va) {
        return (long) LONG.getOpaque(seg(va), off(va));
    }

    /** {@code WRITE_ONCE}: one untorn store, seen by lockless readers as a whole; no ordering. */
    public void putLongOpaque(long va, long value) {
        LONG.setOpaque(seg(va), off(va), value);
    }

    public boolean compareAndSetLong(long va, long expected, long value) {
        return LONG.compareAndSet(seg(va), off(va), expected, value);
    }

    public long compareAndExchangeLong(long va, long expected, long value) {
        return (long) LONG.compareAndExchange(seg(va), off(va), expected, value);
    }

    public long getAndSetLong(long va, long value) {
        return (long) LONG.getAndSet(seg(va), off(va), value);
    }

    public long getAndAddLong(long va, long delta) {
        return (long) LONG.getAndAdd(seg(va), off(va), delta);
    }

    /** Atomic {@code *va |= mask}, fully ordered; returns the old value (the kernel's {@code atomic_long_fetch_or}). */
    public long getAndBitwiseOrLong(long va, long mask) {
        return (long) LONG.getAndBitwiseOr(seg(va), off(va), mask);
    }

    /** Atomic {@code *va &= mask}, fully ordered; returns the old value (the kernel's {@code atomic_long_fetch_and}). */
    public long getAndBitwiseAndLong(long va, long mask) {
        return (long) LONG.getAndBitwiseAnd(seg(va), off(va), mask);
    }

    public int getInt(long va) {
        return (int) INT.get(seg(va), off(va));
    }

    public void putInt(long va, int value) {
        INT.set(seg(va), off(va), value);
    }

    public int getIntVolatile(long va) {
        return (int) INT.getVolatile(seg(va), off(va));
    }

    public int getIntAcquire(long va) {
        return (int) INT.getAcquire(seg(va), off(va));
    }

    public void putIntRelease(long va, int value) {
        INT.setRelease(seg(va), off(va), value);
    }

    /** {@code READ_ONCE} of an int: one untorn access, no ordering. */
    public int getIntOpaque(long va) {
        return (int) INT.getOpaque(seg(va), off(va));
    }

    /** {@code WRITE_ONCE} of an int: one untorn store, no ordering. */
    public void putIntOpaque(long va, int value) {
        INT.setOpaque(seg(va), off(va), value);
    }

    public boolean compareAndSetInt(long va, int expected, int value) {
        return INT.compareAndSet(seg(va), off(va), expected, value);
    }

    /** {@code atomic_cmpxchg}: fully ordered; returns the value seen (equal to {@code expected} on success). */
    public int compareAndExchangeInt(long va, int expected, int value) {
        return (int) INT.compareAndExchange(seg(va), off(va), expected, value);
    }

    /** {@code atomic_cmpxchg_acquire}: returns the value seen (equal to {@code expected} on success). */
    public int compareAndExchangeIntAcquire(long va, int expected, int value) {
        return (int) INT.compareAndExchangeAcquire(seg(va), off(va), expected, value);
    }

    public int getAndAddInt(long va, int delta) {
        return (int) INT.getAndAdd(seg(va), off(va), delta);
    }

    /** Atomic {@code *va |= mask}, fully ordered; returns the old value ({@code atomic_fetch_or}). */
    public int getAndBitwiseOrInt(long va, int mask) {
        return (int) INT.getAndBitwiseOr(seg(va), off(va), mask);
    }

    /** Atomic {@code *va &= mask}, fully ordered; returns the old value ({@code atomic_fetch_and}). */
    public int getAndBitwiseAndInt(long va, int mask) {
        return (int) INT.getAndBitwiseAnd(seg(va), off(va), mask);
    }

    /** Atomic {@code *va &= mask} with release ordering; returns the old value ({@code atomic_fetch_and_release}). */
    public int getAndBitwiseAndIntRelease(long va, int mask) {
        return (int) INT.getAndBitwiseAndRelease(seg(va), off(va), mask);
    }

    public short getShort(long va) {
        return (short) SHORT.get(seg(va), off(va));
    }

    public void putShort(long va, short value) {
        SHORT.set(seg(va), off(va), value);
    }

    public byte getByte(long va) {
        return seg(va).get(ValueLayout.JAVA_BYTE, off(va));
    }

    public void putByte(long va, byte value) {
        seg(va).set(ValueLayout.JAVA_BYTE, off(va), value);
    }
}
