package dev.kmm.stress.report;

import dev.kmm.core.boot.Kernel;
import dev.kmm.stress.plot.FreeAreaTimeline;
import dev.kmm.stress.plot.PageblockMap;
import dev.kmm.stress.plot.Plots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code --plot} draws: the free blocks per order sampled as the workload or the trace goes (at the start, every
 * few thousand allocator calls, at the end), and the pageblock map at the end, before the cleanup. Sampling only reads
 * the free areas, so a run or replay with pictures allocates the same pages as one without.
 */
public final class Pictures {
    private final FreeAreaTimeline timeline = new FreeAreaTimeline();
    private PageblockMap map;

    /** Samples the free areas after {@code calls} allocator calls; nothing once the end is recorded. */
    public synchronized void sample(long calls, Kernel kernel) {
        if (map == null) { // the cleanup after the end is not part of the picture
            timeline.sample(calls, kernel);
        }
    }

    /**
     * The end of the workload or trace: the last sample and the pageblock map, before anything is freed.
     *
     * @param totalCalls the allocator calls of the whole workload or trace
     */
    synchronized void atEnd(long totalCalls, Kernel kernel) {
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
