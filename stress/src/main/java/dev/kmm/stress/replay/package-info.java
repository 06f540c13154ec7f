/**
 * Replay of Linux page-allocator traces on a kmm kernel: {@link dev.kmm.stress.replay.TraceReplay} reads an
 * ftrace capture of {@code kmem:mm_page_alloc}, {@code mm_page_free} and {@code mm_page_free_batched} and
 * repeats its allocations and frees on a booted kernel, returning a {@link dev.kmm.stress.replay.ReplaySummary}
 * (what was replayed, what was skipped and why, the machine before and after). The {@code kmm replay} command
 * prints that summary; Java callers get it as a record.
 */
package dev.kmm.stress.replay;
