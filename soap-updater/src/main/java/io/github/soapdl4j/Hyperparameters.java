package io.github.soapdl4j;

/**
 * The values the per-step code reads, taken once from the configuration when an updater lays out its block, so
 * that nothing below {@link SoapUpdater} depends on the {@code Soap} configuration itself. The learning rate is not here: it may
 * follow a schedule and is passed with every step.
 */
final class Hyperparameters {
    /** Adam's first-moment decay. */
    final double beta1;
    /** Adam's second-moment decay. */
    final double beta2;
    /** The decay of the Kronecker factors: {@code shampooBeta}, or {@code beta2} where that is negative. */
    final double factorDecay;
    /** Adam's denominator epsilon. */
    final double epsilon;
    /** Whether the step size carries Adam's bias correction (docs/algorithm.md §3 step 6). */
    final boolean correctBias;
    /** Whether each update is scaled to unit RMS (docs/algorithm.md §3 step 7). */
    final boolean normalizeGradients;
    /** Skip a due refresh while the basis diagonalizes its factor within this tolerance; 0 never skips. */
    final double refreshTolerance;

    Hyperparameters(double beta1, double beta2, double factorDecay, double epsilon, boolean correctBias,
                    boolean normalizeGradients, double refreshTolerance) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.factorDecay = factorDecay;
        this.epsilon = epsilon;
        this.correctBias = correctBias;
        this.normalizeGradients = normalizeGradients;
        this.refreshTolerance = refreshTolerance;
    }
}
