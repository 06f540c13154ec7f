package dev.kmm.stress.plot;

import dev.kmm.core.boot.Kernel;
import dev.kmm.core.boot.ZoneInfo;
import dev.kmm.core.pagealloc.FreeArea;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code free_area[order].nr_free} of every populated zone over a run, as {@code /proc/buddyinfo} would show it at
 * each sample: the free blocks per order, per zone and summed over the zones, against the operations done.
 *
 * <p>{@link #sample} is meant to be called every few thousand operations of a long run: after the first call it
 * reads {@code MAX_ORDER} counters per zone into preallocated arrays and allocates nothing. Memory stays bounded by
 * decimation: once {@value #MAX_SAMPLES} samples are kept, every other one is dropped and from then on only every
 * second call is kept, and so on, so the kept samples stay evenly spread over the run. The latest call is always
 * kept as the last sample, so the end of the run is in the picture.
 *
 * <p>Not thread-safe: sample from one thread, between operations (the counters are read without the zone lock, as
 * a reader of {@code /proc/buddyinfo} racing the allocator would see them).
 */
public final class FreeAreaTimeline {
    /** The most samples kept. */
    public static final int MAX_SAMPLES = 2000;

    private Kernel kernel;
    private FreeArea freeArea;
    private long[] zones;
    private List<String> zoneNames;
    private int maxOrder;
    /** Operations done at each kept sample. */
    private long[] ops;
    /** {@code nrFree[(sample * zones + zone) * maxOrder + order]}. */
    private long[] nrFree;
    /** Samples kept on the stride. */
    private int kept;
    /** Whether the latest call, off the stride, sits after them at index {@code kept}. */
    private boolean tail;
    /** Every how many calls one is kept. */
    private long stride = 1;
    private long calls;

    /** An empty timeline; the first {@link #sample} fixes the kernel and its zones. */
    public FreeAreaTimeline() {
    }

    /**
     * Records the free blocks per order of every populated zone of {@code kernel}.
     *
     * @param opsDone operations done so far (the x of the sample); should not decrease
     * @param kernel  the kernel sampled, the same on every call
     * @throws IllegalArgumentException for another kernel than the first call's, or a negative {@code opsDone}
     */
    public void sample(long opsDone, Kernel kernel) {
        if (opsDone < 0) {
            throw new IllegalArgumentException("opsDone " + opsDone + " is negative");
        }
        if (this.kernel == null) {
            start(Objects.requireNonNull(kernel, "kernel"));
        } else if (kernel != this.kernel) {
            throw new IllegalArgumentException("a timeline samples one kernel; got " + kernel + " after "
                    + this.kernel);
        }
        boolean onStride = calls++ % stride == 0;
        int slot = kept;
        ops[slot] = opsDone;
        int base = slot * zones.length * maxOrder;
        for (int z = 0; z < zones.length; z++) {
            for (int order = 0; order < maxOrder; order++) {
                nrFree[base + z * maxOrder + order] = freeArea.nrFree(zones[z], order);
            }
        }
        tail = !onStride;
        if (onStride && ++kept == MAX_SAMPLES) {
            decimate();
        }
    }

    private void start(Kernel k) {
        List<Long> addresses = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ZoneInfo z : k.zones()) {
            if (z.populated()) {
                addresses.add(z.address());
                names.add("Node " + z.nid() + ", zone " + z.name());
            }
        }
        this.kernel = k;
        this.freeArea = k.buddy().freeArea();
        this.maxOrder = freeArea.maxOrder();
        this.zones = addresses.stream().mapToLong(Long::longValue).toArray();
        this.zoneNames = List.copyOf(names);
        this.ops = new long[MAX_SAMPLES];
        this.nrFree = new long[MAX_SAMPLES * zones.length * maxOrder];
    }

    /** Keeps the even samples and halves the rate from now on. */
    private void decimate() {
        int row = zones.length * maxOrder;
        int n = 0;
        for (int i = 0; i < kept; i += 2, n++) {
            ops[n] = ops[i];
            System.arraycopy(nrFree, i * row, nrFree, n * row, row);
        }
        kept = n;
        stride *= 2;
    }

    /** The number of samples kept. */
    public int size() {
        return kept + (tail ? 1 : 0);
    }

    /** The machine sampled, or the empty string before the first sample. */
    public String machine() {
        return kernel == null ? "" : kernel.machine().name();
    }

    /** {@code MAX_ORDER}: orders 0..maxOrder()-1 are sampled; 0 before the first sample. */
    public int maxOrder() {
        return maxOrder;
    }

    /** The populated zones sampled, as {@code "Node 0, zone Normal"}, in {@code for_each_zone()} order. */
    public List<String> zoneNames() {
        return zoneNames == null ? List.of() : zoneNames;
    }

    /** The operations done at sample {@code i}. */
    public long opsDone(int i) {
        return ops[Objects.checkIndex(i, size())];
    }

    /** {@code free_area[order].nr_free} summed over the zones at sample {@code i}. */
    public long nrFree(int i, int order) {
        long sum = 0;
        for (int z = 0; z < zones.length; z++) {
            sum += nrFree(i, z, order);
        }
        return sum;
    }

    /** {@code free_area[order].nr_free} of zone {@code zone} (an index into {@link #zoneNames()}) at sample {@code i}. */
    public long nrFree(int i, int zone, int order) {
        Objects.checkIndex(i, size());
        Objects.checkIndex(zone, zones.length);
        Objects.checkIndex(order, maxOrder);
        return nrFree[(i * zones.length + zone) * maxOrder + order];
    }
}
