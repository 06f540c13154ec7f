/**
 * The pictures of a run: {@link dev.kmm.stress.plot.FreeAreaTimeline} samples the free blocks per order as the run
 * goes, {@link dev.kmm.stress.plot.PageblockMap} snapshots every pageblock's migrate type and free pages, and
 * {@link dev.kmm.stress.plot.Plots} draws both as PNG files with JFreeChart, headless.
 */
package dev.kmm.stress.plot;
