package dev.kmm.stress.run;

import dev.kmm.core.boot.Kernel;
import dev.kmm.stress.plot.FreeAreaTimeline;
import dev.kmm.stress.plot.PageblockMap;
import dev.kmm.stress.plot.Plots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code kmm run --plot} draws: the free blocks per order sampled as the workload runs (every few thousand
 * allocator calls, at the start and at the end of the workload), and the pageblock map at the end of the workload.
 * Sampling only reads the free areas, so a run with pictures allocates the same pages as one without.
 */
public final class RunPictures {
    private final FreeAreaTimeline timeline = new FreeAreaTimeline();
    private final AtomicLong calls = new AtomicLong();
    private PageblockMap map;

    /** The progress reports of the workers, sampling the free areas as they pass. */
    Progress sampling(Progress inner, Kernel kernel) {
        sample(kernel);
        return new Progress() {
            @Override
            public void advance(long steps) {
                inner.advance(steps);
            }

            @Override
            public void calls(long delta) {
                calls.addAndGet(delta);
                sample(kernel);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    private synchronized void sample(Kernel kernel) {
        if (map == null) { // the cleanup after the workload is not part of the picture
            timeline.sample(calls.get(), kernel);
        }
    }

    /**
     * The end of the workload: the last sample and the pageblock map, before anything is freed.
     *
     * @param totalCalls the allocator calls of the whole workload
     */
    synchronized void atEnd(long totalCalls, Kernel kernel) {
        calls.set(totalCalls);
        timeline.sample(totalCalls, kernel);
        map = PageblockMap.of(kernel);
    }

    /**
     * Writes the pictures into {@code dir} (created if missing).
     *
     * @return the files written
     */
    public synchronized List<Path> write(Path dir) throws IOException {
        if (map == null) {
            throw new IllegalStateException("the workload has not ended: no pictures yet");
        }
        return Plots.writeAll(dir, timeline, map);
    }
}
