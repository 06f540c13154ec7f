package dev.kmm.stress.run;

/** A workload's code for one worker: {@link #run()} takes steps while {@link Worker#more()} allows. */
abstract class Workload {
    final Worker w;

    Workload(Worker w) {
        this.w = w;
    }

    abstract void run();

    /** Picks an index by cumulative weights {@code cumulative} (ascending, the last is the total). */
    final int pick(int[] cumulative) {
        int r = w.rng.nextInt(cumulative[cumulative.length - 1]);
        int i = 0;
        while (r >= cumulative[i]) {
            i++;
        }
        return i;
    }

    /** Cumulative sums of {@code weights}. */
    static int[] cumulative(int... weights) {
        int[] c = new int[weights.length];
        int sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            c[i] = sum;
        }
        return c;
    }
}
