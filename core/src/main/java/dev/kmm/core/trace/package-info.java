/**
 * The {@code kmem} tracepoints of Linux 6.1 ({@code include/trace/events/kmem.h}): a per-machine
 * tracepoint holder that costs a field load and a branch when nobody listens
 * ({@link dev.kmm.core.trace.KmemTrace}), primitive-argument listeners
 * ({@link dev.kmm.core.trace.KmemListener}), an ftrace ring buffer that prints
 * {@code /sys/kernel/tracing/trace} byte for byte ({@link dev.kmm.core.trace.TraceBuffer},
 * {@link dev.kmm.core.trace.FtraceFormat}), and a reader of real captures' page events for replay
 * ({@link dev.kmm.core.trace.TraceParser}).
 */
package dev.kmm.core.trace;
