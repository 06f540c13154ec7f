package dev.kmm.stress.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.text.DecimalFormat;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The chart of {@link FreeAreaTimeline}: free blocks per order against operations done, one line per order on a log
 * scale, for the zones summed or one panel per zone.
 */
final class FreeBlocksChart {
    static final int WIDTH = 1400;
    static final int HEIGHT = 800;
    /** Height of one panel of the per-zone chart. */
    static final int ZONE_PANEL_HEIGHT = 300;

    static final String X_LABEL = "allocator calls (allocations and frees)";
    static final String Y_LABEL = "free blocks (free_area[order].nr_free)";

    /** One colour per order, far apart (Tableau's ten, then black for order 10). */
    private static final Color[] ORDER_COLOURS = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
        Color.BLACK,
    };

    private FreeBlocksChart() {
    }

    /** The colour of {@code order}'s line. */
    static Color orderColour(int order) {
        return ORDER_COLOURS[order % ORDER_COLOURS.length];
    }

    /** Free blocks per order, summed over the zones. */
    static JFreeChart total(FreeAreaTimeline t) {
        requireSamples(t);
        XYPlot plot = plot(t, -1);
        JFreeChart chart = new JFreeChart("Free blocks per order over time: " + t.machine(),
                JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        String zones = t.zoneNames().size() == 1 ? t.zoneNames().getFirst()
                : "summed over " + String.join("; ", t.zoneNames());
        chart.addSubtitle(new TextTitle(zones + ". " + t.size() + (t.size() == 1 ? " sample" : " samples")
                + ", log scale: an order whose count drops to 0 leaves the chart."));
        chart.addLegend(legend(plot));
        return finish(chart);
    }

    /** One panel per zone, sharing the operations axis. */
    static JFreeChart byZone(FreeAreaTimeline t) {
        requireSamples(t);
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(domainAxis());
        combined.setGap(12);
        XYPlot first = null;
        for (int z = 0; z < t.zoneNames().size(); z++) {
            XYPlot p = plot(t, z);
            p.getRangeAxis().setLabel(t.zoneNames().get(z));
            combined.add(p, 1);
            first = first == null ? p : first;
        }
        JFreeChart chart = new JFreeChart("Free blocks per order over time, by zone: " + t.machine(),
                JFreeChart.DEFAULT_TITLE_FONT, combined, false);
        chart.addSubtitle(new TextTitle("y: " + Y_LABEL + " of each zone, log scale; x: " + X_LABEL));
        chart.addLegend(legend(first));
        return finish(chart);
    }

    private static void requireSamples(FreeAreaTimeline t) {
        if (t.size() == 0) {
            throw new IllegalArgumentException("the free-area timeline has no samples to plot");
        }
    }

    /** A log-scale line plot of zone {@code zone}'s counts, or the zones' sum for -1. */
    private static XYPlot plot(FreeAreaTimeline t, int zone) {
        XYSeriesCollection data = new XYSeriesCollection();
        long max = 0;
        for (int order = 0; order < t.maxOrder(); order++) {
            XYSeries s = new XYSeries("order " + order, false, true);
            for (int i = 0; i < t.size(); i++) {
                long n = zone < 0 ? t.nrFree(i, order) : t.nrFree(i, zone, order);
                max = Math.max(max, n);
                // a log axis has no 0: leave a gap
                s.add(Double.valueOf(t.opsDone(i)), n == 0 ? null : Double.valueOf(n));
            }
            data.addSeries(s);
        }
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, t.size() == 1);
        for (int order = 0; order < t.maxOrder(); order++) {
            r.setSeriesPaint(order, orderColour(order));
            r.setSeriesStroke(order, new BasicStroke(2f));
        }
        // ticks at the powers of ten, minor gridlines at their multiples
        LogAxis y = new LogAxis(Y_LABEL);
        y.setBase(10);
        y.setSmallestValue(0.5);
        y.setNumberFormatOverride(new DecimalFormat("#,##0"));
        y.setTickUnit(new NumberTickUnit(1), false, true);
        y.setMinorTickCount(9);
        y.setMinorTickMarksVisible(true);
        y.setRange(0.7, Math.max(10, max) * 1.5);
        fonts(y);
        XYPlot plot = new XYPlot(data, domainAxis(), y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xcccccc));
        plot.setRangeGridlinePaint(new Color(0xcccccc));
        plot.setDomainGridlineStroke(new BasicStroke(1f));
        plot.setRangeGridlineStroke(new BasicStroke(1f));
        plot.setRangeMinorGridlinesVisible(true);
        plot.setRangeMinorGridlinePaint(new Color(0xebebeb));
        plot.setRangeMinorGridlineStroke(new BasicStroke(1f));
        return plot;
    }

    private static NumberAxis domainAxis() {
        NumberAxis x = new NumberAxis(X_LABEL);
        x.setAutoRangeIncludesZero(true);
        x.setNumberFormatOverride(new DecimalFormat("#,##0"));
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        fonts(x);
        return x;
    }

    private static void fonts(org.jfree.chart.axis.Axis axis) {
        axis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        axis.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    }

    private static LegendTitle legend(XYPlot plot) {
        LegendTitle legend = new LegendTitle(plot);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setFrame(BlockBorder.NONE);
        legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        return legend;
    }

    private static JFreeChart finish(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        return chart;
    }

    /** The height of the per-zone chart for {@code zones} panels. */
    static int byZoneHeight(List<String> zones) {
        return Math.min(1600, 160 + ZONE_PANEL_HEIGHT * zones.size());
    }
}
