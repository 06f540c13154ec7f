package dev.kmm.stress.run;

import dev.kmm.core.boot.Kernel;
import dev.kmm.stress.report.Pictures;
import java.text.DecimalFormat;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Where workers report how far they are. They call {@link #advance} every {@value Worker#PROGRESS_STEPS} steps,
 * so a bar costs the op loop nothing measurable and changes nothing in the simulated kernel: it only reads the
 * free-page counters.
 */
interface Progress extends AutoCloseable {
    Progress NONE = new Progress() {
        @Override
        public void advance(long steps) {
        }

        @Override
        public void close() {
        }
    };

    /** {@code steps} more steps were done (by any worker). */
    void advance(long steps);

    /** {@code calls} more allocator calls were made (by any worker): the clock of the pictures. */
    default void calls(long calls) {
    }

    @Override
    void close();

    /**
     * {@code inner}, sampling the free areas into {@code pictures} as the workers report their allocator calls
     * (every {@value Worker#CALL_REPORT} of each).
     */
    static Progress sampling(Progress inner, Pictures pictures, Kernel kernel) {
        long[] calls = {0}; // guarded by itself, so that samples come in the order of their counts
        return new Progress() {
            @Override
            public void advance(long steps) {
                inner.advance(steps);
            }

            @Override
            public void calls(long delta) {
                synchronized (calls) {
                    calls[0] += delta;
                    pictures.sample(calls[0], kernel);
                }
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    /**
     * A terminal progress bar on stderr: steps done of {@code total} (unknown for a timed run: 0), steps per
     * second, and the kernel's free pages.
     */
    static Progress bar(String task, long total, LongSupplier freePages) {
        ProgressBar pb = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total > 0 ? total : -1)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(250)
                .setUnit(" ops", 1)
                .showSpeed(new DecimalFormat("#"))
                .continuousUpdate()
                .build();
        return new Progress() {
            @Override
            public void advance(long steps) {
                pb.stepBy(steps);
                pb.setExtraMessage(" free " + freePages.getAsLong() + " pages");
            }

            @Override
            public void close() {
                pb.close();
            }
        };
    }
}
