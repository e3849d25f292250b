package io.github.soapdl4j;

import java.util.List;

/**
 * The parameters of one Deeplearning4j updater block when a layer's {@code Soap} spans a pretraining split.
 *
 * <p>Deeplearning4j puts a layer's pretraining parameters (an AutoEncoder's visible bias, a
 * VariationalAutoencoder's decoder and log-variance parameters) into an updater block of their own, apart from
 * the parameters that backpropagation trains, even when one configuration updates both. Both layer kinds list
 * the backpropagation parameters first, so such a block holds a prefix or a suffix of the layer's bound run;
 * which one is told by the state array's length.
 */
final class PretrainSplit {
    private PretrainSplit() {
    }

    /**
     * @return {@code run} if {@code stateLength} holds whole repeats of it; otherwise the one proper prefix or
     *         suffix of {@code run} whose state is exactly {@code stateLength} cells; {@code run} itself when there
     *         is none or more than one (the caller then reports the mismatch)
     */
    static List<ParamLayout> block(List<ParamLayout> run, Soap config, long stateLength) {
        long[] prefixState = new long[run.size() + 1];
        for (int i = 0; i < run.size(); i++) {
            prefixState[i + 1] = prefixState[i] + config.stateSize(run.get(i).length());
        }
        long runState = prefixState[run.size()];
        if (runState > 0 && stateLength % runState == 0) {
            return run;
        }
        List<ParamLayout> found = null;
        for (int k = 1; k < run.size(); k++) {
            List<ParamLayout> candidate = null;
            if (prefixState[k] == stateLength) {
                candidate = run.subList(0, k);
            } else if (runState - prefixState[k] == stateLength) {
                candidate = run.subList(k, run.size());
            }
            if (candidate != null) {
                if (found != null) {
                    return run; // ambiguous
                }
                found = candidate;
            }
        }
        return found == null ? run : found;
    }
}
