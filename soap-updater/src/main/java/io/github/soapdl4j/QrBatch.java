package io.github.soapdl4j;

/**
 * The QR decompositions of one refresh: each added {@link Decompositions} orthonormalizes its own
 * {@link Decompositions#qrInput()} into its {@link Decompositions#result()}. They run one after the other on the
 * calling thread, or side by side with an opt-in {@link ConcurrentRefresh}; the results are the same.
 */
final class QrBatch {
    private final Decompositions[] jobs;
    private final boolean[] succeeded;
    private int count;

    /** @param capacity the most decompositions one batch holds */
    QrBatch(int capacity) {
        this.jobs = new Decompositions[capacity];
        this.succeeded = new boolean[capacity];
    }

    /** Adds a decomposition (distinct from those already added) whose QR input the caller has filled. */
    void add(Decompositions decomposition) {
        jobs[count++] = decomposition;
    }

    /**
     * Runs every added decomposition.
     *
     * @param threads null to run them in turn on the calling thread
     */
    void run(ConcurrentRefresh threads) {
        if (threads == null || count == 1) {
            for (int i = 0; i < count; i++) {
                succeeded[i] = orthonormalize(i);
            }
        } else {
            threads.forEach(count, i -> succeeded[i] = orthonormalize(i));
        }
    }

    private boolean orthonormalize(int i) {
        return jobs[i].orthonormalFactor(jobs[i].qrInput());
    }

    /** @return whether the {@code i}-th added decomposition succeeded in the last {@link #run} */
    boolean succeeded(int i) {
        return succeeded[i];
    }

    /** Empties the batch for the next refresh. */
    void clear() {
        java.util.Arrays.fill(jobs, 0, count, null);
        count = 0;
    }
}
