package dev.kmm.core.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import dev.kmm.arena.layout.PageLayout;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class PageTypeTest {
    private static final long PAGE = 0x10_0000;

    private static KernelMemory pages(Arena arena) {
        return KernelMemory.of(new KernelMemory.Region("pages", PAGE, arena.allocate(4 * PageLayout.SIZE, 16)));
    }

    /** A free buddy head reads {@code 0xffffff7f} in {@code _mapcount}, as kernel dumps print it. */
    @Test
    void buddyClearsItsBitInAnUntypedMapcount() {
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = pages(arena);
            Page.pageMapcountReset(mem, PAGE);
            assertFalse(PageType.pageBuddy(mem, PAGE));
            assertFalse(PageType.pageHasType(mem, PAGE));
            PageType.setPageBuddy(mem, PAGE);
            assertEquals(0xffffff7f, mem.getInt(PAGE + PageLayout.PAGE_TYPE));
            assertTrue(PageType.pageBuddy(mem, PAGE));
            assertTrue(PageType.pageHasType(mem, PAGE));
            assertFalse(PageType.pageGuard(mem, PAGE));
            PageType.clearPageBuddy(mem, PAGE);
            assertEquals(-1, mem.getInt(PAGE + PageLayout.PAGE_TYPE));
        }
    }

    @Test
    void mappedPagesCannotBecomeBuddies() {
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = pages(arena);
            mem.putInt(PAGE + PageLayout.MAPCOUNT, 0); // mapped once
            assertFalse(PageType.pageBuddy(mem, PAGE));
            assertThrows(IllegalStateException.class, () -> PageType.setPageBuddy(mem, PAGE));
            assertThrows(IllegalStateException.class, () -> PageType.clearPageBuddy(mem, PAGE));
            assertEquals(0, mem.getInt(PAGE + PageLayout.MAPCOUNT));
        }
    }

    @Test
    void compoundHeadAndOrder() {
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = pages(arena);
            long tail = PAGE + 2 * PageLayout.SIZE;
            PageFlags.setFlagNonAtomic(mem, PAGE, PageFlags.PG_head);
            mem.putByte(PAGE + PageLayout.SIZE + PageLayout.COMPOUND_ORDER, (byte) 2);
            mem.putLong(tail + PageLayout.COMPOUND_HEAD, PAGE + 1);
            assertTrue(PageFlags.pageHead(mem, PAGE));
            assertTrue(PageFlags.pageCompound(mem, PAGE));
            assertTrue(PageFlags.pageTail(mem, tail));
            assertTrue(PageFlags.pageCompound(mem, tail));
            assertEquals(PAGE, PageFlags.compoundHead(mem, tail));
            assertEquals(PAGE, PageFlags.compoundHead(mem, PAGE));
            assertEquals(2, PageFlags.compoundOrder(mem, PAGE));
            assertEquals(0, PageFlags.compoundOrder(mem, tail));
            PageRef.initPageCount(mem, PAGE);
            assertEquals(1, PageRef.pageCount(mem, tail));
            PageRef.setPageCount(mem, PAGE, 3);
            assertEquals(3, PageRef.pageCount(mem, tail));
        }
    }

    @Test
    void reservedBitIsBit12() {
        try (Arena arena = Arena.ofConfined()) {
            KernelMemory mem = pages(arena);
            PageFlags.setPageReservedNonAtomic(mem, PAGE);
            assertEquals(0x1000L, mem.getLong(PAGE));
            assertTrue(PageFlags.pageReserved(mem, PAGE));
            PageFlags.clearPageReservedNonAtomic(mem, PAGE);
            assertFalse(PageFlags.pageReserved(mem, PAGE));
        }
    }
}
