package dev.kmm.arena.list;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.function.Executable;

/**
 * With {@code -Dkmm.debugList=true} (the ffm-arena build runs the ListHead tests a second time so), the
 * ordinary operations check like a CONFIG_DEBUG_LIST kernel: a corrupted list is refused untouched.
 */
@EnabledIfSystemProperty(named = "kmm.debugList", matches = "true")
class ListHeadDebugListTest {
    static final long BASE = 0xffff888000000000L;
    static final long HEAD = BASE;
    static final long A = BASE + 0x40;
    static final long B = BASE + 0x80;
    static final long C = BASE + 0xc0;
    static final long D = BASE + 0x100;

    private static void assertRefused(MemorySegment ram, String messageStart, Executable op) {
        byte[] before = ram.toArray(ValueLayout.JAVA_BYTE);
        ListCorruptionException e = assertThrows(ListCorruptionException.class, op);
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
        assertArrayEquals(before, ram.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void ordinaryOperationsRunTheChecks() {
        assertTrue(ListHead.DEBUG_LIST);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(4096, 4096);
            KernelMemory mem = KernelMemory.of(new KernelMemory.Region("directmap", BASE, ram));
            ListHead.init(mem, HEAD);
            ListHead.addTail(mem, A, HEAD);
            ListHead.addTail(mem, B, HEAD);
            ListHead.addTail(mem, C, HEAD);

            ListHead.del(mem, B);
            assertRefused(ram, "list_del corruption, ffff888000000080->next is LIST_POISON1", () -> ListHead.del(mem, B));
            assertRefused(ram, "list_del corruption, ffff888000000080->next is LIST_POISON1", () -> ListHead.delInit(mem, B));
            assertRefused(ram, "list_del corruption, ffff888000000080->next is LIST_POISON1", () -> ListHead.move(mem, B, HEAD));
            assertRefused(ram, "list_add double add", () -> ListHead.add(mem, A, HEAD));
            assertRefused(ram, "list_add double add", () -> ListHead.addTail(mem, C, HEAD));

            mem.putLong(A + ListHead.NEXT, D); // A->next corrupted
            assertRefused(ram, "list_del corruption. next->prev should be ffff888000000040", () -> ListHead.moveTail(mem, A, HEAD));
            assertRefused(ram, "list_del corruption. prev->next should be ffff8880000000c0", () -> ListHead.del(mem, C));
            mem.putLong(A + ListHead.NEXT, C);
            ListHead.move(mem, C, HEAD);
            assertEquals(C, ListHead.first(mem, HEAD));
            assertEquals(A, ListHead.last(mem, HEAD));
        }
    }
}
