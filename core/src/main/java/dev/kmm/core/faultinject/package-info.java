/**
 * Fault injection of Linux 6.1: {@code struct fault_attr} and {@code should_fail_ex()}
 * ({@code lib/fault-inject.c}) in {@link dev.kmm.core.faultinject.FaultAttr}, the page allocator's
 * {@code fail_page_alloc} ({@link dev.kmm.core.faultinject.FailPageAlloc}) and slab's {@code failslab}
 * ({@link dev.kmm.core.faultinject.FailSlab}), with a per-task {@code fail_nth}
 * ({@link dev.kmm.core.faultinject.FailNth}), an injectable seeded random source and a pluggable printk
 * sink.
 */
package dev.kmm.core.faultinject;
