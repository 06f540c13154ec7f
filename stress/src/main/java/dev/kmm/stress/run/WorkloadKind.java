package dev.kmm.stress.run;

import dev.kmm.core.boot.Kernel;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The built-in workloads, by the names {@code --workload} takes. */
public enum WorkloadKind {
    MIXED("mixed", 1_000_000, MixedWorkload::new,
            "orders mostly 0, some 1-3, rare 4 and the two highest; kernel, user, movable, reclaimable and atomic "
                    + "GFP; random lifetimes (steps: one allocation or free each)"),
    FRAGMENT("fragment", 4_000, FragmentWorkload::new,
            "fill memory with order-0 pages of the three mobility types, free a scattered half, then ask for high "
                    + "orders: failures, fallbacks, pageblock steals (steps: high-order requests and frees)"),
    BULK("bulk", 300_000, BulkWorkload::new,
            "alloc_pages_bulk bursts of 1 to 256 pages, freed page by page (steps: one burst or one free each)"),
    NUMA("numa", 400_000, NumaWorkload::new,
            "node-local, remote and __GFP_THISNODE allocations; halfway, the last node is filled and allocations "
                    + "fall back to the others (NUMA machines only)"),
    PRESSURE("pressure", 20_000, PressureWorkload::new,
            "allocate and hold past the low watermark: slow path, failures and warn_alloc; a failure frees "
                    + "1/256 of what is held");

    private final String id;
    private final long defaultSteps;
    private final Function<Worker, Workload> factory;
    private final String description;

    WorkloadKind(String id, long defaultSteps, Function<Worker, Workload> factory, String description) {
        this.id = id;
        this.defaultSteps = defaultSteps;
        this.factory = factory;
        this.description = description;
    }

    /** The name {@code --workload} takes. */
    public String id() {
        return id;
    }

    /** Steps run without --ops or --duration. */
    public long defaultSteps() {
        return defaultSteps;
    }

    public String description() {
        return description;
    }

    Workload create(Worker w) {
        return factory.apply(w);
    }

    /**
     * Refuses a machine the workload cannot run on.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    void check(Kernel kernel) {
        if (this == NUMA && kernel.nrNodes() < 2) {
            throw new IllegalArgumentException("--workload numa needs a NUMA machine, and " + kernel.machine().name()
                    + " has one node; try --machine numa2-x86_64");
        }
    }

    /**
     * The workload called {@code name}.
     *
     * @throws IllegalArgumentException naming the workloads there are
     */
    public static WorkloadKind byName(String name) {
        for (WorkloadKind k : values()) {
            if (k.id.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("--workload: unknown workload '" + name + "'; workloads: "
                + String.join(", ", names()));
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(WorkloadKind::id).toList();
    }
}
