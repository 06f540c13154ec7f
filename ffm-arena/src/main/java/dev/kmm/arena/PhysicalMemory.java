package dev.kmm.arena;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import static dev.kmm.arena.PageOps.PAGE_SIZE;

/**
 * Simulated physical memory: the machine's RAM banks at their physical addresses, backed by host
 * memory.
 *
 * <p><b>Backing.</b> Where it can ({@link #mmapAvailable()}: Linux on x86_64 or aarch64), the RAM
 * is an anonymous {@code mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)}: a 256 GiB machine
 * reserves host address space but costs host memory only for the pages it touches, and
 * {@link #discard} gives pages back. Elsewhere it is a zeroed {@link Arena} allocation, which
 * costs its full size at once. {@link #backing()} says which is in use.
 *
 * <p><b>Layout.</b> kmm wants "physical address to segment offset" to be one subtraction, so the
 * banks are normally mapped as <em>one span</em>, {@code [physStart(), physEnd())}, holes
 * included: {@link #segment()} holds physical address {@code pa} at offset
 * {@code pa - physStart()}. A hole in an mmap span is never touched and so costs nothing but
 * address space. When the holes add up to more than {@link #MAX_SPAN_HOLES} (banks terabytes
 * apart), or with {@link Backing#ARENA} backing (where a hole would cost real memory), the banks
 * are mapped one by one instead and {@link #isSingleSpan()} is false; {@link #bankSegment(int)}
 * works in both layouts.
 *
 * <p>Addresses of holes are not RAM: {@link #contains}, {@link #slice}, the typed accessors and
 * {@link #discard} reject them with {@link BadAddressException}, even inside a span.
 *
 * <p>The segments belong to a shared arena: any thread may use them. {@link #close()} unmaps
 * everything; afterwards the segments are unusable (accessing them throws
 * {@link IllegalStateException}, never touches freed memory). Close must not race with use.
 */
public final class PhysicalMemory implements AutoCloseable {
    /** Holes a single mmap span may contain before the banks are mapped one by one: 1 TiB. */
    public static final long MAX_SPAN_HOLES = 1L << 40;

    /** What holds the simulated RAM. */
    public enum Backing {
        /** Anonymous {@code mmap} with {@code MAP_NORESERVE}: costs only touched pages. */
        MMAP,
        /** A zeroed {@code Arena.ofShared()} allocation: costs its full size. */
        ARENA
    }

    /**
     * One bank of RAM, {@code [start, start+size)}: page-aligned, non-empty, below 2^63.
     *
     * @throws IllegalArgumentException when the bank breaks one of those rules
     */
    public record Bank(long start, long size) {
        public Bank {
            if (start < 0) {
                throw new IllegalArgumentException(String.format(
                        "RAM bank start %#x is beyond the supported physical range (0 to 2^63)", start));
            }
            if (size <= 0) {
                throw new IllegalArgumentException(String.format(
                        "RAM bank at %#x has size %d: a bank must have at least one page", start, size));
            }
            if ((start & (PAGE_SIZE - 1)) != 0) {
                throw new IllegalArgumentException(String.format(
                        "RAM bank start %#x is not page-aligned (PAGE_SIZE %d)", start, PAGE_SIZE));
            }
            if ((size & (PAGE_SIZE - 1)) != 0) {
                throw new IllegalArgumentException(String.format(
                        "RAM bank at %#x has size %#x, not a multiple of PAGE_SIZE %d", start, size, PAGE_SIZE));
            }
            if (size > Long.MAX_VALUE - start) {
                throw new IllegalArgumentException(String.format(
                        "RAM bank at %#x of size %#x ends beyond 2^63", start, size));
            }
        }

        /** The first physical address past the bank. */
        public long end() {
            return start + size;
        }

        /** True when {@code [pa, pa+len)} lies inside this bank ({@code pa} itself must, even when {@code len} is 0). */
        public boolean contains(long pa, long len) {
            long off = pa - start;
            return Long.compareUnsigned(off, size) < 0 && len >= 0 && len <= size - off;
        }

        /** The kernel's notation, e.g. {@code [mem 0x0000000080000000-0x00000000bfffffff]}. */
        @Override
        public String toString() {
            return String.format("[mem %#018x-%#018x]", start, end() - 1);
        }
    }

    private final Backing backing;
    private final Bank[] banks;
    private final long[] bankStart;
    private final long[] bankSize;
    private final MemorySegment[] bankSegs;
    private final MemorySegment span;
    private final Arena arena;
    private final long[] mappedAddress;
    private final long[] mappedLength;
    private boolean closed;

    private PhysicalMemory(Backing backing, Bank[] banks, MemorySegment span, MemorySegment[] bankSegs,
                           Arena arena, long[] mappedAddress, long[] mappedLength) {
        this.backing = backing;
        this.banks = banks;
        this.bankStart = Arrays.stream(banks).mapToLong(Bank::start).toArray();
        this.bankSize = Arrays.stream(banks).mapToLong(Bank::size).toArray();
        this.span = span;
        this.bankSegs = bankSegs;
        this.arena = arena;
        this.mappedAddress = mappedAddress;
        this.mappedLength = mappedLength;
    }

    /** True when this host can back RAM with {@code mmap}; otherwise {@link #create(List)} uses an arena. */
    public static boolean mmapAvailable() {
        return HostMapping.UNAVAILABLE == null;
    }

    /**
     * Maps the given banks with {@link Backing#MMAP} where {@link #mmapAvailable() available},
     * else with {@link Backing#ARENA}.
     *
     * @throws IllegalArgumentException when there are no banks or two overlap
     * @throws IllegalStateException    when the host refuses the mapping (the message holds the
     *                                  call and its errno text)
     */
    public static PhysicalMemory create(List<Bank> banks) {
        return create(mmapAvailable() ? Backing.MMAP : Backing.ARENA, banks);
    }

    /** As {@link #create(List)}. */
    public static PhysicalMemory create(Bank... banks) {
        return create(List.of(banks));
    }

    /**
     * Maps the given banks with the given backing.
     *
     * @throws UnsupportedOperationException when {@code MMAP} is asked for where it is not available
     * @see #create(List)
     */
    public static PhysicalMemory create(Backing backing, List<Bank> banks) {
        Objects.requireNonNull(backing, "backing");
        Bank[] sorted = banks.toArray(Bank[]::new);
        if (sorted.length == 0) {
            throw new IllegalArgumentException("a machine needs at least one RAM bank");
        }
        Arrays.sort(sorted, Comparator.comparingLong(Bank::start));
        long ram = sorted[0].size();
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i].start() < sorted[i - 1].end()) {
                throw new IllegalArgumentException("RAM banks overlap: " + sorted[i - 1] + " and " + sorted[i]);
            }
            ram += sorted[i].size();
        }
        if (backing == Backing.MMAP && !mmapAvailable()) {
            throw new UnsupportedOperationException("MMAP backing is not available: " + HostMapping.UNAVAILABLE);
        }
        long physStart = sorted[0].start();
        long spanLength = sorted[sorted.length - 1].end() - physStart;
        long holes = spanLength - ram;
        boolean oneSpan = holes == 0 || (backing == Backing.MMAP && holes <= MAX_SPAN_HOLES);

        Arena arena = Arena.ofShared();
        List<long[]> mapped = new ArrayList<>();
        try {
            MemorySegment[] bankSegs = new MemorySegment[sorted.length];
            MemorySegment span = null;
            if (oneSpan) {
                span = hostMemory(backing, arena, spanLength, mapped);
                for (int i = 0; i < sorted.length; i++) {
                    bankSegs[i] = span.asSlice(sorted[i].start() - physStart, sorted[i].size());
                }
            } else {
                for (int i = 0; i < sorted.length; i++) {
                    bankSegs[i] = hostMemory(backing, arena, sorted[i].size(), mapped);
                }
            }
            return new PhysicalMemory(backing, sorted, span, bankSegs, arena,
                    mapped.stream().mapToLong(m -> m[0]).toArray(), mapped.stream().mapToLong(m -> m[1]).toArray());
        } catch (RuntimeException | Error e) {
            arena.close();
            for (long[] m : mapped) {
                HostMapping.unmap(m[0], m[1]);
            }
            throw e;
        }
    }

    private static MemorySegment hostMemory(Backing backing, Arena arena, long length, List<long[]> mapped) {
        if (backing == Backing.ARENA) {
            return arena.allocate(length, PAGE_SIZE);
        }
        long address = HostMapping.map(length);
        mapped.add(new long[] {address, length});
        return MemorySegment.ofAddress(address).reinterpret(length, arena, null);
    }

    /** What holds the RAM. */
    public Backing backing() {
        return backing;
    }

    /** The banks, sorted by physical address. */
    public List<Bank> banks() {
        return List.of(banks);
    }

    /** The lowest physical address of RAM. */
    public long physStart() {
        return bankStart[0];
    }

    /** The first physical address past the highest bank. */
    public long physEnd() {
        return banks[banks.length - 1].end();
    }

    /** Bytes of RAM: the banks' sizes added up (holes not counted). */
    public long ramSize() {
        return Arrays.stream(bankSize).sum();
    }

    /** True when all banks live in one mapping, {@link #segment()}. */
    public boolean isSingleSpan() {
        return span != null;
    }

    /**
     * The one mapping covering {@code [physStart(), physEnd())}: physical address {@code pa} is at
     * offset {@code pa - physStart()}. Holes are inside it but are not RAM: do not touch them.
     *
     * @throws IllegalStateException when the banks are mapped one by one ({@link #isSingleSpan()} is false)
     */
    public MemorySegment segment() {
        if (span == null) {
            throw new IllegalStateException(String.format(
                    "banks are mapped one by one (%s backing, holes of %d bytes%s): use bankSegment(i)",
                    backing, physEnd() - physStart() - ramSize(),
                    backing == Backing.MMAP ? " exceed MAX_SPAN_HOLES" : ""));
        }
        return span;
    }

    /** The memory of bank {@code index} (in {@link #banks()} order): bank start at offset 0. */
    public MemorySegment bankSegment(int index) {
        Objects.checkIndex(index, banks.length);
        return bankSegs[index];
    }

    /** True when {@code [pa, pa+len)} lies inside one bank. */
    public boolean contains(long pa, long len) {
        return bankIndex(pa, len) >= 0;
    }

    /**
     * The memory of {@code [pa, pa+len)}, which must lie inside one bank.
     *
     * @throws BadAddressException when it does not
     */
    public MemorySegment slice(long pa, long len) {
        int i = bankOf(pa, len);
        return bankSegs[i].asSlice(pa - bankStart[i], len);
    }

    /** Reads the 8-byte-aligned {@code long} at physical address {@code pa} (host byte order). */
    public long getLong(long pa) {
        int i = bankOf(pa, Long.BYTES);
        return bankSegs[i].get(ValueLayout.JAVA_LONG, pa - bankStart[i]);
    }

    /** Writes the 8-byte-aligned {@code long} at physical address {@code pa} (host byte order). */
    public void putLong(long pa, long value) {
        int i = bankOf(pa, Long.BYTES);
        bankSegs[i].set(ValueLayout.JAVA_LONG, pa - bankStart[i], value);
    }

    /** Reads the 4-byte-aligned {@code int} at physical address {@code pa} (host byte order). */
    public int getInt(long pa) {
        int i = bankOf(pa, Integer.BYTES);
        return bankSegs[i].get(ValueLayout.JAVA_INT, pa - bankStart[i]);
    }

    /** Writes the 4-byte-aligned {@code int} at physical address {@code pa} (host byte order). */
    public void putInt(long pa, int value) {
        int i = bankOf(pa, Integer.BYTES);
        bankSegs[i].set(ValueLayout.JAVA_INT, pa - bankStart[i], value);
    }

    /** Reads the byte at physical address {@code pa}. */
    public byte getByte(long pa) {
        int i = bankOf(pa, 1);
        return bankSegs[i].get(ValueLayout.JAVA_BYTE, pa - bankStart[i]);
    }

    /** Writes the byte at physical address {@code pa}. */
    public void putByte(long pa, byte value) {
        int i = bankOf(pa, 1);
        bankSegs[i].set(ValueLayout.JAVA_BYTE, pa - bankStart[i], value);
    }

    /**
     * Discards the contents of the pages {@code [pa, pa+len)}, which then read as zero. With mmap
     * backing the host takes the pages back ({@code madvise(MADV_DONTNEED)}), so freed simulated
     * memory stops costing host memory; with arena backing they are zeroed.
     *
     * @throws IllegalArgumentException when {@code pa} or {@code len} is not page-aligned
     * @throws BadAddressException      when the range is not inside one bank
     * @throws IllegalStateException    when this memory is closed
     */
    public void discard(long pa, long len) {
        if (((pa | len) & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                    "discard(%#x, %#x): address and length must be page-aligned (PAGE_SIZE %d)", pa, len, PAGE_SIZE));
        }
        int i = bankOf(pa, len);
        if (closed) {
            throw new IllegalStateException("physical memory is closed");
        }
        if (len == 0) {
            return;
        }
        MemorySegment seg = bankSegs[i];
        long off = pa - bankStart[i];
        if (backing == Backing.MMAP) {
            HostMapping.discard(seg.address() + off, len);
        } else {
            seg.asSlice(off, len).fill((byte) 0);
        }
    }

    /** Releases the host memory. Idempotent; must not race with other use of this memory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        arena.close();
        closed = true;
        for (int i = 0; i < mappedAddress.length; i++) {
            HostMapping.unmap(mappedAddress[i], mappedLength[i]);
        }
    }

    private int bankIndex(long pa, long len) {
        for (int i = 0; i < bankStart.length; i++) {
            long off = pa - bankStart[i];
            if (Long.compareUnsigned(off, bankSize[i]) < 0) {
                return len >= 0 && len <= bankSize[i] - off ? i : -1;
            }
        }
        return -1;
    }

    private int bankOf(long pa, long len) {
        int i = bankIndex(pa, len);
        if (i < 0) {
            throw new BadAddressException(pa, len < 0
                    ? String.format("physical range at %#x has negative length %d", pa, len)
                    : String.format("physical range [%#x-%#x) (length %d) is not inside one RAM bank of %s",
                            pa, pa + len, len, Arrays.toString(banks)));
        }
        return i;
    }

    @Override
    public String toString() {
        return Arrays.stream(banks).map(Bank::toString).collect(Collectors.joining(", ",
                "PhysicalMemory[" + backing + (span != null ? ", one span" : ", per bank") + ": ", "]"));
    }
}
