package dev.kmm.stress.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * The chart of a {@link PageblockMap}: one cell per pageblock, row-major by pfn, each zone starting a new row; the
 * cell's colour is its migrate type, lightened by the share of its pages that are free.
 *
 * <p>The grid is a power of two wide, so a row spans a round amount of memory, and about square, so 64 or 65536
 * pageblocks both fill the picture.
 */
final class PageblockMapChart {
    static final int WIDTH = 1400;
    /** Every kmm configuration has 4 KiB pages. */
    private static final long PAGE_KIB = 4;
    /** About how wide the cells' area comes out in a {@link #WIDTH} picture, to keep labels apart. */
    private static final double GRID_WIDTH = 1100;
    /** The least distance between two labels of a vertical axis, in pixels. */
    private static final double LABEL_GAP = 16;
    /** How far a wholly free block is lightened towards white: enough to tell, not so much that its hue is lost. */
    static final double MAX_LIGHTEN = 0.72;

    /** Colour-blind-safe colours (Okabe and Ito) by {@code migratetype_names[]} entry. */
    private static final Map<String, Color> TYPE_COLOURS = Map.of(
            "Unmovable", new Color(0xD55E00),
            "Movable", new Color(0x0072B2),
            "Reclaimable", new Color(0xE69F00),
            "HighAtomic", new Color(0xCC79A7),
            "CMA", new Color(0x009E73),
            "Isolate", new Color(0x000000));
    private static final Color OTHER = new Color(0x999999);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

    final PageblockMap map;
    final int cols;
    final int rows;
    private final int[] col;
    private final int[] row;
    /** The first row of each zone. */
    private final int[] zoneRow;

    PageblockMapChart(PageblockMap map) {
        this.map = map;
        this.cols = columns(map);
        this.col = new int[map.size()];
        this.row = new int[map.size()];
        this.zoneRow = new int[map.zones().size()];
        int r = 0;
        for (int z = 0; z < zoneRow.length; z++) {
            PageblockMap.Zone zone = map.zones().get(z);
            zoneRow[z] = r;
            for (int k = 0; k < zone.count(); k++) {
                col[zone.first() + k] = k % cols;
                row[zone.first() + k] = r + k / cols;
            }
            r += (zone.count() + cols - 1) / cols;
        }
        this.rows = Math.max(r, 1);
    }

    /**
     * The smallest power of two, 16 at least, whose grid, a row per zone started, is at most 1.5 times as tall as
     * wide: tall enough for big cells, short enough to fit the picture.
     */
    private static int columns(PageblockMap map) {
        int cols = 16;
        while (rowsFor(map, cols) * 2 > cols * 3) {
            cols *= 2;
        }
        return cols;
    }

    private static int rowsFor(PageblockMap map, int cols) {
        int rows = 0;
        for (PageblockMap.Zone z : map.zones()) {
            rows += (z.count() + cols - 1) / cols;
        }
        return rows;
    }

    /** The legend's colour of migrate type {@code name}. */
    static Color typeColour(String name) {
        return TYPE_COLOURS.getOrDefault(name, OTHER);
    }

    /** A cell's colour: its type's, lightened towards white by the share of its pages that are free. */
    static Color cellColour(Color type, double freeFraction) {
        double t = MAX_LIGHTEN * Math.clamp(freeFraction, 0.0, 1.0);
        return new Color(lighten(type.getRed(), t), lighten(type.getGreen(), t), lighten(type.getBlue(), t));
    }

    private static int lighten(int c, double t) {
        return (int) Math.round(c + (255 - c) * t);
    }

    /** The share of pageblock {@code i}'s pages that are free. */
    double freeFraction(int i) {
        return map.pages(i) == 0 ? 0 : (double) map.freePages(i) / map.pages(i);
    }

    /** Where the centre of pageblock {@code i}'s cell is drawn, given the plot's data area. */
    Point2D cellCentre(Rectangle2D dataArea, int i) {
        return new Point2D.Double(dataArea.getX() + (col[i] + 0.5) * dataArea.getWidth() / cols,
                dataArea.getY() + (row[i] + 0.5) * dataArea.getHeight() / rows);
    }

    JFreeChart chart() {
        List<String> names = map.migratetypeNames();
        int types = names.size();
        // z = 2 * type + fraction free, so one number carries both to the paint scale
        double[][] xyz = new double[3][map.size()];
        for (int i = 0; i < map.size(); i++) {
            xyz[0][i] = col[i];
            xyz[1][i] = row[i];
            xyz[2][i] = 2 * Math.min(map.migratetype(i), types) + freeFraction(i);
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("pageblocks", xyz);

        XYBlockRenderer r = new XYBlockRenderer();
        r.setBlockAnchor(RectangleAnchor.BOTTOM_LEFT);
        r.setPaintScale(new TypeScale(names));

        long blockKib = PAGE_KIB << map.pageblockOrder();
        NumberAxis x = new LabelAxis("pageblock in the row (" + size(blockKib) + " each; a row is "
                + size(blockKib * cols) + ")", columnTicks());
        x.setRange(0, cols);
        NumberAxis y = new LabelAxis("first pfn of the row", rowTicks());
        y.setRange(0, rows);
        y.setInverted(true);
        XYPlot plot = new XYPlot(data, x, y, r);
        NumberAxis zonesAxis = new LabelAxis(null, zoneTicks());
        zonesAxis.setRange(0, rows);
        zonesAxis.setInverted(true);
        zonesAxis.setTickLabelFont(LABEL_FONT);
        plot.setRangeAxis(1, zonesAxis);
        plot.setRangeAxisLocation(1, AxisLocation.BOTTOM_OR_RIGHT);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setOutlinePaint(Color.GRAY);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        for (int z = 1; z < zoneRow.length; z++) {
            plot.addRangeMarker(new ValueMarker(zoneRow[z], Color.BLACK, new BasicStroke(3f)));
        }
        plot.setFixedLegendItems(typeLegend(names));

        JFreeChart chart = new JFreeChart("Pageblocks of " + map.machine() + ": " + map.size() + " \u00d7 "
                + size(blockKib) + " (pageblock_order " + map.pageblockOrder() + ")",
                JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.addSubtitle(new TextTitle("colour: migrate type (pageblock flags); lighter: more of the block's pages "
                + "on the buddy free lists; each zone starts a new row, zones split by a black line",
                LABEL_FONT));
        LegendTitle legend = new LegendTitle(plot);
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setFrame(BlockBorder.NONE);
        legend.setItemFont(LABEL_FONT);
        chart.addLegend(legend);
        chart.addSubtitle(fillLegend());
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /**
     * The picture's size: {@link #WIDTH} wide, and tall enough for square cells. It draws the chart once off screen
     * to learn what the titles, axes and legends take, and leaves a pixel between cells large enough to spare it.
     */
    int[] fit(JFreeChart chart) {
        int probe = 1000;
        ChartRenderingInfo info = new ChartRenderingInfo();
        BufferedImage img = new BufferedImage(WIDTH, probe, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            chart.draw(g, new Rectangle2D.Double(0, 0, WIDTH, probe), info);
        } finally {
            g.dispose();
        }
        Rectangle2D area = info.getPlotInfo().getDataArea();
        double cell = area.getWidth() / cols;
        int height = (int) Math.ceil(probe - area.getHeight() + cell * rows);
        if (cell >= 6) {
            XYBlockRenderer r = (XYBlockRenderer) chart.getXYPlot().getRenderer();
            r.setBlockWidth(1 - 1 / cell);
            r.setBlockHeight(1 - 1 / cell);
        }
        return new int[] {WIDTH, Math.clamp(height, 500, 1800)};
    }

    private LegendItemCollection typeLegend(List<String> names) {
        long[] counts = map.migratetypeCounts();
        LegendItemCollection items = new LegendItemCollection();
        for (int mt = 0; mt < names.size(); mt++) {
            LegendItem item = new LegendItem(names.get(mt) + " (" + counts[mt] + ")", typeColour(names.get(mt)));
            item.setShape(new Rectangle2D.Double(-7, -7, 14, 14));
            items.add(item);
        }
        return items;
    }

    /** A strip from a used to a free block, in Movable's colour, with its percent axis. */
    private PaintScaleLegend fillLegend() {
        Color base = typeColour("Movable");
        PaintScale fill = new PaintScale() {
            @Override
            public double getLowerBound() {
                return 0;
            }

            @Override
            public double getUpperBound() {
                return 100;
            }

            @Override
            public java.awt.Paint getPaint(double value) {
                return cellColour(base, value / 100);
            }
        };
        NumberAxis axis = new NumberAxis("free pages in the pageblock, % (any colour lightens the same way)");
        axis.setRange(0, 100);
        axis.setTickLabelFont(TICK_FONT);
        axis.setLabelFont(LABEL_FONT);
        PaintScaleLegend legend = new PaintScaleLegend(fill, axis);
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setStripWidth(14);
        legend.setSubdivisionCount(100);
        legend.setMargin(new RectangleInsets(4, 300, 8, 300));
        return legend;
    }

    private List<NumberTick> columnTicks() {
        int step = Math.max(1, cols / 16);
        List<NumberTick> ticks = new ArrayList<>();
        for (int c = 0; c < cols; c += step) {
            ticks.add(tick(c + 0.5, Integer.toString(c), RectangleEdge.BOTTOM));
        }
        return ticks;
    }

    /** Each zone's first row and every few rows, by the first pfn in the row, never closer than a label's height. */
    private List<NumberTick> rowTicks() {
        long[] firstPfn = new long[rows];
        for (int i = map.size() - 1; i >= 0; i--) {
            firstPfn[row[i]] = map.startPfn(i);
        }
        int gap = labelGapRows();
        int step = 1;
        while (step < gap || rows / step > 30) {
            step *= 2;
        }
        // zone starts first, then the regular rows where they do not crowd a label already placed
        java.util.TreeSet<Integer> placed = new java.util.TreeSet<>();
        for (int z : zoneRow) {
            Integer before = placed.floor(z);
            if (z < rows && (before == null || z - before >= gap)) {
                placed.add(z);
            }
        }
        for (int rr = 0; rr < rows; rr += step) {
            Integer before = placed.floor(rr);
            Integer after = placed.ceiling(rr);
            if ((before == null || rr - before >= gap) && (after == null || after - rr >= gap)) {
                placed.add(rr);
            }
        }
        List<NumberTick> ticks = new ArrayList<>();
        for (int rr : placed) {
            ticks.add(tick(rr + 0.5, String.format("0x%x", firstPfn[rr]), RectangleEdge.LEFT));
        }
        return ticks;
    }

    /** Each zone's name beside its rows, pushed down where a thin zone's label would run into the one before. */
    private List<NumberTick> zoneTicks() {
        int gap = labelGapRows();
        List<NumberTick> ticks = new ArrayList<>();
        double last = Double.NEGATIVE_INFINITY;
        for (int z = 0; z < zoneRow.length; z++) {
            PageblockMap.Zone zone = map.zones().get(z);
            int zoneRows = (zone.count() + cols - 1) / cols;
            double at = Math.max(zoneRow[z] + zoneRows / 2.0, last + gap);
            ticks.add(tick(at, "Node " + zone.nid() + " " + zone.name() + " (" + zone.count() + ")", RectangleEdge.RIGHT));
            last = at;
        }
        return ticks;
    }

    /** How many rows a label takes. */
    private int labelGapRows() {
        return (int) Math.ceil(LABEL_GAP / (GRID_WIDTH / cols));
    }

    private static NumberTick tick(double value, String label, RectangleEdge edge) {
        TextAnchor anchor = edge == RectangleEdge.BOTTOM ? TextAnchor.TOP_CENTER
                : edge == RectangleEdge.LEFT ? TextAnchor.CENTER_RIGHT : TextAnchor.CENTER_LEFT;
        return new NumberTick(value, label, anchor, anchor, 0);
    }

    /** {@code 4096} KiB as "4 MiB", and so on. */
    static String size(long kib) {
        if (kib >= 1L << 20 && kib % (1L << 20) == 0) {
            return (kib >> 20) + " GiB";
        }
        if (kib >= 1024 && kib % 1024 == 0) {
            return (kib >> 10) + " MiB";
        }
        return kib + " KiB";
    }

    /** Paints z = 2 * type + fraction free. */
    private static final class TypeScale implements PaintScale {
        private final Color[] colours;

        TypeScale(List<String> names) {
            colours = new Color[names.size() + 1];
            for (int mt = 0; mt < names.size(); mt++) {
                colours[mt] = typeColour(names.get(mt));
            }
            colours[names.size()] = OTHER;
        }

        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 2 * colours.length;
        }

        @Override
        public java.awt.Paint getPaint(double z) {
            int mt = Math.clamp((int) (z / 2), 0, colours.length - 1);
            return cellColour(colours[mt], z - 2 * mt);
        }
    }

    /** A value axis whose ticks are given: labelled rows, columns or zones. */
    private static final class LabelAxis extends NumberAxis {
        private final List<NumberTick> ticks;

        LabelAxis(String label, List<NumberTick> ticks) {
            super(label);
            this.ticks = List.copyOf(ticks);
            setTickLabelFont(TICK_FONT);
            setLabelFont(LABEL_FONT);
            setTickMarksVisible(false);
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public List refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
            return new ArrayList(ticks);
        }
    }
}
