package io.github.soapdl4j;

/**
 * When each eigenbasis is refreshed (docs/algorithm.md §4): the one place that answers "is factor {@code i} due at
 * step {@code t}" and "how many refreshes has it had", for the step, for the diagnostics and for the balancing of
 * staggered phases at bind time.
 *
 * <p>Factors are numbered across a block, in the order of its parameters and of their working dimensions. Basis
 * {@code i} is refreshed after the Adam steps {@code t >= 1} with {@code t mod frequency == phase(i)}: one phase
 * for every factor (0 as in the reference, or the configured one), or, with staggered refreshes, consecutive
 * phases from the one that bind chose for the layer's first factor.
 */
final class RefreshSchedule {
    private final int frequency;
    private final boolean staggered;
    private final int firstPhase;

    /**
     * @param frequency  steps between refreshes of one basis, at least 1
     * @param staggered  whether consecutive factors refresh on consecutive steps
     * @param firstPhase the phase of factor 0 (of every factor unless {@code staggered})
     */
    RefreshSchedule(int frequency, boolean staggered, int firstPhase) {
        if (frequency < 1) {
            throw new IllegalArgumentException("preconditionFrequency must be >= 1; got " + frequency);
        }
        this.frequency = frequency;
        this.staggered = staggered;
        this.firstPhase = Math.floorMod(firstPhase, frequency);
    }

    int frequency() {
        return frequency;
    }

    /** @return the step residue mod the frequency at which factor {@code factorIndex} is refreshed */
    int phase(int factorIndex) {
        return staggered ? (firstPhase + factorIndex) % frequency : firstPhase;
    }

    /** @return whether a basis of phase {@code phase} is refreshed at Adam step {@code t >= 1} */
    boolean isDue(long t, int phase) {
        return t % frequency == phase;
    }

    /** @return on how many of the Adam steps {@code 1..t} a refresh of a basis of phase {@code phase} fell due */
    long refreshesUpTo(long t, int phase) {
        if (phase == 0) {
            return t / frequency;
        }
        return t >= phase ? (t - phase) / frequency + 1 : 0;
    }
}
