package dev.kmm.stress.run;

import java.util.List;
import java.util.Objects;

/**
 * What {@code kmm run} was asked for.
 *
 * @param workload      the workload
 * @param steps         the steps to take over all workers; 0 when {@code durationNanos} bounds the run
 * @param durationNanos how long to run, when {@code steps} is 0
 * @param threads       1: deterministic mode, one thread drives every CPU; more: parallel mode, each thread owns
 *                      the CPUs whose number modulo {@code threads} is its index
 * @param seed          the seed of every random choice
 * @param showPaths     kernel views ({@code Kernel.proc} paths) to include after the workload
 * @param progress      whether to draw a progress bar on the terminal
 */
public record RunConfig(WorkloadKind workload, long steps, long durationNanos, int threads, long seed,
        List<String> showPaths, boolean progress) {
    public RunConfig {
        Objects.requireNonNull(workload, "workload");
        showPaths = List.copyOf(showPaths);
        if ((steps > 0) == (durationNanos > 0)) {
            throw new IllegalArgumentException("give steps or a duration, not both");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads: must be at least 1, got " + threads);
        }
    }

    public boolean deterministic() {
        return threads == 1;
    }
}
