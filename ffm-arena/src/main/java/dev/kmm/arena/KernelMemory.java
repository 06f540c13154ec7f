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
 * is one unsigned compare and one subtraction per region tried. The first two regions, which the
 * allocator's hot paths touch (the memmap and the direct map), are tried first and, when native, accessed at
 * their host addresses without the segment's own checks; the others go through their segments.
 *
 * <p>All accessors take kernel virtual addresses. An address outside every region raises
 * {@link BadAddressException}: nothing is read or written. So does every address after {@link #release()}.
 */
public final class KernelMemory {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();
    // Plain accesses of the hot regions skip the alignment test: every field kmm reads is naturally aligned, and
    // a plain access is untorn either way on the hosts kmm runs on.
    private static final VarHandle LONG_U = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    private static final VarHandle INT_U = ValueLayout.JAVA_INT_UNALIGNED.varHandle();

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

    /** All of the host's memory: accesses at absolute addresses, checked by {@link #addr} instead. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    // The first two regions when native (else size 0): VA start, size, host address. Not final: release() empties
    // them, so that a later access finds no region instead of touching unmapped host memory.
    private long va0;
    private long size0;
    private long base0;
    private long va1;
    private long size1;
    private long base1;
    private Region[] regions;

    private KernelMemory(Region[] regions) {
        this.regions = regions;
        Region r0 = regions[0];
        if (r0.segment().isNative()) {
            this.va0 = r0.vaStart();
            this.size0 = r0.size();
            this.base0 = r0.segment().address();
        }
        if (regions.length > 1 && regions[1].segment().isNative()) {
            this.va1 = regions[1].vaStart();
            this.size1 = regions[1].size();
            this.base1 = regions[1].segment().address();
        }
    }

    /**
     * Forgets every region: later accesses raise {@link BadAddressException}. Call it before the host memory behind
     * the regions is released, from the thread that releases it, while no other thread uses this view: accesses
     * to the hot regions do not check their segments' liveness, so one racing with the release could touch unmapped
     * memory.
     */
    public void release() {
        size0 = 0;
        size1 = 0;
        regions = new Region[0];
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
        Region r = region(va);
        return va - r.vaStart();
    }

    // Resolution. The two hot regions, when native, are reached through ALL at their host address: ALL is a
    // constant, so the JIT drops the segment's liveness, bounds and read-only checks that a region segment held in
    // a field would cost on every access. Other regions (and heap-backed ones) go through their own segment.

    /** The region holding {@code va}, or {@link BadAddressException} (also once the memory is released). */
    private Region region(long va) {
        for (Region r : regions) {
            if (r.contains(va)) {
                return r;
            }
        }
        throw new BadAddressException(va, 1);
    }

    public long getLong(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG_U.get(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG_U.get(ALL, base1 + off);
        }
        return getLongSlow(va);
    }

    public void putLong(long va, long value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            LONG_U.set(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            LONG_U.set(ALL, base1 + off, value);
            return;
        }
        putLongSlow(va, value);
    }

    public long getLongVolatile(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.getVolatile(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.getVolatile(ALL, base1 + off);
        }
        return getLongVolatileSlow(va);
    }

    public void putLongVolatile(long va, long value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            LONG.setVolatile(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            LONG.setVolatile(ALL, base1 + off, value);
            return;
        }
        putLongVolatileSlow(va, value);
    }

    public long getLongAcquire(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.getAcquire(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.getAcquire(ALL, base1 + off);
        }
        return getLongAcquireSlow(va);
    }

    public void putLongRelease(long va, long value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            LONG.setRelease(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            LONG.setRelease(ALL, base1 + off, value);
            return;
        }
        putLongReleaseSlow(va, value);
    }

    /** {@code READ_ONCE}: one untorn access the compiler may not merge, split or hoist; no ordering. */
    public long getLongOpaque(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.getOpaque(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.getOpaque(ALL, base1 + off);
        }
        return getLongOpaqueSlow(va);
    }

    /** {@code WRITE_ONCE}: one untorn store, seen by lockless readers as a whole; no ordering. */
    public void putLongOpaque(long va, long value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            LONG.setOpaque(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            LONG.setOpaque(ALL, base1 + off, value);
            return;
        }
        putLongOpaqueSlow(va, value);
    }

    public boolean compareAndSetLong(long va, long expected, long value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return LONG.compareAndSet(ALL, base0 + off, expected, value);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return LONG.compareAndSet(ALL, base1 + off, expected, value);
        }
        return compareAndSetLongSlow(va, expected, value);
    }

    public long compareAndExchangeLong(long va, long expected, long value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.compareAndExchange(ALL, base0 + off, expected, value);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.compareAndExchange(ALL, base1 + off, expected, value);
        }
        return compareAndExchangeLongSlow(va, expected, value);
    }

    public long getAndSetLong(long va, long value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.getAndSet(ALL, base0 + off, value);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.getAndSet(ALL, base1 + off, value);
        }
        return getAndSetLongSlow(va, value);
    }

    public long getAndAddLong(long va, long delta) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.getAndAdd(ALL, base0 + off, delta);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.getAndAdd(ALL, base1 + off, delta);
        }
        return getAndAddLongSlow(va, delta);
    }

    /** Atomic {@code *va |= mask}, fully ordered; returns the old value (the kernel's {@code atomic_long_fetch_or}). */
    public long getAndBitwiseOrLong(long va, long mask) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.getAndBitwiseOr(ALL, base0 + off, mask);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.getAndBitwiseOr(ALL, base1 + off, mask);
        }
        return getAndBitwiseOrLongSlow(va, mask);
    }

    /** Atomic {@code *va &= mask}, fully ordered; returns the old value (the kernel's {@code atomic_long_fetch_and}). */
    public long getAndBitwiseAndLong(long va, long mask) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (long) LONG.getAndBitwiseAnd(ALL, base0 + off, mask);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (long) LONG.getAndBitwiseAnd(ALL, base1 + off, mask);
        }
        return getAndBitwiseAndLongSlow(va, mask);
    }

    public int getInt(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT_U.get(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT_U.get(ALL, base1 + off);
        }
        return getIntSlow(va);
    }

    public void putInt(long va, int value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            INT_U.set(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            INT_U.set(ALL, base1 + off, value);
            return;
        }
        putIntSlow(va, value);
    }

    public int getIntVolatile(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.getVolatile(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.getVolatile(ALL, base1 + off);
        }
        return getIntVolatileSlow(va);
    }

    public int getIntAcquire(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.getAcquire(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.getAcquire(ALL, base1 + off);
        }
        return getIntAcquireSlow(va);
    }

    public void putIntRelease(long va, int value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            INT.setRelease(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            INT.setRelease(ALL, base1 + off, value);
            return;
        }
        putIntReleaseSlow(va, value);
    }

    /** {@code READ_ONCE} of an int: one untorn access, no ordering. */
    public int getIntOpaque(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.getOpaque(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.getOpaque(ALL, base1 + off);
        }
        return getIntOpaqueSlow(va);
    }

    /** {@code WRITE_ONCE} of an int: one untorn store, no ordering. */
    public void putIntOpaque(long va, int value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            INT.setOpaque(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            INT.setOpaque(ALL, base1 + off, value);
            return;
        }
        putIntOpaqueSlow(va, value);
    }

    public boolean compareAndSetInt(long va, int expected, int value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return INT.compareAndSet(ALL, base0 + off, expected, value);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return INT.compareAndSet(ALL, base1 + off, expected, value);
        }
        return compareAndSetIntSlow(va, expected, value);
    }

    /** {@code atomic_cmpxchg}: fully ordered; returns the value seen (equal to {@code expected} on success). */
    public int compareAndExchangeInt(long va, int expected, int value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.compareAndExchange(ALL, base0 + off, expected, value);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.compareAndExchange(ALL, base1 + off, expected, value);
        }
        return compareAndExchangeIntSlow(va, expected, value);
    }

    /** {@code atomic_cmpxchg_acquire}: returns the value seen (equal to {@code expected} on success). */
    public int compareAndExchangeIntAcquire(long va, int expected, int value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.compareAndExchangeAcquire(ALL, base0 + off, expected, value);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.compareAndExchangeAcquire(ALL, base1 + off, expected, value);
        }
        return compareAndExchangeIntAcquireSlow(va, expected, value);
    }

    public int getAndAddInt(long va, int delta) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.getAndAdd(ALL, base0 + off, delta);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.getAndAdd(ALL, base1 + off, delta);
        }
        return getAndAddIntSlow(va, delta);
    }

    /** Atomic {@code *va |= mask}, fully ordered; returns the old value ({@code atomic_fetch_or}). */
    public int getAndBitwiseOrInt(long va, int mask) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.getAndBitwiseOr(ALL, base0 + off, mask);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.getAndBitwiseOr(ALL, base1 + off, mask);
        }
        return getAndBitwiseOrIntSlow(va, mask);
    }

    /** Atomic {@code *va &= mask}, fully ordered; returns the old value ({@code atomic_fetch_and}). */
    public int getAndBitwiseAndInt(long va, int mask) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.getAndBitwiseAnd(ALL, base0 + off, mask);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.getAndBitwiseAnd(ALL, base1 + off, mask);
        }
        return getAndBitwiseAndIntSlow(va, mask);
    }

    /** Atomic {@code *va &= mask} with release ordering; returns the old value ({@code atomic_fetch_and_release}). */
    public int getAndBitwiseAndIntRelease(long va, int mask) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (int) INT.getAndBitwiseAndRelease(ALL, base0 + off, mask);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (int) INT.getAndBitwiseAndRelease(ALL, base1 + off, mask);
        }
        return getAndBitwiseAndIntReleaseSlow(va, mask);
    }

    public short getShort(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return (short) SHORT.get(ALL, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return (short) SHORT.get(ALL, base1 + off);
        }
        return getShortSlow(va);
    }

    public void putShort(long va, short value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            SHORT.set(ALL, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            SHORT.set(ALL, base1 + off, value);
            return;
        }
        putShortSlow(va, value);
    }

    public byte getByte(long va) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            return ALL.get(ValueLayout.JAVA_BYTE, base0 + off);
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            return ALL.get(ValueLayout.JAVA_BYTE, base1 + off);
        }
        return getByteSlow(va);
    }

    public void putByte(long va, byte value) {
        long off = va - va0;
        if (Long.compareUnsigned(off, size0) < 0) {
            ALL.set(ValueLayout.JAVA_BYTE, base0 + off, value);
            return;
        }
        off = va - va1;
        if (Long.compareUnsigned(off, size1) < 0) {
            ALL.set(ValueLayout.JAVA_BYTE, base1 + off, value);
            return;
        }
        putByteSlow(va, value);
    }

    // The other regions, out of line so that the accessors above stay small enough to inline.

    private long getLongSlow(long va) {
        Region r = region(va);
        return (long) LONG.get(r.segment(), va - r.vaStart());
    }

    private long getLongVolatileSlow(long va) {
        Region r = region(va);
        return (long) LONG.getVolatile(r.segment(), va - r.vaStart());
    }

    private long getLongAcquireSlow(long va) {
        Region r = region(va);
        return (long) LONG.getAcquire(r.segment(), va - r.vaStart());
    }

    private long getLongOpaqueSlow(long va) {
        Region r = region(va);
        return (long) LONG.getOpaque(r.segment(), va - r.vaStart());
    }

    private boolean compareAndSetLongSlow(long va, long expected, long value) {
        Region r = region(va);
        return LONG.compareAndSet(r.segment(), va - r.vaStart(), expected, value);
    }

    private long compareAndExchangeLongSlow(long va, long expected, long value) {
        Region r = region(va);
        return (long) LONG.compareAndExchange(r.segment(), va - r.vaStart(), expected, value);
    }

    private long getAndSetLongSlow(long va, long value) {
        Region r = region(va);
        return (long) LONG.getAndSet(r.segment(), va - r.vaStart(), value);
    }

    private long getAndAddLongSlow(long va, long delta) {
        Region r = region(va);
        return (long) LONG.getAndAdd(r.segment(), va - r.vaStart(), delta);
    }

    private long getAndBitwiseOrLongSlow(long va, long mask) {
        Region r = region(va);
        return (long) LONG.getAndBitwiseOr(r.segment(), va - r.vaStart(), mask);
    }

    private long getAndBitwiseAndLongSlow(long va, long mask) {
        Region r = region(va);
        return (long) LONG.getAndBitwiseAnd(r.segment(), va - r.vaStart(), mask);
    }

    private int getIntSlow(long va) {
        Region r = region(va);
        return (int) INT.get(r.segment(), va - r.vaStart());
    }

    private int getIntVolatileSlow(long va) {
        Region r = region(va);
        return (int) INT.getVolatile(r.segment(), va - r.vaStart());
    }

    private int getIntAcquireSlow(long va) {
        Region r = region(va);
        return (int) INT.getAcquire(r.segment(), va - r.vaStart());
    }

    private int getIntOpaqueSlow(long va) {
        Region r = region(va);
        return (int) INT.getOpaque(r.segment(), va - r.vaStart());
    }

    private boolean compareAndSetIntSlow(long va, int expected, int value) {
        Region r = region(va);
        return INT.compareAndSet(r.segment(), va - r.vaStart(), expected, value);
    }

    private int compareAndExchangeIntSlow(long va, int expected, int value) {
        Region r = region(va);
        return (int) INT.compareAndExchange(r.segment(), va - r.vaStart(), expected, value);
    }

    private int compareAndExchangeIntAcquireSlow(long va, int expected, int value) {
        Region r = region(va);
        return (int) INT.compareAndExchangeAcquire(r.segment(), va - r.vaStart(), expected, value);
    }

    private int getAndAddIntSlow(long va, int delta) {
        Region r = region(va);
        return (int) INT.getAndAdd(r.segment(), va - r.vaStart(), delta);
    }

    private int getAndBitwiseOrIntSlow(long va, int mask) {
        Region r = region(va);
        return (int) INT.getAndBitwiseOr(r.segment(), va - r.vaStart(), mask);
    }

    private int getAndBitwiseAndIntSlow(long va, int mask) {
        Region r = region(va);
        return (int) INT.getAndBitwiseAnd(r.segment(), va - r.vaStart(), mask);
    }

    private int getAndBitwiseAndIntReleaseSlow(long va, int mask) {
        Region r = region(va);
        return (int) INT.getAndBitwiseAndRelease(r.segment(), va - r.vaStart(), mask);
    }

    private short getShortSlow(long va) {
        Region r = region(va);
        return (short) SHORT.get(r.segment(), va - r.vaStart());
    }

    private byte getByteSlow(long va) {
        Region r = region(va);
        return r.segment().get(ValueLayout.JAVA_BYTE, va - r.vaStart());
    }

    private void putLongSlow(long va, long value) {
        Region r = region(va);
        LONG.set(r.segment(), va - r.vaStart(), value);
    }

    private void putLongVolatileSlow(long va, long value) {
        Region r = region(va);
        LONG.setVolatile(r.segment(), va - r.vaStart(), value);
    }

    private void putLongReleaseSlow(long va, long value) {
        Region r = region(va);
        LONG.setRelease(r.segment(), va - r.vaStart(), value);
    }

    private void putLongOpaqueSlow(long va, long value) {
        Region r = region(va);
        LONG.setOpaque(r.segment(), va - r.vaStart(), value);
    }

    private void putIntSlow(long va, int value) {
        Region r = region(va);
        INT.set(r.segment(), va - r.vaStart(), value);
    }

    private void putIntReleaseSlow(long va, int value) {
        Region r = region(va);
        INT.setRelease(r.segment(), va - r.vaStart(), value);
    }

    private void putIntOpaqueSlow(long va, int value) {
        Region r = region(va);
        INT.setOpaque(r.segment(), va - r.vaStart(), value);
    }

    private void putShortSlow(long va, short value) {
        Region r = region(va);
        SHORT.set(r.segment(), va - r.vaStart(), value);
    }

    private void putByteSlow(long va, byte value) {
        Region r = region(va);
        r.segment().set(ValueLayout.JAVA_BYTE, va - r.vaStart(), value);
    }
}
