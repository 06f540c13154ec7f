/**
 * Replay of Linux page-allocator traces on a kmm kernel: {@link dev.kmm.stress.replay.TraceReplay} reads an ftrace
 * capture of {@code kmem:mm_page_alloc}, {@code mm_page_free} and {@code mm_page_free_batched} and repeats its
 * allocations and frees on a booted kernel, returning the report {@code kmm run} gives ({@link
 * dev.kmm.stress.report.Report}) with a replay section: what was replayed, what was skipped and why. The {@code kmm
 * replay} command prints that report; Java callers get it as a record.
 */
package dev.kmm.stress.replay;
