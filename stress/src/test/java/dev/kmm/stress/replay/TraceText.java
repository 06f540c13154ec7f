package dev.kmm.stress.replay;

import java.util.ArrayList;
import java.util.List;

/** A trace in the format of 6.1's /sys/kernel/tracing/trace, one event per call, with increasing timestamps. */
public final class TraceText {
    private final List<String> lines = new ArrayList<>(List.of("# tracer: nop"));

    public TraceText event(int cpu, String event, String body) {
        lines.add(String.format("            test-100     [%03d] .....   100.%06d: %s: %s", cpu, lines.size(),
                event, body));
        return this;
    }

    public TraceText alloc(int cpu, long pfn, int order, String gfp) {
        return event(cpu, "mm_page_alloc", String.format("page=00000000d2be5665 pfn=0x%x order=%d migratetype=0 "
                + "gfp_flags=%s", pfn, order, gfp));
    }

    public TraceText free(int cpu, long pfn, int order) {
        return event(cpu, "mm_page_free", String.format("page=00000000d2be5665 pfn=0x%x order=%d", pfn, order));
    }

    public TraceText batched(int cpu, long pfn) {
        return event(cpu, "mm_page_free_batched", String.format("page=00000000d2be5665 pfn=0x%x order=0", pfn));
    }

    public TraceText raw(String line) {
        lines.add(line);
        return this;
    }

    @Override
    public String toString() {
        return String.join("\n", lines) + "\n";
    }
}
