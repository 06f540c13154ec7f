package dev.kmm.stress.replay;

import dev.kmm.concurrency.Cpu;
import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.Machine;
import dev.kmm.core.gfp.Gfp;
import dev.kmm.core.pagealloc.PageAlloc;
import dev.kmm.core.trace.PageTraceRecord;
import dev.kmm.core.trace.TraceParser;
import dev.kmm.stress.report.AllocStats;
import dev.kmm.stress.report.Observation;
import dev.kmm.stress.report.Pictures;
import dev.kmm.stress.report.Report;
import dev.kmm.stress.report.SkipReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replays the page events of a Linux ftrace capture ({@code kmem:mm_page_alloc}, {@code mm_page_free},
 * {@code mm_page_free_batched}, as {@code /sys/kernel/tracing/trace} prints them) on a kmm kernel: each traced
 * allocation becomes {@code alloc_pages()} of the same order and GFP mask on the same CPU (blocks above order 0
 * made compound, so that {@code verify()} can see whose their pages are), each traced free frees the kmm block
 * that stands for the traced pfn, with the traced order.
 *
 * <p>Traced pfns are not kmm pfns: the replay keeps a map from each traced pfn to the kmm block allocated for
 * it, current as the trace frees pfns and hands them out again. CPU {@code c} of the trace runs as kmm CPU
 * {@code c % nr_cpu_ids}. One thread drives every CPU in turn ({@code cpus().switchTo}), so on a kernel booted
 * in deterministic mode the same trace gives the same pages every time.
 *
 * <p>What cannot be replayed is skipped and counted by {@link SkipReason}: frees of pages allocated before the
 * trace began, orders beyond the machine's {@code MAX_ORDER}, allocations kmm fails where the traced kernel
 * succeeded (and later frees of those pages), and the like. A traced failure is asked of kmm too (its slow
 * path has side effects, such as draining the per-CPU lists); when kmm succeeds the block is freed at once.
 * Lines the parser cannot read are counted with their line numbers; other events are counted by name.
 *
 * <p>The report is {@code kmm run}'s ({@link Report}), watched the same way ({@link Observation}): the tracepoint
 * counters are attached while the trace replays, the views of the end are read when its last line is done, with
 * its blocks still allocated and the pcp lists as they were. Then the cleanup: the blocks the trace left allocated
 * are freed (in pfn order, each on the CPU that allocated it), every CPU's pcp lists are drained, and {@code
 * Kernel.verify()} checks the allocator, which must hold the free pages of the start again. The kernel stays as the
 * cleanup leaves it; the views of the trace's end are in the report ({@code showPaths} adds more).
 *
 * <p>6.1 traces {@code mm_page_free} for every free and, for pages freed by {@code free_unref_page_list()},
 * {@code mm_page_free_batched} as well; the second event of such a pair repeats the free and shares its
 * outcome. An {@code mm_page_free_batched} with no {@code mm_page_free} before it (kernels before 3.3, or a
 * capture of that event alone) frees the page itself.
 */
public final class TraceReplay {
    private static final Pattern LOST = Pattern.compile("^CPU:\\d+ \\[LOST (\\d+) EVENTS]$");
    private static final Pattern EVENT_NAME = Pattern.compile("\\d: (\\w+):");
    private static final int MAX_ORDER_READ = 63;
    /** Allocator calls between two samples of the pictures' timeline. */
    static final int SAMPLE_CALLS = 4096;

    private final Kernel kernel;
    private final PageAlloc alloc;
    private final int nrCpus;
    private final int maxOrder;
    private final TraceParser parser = TraceParser.tolerant();
    private final AllocStats stats;
    private final Pictures pictures;

    /** Every traced pfn seen so far, by pfn; a block's state follows the pfn's last traced event. */
    private final Map<Long, Block> blocks = new HashMap<>();
    private int highestTracedOrder;
    private Cpu cpu;

    private long lines;
    private long allocEvents;
    private long freeEvents;
    private long batchedFreeEvents;
    private long replayed;
    private long impliedFrees;
    private final Map<SkipReason, long[]> skipped = new EnumMap<>(SkipReason.class);
    private long unparseable;
    private final List<Long> unparseableLines = new ArrayList<>();
    private String firstProblem;
    private final Map<String, Long> otherEvents = new TreeMap<>();
    private long lostEvents;
    private int traceCpus;
    private final Map<Integer, long[]> failures = new TreeMap<>();

    /** The state of one traced pfn. */
    private static final class Block {
        int order;
        /** kmm's struct page while the traced block is allocated and was replayed; else 0. */
        long page;
        /** The kmm CPU that allocated it. */
        int cpu;
        /** Why the allocation was not replayed; null when it was. */
        SkipReason allocSkip;
        /** Whether the pfn's last traced event was a free. */
        boolean freed;
        /** The outcome of that free: null when it was replayed. */
        SkipReason freeSkip;
        /** An order-0 mm_page_free whose mm_page_free_batched may still follow. */
        boolean batchedPending;
    }

    private TraceReplay(Kernel kernel, Pictures pictures) {
        this.kernel = kernel;
        this.alloc = kernel.pageAlloc();
        this.nrCpus = kernel.cpus().nrCpuIds();
        this.maxOrder = kernel.config().maxOrder();
        this.stats = new AllocStats(kernel.buddy().maxOrder(), kernel.config().procConfig().migratetypeNames().size());
        this.pictures = pictures;
    }

    /**
     * Replays the trace in {@code file} on {@code kernel}; see {@link #replay(Kernel, BufferedReader, String, List,
     * Pictures)}.
     *
     * @throws IOException when the file cannot be read
     */
    public static Report replay(Kernel kernel, Path file) throws IOException {
        // Task names are bytes of any encoding; Latin-1 decodes every byte, so no line is lost to decoding.
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            return replay(kernel, in, file.getFileName().toString());
        }
    }

    /** Replays the trace read from {@code in} on {@code kernel}, with no more views and no pictures. */
    public static Report replay(Kernel kernel, BufferedReader in, String source) throws IOException {
        return replay(kernel, in, source, List.of(), null);
    }

    /**
     * Replays the trace read from {@code in} on {@code kernel}, from the calling thread, which must be outside
     * every CPU context (it enters the kernel's CPUs in turn and leaves the last one at the end); then frees what
     * the trace left allocated, drains the pcp lists and verifies (see the class comment). The report's timing has
     * no boot time.
     *
     * @param source    the trace's name, for the report
     * @param showPaths {@code Kernel.proc} paths of more views to read at the end of the trace
     * @param pictures  what --plot draws, sampled as the trace replays; null for none
     * @throws IOException           when reading {@code in} fails
     * @throws IllegalStateException when the calling thread is inside a CPU context of another kernel, or
     *                               another thread drives this deterministic kernel
     */
    public static Report replay(Kernel kernel, BufferedReader in, String source, List<String> showPaths,
            Pictures pictures) throws IOException {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(source, "source");
        return new TraceReplay(kernel, pictures).run(in, source, showPaths, 0);
    }

    /**
     * Boots {@code machine} (deterministic mode), replays the trace read from {@code in} on it as {@link
     * #replay(Kernel, BufferedReader, String, List, Pictures)} does, and shuts it down; the timing has the boot.
     *
     * @throws IOException when reading {@code in} fails
     */
    public static Report replay(Machine machine, BufferedReader in, String source, List<String> showPaths,
            Pictures pictures) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(source, "source");
        long t0 = System.nanoTime();
        try (Kernel kernel = Kernel.boot(machine)) {
            long bootNanos = System.nanoTime() - t0;
            return new TraceReplay(kernel, pictures).run(in, source, showPaths, bootNanos);
        }
    }

    private Report run(BufferedReader in, String source, List<String> showPaths, long bootNanos) throws IOException {
        AllocStats[] byCpu = new AllocStats[nrCpus];
        Arrays.fill(byCpu, stats); // one thread drives every CPU
        try (Observation observation = new Observation(kernel, byCpu, showPaths, pictures)) {
            long start = System.nanoTime();
            long end;
            long[] freed;
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    line(line);
                }
                end = System.nanoTime();
                observation.end(stats.calls());
                freed = cleanup();
            } finally {
                if (cpu != null) {
                    cpu.exit();
                    cpu = null;
                }
            }
            stats.addSteps(allocEvents + freeEvents + batchedFreeEvents);
            Report.Verify verify = observation.verify(freed[0], freed[1]);
            long replayNanos = end - start;
            Report.Timing timing = new Report.Timing(bootNanos, replayNanos, System.nanoTime() - end,
                    replayNanos == 0 ? 0 : stats.calls() * 1e9 / replayNanos);
            return observation.report(null, replaySection(source), stats, verify, timing);
        }
    }

    /**
     * Frees the blocks the trace left allocated, in traced-pfn order, each on the CPU that allocated it, then
     * drains every CPU's pcp lists; returns {blocks, pages}. Outside the counts, as a run's cleanup is.
     */
    private long[] cleanup() {
        List<Map.Entry<Long, Block>> held = new ArrayList<>();
        for (Map.Entry<Long, Block> e : blocks.entrySet()) {
            if (e.getValue().page != 0) {
                held.add(e);
            }
        }
        held.sort(Map.Entry.comparingByKey());
        long pages = 0;
        for (Map.Entry<Long, Block> e : held) {
            Block b = e.getValue();
            cpu = kernel.cpus().switchTo(b.cpu);
            alloc.__freePages(cpu, b.page, b.order);
            b.page = 0;
            pages += 1L << b.order;
        }
        cpu = kernel.cpus().switchTo(0);
        alloc.drainAllPages(0);
        return new long[] {held.size(), pages};
    }

    private Report.Replay replaySection(String source) {
        List<Report.Skip> skips = new ArrayList<>();
        skipped.forEach((reason, c) -> skips.add(new Report.Skip(reason, c[0], c[1])));
        List<Report.OrderFailures> fails = new ArrayList<>();
        failures.forEach((order, c) -> fails.add(new Report.OrderFailures(order, c[0], c[1], c[2], c[3])));
        return new Report.Replay(source, lines, allocEvents, freeEvents, batchedFreeEvents, replayed, impliedFrees,
                skips, new Report.Unparseable(unparseable, unparseableLines, firstProblem), otherEvents, lostEvents,
                traceCpus, fails);
    }

    private void line(String line) {
        long number = ++lines;
        PageTraceRecord r;
        try {
            r = parser.parseLine(line, (int) Math.min(number, Integer.MAX_VALUE));
            if (r != null && (r.order() < 0 || r.order() > MAX_ORDER_READ)) {
                throw new IllegalArgumentException("line " + number + ": order=" + r.order() + " is out of range: "
                        + line);
            }
        } catch (IllegalArgumentException e) { // TraceFormatException, or the order check above
            unparseable(number, e.getMessage());
            return;
        }
        if (r == null) {
            notAPageEvent(line);
            return;
        }
        traceCpus = Math.max(traceCpus, r.cpu() + 1);
        switch (r.event()) {
            case MM_PAGE_ALLOC -> {
                allocEvents++;
                alloc(r, number);
            }
            case MM_PAGE_FREE -> {
                freeEvents++;
                free(r, number, false);
            }
            case MM_PAGE_FREE_BATCHED -> {
                batchedFreeEvents++;
                free(r, number, true);
            }
            default -> throw new IllegalStateException("the parser returned " + r.event());
        }
    }

    private void unparseable(long number, String problem) {
        if (unparseable++ == 0) {
            firstProblem = problem;
        }
        if (unparseableLines.size() < Report.Replay.LINES_LISTED) {
            unparseableLines.add(number);
        }
    }

    /** A line the parser accepted without a page event: another event, a lost-events marker, or a comment. */
    private void notAPageEvent(String line) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#") || l.startsWith("=>")) {
            return;
        }
        Matcher lost = LOST.matcher(l);
        if (lost.matches()) {
            lostEvents += Long.parseLong(lost.group(1));
            return;
        }
        Matcher name = EVENT_NAME.matcher(l);
        otherEvents.merge(name.find() ? name.group(1) : "<stack trace>", 1L, Long::sum);
    }

    private Cpu cpuOf(PageTraceRecord r) {
        cpu = kernel.cpus().switchTo(r.cpu() % nrCpus);
        return cpu;
    }

    private void alloc(PageTraceRecord r, long number) {
        int order = r.order();
        highestTracedOrder = Math.max(highestTracedOrder, order);
        if (r.pfn() == -1) {
            tracedFailure(r, number);
            return;
        }
        Block b = blocks.get(r.pfn());
        if (b == null) {
            b = new Block();
            blocks.put(r.pfn(), b);
        } else if (!b.freed && b.page != 0) {
            // The trace hands out this pfn again without having freed it: a free the capture lost.
            freePages(cpuOf(r), b);
            impliedFrees++;
        }
        b.order = order;
        b.page = 0;
        b.freed = false;
        b.freeSkip = null;
        b.batchedPending = false;
        SkipReason refused = refuse(r);
        if (refused != null) {
            b.allocSkip = skip(refused, number);
            return;
        }
        long page = allocPages(r);
        if (page == 0) {
            failure(order)[1]++;
            failure(order)[2]++;
            b.allocSkip = skip(SkipReason.ALLOC_KMM_FAILED, number);
        } else {
            b.page = page;
            b.cpu = cpu.id();
            b.allocSkip = null;
            replayed++;
        }
    }

    /** A failed allocation in the trace: asked of kmm too; a block kmm does hand out goes back at once. */
    private void tracedFailure(PageTraceRecord r, long number) {
        int order = r.order();
        failure(order)[0]++;
        SkipReason refused = refuse(r);
        if (refused != null) {
            skip(refused, number);
            return;
        }
        long page = allocPages(r);
        if (page == 0) {
            failure(order)[1]++;
        } else {
            failure(order)[3]++;
            call();
            stats.free(order, false);
            alloc.__freePages(cpu, page, order);
        }
        replayed++;
    }

    /** Why an allocation cannot be asked of kmm at all, or null. */
    private SkipReason refuse(PageTraceRecord r) {
        if (r.order() >= maxOrder) {
            return SkipReason.ALLOC_ORDER_TOO_LARGE;
        }
        if (r.gfpFlags() == -1) {
            return SkipReason.ALLOC_GFP_UNKNOWN;
        }
        return null;
    }

    /**
     * {@code alloc_pages()} on the traced CPU: the block, or 0 when kmm failed. Invalid zone modifier
     * combinations are served as a kernel without {@code CONFIG_DEBUG_VM} serves them. The traced mask is used
     * as it is: the booted kernel's allocator remembers non-compound blocks, so verify() knows their tail pages.
     */
    private long allocPages(PageTraceRecord r) {
        Cpu c = cpuOf(r);
        int mask = stats.mask(r.gfpFlags());
        call();
        stats.beforeAllocation();
        long page;
        try {
            page = alloc.allocPages(c, r.gfpFlags(), r.order());
        } catch (IllegalStateException e) {
            if ((r.gfpFlags() & Gfp.__GFP_NOFAIL) == 0) {
                throw e;
            }
            page = 0; // __GFP_NOFAIL gave up: kmm has no reclaim to make progress with
        }
        stats.allocation(mask, r.order(), page != 0);
        return page;
    }

    /** {@code __free_pages()} of replayed block {@code b} on {@code c}. */
    private void freePages(Cpu c, Block b) {
        call();
        stats.free(b.order, b.cpu != c.id());
        alloc.__freePages(c, b.page, b.order);
        b.page = 0;
    }

    /** Counts an allocator call; every {@value #SAMPLE_CALLS} the pictures sample the free areas. */
    private void call() {
        long calls = stats.call();
        if (pictures != null && calls % SAMPLE_CALLS == 0) {
            pictures.sample(calls, kernel);
        }
    }

    private void free(PageTraceRecord r, long number, boolean batched) {
        int order = batched ? 0 : r.order();
        Block b = blocks.get(r.pfn());
        if (batched && b != null && b.batchedPending) {
            // The second trace of a free_unref_page_list() free: the page went with its mm_page_free.
            b.batchedPending = false;
            if (b.freeSkip == null) {
                replayed++;
            } else {
                skip(b.freeSkip, number);
            }
            return;
        }
        if (b == null) {
            if (insideAllocatedBlock(r.pfn())) {
                skip(SkipReason.FREE_PART_OF_BLOCK, number);
                return;
            }
            b = new Block();
            b.order = order;
            blocks.put(r.pfn(), b);
            freed(b, skip(SkipReason.FREE_BEFORE_TRACE, number), batched);
            return;
        }
        if (b.freed) {
            freed(b, skip(SkipReason.FREE_AGAIN, number), batched);
            return;
        }
        if (b.allocSkip != null) {
            freed(b, skip(b.allocSkip.whenFreed(), number), batched);
            return;
        }
        if (b.order != order) {
            skip(SkipReason.FREE_ORDER_MISMATCH, number);
            return;
        }
        freePages(cpuOf(r), b);
        replayed++;
        freed(b, null, batched);
    }

    private static void freed(Block b, SkipReason outcome, boolean batched) {
        b.freed = true;
        b.freeSkip = outcome;
        b.batchedPending = !batched && b.order == 0;
    }

    /** Whether {@code pfn} lies inside, but not at the head of, a block the trace allocated and has not freed. */
    private boolean insideAllocatedBlock(long pfn) {
        for (int o = 1; o <= highestTracedOrder; o++) {
            long head = pfn & -(1L << o);
            if (head == pfn) {
                continue;
            }
            Block b = blocks.get(head);
            if (b != null && !b.freed && b.order >= o) {
                return true;
            }
        }
        return false;
    }

    private SkipReason skip(SkipReason reason, long number) {
        long[] c = skipped.computeIfAbsent(reason, k -> new long[] {0, number});
        c[0]++;
        return reason;
    }

    /** The counters of one order: traced, kmm, kmm only, trace only. */
    private long[] failure(int order) {
        return failures.computeIfAbsent(order, k -> new long[4]);
    }
}
