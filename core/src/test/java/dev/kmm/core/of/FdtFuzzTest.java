package dev.kmm.core.of;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the parser and the early scan. Under surefire it replays the seed corpus and
 * past findings in {@code FdtFuzzTestInputs/parseAndScan}; {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class FdtFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parseAndScan(byte[] blob) {
        FdtExercise.exercise(blob);
    }
}
