package dev.kmm.core.trace;

/**
 * One page event read from a trace file: {@code mm_page_alloc}, {@code mm_page_free} or
 * {@code mm_page_free_batched}. Fields a format version does not print are -1 (or null).
 *
 * @param lineNumber  1-based line in the file
 * @param task        the task name column ({@code <...>} when ftrace had lost it)
 * @param pid         the pid column
 * @param tgid        the tgid column of {@code record-tgid}; 0 for {@code (-------)}, -1 when absent
 * @param cpu         the CPU column
 * @param latencyFlags the irq-info column ({@code .....}, {@code d..1.}), null when absent
 * @param timestampNs the timestamp in nanoseconds (microsecond precision in the default clock format)
 * @param event       {@link KmemEvent#MM_PAGE_ALLOC}, {@link KmemEvent#MM_PAGE_FREE} or
 *                    {@link KmemEvent#MM_PAGE_FREE_BATCHED}
 * @param page        the {@code page=} text as printed: a hashed or raw pointer, {@code (____ptrval____)}
 * @param pfn         the page frame number; -1 for an allocation that failed (NULL page)
 * @param order       the order (0 for {@code mm_page_free_batched})
 * @param migratetype the migratetype of {@code mm_page_alloc}, else -1
 * @param gfpFlags    the parsed {@code gfp_flags} of {@code mm_page_alloc}; -1 when absent, or when the
 *                    names are not 6.1's and the parser is tolerant
 * @param gfpText     the {@code gfp_flags} text as printed, null when absent
 */
public record PageTraceRecord(int lineNumber, String task, int pid, int tgid, int cpu, String latencyFlags,
                              long timestampNs, KmemEvent event, String page, long pfn, int order,
                              int migratetype, int gfpFlags, String gfpText) {
}
