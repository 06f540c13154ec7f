package dev.kmm.stress.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;

/**
 * The pictures of a run, as PNG files drawn with JFreeChart: the free blocks per order over time
 * ({@link FreeAreaTimeline}) and the pageblock map ({@link PageblockMap}). Drawing needs no display: the JVM is
 * switched to headless AWT before any chart is made, unless {@code java.awt.headless} was set.
 */
public final class Plots {
    /** The timeline's file in {@link #writeAll}. */
    public static final String FREE_BLOCKS_PNG = "free-blocks.png";
    /** The per-zone timeline's file in {@link #writeAll}, written when more than one zone was sampled. */
    public static final String FREE_BLOCKS_BY_ZONE_PNG = "free-blocks-by-zone.png";
    /** The pageblock map's file in {@link #writeAll}. */
    public static final String PAGEBLOCK_MAP_PNG = "pageblock-map.png";

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Plots() {
    }

    /**
     * Writes the free blocks per order over time (summed over the zones) to {@code png}.
     *
     * @throws IllegalArgumentException when the timeline has no samples
     * @throws IOException              when the file cannot be written
     */
    public static void writeFreeBlocks(Path png, FreeAreaTimeline timeline) throws IOException {
        save(png, FreeBlocksChart.total(Objects.requireNonNull(timeline, "timeline")), FreeBlocksChart.WIDTH,
                FreeBlocksChart.HEIGHT);
    }

    /**
     * Writes the pageblock map to {@code png}: a cell per pageblock coloured by migrate type and lightened by its
     * free pages.
     *
     * @throws IOException when the file cannot be written
     */
    public static void writePageblockMap(Path png, PageblockMap map) throws IOException {
        renderPageblockMap(png, map);
    }

    /**
     * Writes every picture into {@code dir}, creating it if needed: {@value #FREE_BLOCKS_PNG},
     * {@value #FREE_BLOCKS_BY_ZONE_PNG} when the timeline has more than one zone, and {@value #PAGEBLOCK_MAP_PNG}.
     *
     * @return the files written, in that order
     * @throws IllegalArgumentException when the timeline has no samples
     * @throws IOException              when the directory or a file cannot be written
     */
    public static List<Path> writeAll(Path dir, FreeAreaTimeline timeline, PageblockMap map) throws IOException {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(map, "map");
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        Path total = dir.resolve(FREE_BLOCKS_PNG);
        writeFreeBlocks(total, timeline);
        out.add(total);
        if (timeline.zoneNames().size() > 1) {
            Path byZone = dir.resolve(FREE_BLOCKS_BY_ZONE_PNG);
            save(byZone, FreeBlocksChart.byZone(timeline), FreeBlocksChart.WIDTH,
                    FreeBlocksChart.byZoneHeight(timeline.zoneNames()));
            out.add(byZone);
        }
        Path pageblocks = dir.resolve(PAGEBLOCK_MAP_PNG);
        writePageblockMap(pageblocks, map);
        out.add(pageblocks);
        return List.copyOf(out);
    }

    /** The drawn pageblock map, with where its cells landed, for the tests. */
    record RenderedMap(PageblockMapChart layout, JFreeChart chart, ChartRenderingInfo info, int width, int height) {
    }

    static RenderedMap renderPageblockMap(Path png, PageblockMap map) throws IOException {
        PageblockMapChart layout = new PageblockMapChart(Objects.requireNonNull(map, "map"));
        JFreeChart chart = layout.chart();
        int[] size = layout.fit(chart);
        ChartRenderingInfo info = save(png, chart, size[0], size[1]);
        return new RenderedMap(layout, chart, info, size[0], size[1]);
    }

    private static ChartRenderingInfo save(Path png, JFreeChart chart, int width, int height) throws IOException {
        ChartRenderingInfo info = new ChartRenderingInfo();
        ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height, info);
        return info;
    }
}
