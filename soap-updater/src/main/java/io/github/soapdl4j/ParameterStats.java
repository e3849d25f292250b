package io.github.soapdl4j;

import java.util.List;

/**
 * What SOAP knows about one parameter, read from its state: see {@link SoapStats}. Counters come from the
 * updater state array and survive checkpoints; {@link #getRefreshSeconds()} is measured by the live updater
 * and starts at zero when a network is restored.
 */
public final class ParameterStats {
    private final String layerName;
    private final String paramName;
    private final ParamLayout layout;
    private final String workingShape;
    private final long steps;
    private final long skippedSteps;
    private final long failedDecompositions;
    private final long repairedBases;
    private final double refreshSeconds;
    private final long keptBases;
    private final List<FactorStats> factors;
    private final long stateBytes;
    private final long adamStateBytes;

    ParameterStats(String layerName, String paramName, ParamLayout layout, String workingShape, long steps,
                   long skippedSteps, long failedDecompositions, long repairedBases, double refreshSeconds,
                   long keptBases, List<FactorStats> factors) {
        this.layerName = layerName;
        this.paramName = paramName;
        this.layout = layout;
        this.workingShape = workingShape;
        this.steps = steps;
        this.skippedSteps = skippedSteps;
        this.failedDecompositions = failedDecompositions;
        this.repairedBases = repairedBases;
        this.refreshSeconds = refreshSeconds;
        this.keptBases = keptBases;
        this.factors = List.copyOf(factors);
        this.stateBytes = 0;
        this.adamStateBytes = 0;
    }

    private ParameterStats(ParameterStats s, long stateBytes, long adamStateBytes) {
        this.layerName = s.layerName;
        this.paramName = s.paramName;
        this.layout = s.layout;
        this.workingShape = s.workingShape;
        this.steps = s.steps;
        this.skippedSteps = s.skippedSteps;
        this.failedDecompositions = s.failedDecompositions;
        this.repairedBases = s.repairedBases;
        this.refreshSeconds = s.refreshSeconds;
        this.keptBases = s.keptBases;
        this.factors = s.factors;
        this.stateBytes = stateBytes;
        this.adamStateBytes = adamStateBytes;
    }

    /** @return these statistics with the memory figures, which {@link SoapStats} reads from the updater block */
    ParameterStats withMemory(long stateBytes, long adamStateBytes) {
        return new ParameterStats(this, stateBytes, adamStateBytes);
    }

    /** One Kronecker factor of a parameter. */
    public static final class FactorStats {
        private final int dim;
        private final double minEigenvalue;
        private final double maxEigenvalue;
        private final long refreshes;
        private final int refreshPhase;
        private final double orthonormalityError;

        FactorStats(int dim, double minEigenvalue, double maxEigenvalue, long refreshes, int refreshPhase,
                    double orthonormalityError) {
            this.dim = dim;
            this.minEigenvalue = minEigenvalue;
            this.maxEigenvalue = maxEigenvalue;
            this.refreshes = refreshes;
            this.refreshPhase = refreshPhase;
            this.orthonormalityError = orthonormalityError;
        }

        /** @return the step residue mod preconditionFrequency at which this basis is refreshed (0 by default) */
        public int getRefreshPhase() {
            return refreshPhase;
        }

        /** @return the size of the preconditioned dimension */
        public int getDim() {
            return dim;
        }

        /** @return the smallest diagonal entry of {@code Q^T GG Q}: the factor's smallest eigenvalue estimate */
        public double getMinEigenvalue() {
            return minEigenvalue;
        }

        /** @return the largest diagonal entry of {@code Q^T GG Q} */
        public double getMaxEigenvalue() {
            return maxEigenvalue;
        }

        /** @return how many times this basis has been refreshed (derived from the step count) */
        public long getRefreshes() {
            return refreshes;
        }

        /** @return {@code max |Q^T Q - I|}: how far the basis is from orthonormal */
        public double getOrthonormalityError() {
            return orthonormalityError;
        }
    }

    /** @return the name of the layer (or graph vertex) holding the parameter */
    public String getLayerName() {
        return layerName;
    }

    /** @return the parameter's key in its layer */
    public String getParamName() {
        return paramName;
    }

    /** @return the parameter's bound layout */
    public ParamLayout getLayout() {
        return layout;
    }

    /** @return the dims SOAP works on, fastest first, with {@code *} on preconditioned ones, e.g. {@code [784*, 512*]} */
    public String getWorkingShape() {
        return workingShape;
    }

    /** @return Adam steps taken (calls after the first) */
    public long getSteps() {
        return steps;
    }

    /** @return calls skipped because the gradient held NaN or infinite values */
    public long getSkippedSteps() {
        return skippedSteps;
    }

    /** @return decompositions that failed, leaving the previous basis */
    public long getFailedDecompositions() {
        return failedDecompositions;
    }

    /** @return bases rebuilt because they were found not orthonormal (averaged across workers) */
    public long getRepairedBases() {
        return repairedBases;
    }

    /**
     * @return due refreshes this live updater skipped because the basis still diagonalized its factor within
     *         the opt-in {@link Soap.Builder#refreshTolerance}
     */
    public long getKeptBases() {
        return keptBases;
    }

    /** @return seconds this live updater spent refreshing this parameter's bases */
    public double getRefreshSeconds() {
        return refreshSeconds;
    }

    /**
     * @return the bytes of this parameter's slot in the updater state array: {@code 13 + 2n + sum_k 2 d_k^2}
     *         cells of the network's data type (more when Deeplearning4j pads it, see {@link Soap#stateSize})
     */
    public long getStateBytes() {
        return stateBytes;
    }

    /** @return the bytes Adam would keep for this parameter, {@code 2n} cells, for comparison */
    public long getAdamStateBytes() {
        return adamStateBytes;
    }

    /** @return the factors, in working order */
    public List<FactorStats> getFactors() {
        return factors;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("%-12s %-6s %-22s steps %d", layerName, paramName,
                workingShape, steps));
        for (FactorStats f : factors) {
            sb.append(String.format(" | d=%d eig [%.3g, %.3g] refreshes %d orth %.1e", f.dim, f.minEigenvalue,
                    f.maxEigenvalue, f.refreshes, f.orthonormalityError));
        }
        if (keptBases > 0) {
            sb.append(String.format(" | kept %d due bases", keptBases));
        }
        sb.append(String.format(" | refresh %.3fs | state %s (Adam %s)", refreshSeconds,
                StateBudget.bytes(stateBytes), StateBudget.bytes(adamStateBytes)));
        if (skippedSteps + failedDecompositions + repairedBases > 0) {
            sb.append(String.format(" | skipped %d failed %d repaired %d", skippedSteps, failedDecompositions,
                    repairedBases));
        }
        return sb.toString();
    }
}
