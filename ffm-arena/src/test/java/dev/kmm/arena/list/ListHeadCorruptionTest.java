package dev.kmm.arena.list;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kmm.arena.BadAddressException;
import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The CONFIG_DEBUG_LIST checks: each corruption lib/list_debug.c detects is reported with the kernel's
 * message, and memory is left exactly as it was. Also: unmapped arguments fail before any store.
 */
class ListHeadCorruptionTest {
    static final long BASE = 0xffff888000000000L;
    // head, then entries A, B, C, D at 0x40 strides: A <-> B <-> C on the list, D detached
    static final long HEAD = BASE;
    static final long A = BASE + 0x40;
    static final long B = BASE + 0x80;
    static final long C = BASE + 0xc0;
    static final long D = BASE + 0x100;
    static final long UNMAPPED = 0xffff888100000000L;

    private Arena arena;
    private MemorySegment ram;
    private KernelMemory mem;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        ram = arena.allocate(4096, 4096);
        mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, ram));
        ListHead.init(mem, HEAD);
        ListHead.addTail(mem, A, HEAD);
        ListHead.addTail(mem, B, HEAD);
        ListHead.addTail(mem, C, HEAD);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    /** Runs op, expects a ListCorruptionException with exactly this message, and no byte of RAM changed. */
    private void assertCorruption(String message, Executable op) {
        byte[] before = ram.toArray(ValueLayout.JAVA_BYTE);
        ListCorruptionException e = assertThrows(ListCorruptionException.class, op);
        assertEquals(message, e.getMessage());
        assertArrayEquals(before, ram.toArray(ValueLayout.JAVA_BYTE), "memory changed by a rejected operation");
    }

    @Test
    void delOfEntryWhosePrevNoLongerPointsBack() {
        mem.putLong(A + ListHead.NEXT, C); // A skips B
        assertCorruption("list_del corruption. prev->next should be ffff888000000080, but was ffff8880000000c0."
                + " (prev=ffff888000000040)", () -> ListHead.delChecked(mem, B));
    }

    @Test
    void delOfEntryWhoseNextNoLongerPointsBack() {
        mem.putLong(C + ListHead.PREV, A);
        assertCorruption("list_del corruption. next->prev should be ffff888000000080, but was ffff888000000040."
                + " (next=ffff8880000000c0)", () -> ListHead.delChecked(mem, B));
    }

    @Test
    void doubleDeleteSeesThePoison() {
        ListHead.del(mem, B);
        assertEquals(ListHead.LIST_POISON1, ListHead.next(mem, B));
        assertEquals(ListHead.LIST_POISON2, ListHead.prev(mem, B));
        assertCorruption("list_del corruption, ffff888000000080->next is LIST_POISON1 (dead000000000100)",
                () -> ListHead.delChecked(mem, B));
    }

    @Test
    void deleteWithOnlyPrevPoisoned() {
        mem.putLong(B + ListHead.PREV, ListHead.LIST_POISON2);
        assertCorruption("list_del corruption, ffff888000000080->prev is LIST_POISON2 (dead000000000122)",
                () -> ListHead.delChecked(mem, B));
    }

    @Test
    void deleteOfNeverInitialisedEntry() {
        assertCorruption("list_del corruption, ffff888000000100->next is NULL", () -> ListHead.delChecked(mem, D));
        mem.putLong(D + ListHead.NEXT, D);
        assertCorruption("list_del corruption, ffff888000000100->prev is NULL", () -> ListHead.delChecked(mem, D));
    }

    @Test
    void doubleAdd() {
        assertCorruption("list_add double add: new=ffff888000000040, prev=ffff888000000000, next=ffff888000000040.",
                () -> ListHead.addChecked(mem, A, HEAD));
        assertCorruption("list_add double add: new=ffff8880000000c0, prev=ffff8880000000c0, next=ffff888000000000.",
                () -> ListHead.addTailChecked(mem, C, HEAD));
    }

    @Test
    void addNextToACorruptedNeighbour() {
        mem.putLong(A + ListHead.PREV, C); // head->next is A, but A->prev is not head
        assertCorruption("list_add corruption. next->prev should be prev (ffff888000000000), but was ffff8880000000c0."
                + " (next=ffff888000000040).", () -> ListHead.addChecked(mem, D, HEAD));
        mem.putLong(A + ListHead.PREV, HEAD);
        mem.putLong(C + ListHead.NEXT, A); // head->prev is C, but C->next is not head
        assertCorruption("list_add corruption. prev->next should be next (ffff888000000000), but was ffff888000000040."
                + " (prev=ffff8880000000c0).", () -> ListHead.addTailChecked(mem, D, HEAD));
    }

    @Test
    void addToAnUninitialisedHead() {
        assertCorruption("list_add corruption. next is NULL.", () -> ListHead.addChecked(mem, A, D));
        assertCorruption("list_add corruption. prev is NULL.", () -> ListHead.addTailChecked(mem, A, D));
    }

    @Test
    void healthyListPassesTheChecks() {
        ListHead.addChecked(mem, D, HEAD);
        ListHead.delChecked(mem, B);
        ListHead.addTailChecked(mem, B, HEAD);
        assertEquals(D, ListHead.first(mem, HEAD));
        assertEquals(B, ListHead.last(mem, HEAD));
        assertEquals(4, ListHead.countNodes(mem, HEAD));
    }

    @Test
    void poisonValuesAreTheKernelsNonCanonicalAddresses() {
        // include/linux/poison.h: 0x100 and 0x122 plus POISON_POINTER_DELTA (0xdead000000000000 on x86_64 and arm64)
        assertEquals(0xdead000000000100L, ListHead.LIST_POISON1);
        assertEquals(0xdead000000000122L, ListHead.LIST_POISON2);
        assertEquals(16, ListHead.SIZE);
    }

    /** Runs op, expects BadAddressException, and no byte of RAM changed. */
    private void assertRejectedUntouched(Executable op) {
        byte[] before = ram.toArray(ValueLayout.JAVA_BYTE);
        assertThrows(BadAddressException.class, op);
        assertArrayEquals(before, ram.toArray(ValueLayout.JAVA_BYTE), "memory changed by a rejected operation");
    }

    @Test
    void unmappedArgumentsFailBeforeAnyStore() {
        assertRejectedUntouched(() -> ListHead.add(mem, UNMAPPED, HEAD));
        assertRejectedUntouched(() -> ListHead.addTail(mem, UNMAPPED, HEAD));
        assertRejectedUntouched(() -> ListHead.add(mem, D, UNMAPPED));
        assertRejectedUntouched(() -> ListHead.move(mem, B, UNMAPPED));
        assertRejectedUntouched(() -> ListHead.moveTail(mem, B, UNMAPPED));
        assertRejectedUntouched(() -> ListHead.swap(mem, UNMAPPED, B));
        assertRejectedUntouched(() -> ListHead.replace(mem, B, UNMAPPED));
        assertRejectedUntouched(() -> ListHead.bulkMoveTail(mem, UNMAPPED, A, B));
        assertRejectedUntouched(() -> ListHead.cutPosition(mem, UNMAPPED, HEAD, B));
        assertRejectedUntouched(() -> ListHead.cutBefore(mem, UNMAPPED, HEAD, B));
        assertRejectedUntouched(() -> ListHead.splice(mem, HEAD, UNMAPPED));
        assertRejectedUntouched(() -> ListHead.del(mem, UNMAPPED));
        assertRejectedUntouched(() -> ListHead.delChecked(mem, UNMAPPED));
    }
}
