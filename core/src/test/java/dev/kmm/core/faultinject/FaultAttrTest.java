package dev.kmm.core.faultinject;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultAttrTest {
    private final RecordingLog log = new RecordingLog();

    private FaultAttr attr(FaultRandom random) {
        return new FaultAttr("test", random, log);
    }

    private static List<Integer> failures(FaultAttr a, int calls, long size) {
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= calls; i++) {
            if (a.shouldFail(size)) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void defaultsNeverFail() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        assertEquals(0, a.probability());
        assertEquals(1, a.interval());
        assertEquals(1, a.times());
        assertEquals(0, a.space());
        assertEquals(2, a.verbose());
        assertEquals(List.of(), failures(a, 1000, 1));
        assertEquals(List.of(), log.lines);
    }

    @Test
    void oneFailureWithTheKernelsReport() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        a.setProbability(100);
        assertEquals(List.of(1), failures(a, 10, 1));
        assertEquals(0, a.times());
        assertEquals(List.of("5:FAULT_INJECTION: forcing a failure.",
                "5:name test, interval 1, probability 100, space 0, times 1"), log.lines);
        assertEquals(1, log.stacks, "verbose 2 dumps the stack");
    }

    @Test
    void timesLimitsFailuresAndMinusOneIsUnlimited() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        a.setProbability(100);
        a.setTimes(3);
        assertEquals(List.of(1, 2, 3), failures(a, 10, 1));
        a.setTimes(-1);
        assertEquals(10, failures(a, 10, 1).size());
        assertEquals(-1, a.times());
    }

    @Test
    void intervalMakesEveryNthRemainingCallACandidate() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        a.setProbability(100);
        a.setInterval(3);
        a.setTimes(-1);
        assertEquals(List.of(3, 6, 9, 12), failures(a, 13, 1));
    }

    @Test
    void spaceIsABudgetChargedBeforeFailing() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        a.setProbability(100);
        a.setTimes(-1);
        a.setSpace(10);
        // 10 > 4: pass, 6 left; 6 > 4: pass, 2 left; 2 > 4 is false: fail from then on, space stays 2.
        assertEquals(List.of(3, 4), failures(a, 4, 4));
        assertEquals(2, a.space());
    }

    @Test
    void probabilityComparesAgainstADrawBelow100() {
        AtomicInteger draw = new AtomicInteger();
        List<Integer> bounds = new ArrayList<>();
        FaultAttr a = attr(bound -> {
            bounds.add(bound);
            return draw.get();
        });
        a.setProbability(30);
        a.setTimes(-1);
        draw.set(29);
        assertTrue(a.shouldFail(1));
        draw.set(30);
        assertFalse(a.shouldFail(1));
        assertEquals(List.of(100, 100), bounds);
    }

    @Test
    void seededProbabilityIsReproducibleAndNearItsRate() {
        FaultAttr a = attr(FaultRandom.seeded(42));
        FaultAttr b = attr(FaultRandom.seeded(42));
        FaultAttr c = attr(FaultRandom.seeded(43));
        for (FaultAttr x : List.of(a, b, c)) {
            x.setProbability(25);
            x.setTimes(-1);
            x.setVerbose(0);
        }
        List<Integer> fa = failures(a, 20_000, 1);
        assertEquals(fa, failures(b, 20_000, 1));
        assertNotEquals(fa, failures(c, 20_000, 1));
        // Binomial(20000, 0.25): sd ~61; allow 6 sd.
        assertTrue(Math.abs(fa.size() - 5000) < 370, "failures " + fa.size());
    }

    @Test
    void noWarnAndVerboseControlTheReport() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        a.setProbability(100);
        a.setTimes(-1);
        assertTrue(a.shouldFailEx(null, 1, FaultAttr.FAULT_NOWARN));
        assertEquals(List.of(), log.lines);
        a.setVerbose(1);
        assertTrue(a.shouldFail(1));
        assertEquals(2, log.lines.size());
        assertEquals(0, log.stacks);
        a.setVerbose(0);
        assertTrue(a.shouldFail(1));
        assertEquals(2, log.lines.size());
    }

    @Test
    void failNthFailsTheNthCallWhateverTheAttributesSay() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        FailNth task = new FailNth();
        task.set(3);
        assertFalse(a.shouldFailEx(task, 1, 0));
        assertEquals(2, task.get());
        assertFalse(a.shouldFailEx(task, 1, 0));
        assertTrue(a.shouldFailEx(task, 1, 0), "third call fails although probability is 0");
        assertEquals(0, task.get());
        assertEquals(0, a.times(), "a forced failure also spends times");
        assertEquals(2, log.lines.size());
        assertFalse(a.shouldFailEx(task, 1, 0), "spent: back to the attributes");
    }

    @Test
    void bootParameterParsesLikeTheKernelsSscanf() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        assertTrue(a.setupFaultAttr("10,100,0,-1"));
        assertEquals(10, a.interval());
        assertEquals(100, a.probability());
        assertEquals(0, a.space());
        assertEquals(-1, a.times());
        assertEquals(List.of(10, 20), failures(a, 25, 1));
        log.lines.clear();

        assertTrue(a.setupFaultAttr("1, 2,\t3,4 and the rest is ignored"));
        assertEquals(2, a.probability());
        assertEquals(3, a.space());
        assertEquals(4, a.times());
        assertTrue(a.setupFaultAttr("1,2,-3,-4"));
        assertEquals(-3, a.space());
        assertEquals(-4, a.times());
        assertEquals(List.of(), log.lines);

        for (String bad : new String[] {"1 ,2,3,4", "-1,1,1,1", "1,2,3", "", "1,2,3,x", "+1,2,3,4"}) {
            log.lines.clear();
            assertFalse(a.setupFaultAttr(bad), bad);
            assertEquals(List.of("4:FAULT_INJECTION: failed to parse arguments"), log.lines, bad);
            assertEquals(1, a.interval(), "unchanged after " + bad);
            assertEquals(-4, a.times(), "unchanged after " + bad);
        }
    }

    @Test
    void attributesAreUnsignedLongs() {
        FaultAttr a = attr(FaultRandom.seeded(1));
        assertTrue(a.setupFaultAttr("18446744073709551615,100,0,1"));
        assertEquals(-1L, a.interval(), "ULONG_MAX");
        assertEquals(List.of(), failures(a, 100, 1), "count never reaches a multiple of ULONG_MAX");
        a.setInterval(1);
        assertTrue(a.shouldFail(1));
        assertEquals("5:name test, interval 1, probability 100, space 0, times 1", log.lines.get(1));
        a.setProbability(-1L);
        a.setTimes(1);
        assertTrue(a.shouldFail(1), "probability ULONG_MAX always fails");
        assertTrue(log.lines.get(3).contains("probability 18446744073709551615"), log.lines.get(3));
    }

    @Test
    void timesIsExactUnderContention() throws InterruptedException {
        FaultAttr a = attr(FaultRandom.seeded(7));
        a.setProbability(100);
        a.setTimes(1000);
        a.setVerbose(0);
        AtomicInteger failed = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (a.shouldFail(1)) {
                        failed.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1000, failed.get());
        assertEquals(0, a.times());
    }
}
