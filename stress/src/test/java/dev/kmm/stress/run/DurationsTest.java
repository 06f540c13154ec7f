package dev.kmm.stress.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void unitsAndDecimals() {
        assertEquals(500_000_000L, Durations.parseNanos("500ms"));
        assertEquals(5_000_000_000L, Durations.parseNanos("5s"));
        assertEquals(1_500_000_000L, Durations.parseNanos("1.5s"));
        assertEquals(120_000_000_000L, Durations.parseNanos("2m"));
        assertEquals(3_600_000_000_000L, Durations.parseNanos("1h"));
    }

    @Test
    void refusesWhatIsNoDuration() {
        assertEquals("--duration: '5' needs a unit: ms, s, m or h (e.g. 5s)",
                assertThrows(IllegalArgumentException.class, () -> Durations.parseNanos("5")).getMessage());
        assertEquals("--duration: 'xs' is not a number and a unit (e.g. 5s)",
                assertThrows(IllegalArgumentException.class, () -> Durations.parseNanos("xs")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parseNanos("0s"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parseNanos("-1s"));
    }
}
