package dev.kmm.core.pagealloc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CoreParamsTest {
    @Test
    void sizesAndPercentages() {
        assertEquals(new CoreParams(1048576, 0, 0, 0), CoreParams.parse("4G", null));
        assertEquals(new CoreParams(1048576, 0, 0, 0), CoreParams.parse("4g", null));
        assertEquals(new CoreParams(1048576, 0, 0, 0), CoreParams.parse("0x100000000", null));
        assertEquals(new CoreParams(256, 0, 0, 0), CoreParams.parse("1024k", null));
        assertEquals(new CoreParams(1, 0, 0, 0), CoreParams.parse("4096", null)); // bytes
        assertEquals(new CoreParams(0, 0, 0, 0), CoreParams.parse("010", null)); // octal 8 bytes: no page
        assertEquals(new CoreParams(0, 50, 0, 0), CoreParams.parse("50%", null));
        assertEquals(new CoreParams(0, 0, 262144, 0), CoreParams.parse(null, "1G"));
        assertEquals(new CoreParams(0, 0, 0, 25), CoreParams.parse(null, "25%"));
        assertEquals(new CoreParams(1L << 30, 0, 0, 0), CoreParams.parse("4T", null));
        assertEquals(CoreParams.NONE, CoreParams.parse(null, null));
    }

    @Test
    void badValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("mirror", null));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("abc", null));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("", null));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("4Z", null));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("4GB", null));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("10%x", null));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("101%", null));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse(null, "16E"));
        assertThrows(IllegalArgumentException.class, () -> CoreParams.parse("99999999999999999999", null));
        assertThrows(IllegalArgumentException.class, () -> new CoreParams(-1, 0, 0, 0));
    }
}
