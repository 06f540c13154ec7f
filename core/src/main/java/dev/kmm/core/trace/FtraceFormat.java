package dev.kmm.core.trace;

import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.gfp.GfpFlagNames;

import java.util.Objects;
import java.util.function.LongFunction;
import java.util.function.LongUnaryOperator;

/**
 * How {@code /sys/kernel/tracing/trace} of Linux 6.1 renders kmem events: the header, the context prefix
 * of each line ({@code trace_print_context()}, {@code trace_print_lat_fmt()}) and each event's
 * {@code TP_printk} text. Immutable; the {@code with*} methods return a changed copy.
 *
 * <p>Defaults are those of a 6.1 x86_64 kernel with ftrace's default options: tracer {@code nop},
 * {@code irq-info} on, {@code record-tgid} off, {@code hash-ptr} on (so {@code %p} prints a SipHash of
 * the pointer, under a key fixed here instead of a random per-boot one), {@code struct page} at
 * {@code vmemmap_base + pfn * 64} with x86_64's unrandomized {@code 0xffffea0000000000},
 * {@code pageblock_order} 9, {@code CONFIG_MEMCG_KMEM} on, and no symbol table (so {@code %pS} prints
 * {@code 0x...}, as the kernel does for an address without a symbol).
 */
public final class FtraceFormat {
    /** How {@code %p} prints a pointer. */
    public enum PointerStyle {
        /** The default: a 32-bit SipHash of the pointer, zero-padded to the pointer width. */
        HASHED,
        /** The pointer itself, as with {@code no_hash_pointers} or the {@code hash-ptr} option off. */
        RAW,
        /** {@code (____ptrval____)}: before the random key is ready in early boot. */
        PTRVAL
    }

    /** x86_64's {@code VMEMMAP_START} without KASLR. */
    public static final long X86_64_VMEMMAP_START = 0xffffea0000000000L;

    private static final FtraceFormat DEFAULTS = new FtraceFormat("nop", true, false, PointerStyle.HASHED,
            0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 8, pfn -> X86_64_VMEMMAP_START + pfn * 64, 9, true,
            address -> "0x" + Long.toHexString(address));

    private final String tracer;
    private final boolean irqInfo;
    private final boolean recordTgid;
    private final PointerStyle pointerStyle;
    private final long hashKey0;
    private final long hashKey1;
    private final int pointerBytes;
    private final LongUnaryOperator pfnToPage;
    private final int pageblockOrder;
    private final boolean memcgKmem;
    private final LongFunction<String> symbolizer;

    private FtraceFormat(String tracer, boolean irqInfo, boolean recordTgid, PointerStyle pointerStyle,
                         long hashKey0, long hashKey1, int pointerBytes, LongUnaryOperator pfnToPage,
                         int pageblockOrder, boolean memcgKmem, LongFunction<String> symbolizer) {
        this.tracer = tracer;
        this.irqInfo = irqInfo;
        this.recordTgid = recordTgid;
        this.pointerStyle = pointerStyle;
        this.hashKey0 = hashKey0;
        this.hashKey1 = hashKey1;
        this.pointerBytes = pointerBytes;
        this.pfnToPage = pfnToPage;
        this.pageblockOrder = pageblockOrder;
        this.memcgKmem = memcgKmem;
        this.symbolizer = symbolizer;
    }

    /** The 6.1 x86_64 defaults described above. */
    public static FtraceFormat defaults() {
        return DEFAULTS;
    }

    /** The {@code irq-info} option: print the five latency-flag columns. */
    public FtraceFormat withIrqInfo(boolean on) {
        return new FtraceFormat(tracer, on, recordTgid, pointerStyle, hashKey0, hashKey1, pointerBytes, pfnToPage,
                pageblockOrder, memcgKmem, symbolizer);
    }

    /** The {@code record-tgid} option: print a TGID column. */
    public FtraceFormat withRecordTgid(boolean on) {
        return new FtraceFormat(tracer, irqInfo, on, pointerStyle, hashKey0, hashKey1, pointerBytes, pfnToPage,
                pageblockOrder, memcgKmem, symbolizer);
    }

    /** How {@code %p} prints pointers. */
    public FtraceFormat withPointerStyle(PointerStyle style) {
        return new FtraceFormat(tracer, irqInfo, recordTgid, Objects.requireNonNull(style), hashKey0, hashKey1,
                pointerBytes, pfnToPage, pageblockOrder, memcgKmem, symbolizer);
    }

    /** The 128-bit {@code ptr_key} of the pointer hash (the kernel draws it at boot). */
    public FtraceFormat withHashKey(long key0, long key1) {
        return new FtraceFormat(tracer, irqInfo, recordTgid, pointerStyle, key0, key1, pointerBytes, pfnToPage,
                pageblockOrder, memcgKmem, symbolizer);
    }

    /**
     * The printed pointer width, 8 (64-bit kernels) or 4 (32-bit: 8 hex digits, {@code siphash_1u32},
     * {@code (ptrval)}).
     */
    public FtraceFormat withPointerBytes(int bytes) {
        if (bytes != 4 && bytes != 8) {
            throw new IllegalArgumentException("pointer width must be 4 or 8 bytes, got " + bytes);
        }
        return new FtraceFormat(tracer, irqInfo, recordTgid, pointerStyle, hashKey0, hashKey1, bytes, pfnToPage,
                pageblockOrder, memcgKmem, symbolizer);
    }

    /** {@code pfn_to_page()}: the {@code struct page} address printed for a pfn. */
    public FtraceFormat withPfnToPage(LongUnaryOperator pfnToPage) {
        return new FtraceFormat(tracer, irqInfo, recordTgid, pointerStyle, hashKey0, hashKey1, pointerBytes,
                Objects.requireNonNull(pfnToPage), pageblockOrder, memcgKmem, symbolizer);
    }

    /** {@code pageblock_order}, which {@code mm_page_alloc_extfrag} prints. */
    public FtraceFormat withPageblockOrder(int order) {
        return new FtraceFormat(tracer, irqInfo, recordTgid, pointerStyle, hashKey0, hashKey1, pointerBytes,
                pfnToPage, order, memcgKmem, symbolizer);
    }

    /** {@code CONFIG_MEMCG_KMEM}, which decides {@code kmalloc}'s {@code accounted=}. */
    public FtraceFormat withMemcgKmem(boolean on) {
        return new FtraceFormat(tracer, irqInfo, recordTgid, pointerStyle, hashKey0, hashKey1, pointerBytes,
                pfnToPage, pageblockOrder, on, symbolizer);
    }

    /** {@code %pS}: the {@code symbol+0xoff/0xsize} text of a call site. */
    public FtraceFormat withSymbolizer(LongFunction<String> symbolizer) {
        return new FtraceFormat(tracer, irqInfo, recordTgid, pointerStyle, hashKey0, hashKey1, pointerBytes,
                pfnToPage, pageblockOrder, memcgKmem, Objects.requireNonNull(symbolizer));
    }

    /** The {@code current_tracer} named in the header. */
    public FtraceFormat withTracer(String tracer) {
        return new FtraceFormat(Objects.requireNonNull(tracer), irqInfo, recordTgid, pointerStyle, hashKey0,
                hashKey1, pointerBytes, pfnToPage, pageblockOrder, memcgKmem, symbolizer);
    }

    /**
     * The header of the {@code trace} file: {@code # tracer:}, {@code print_event_info()} and
     * {@code print_func_help_header_irq()} (or {@code print_func_help_header()} without irq-info).
     */
    public void appendHeader(StringBuilder sb, long entriesInBuffer, long entriesWritten, int onlineCpus) {
        sb.append("# tracer: ").append(tracer).append("\n#\n");
        sb.append("# entries-in-buffer/entries-written: ").append(entriesInBuffer).append('/')
                .append(entriesWritten).append("   #P:").append(onlineCpus).append("\n#\n");
        if (irqInfo) {
            String pad = recordTgid ? "            " : "  ";
            String tgid = recordTgid ? "     TGID   " : "  ";
            String tgidBar = recordTgid ? "       |    " : "  ";
            sb.append("#                            ").append(pad).append("  _-----=> irqs-off/BH-disabled\n");
            sb.append("#                            ").append(pad).append(" / _----=> need-resched\n");
            sb.append("#                            ").append(pad).append("| / _---=> hardirq/softirq\n");
            sb.append("#                            ").append(pad).append("|| / _--=> preempt-depth\n");
            sb.append("#                            ").append(pad).append("||| / _-=> migrate-disable\n");
            sb.append("#                            ").append(pad).append("|||| /     delay\n");
            sb.append("#           TASK-PID  ").append(tgid).append(" CPU#  |||||  TIMESTAMP  FUNCTION\n");
            sb.append("#              | |    ").append(tgidBar).append("   |   |||||     |         |\n");
        } else {
            sb.append("#           TASK-PID    ").append(recordTgid ? "   TGID   " : "")
                    .append(" CPU#     TIMESTAMP  FUNCTION\n");
            sb.append("#              | |      ").append(recordTgid ? "     |    " : "")
                    .append("   |         |         |\n");
        }
    }

    /**
     * The context prefix of one line, up to and including the event name and {@code ": "}:
     * {@code "%16s-%-7d "} (a null comm prints as {@code <...>}, as for a pid ftrace has no name for; names
     * are cut to {@code TASK_COMM_LEN - 1}), the optional {@code (tgid)}, {@code [%03d] }, the five latency
     * flags, the timestamp as {@code " %5lu.%06lu"} microseconds (rounded as {@code ns2usecs()} rounds)
     * and {@code ": "}.
     */
    public void appendContext(StringBuilder sb, String comm, int pid, int tgid, int cpu, int irqFlags,
                              int preemptCount, long timestampNs, KmemEvent event) {
        String c = comm == null ? "<...>" : comm.length() > 15 ? comm.substring(0, 15) : comm;
        pad(sb, 16 - c.length());
        sb.append(c).append('-');
        int start = sb.length();
        sb.append(pid);
        pad(sb, 7 - (sb.length() - start));
        sb.append(' ');
        if (recordTgid) {
            if (tgid == 0) {
                sb.append("(-------) ");
            } else {
                sb.append('(');
                String t = Integer.toString(tgid);
                pad(sb, 7 - t.length());
                sb.append(t).append(") ");
            }
        }
        sb.append('[');
        String cpuText = Integer.toString(cpu);
        pad(sb, 3 - cpuText.length(), '0');
        sb.append(cpuText).append("] ");
        if (irqInfo) {
            appendLatFmt(sb, irqFlags, preemptCount);
        }
        long usecs = Long.divideUnsigned(timestampNs + 500, 1000);
        String secs = Long.toUnsignedString(Long.divideUnsigned(usecs, 1_000_000));
        String rem = Long.toString(Long.remainderUnsigned(usecs, 1_000_000));
        sb.append(' ');
        pad(sb, 5 - secs.length());
        sb.append(secs).append('.');
        pad(sb, 6 - rem.length(), '0');
        sb.append(rem).append(": ").append(event.eventName()).append(": ");
    }

    /** {@code trace_print_lat_fmt()}: irqs-off, need-resched, hardirq/softirq, preempt and migrate depth. */
    private static void appendLatFmt(StringBuilder sb, int flags, int preemptCount) {
        boolean irqsOff = (flags & TraceContext.TRACE_FLAG_IRQS_OFF) != 0;
        boolean bhOff = (flags & TraceContext.TRACE_FLAG_BH_OFF) != 0;
        char irqs = irqsOff && bhOff ? 'D' : irqsOff ? 'd' : bhOff ? 'b'
                : (flags & TraceContext.TRACE_FLAG_IRQS_NOSUPPORT) != 0 ? 'X' : '.';
        boolean need = (flags & TraceContext.TRACE_FLAG_NEED_RESCHED) != 0;
        boolean preempt = (flags & TraceContext.TRACE_FLAG_PREEMPT_RESCHED) != 0;
        char resched = need && preempt ? 'N' : need ? 'n' : preempt ? 'p' : '.';
        boolean nmi = (flags & TraceContext.TRACE_FLAG_NMI) != 0;
        boolean hard = (flags & TraceContext.TRACE_FLAG_HARDIRQ) != 0;
        boolean soft = (flags & TraceContext.TRACE_FLAG_SOFTIRQ) != 0;
        char irq = nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.';
        sb.append(irqs).append(resched).append(irq);
        sb.append((preemptCount & 0xf) != 0 ? Character.forDigit(preemptCount & 0xf, 16) : '.');
        sb.append((preemptCount & 0xf0) != 0 ? Character.forDigit((preemptCount >>> 4) & 0xf, 16) : '.');
    }

    /**
     * The {@code TP_printk} text of one event (without the newline). The arguments are those of the
     * matching {@link KmemListener} method, in order; for {@code kmem_cache_alloc} and {@code kmalloc}
     * {@code a4} packs {@code gfp_flags} (low 32 bits) and {@code node} (high 32 bits), and
     * {@code kmem_cache_alloc}'s {@code a5} is {@code accounted} (0 or 1).
     */
    public void appendEvent(StringBuilder sb, KmemEvent event, long a0, long a1, long a2, long a3, long a4, long a5,
                            String name) {
        switch (event) {
            case MM_PAGE_ALLOC -> {
                pageAndPfnOrNull(sb, a0);
                sb.append(" order=").append((int) a1).append(" migratetype=").append((int) a3)
                        .append(" gfp_flags=");
                GfpFlagNames.appendShowGfpFlags(sb, (int) a2);
            }
            case MM_PAGE_FREE -> {
                pageAndPfn(sb, a0);
                sb.append(" order=").append((int) a1);
            }
            case MM_PAGE_FREE_BATCHED -> {
                pageAndPfn(sb, a0);
                sb.append(" order=0");
            }
            case MM_PAGE_ALLOC_ZONE_LOCKED -> {
                pageAndPfnOrNull(sb, a0);
                sb.append(" order=").append(Integer.toUnsignedString((int) a1)).append(" migratetype=")
                        .append((int) a2).append(" percpu_refill=").append((int) a3);
            }
            case MM_PAGE_PCPU_DRAIN -> {
                pageAndPfn(sb, a0);
                sb.append(" order=").append((int) a1).append(" migratetype=").append((int) a2);
            }
            case MM_PAGE_ALLOC_EXTFRAG -> {
                pageAndPfn(sb, a0);
                sb.append(" alloc_order=").append((int) a1).append(" fallback_order=").append((int) a2)
                        .append(" pageblock_order=").append(pageblockOrder)
                        .append(" alloc_migratetype=").append((int) a3)
                        .append(" fallback_migratetype=").append((int) a4)
                        .append(" fragmenting=").append((int) a2 < pageblockOrder ? 1 : 0)
                        .append(" change_ownership=").append((int) a5);
            }
            case KMEM_CACHE_ALLOC, KMALLOC -> {
                int gfp = (int) a4;
                callSiteAndPtr(sb, a0, a1);
                sb.append(" bytes_req=").append(Long.toUnsignedString(a2))
                        .append(" bytes_alloc=").append(Long.toUnsignedString(a3)).append(" gfp_flags=");
                GfpFlagNames.appendShowGfpFlags(sb, gfp);
                boolean accounted = event == KmemEvent.KMALLOC
                        ? memcgKmem && (gfp & Gfp.__GFP_ACCOUNT) != 0
                        : a5 != 0;
                sb.append(" node=").append((int) (a4 >> 32)).append(" accounted=").append(accounted);
            }
            case KFREE -> callSiteAndPtr(sb, a0, a1);
            case KMEM_CACHE_FREE -> {
                callSiteAndPtr(sb, a0, a1);
                sb.append(" name=").append(name);
            }
        }
    }

    /** {@code page=%p pfn=0x%lx} where a pfn of -1 prints a NULL page and pfn 0. */
    private void pageAndPfnOrNull(StringBuilder sb, long pfn) {
        if (pfn == -1) {
            sb.append("page=");
            appendPointer(sb, 0);
            sb.append(" pfn=0x0");
        } else {
            pageAndPfn(sb, pfn);
        }
    }

    private void pageAndPfn(StringBuilder sb, long pfn) {
        sb.append("page=");
        appendPointer(sb, pfnToPage.applyAsLong(pfn));
        sb.append(" pfn=0x").append(Long.toHexString(pfn));
    }

    private void callSiteAndPtr(StringBuilder sb, long callSite, long ptr) {
        sb.append("call_site=").append(symbolizer.apply(callSite)).append(" ptr=");
        appendPointer(sb, ptr);
    }

    /**
     * {@code %p} as trace output prints it ({@code ptr_to_id()} of {@code lib/vsprintf.c}): NULL and error
     * pointers are printed as they are, the rest per {@link PointerStyle}.
     */
    public void appendPointer(StringBuilder sb, long pointer) {
        long ptr = pointerBytes == 4 ? pointer & 0xffff_ffffL : pointer;
        long errLimit = pointerBytes == 4 ? 0xffff_ffffL - 4094 : -4095L;
        boolean errOrNull = ptr == 0 || Long.compareUnsigned(ptr, errLimit) >= 0;
        if (errOrNull || pointerStyle == PointerStyle.RAW) {
            appendHex(sb, ptr, pointerBytes * 2);
        } else if (pointerStyle == PointerStyle.PTRVAL) {
            sb.append(pointerBytes == 8 ? "(____ptrval____)" : "(ptrval)");
        } else {
            long hash = pointerBytes == 8
                    ? SipHash.siphash1u64(ptr, hashKey0, hashKey1) & 0xffff_ffffL
                    : SipHash.siphash1u32((int) ptr, hashKey0, hashKey1) & 0xffff_ffffL;
            appendHex(sb, hash, pointerBytes * 2);
        }
    }

    private static void appendHex(StringBuilder sb, long value, int digits) {
        String hex = Long.toHexString(value);
        pad(sb, digits - hex.length(), '0');
        sb.append(hex);
    }

    private static void pad(StringBuilder sb, int n) {
        pad(sb, n, ' ');
    }

    private static void pad(StringBuilder sb, int n, char c) {
        for (int i = 0; i < n; i++) {
            sb.append(c);
        }
    }
}
