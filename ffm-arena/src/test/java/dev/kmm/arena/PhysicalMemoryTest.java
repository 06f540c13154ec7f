package dev.kmm.arena;

import dev.kmm.arena.PhysicalMemory.Backing;
import dev.kmm.arena.PhysicalMemory.Bank;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.kmm.arena.PageOps.PAGE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PhysicalMemoryTest {
    private static final long MiB = 1L << 20;
    private static final long GiB = 1L << 30;
    private static final long TiB = 1L << 40;

    // ---- bank validation ----

    @Test
    void bankMustBePageAligned() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Bank(0x1234, MiB));
        assertEquals("RAM bank start 0x1234 is not page-aligned (PAGE_SIZE 4096)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Bank(0, MiB + 1));
        assertEquals("RAM bank at 0x0 has size 0x100001, not a multiple of PAGE_SIZE 4096", e.getMessage());
    }

    @Test
    void bankMustBeNonEmptyAndInRange() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Bank(0x1000, 0));
        assertEquals("RAM bank at 0x1000 has size 0: a bank must have at least one page", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bank(0x1000, -PAGE_SIZE));
        e = assertThrows(IllegalArgumentException.class, () -> new Bank(-PAGE_SIZE, PAGE_SIZE));
        assertTrue(e.getMessage().contains("beyond the supported physical range"), e.getMessage());
        long top = Long.MAX_VALUE & -PAGE_SIZE;
        e = assertThrows(IllegalArgumentException.class, () -> new Bank(top, 2L * PAGE_SIZE));
        assertTrue(e.getMessage().endsWith("ends beyond 2^63"), e.getMessage());
    }

    @Test
    void bankPrintsInKernelNotation() {
        assertEquals("[mem 0x0000000080000000-0x00000000bfffffff]", new Bank(0x8000_0000L, GiB).toString());
    }

    @Test
    void machineNeedsBanksThatDoNotOverlap() {
        var e = assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.create(List.of()));
        assertEquals("a machine needs at least one RAM bank", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PhysicalMemory.create(new Bank(MiB, 2 * MiB), new Bank(0, 2 * MiB)));
        assertEquals("RAM banks overlap: [mem 0x0000000000000000-0x00000000001fffff]"
                + " and [mem 0x0000000000100000-0x00000000002fffff]", e.getMessage());
    }

    @Test
    void adjacentBanksAreSortedAndFormOneSpan() {
        try (var pm = PhysicalMemory.create(new Bank(MiB, MiB), new Bank(0, MiB))) {
            assertEquals(List.of(new Bank(0, MiB), new Bank(MiB, MiB)), pm.banks());
            assertTrue(pm.isSingleSpan());
            assertEquals(2 * MiB, pm.segment().byteSize());
            assertTrue(pm.contains(MiB - 8, 8));
            assertFalse(pm.contains(MiB - 8, 16), "a range may not cross from one bank into the next");
        }
    }

    // ---- a large machine costs only what it touches ----

    @Test
    void a256GiBMachineCostsOnlyTouchedPages() throws IOException {
        assumeTrue(PhysicalMemory.mmapAvailable(), "mmap backing unavailable on this host");
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "no /proc/self/status");
        try (var pm = PhysicalMemory.create(new Bank(0, 256 * GiB))) {
            assertEquals(Backing.MMAP, pm.backing());
            assertEquals(256 * GiB, pm.segment().byteSize());
            long before = vmRssBytes();
            long stride = 256 * GiB / 64;
            for (long pa = 0; pa < 256 * GiB; pa += stride) {
                pm.putLong(pa + 8, pa ^ 0x5a5a);
            }
            long grown = vmRssBytes() - before;
            assertTrue(grown < 64 * MiB, "touching 64 pages grew RSS by " + grown + " bytes");
            for (long pa = 0; pa < 256 * GiB; pa += stride) {
                assertEquals(pa ^ 0x5a5a, pm.getLong(pa + 8));
                assertEquals(0, pm.getLong(pa + stride / 2), "untouched RAM reads zero");
            }
        }
    }

    // ---- layout: one span with holes, or one mapping per bank ----

    @Test
    void holesStayInsideOneSpanButAreNotRam() {
        // The Versatile Express layout style: RAM not at 0, and a hole between banks.
        long base = 0x8000_0000L;
        try (var pm = PhysicalMemory.create(new Bank(base, GiB), new Bank(base + 4 * GiB, GiB))) {
            assertTrue(pm.isSingleSpan());
            assertEquals(base, pm.physStart());
            assertEquals(base + 5 * GiB, pm.physEnd());
            assertEquals(2 * GiB, pm.ramSize());
            assertEquals(5 * GiB, pm.segment().byteSize());
            assertEquals(pm.segment().address() + 4 * GiB, pm.bankSegment(1).address());

            long pa = base + 4 * GiB + 3 * PAGE_SIZE;
            pm.slice(pa, PAGE_SIZE).set(ValueLayout.JAVA_LONG, 16, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, pm.segment().get(ValueLayout.JAVA_LONG, pa - pm.physStart() + 16),
                    "physical address to span offset is one subtraction");
            assertEquals(0x1122334455667788L, pm.getLong(pa + 16));

            assertFalse(pm.contains(base + GiB, 8), "the hole is not RAM");
            var e = assertThrows(BadAddressException.class, () -> pm.slice(base + 2 * GiB, PAGE_SIZE));
            assertEquals(base + 2 * GiB, e.address());
            assertTrue(e.getMessage().startsWith("physical range [0x100000000-0x100001000) (length 4096) is not inside one RAM bank"),
                    e.getMessage());
            assertThrows(BadAddressException.class, () -> pm.getLong(base + GiB));
        }
    }

    @Test
    void banksTerabytesApartAreMappedOneByOne() {
        assumeTrue(PhysicalMemory.mmapAvailable(), "mmap backing unavailable on this host");
        try (var pm = PhysicalMemory.create(new Bank(0, GiB), new Bank(2 * TiB, GiB))) {
            assertFalse(pm.isSingleSpan());
            var e = assertThrows(IllegalStateException.class, pm::segment);
            assertTrue(e.getMessage().contains("exceed MAX_SPAN_HOLES"), e.getMessage());
            assertEquals(GiB, pm.bankSegment(1).byteSize());
            pm.putLong(2 * TiB + GiB - 8, 42);
            assertEquals(42, pm.bankSegment(1).get(ValueLayout.JAVA_LONG, GiB - 8));
            assertEquals(2 * TiB + GiB, pm.physEnd());
            assertFalse(pm.contains(TiB, 8));
        }
    }

    @Test
    void holesOfExactlyMaxSpanHolesStillFormOneSpan() {
        assumeTrue(PhysicalMemory.mmapAvailable(), "mmap backing unavailable on this host");
        long second = PAGE_SIZE + PhysicalMemory.MAX_SPAN_HOLES;
        try (var pm = PhysicalMemory.create(new Bank(0, PAGE_SIZE), new Bank(second, PAGE_SIZE))) {
            assertTrue(pm.isSingleSpan());
            assertEquals(second + PAGE_SIZE, pm.segment().byteSize());
        }
        try (var pm = PhysicalMemory.create(new Bank(0, PAGE_SIZE), new Bank(second + PAGE_SIZE, PAGE_SIZE))) {
            assertFalse(pm.isSingleSpan());
        }
    }

    @Test
    void arenaBackingMapsBanksWithHolesOneByOne() {
        try (var pm = PhysicalMemory.create(Backing.ARENA, List.of(new Bank(0, MiB), new Bank(4 * MiB, MiB)))) {
            assertEquals(Backing.ARENA, pm.backing());
            assertFalse(pm.isSingleSpan(), "an arena hole would cost real memory");
            assertThrows(IllegalStateException.class, pm::segment);
            pm.putInt(4 * MiB + 12, -7);
            assertEquals(-7, pm.bankSegment(1).get(ValueLayout.JAVA_INT, 12));
            assertEquals(0, pm.getLong(MiB - 8), "arena RAM starts zeroed");
        }
        try (var pm = PhysicalMemory.create(Backing.ARENA, List.of(new Bank(MiB, MiB)))) {
            assertTrue(pm.isSingleSpan());
            assertEquals(0, pm.segment().address() % PAGE_SIZE, "pages are page-aligned in host memory");
        }
    }

    // ---- accessors and bounds ----

    @Test
    void typedAccessorsReadAndWriteByPhysicalAddress() {
        try (var pm = PhysicalMemory.create(new Bank(0x10_0000, MiB))) {
            pm.putLong(0x10_0008, 0x0102030405060708L);
            pm.putInt(0x10_0010, 0xcafebabe);
            pm.putByte(0x10_0017, (byte) 0x80);
            MemorySegment s = pm.segment();
            assertEquals(0x0102030405060708L, s.get(ValueLayout.JAVA_LONG, 8));
            assertEquals(0xcafebabe, pm.getInt(0x10_0010));
            assertEquals((byte) 0x80, pm.getByte(0x10_0017));
            assertEquals((byte) 0x80, s.get(ValueLayout.JAVA_BYTE, 0x17));
            assertThrows(BadAddressException.class, () -> pm.putLong(0x20_0000, 1), "one past the bank");
            assertThrows(BadAddressException.class, () -> pm.getLong(0x20_0000 - 4), "straddles the bank end");
            assertThrows(BadAddressException.class, () -> pm.getByte(0x0f_ffff), "below the bank");
        }
    }

    @Test
    void sliceChecksItsBounds() {
        try (var pm = PhysicalMemory.create(new Bank(0x10_0000, MiB))) {
            assertEquals(MiB, pm.slice(0x10_0000, MiB).byteSize());
            assertEquals(0, pm.slice(0x1f_f000, 0).byteSize());
            var e = assertThrows(BadAddressException.class, () -> pm.slice(0x1f_f000, 2 * PAGE_SIZE));
            assertEquals("physical range [0x1ff000-0x201000) (length 8192) is not inside one RAM bank of "
                    + "[[mem 0x0000000000100000-0x00000000001fffff]]", e.getMessage());
            e = assertThrows(BadAddressException.class, () -> pm.slice(0x10_0000, -1));
            assertEquals("physical range at 0x100000 has negative length -1", e.getMessage());
            assertThrows(BadAddressException.class, () -> pm.slice(0x20_0000, 0), "the end address is not in the bank");
            assertThrows(BadAddressException.class, () -> pm.slice(Long.MIN_VALUE, 8));
            assertThrows(BadAddressException.class, () -> pm.slice(0x10_0000, Long.MAX_VALUE));
            assertThrows(IndexOutOfBoundsException.class, () -> pm.bankSegment(1));
        }
    }

    // ---- discard ----

    @Test
    void discardedPagesReadZeroAndNeighboursKeepTheirContent() {
        for (Backing backing : PhysicalMemory.mmapAvailable() ? Backing.values() : new Backing[] {Backing.ARENA}) {
            try (var pm = PhysicalMemory.create(backing, List.of(new Bank(0, 16L * PAGE_SIZE)))) {
                for (long pa = 0; pa < 16L * PAGE_SIZE; pa += 8) {
                    pm.putLong(pa, ~pa);
                }
                pm.discard(4L * PAGE_SIZE, 8L * PAGE_SIZE);
                for (long pa = 0; pa < 16L * PAGE_SIZE; pa += 8) {
                    boolean discarded = pa >= 4L * PAGE_SIZE && pa < 12L * PAGE_SIZE;
                    assertEquals(discarded ? 0 : ~pa, pm.getLong(pa), backing + " at " + pa);
                }
                pm.putLong(5L * PAGE_SIZE, 9);
                assertEquals(9, pm.getLong(5L * PAGE_SIZE), "a discarded page is usable again");
            }
        }
    }

    @Test
    void discardGivesHostMemoryBack() throws IOException {
        assumeTrue(PhysicalMemory.mmapAvailable(), "mmap backing unavailable on this host");
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "no /proc/self/status");
        long size = 128 * MiB;
        try (var pm = PhysicalMemory.create(new Bank(0, size))) {
            long before = vmRssBytes();
            pm.segment().fill((byte) 0x6b);
            long touched = vmRssBytes();
            assertTrue(touched - before > 96 * MiB, "filling 128 MiB grew RSS by only " + (touched - before));
            pm.discard(0, size);
            long after = vmRssBytes();
            assertTrue(touched - after > 96 * MiB, "discarding 128 MiB shrank RSS by only " + (touched - after));
            assertEquals(0, pm.getByte(size / 2));
        }
    }

    @Test
    void discardRejectsUnalignedOrForeignRanges() {
        try (var pm = PhysicalMemory.create(new Bank(0, MiB))) {
            var e = assertThrows(IllegalArgumentException.class, () -> pm.discard(100, PAGE_SIZE));
            assertEquals("discard(0x64, 0x1000): address and length must be page-aligned (PAGE_SIZE 4096)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pm.discard(0, 100));
            assertThrows(BadAddressException.class, () -> pm.discard(MiB - PAGE_SIZE, 2L * PAGE_SIZE));
        }
    }

    // ---- lifetime and host errors ----

    @Test
    void closedMemoryIsUnusableAndCloseIsIdempotent() {
        var pm = PhysicalMemory.create(new Bank(0, MiB));
        MemorySegment s = pm.segment();
        pm.putLong(0, 1);
        pm.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 0), "no access to unmapped memory");
        assertThrows(IllegalStateException.class, () -> pm.getLong(0));
        var e = assertThrows(IllegalStateException.class, () -> pm.discard(0, PAGE_SIZE));
        assertEquals("physical memory is closed", e.getMessage());
        pm.close();
    }

    @Test
    void refusedMmapReportsTheCallAndErrno() {
        assumeTrue(PhysicalMemory.mmapAvailable(), "mmap backing unavailable on this host");
        // 4 EiB is far beyond any host's user address space: mmap fails with ENOMEM.
        var e = assertThrows(IllegalStateException.class, () -> PhysicalMemory.create(new Bank(0, 1L << 62)));
        assertTrue(e.getMessage().startsWith("mmap(NULL, 4611686018427387904, PROT_READ|PROT_WRITE, "
                + "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) failed: "), e.getMessage());
        assertTrue(e.getMessage().matches(".* failed: \\S.* \\(errno 12\\)"), e.getMessage());
    }

    @Test
    void toStringNamesBackingLayoutAndBanks() {
        try (var pm = PhysicalMemory.create(Backing.ARENA, List.of(new Bank(0, MiB)))) {
            assertEquals("PhysicalMemory[ARENA, one span: [mem 0x0000000000000000-0x00000000000fffff]]", pm.toString());
        }
    }

    private static long vmRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.trim().split("\\s+");
                assertEquals("kB", f[2]);
                return Long.parseLong(f[1]) * 1024;
            }
        }
        throw new AssertionError("no VmRSS line in /proc/self/status");
    }
}
