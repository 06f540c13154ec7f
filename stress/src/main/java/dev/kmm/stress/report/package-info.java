/**
 * The report of {@code kmm run} and {@code kmm replay}, built the same way for both: {@link
 * dev.kmm.stress.report.Observation} reads the kernel at the start and at the end, attaches the tracepoint counters
 * and runs {@code verify()} after the cleanup; {@link dev.kmm.stress.report.AllocStats} counts the allocator calls;
 * {@link dev.kmm.stress.report.Report} holds the result, {@link dev.kmm.stress.report.ReportText} and {@link
 * dev.kmm.stress.report.ReportJson} print it, and {@link dev.kmm.stress.report.Pictures} draws what {@code --plot}
 * asks for. A run's workload sections and a replay's trace sections are the parts that differ.
 */
package dev.kmm.stress.report;
