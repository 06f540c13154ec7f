package dev.kmm.arena.layout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.junit.jupiter.api.Test;

/** The C placement rules of {@link CStruct}, on small structs whose gcc layout is known by hand. */
class CStructTest {

    @Test
    void membersGoToTheNextMultipleOfTheirAlignment() {
        // struct { char c; long l; int i; }: c@0, l@8, i@16, sizeof 24
        StructLayout s = CStruct.struct("s").field("c", JAVA_BYTE).field("l", JAVA_LONG).field("i", JAVA_INT).build();
        assertEquals(0, CStruct.offsetOf(s, "c"));
        assertEquals(8, CStruct.offsetOf(s, "l"));
        assertEquals(16, CStruct.offsetOf(s, "i"));
        assertEquals(24, s.byteSize());
        assertEquals(8, s.byteAlignment());
    }

    @Test
    void aStructOfSmallMembersKeepsTheirAlignment() {
        // struct { int a; char b; }: sizeof 8, alignment 4
        StructLayout s = CStruct.struct("s").field("a", JAVA_INT).field("b", JAVA_BYTE).build();
        assertEquals(8, s.byteSize());
        assertEquals(4, s.byteAlignment());
    }

    @Test
    void aUnionIsItsLargestMemberRoundedToItsAlignment() {
        // union { long l; int i[3]; }: sizeof 16
        UnionLayout u = CStruct.union(JAVA_LONG.withName("l"), CStruct.array(JAVA_INT, 3).withName("i"));
        assertEquals(16, u.byteSize());
        assertEquals(8, u.byteAlignment());
        StructLayout s = CStruct.struct("s").member(u).field("after", JAVA_BYTE).build();
        assertEquals(16, CStruct.offsetOf(s, "after"));
    }

    @Test
    void cachelinePaddingStartsANewLineAndAlignsTheStruct() {
        StructLayout s = CStruct.struct("s").field("a", JAVA_INT).cachelinePadding("_pad1_").field("b", JAVA_INT).build();
        assertEquals(64, CStruct.offsetOf(s, "_pad1_"));
        assertEquals(64, CStruct.offsetOf(s, "b"));
        assertEquals(128, s.byteSize());
        assertEquals(64, s.byteAlignment());
    }

    @Test
    void alignedAttributeRoundsTheSize() {
        StructLayout s = CStruct.struct("s").field("a", JAVA_LONG).aligned(64).build();
        assertEquals(64, s.byteSize());
        assertEquals(64, s.byteAlignment());
        assertThrows(IllegalArgumentException.class, () -> CStruct.struct("t").aligned(48));
        assertThrows(IllegalArgumentException.class, () -> CStruct.struct("t").aligned(0));
    }

    @Test
    void membersOfAnonymousStructsAndUnionsAreFoundByTheirCName() {
        // struct { long a; union { struct { int x; int y; }; long z; }; }
        StructLayout s = CStruct.struct("s")
                .field("a", JAVA_LONG)
                .member(CStruct.union(
                        CStruct.anonymous().field("x", JAVA_INT).field("y", JAVA_INT).build(),
                        JAVA_LONG.withName("z")))
                .build();
        assertEquals(8, CStruct.offsetOf(s, "x"));
        assertEquals(12, CStruct.offsetOf(s, "y"));
        assertEquals(8, CStruct.offsetOf(s, "z"));
        // the path also derives a working VarHandle
        VarHandle y = s.varHandle(CStruct.path(s, "y"));
        MemorySegment seg = MemorySegment.ofArray(new long[2]);
        y.set(seg, 0L, 0x1234);
        assertEquals(0x1234, seg.get(ValueLayout.JAVA_INT, 12));
    }

    @Test
    void anUnknownMemberIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CStruct.offsetOf(PageLayout.LAYOUT, "lru_next"));
        assertEquals("struct page has no member 'lru_next'", e.getMessage());
    }

    @Test
    void arraysNestOutermostDimensionFirst() {
        SequenceLayout a = CStruct.array(JAVA_INT, 4, 2, 5);
        assertEquals(4, a.elementCount());
        assertEquals(2, ((SequenceLayout) a.elementLayout()).elementCount());
        assertEquals(4 * 2 * 5 * 4, a.byteSize());
        assertThrows(IllegalArgumentException.class, () -> CStruct.array(JAVA_INT));
        assertThrows(IllegalArgumentException.class, () -> CStruct.array(JAVA_INT, -1));
    }
}
