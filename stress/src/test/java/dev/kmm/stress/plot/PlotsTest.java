package dev.kmm.stress.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmm.concurrency.Cpu;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machines;
import dev.kmm.core.boot.ZoneInfo;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.Buddy;
import dev.kmm.core.pagealloc.BuddyVerify;
import dev.kmm.core.pagealloc.PageAlloc;
import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.plot.XYPlot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The free-area timeline, the pageblock map and their pictures on a booted vexpress-a9. Set
 * {@code -Dkmm.plots.dir=DIR} to keep the pictures of the fragmented run for a look.
 */
class PlotsTest {
    private static final int[] GFP_MIX = {Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE};

    @TempDir
    Path dir;

    @Test
    void timelineRecordsWhatBuddyinfoShows() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            FreeAreaTimeline t = new FreeAreaTimeline();
            t.sample(0, k);
            assertEquals(List.of("Node 0, zone Normal", "Node 0, zone HighMem"), t.zoneNames());
            assertEquals("vexpress-a9", t.machine());
            assertTotalsMatchBuddyinfo(k, t, 0);
            List<Long> pages = new ArrayList<>();
            try (Cpu cpu = k.cpus().enter(0)) {
                for (int i = 0; i < 300; i++) {
                    pages.add(k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, i % 4));
                }
            }
            t.sample(300, k);
            assertEquals(2, t.size());
            assertEquals(300, t.opsDone(1));
            assertTotalsMatchBuddyinfo(k, t, 1);
            assertTrue(t.nrFree(1, 10) < t.nrFree(0, 10), "high-order blocks were split");
            String[] lines = k.proc("/proc/buddyinfo").split("\n");
            assertEquals(2, lines.length);
            for (int z = 0; z < lines.length; z++) {
                String[] f = lines[z].trim().split("\\s+");
                for (int order = 0; order < t.maxOrder(); order++) {
                    assertEquals(Long.parseLong(f[4 + order]), t.nrFree(1, z, order), lines[z] + ": order " + order);
                }
            }
        }
    }

    @Test
    void longRunsAreDecimatedEvenlyAndKeepTheLastSample() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            FreeAreaTimeline t = new FreeAreaTimeline();
            int calls = 5001;
            for (int i = 0; i < calls; i++) {
                t.sample(10L * i, k);
            }
            assertTrue(t.size() <= FreeAreaTimeline.MAX_SAMPLES && t.size() > FreeAreaTimeline.MAX_SAMPLES / 2,
                    "kept " + t.size());
            assertEquals(0, t.opsDone(0));
            assertEquals(10L * (calls - 1), t.opsDone(t.size() - 1), "the latest call is the last sample");
            long step = t.opsDone(1) - t.opsDone(0);
            assertEquals(40, step, "5001 calls halve the rate twice");
            for (int i = 1; i < t.size() - 1; i++) {
                assertEquals(step, t.opsDone(i) - t.opsDone(i - 1), "evenly spaced at " + i);
            }
        }
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        FreeAreaTimeline empty = new FreeAreaTimeline();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.writeFreeBlocks(dir.resolve("x.png"), empty));
        assertEquals("the free-area timeline has no samples to plot", e.getMessage());
        assertTrue(Files.notExists(dir.resolve("x.png")));
        try (Kernel a = Kernel.boot(Machines.vexpressA9()); Kernel b = Kernel.boot(Machines.vexpressA9())) {
            FreeAreaTimeline t = new FreeAreaTimeline();
            t.sample(0, a);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.sample(1, b)).getMessage()
                    .startsWith("a timeline samples one kernel"));
            assertThrows(IllegalArgumentException.class, () -> t.sample(-1, a));
            assertEquals(1, t.size());
        }
    }

    @Test
    void pageblockMapAgreesWithTheKernelsCounts() {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            long whole;
            try (Cpu cpu = k.cpus().enter(0)) {
                // a pageblock_order allocation takes a whole block, and claims it for its type
                whole = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, k.buddy().pageblockOrder());
                fragment(k, cpu, 3000);
            }
            PageblockMap map = PageblockMap.of(k);
            assertMatchesKernel(k, map);
            long pfn = k.memoryModel().pageToPfn(whole);
            int i = indexOf(map, pfn);
            assertEquals(0, map.freePages(i));
            assertEquals(1 << map.pageblockOrder(), map.pages(i));
            assertEquals(0, map.migratetype(i), "Unmovable");
            assertEquals("Normal", map.zone(i).name());
        }
    }

    @Test
    void picturesAreWrittenAndColouredAsTheLegendSays() throws IOException {
        try (Kernel k = Kernel.boot(Machines.vexpressA9())) {
            FreeAreaTimeline t = new FreeAreaTimeline();
            t.sample(0, k);
            long ops;
            long whole;
            try (Cpu cpu = k.cpus().enter(0)) {
                whole = k.pageAlloc().allocPages(cpu, Gfp.GFP_KERNEL, k.buddy().pageblockOrder());
                ops = fragment(k, cpu, 60_000, t);
            }
            t.sample(ops, k);
            PageblockMap map = PageblockMap.of(k);
            assertMatchesKernel(k, map);
            long[] counts = map.migratetypeCounts();
            assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0 && counts[k.buddy().migrateCma()] > 0,
                    "unmovable, movable, reclaimable and CMA blocks: " + Arrays.toString(counts));

            List<Path> files = Plots.writeAll(dir.resolve("out"), t, map);
            assertEquals(List.of(dir.resolve("out/free-blocks.png"), dir.resolve("out/free-blocks-by-zone.png"),
                    dir.resolve("out/pageblock-map.png")), files);
            BufferedImage timeline = ImageIO.read(files.get(0).toFile());
            assertNotNull(timeline, "a PNG");
            assertEquals(FreeBlocksChart.WIDTH, timeline.getWidth());
            assertEquals(FreeBlocksChart.HEIGHT, timeline.getHeight());
            BufferedImage byZone = ImageIO.read(files.get(1).toFile());
            assertEquals(FreeBlocksChart.byZoneHeight(t.zoneNames()), byZone.getHeight());
            assertNotNull(ImageIO.read(files.get(2).toFile()));

            Plots.RenderedMap r = Plots.renderPageblockMap(dir.resolve("map.png"), map);
            BufferedImage img = ImageIO.read(dir.resolve("map.png").toFile());
            assertNotNull(img, "a PNG");
            assertEquals(r.width(), img.getWidth());
            assertEquals(r.height(), img.getHeight());
            assertTrue(img.getWidth() >= 1000 && img.getWidth() <= 1600 && img.getHeight() <= 1800);
            assertCellsMatchLegend(map, r, img);
            // two cells whose type the kernel fixed: the whole unmovable block taken above, and the CMA area's first
            assertEquals(PageblockMapChart.typeColour("Unmovable"),
                    pixel(img, r, indexOf(map, k.memoryModel().pageToPfn(whole))));
            long cmaPfn = k.cmaAreas().getFirst().base() >>> 12;
            int cma = indexOf(map, cmaPfn);
            assertEquals("CMA", map.migratetypeNames().get(map.migratetype(cma)));
            assertEquals(PageblockMapChart.cellColour(PageblockMapChart.typeColour("CMA"), r.layout().freeFraction(cma)),
                    pixel(img, r, cma));
            assertTrue(GraphicsEnvironment.isHeadless());
            keep(files);
        }
    }

    /** Each cell's pixel is its type's legend colour, lightened by its free share: a fully used cell exactly so. */
    private static void assertCellsMatchLegend(PageblockMap map, Plots.RenderedMap r, BufferedImage img) {
        LegendItemCollection legend = ((XYPlot) r.chart().getPlot()).getFixedLegendItems();
        assertEquals(map.migratetypeNames().size(), legend.getItemCount());
        int used = 0;
        boolean[] seen = new boolean[map.migratetypeNames().size()];
        for (int i = 0; i < map.size(); i++) {
            int mt = map.migratetype(i);
            LegendItem item = legend.get(mt);
            assertTrue(item.getLabel().startsWith(map.migratetypeNames().get(mt) + " ("), item.getLabel());
            Color legendColour = (Color) item.getFillPaint();
            Color pixel = pixel(img, r, i);
            Color expected = PageblockMapChart.cellColour(legendColour, r.layout().freeFraction(i));
            assertEquals(expected, pixel, "pageblock " + i + " at pfn 0x" + Long.toHexString(map.startPfn(i)) + " ("
                    + map.migratetypeNames().get(mt) + ", " + map.freePages(i) + " free)");
            if (map.freePages(i) == 0) {
                assertEquals(legendColour, pixel);
                used++;
            }
            seen[mt] = true;
        }
        assertTrue(used > 0, "some pageblocks are fully used");
        // distinct legend colours for the types, and a lighter cell for a freer block
        assertEquals(seen.length, legend.getItemCount());
        for (int a = 0; a < legend.getItemCount(); a++) {
            for (int b = a + 1; b < legend.getItemCount(); b++) {
                assertTrue(!legend.get(a).getFillPaint().equals(legend.get(b).getFillPaint()), a + " vs " + b);
            }
        }
        Color movable = PageblockMapChart.typeColour("Movable");
        Color free = PageblockMapChart.cellColour(movable, 1.0);
        assertTrue(free.getRed() + free.getGreen() + free.getBlue() > movable.getRed() + movable.getGreen()
                + movable.getBlue() + 300);
    }

    private static Color pixel(BufferedImage img, Plots.RenderedMap r, int i) {
        Point2D p = r.layout().cellCentre(r.info().getPlotInfo().getDataArea(), i);
        return new Color(img.getRGB((int) p.getX(), (int) p.getY()));
    }

    /** Per zone: the map's migrate-type counts are BuddyVerify's, its free pages NR_FREE_PAGES. */
    private static void assertMatchesKernel(Kernel k, PageblockMap map) {
        Buddy buddy = k.buddy();
        long total = 0;
        int z = 0;
        for (ZoneInfo info : k.zones()) {
            if (!info.populated()) {
                continue;
            }
            PageblockMap.Zone zone = map.zones().get(z++);
            assertEquals(info.name(), zone.name());
            long[] expected = BuddyVerify.pageblockMigratetypeCounts(buddy, info.address());
            long[] counts = new long[expected.length];
            long free = 0;
            for (int i = zone.first(); i < zone.first() + zone.count(); i++) {
                counts[map.migratetype(i)]++;
                free += map.freePages(i);
                assertTrue(map.freePages(i) >= 0 && map.freePages(i) <= map.pages(i), "block " + i);
            }
            assertEquals(Arrays.toString(expected), Arrays.toString(counts), zone.label());
            assertEquals(k.pageAlloc().vmstat().zonePageStateSnapshot(info.address(), Buddy.NR_FREE_PAGES), free,
                    zone.label());
            total += free;
        }
        assertEquals(z, map.zones().size());
        assertEquals(total, map.freePages());
    }

    /** Order-0 pages of mixed GFP, every other one freed; returns the operations done. */
    private static long fragment(Kernel k, Cpu cpu, int n) {
        return fragment(k, cpu, n, null);
    }

    private static long fragment(Kernel k, Cpu cpu, int n, FreeAreaTimeline t) {
        PageAlloc alloc = k.pageAlloc();
        long[] pages = new long[n];
        long ops = 0;
        for (int i = 0; i < n; i++) {
            pages[i] = alloc.allocPages(cpu, GFP_MIX[i % GFP_MIX.length] | Gfp.__GFP_NOWARN, 0);
            assertTrue(pages[i] != 0, "allocation " + i);
            if (t != null && ++ops % 1000 == 0) {
                t.sample(ops, k);
            }
        }
        for (int i = 0; i < n; i += 2) {
            alloc.__freePages(cpu, pages[i], 0);
            if (t != null && ++ops % 1000 == 0) {
                t.sample(ops, k);
            }
        }
        return ops;
    }

    private static int indexOf(PageblockMap map, long pfn) {
        for (int i = 0; i < map.size(); i++) {
            if (pfn >= map.startPfn(i) && pfn < map.startPfn(i) + (1L << map.pageblockOrder())) {
                return i;
            }
        }
        throw new AssertionError("no pageblock holds pfn 0x" + Long.toHexString(pfn));
    }

    private static void assertTotalsMatchBuddyinfo(Kernel k, FreeAreaTimeline t, int sample) {
        long[] sum = new long[t.maxOrder()];
        for (String line : k.proc("/proc/buddyinfo").split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int order = 0; order < sum.length; order++) {
                sum[order] += Long.parseLong(f[4 + order]);
            }
        }
        for (int order = 0; order < sum.length; order++) {
            assertEquals(sum[order], t.nrFree(sample, order), "order " + order);
        }
    }

    private static void keep(List<Path> files) throws IOException {
        String keep = System.getProperty("kmm.plots.dir");
        if (keep != null) {
            Path to = Path.of(keep);
            Files.createDirectories(to);
            for (Path f : files) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
