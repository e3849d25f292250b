package io.github.soapdl4j;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The SOAP optimizer (Vyas et al. 2024, "SOAP: Improving and Stabilizing Shampoo using Adam") as a
 * Deeplearning4j updater configuration, used like {@link org.nd4j.linalg.learning.config.Adam}:
 *
 * <pre>{@code
 * MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
 *         .updater(new Soap(3e-3))
 *         ...build());
 * net.init();
 * Soap.bind(net);   // records every parameter's shape: SOAP needs it, DL4J's updaters never see it
 * net.fit(data);
 * }</pre>
 *
 * <p>Per weight tensor SOAP keeps one Kronecker factor {@code GG_k} per preconditioned dimension, its
 * eigenbasis {@code Q_k} (refreshed every {@link #getPreconditionFrequency()} steps by one power iteration and
 * a QR decomposition), and runs Adam on the gradient rotated into that basis. Defaults are those of the
 * authors' reference implementation.
 *
 * <p>{@link #bind(MultiLayerNetwork)} stores each parameter's {@link ParamLayout} in the configuration, so the
 * layout travels with the network's JSON and Java serialization, and {@link #stateSize(long)} is exact per
 * parameter. A configuration that was never bound refuses to update rather than fall back to Adam.
 *
 * <p>Every value is checked when the configuration is built, and again whenever one arrives by another road
 * (Deeplearning4j's JSON or Java serialization): when Deeplearning4j sizes or creates the updater
 * ({@link #stateSize}, {@link #instantiate}), when {@link #bind} reads it, and on Java deserialization. A bad
 * value fails with an {@link IllegalArgumentException} naming the field and the value, before any parameter
 * moves.
 *
 * <p>SOAP changes no process-wide setting (ND4J, OpenBLAS or OpenMP thread counts) and starts no thread: all its
 * work runs on the thread that calls the updater, so networks trained side by side in one JVM train as they
 * would alone. {@link Builder#concurrentRefresh(ConcurrentRefresh)} opts into running a refresh's
 * decompositions on helper threads.
 */
public class Soap implements IUpdater {
    private static final long serialVersionUID = 1L;

    public static final double DEFAULT_LEARNING_RATE = 3e-3;
    public static final double DEFAULT_BETA1 = 0.95;
    public static final double DEFAULT_BETA2 = 0.95;
    /** A negative factor decay means "use beta2", as in the reference. */
    public static final double DEFAULT_SHAMPOO_BETA = -1;
    public static final double DEFAULT_EPSILON = 1e-8;
    public static final int DEFAULT_PRECONDITION_FREQUENCY = 10;
    public static final int DEFAULT_MAX_PRECONDITION_DIM = 10000;

    @JsonProperty
    private double learningRate = DEFAULT_LEARNING_RATE;
    @JsonProperty
    private ISchedule learningRateSchedule;
    @JsonProperty
    private double beta1 = DEFAULT_BETA1;
    @JsonProperty
    private double beta2 = DEFAULT_BETA2;
    @JsonProperty
    private double shampooBeta = DEFAULT_SHAMPOO_BETA;
    @JsonProperty
    private double epsilon = DEFAULT_EPSILON;
    @JsonProperty
    private int preconditionFrequency = DEFAULT_PRECONDITION_FREQUENCY;
    @JsonProperty
    private int maxPreconditionDim = DEFAULT_MAX_PRECONDITION_DIM;
    @JsonProperty
    private boolean mergeDims = false;
    @JsonProperty
    private boolean precondition1d = false;
    @JsonProperty
    private boolean normalizeGradients = false;
    @JsonProperty
    private boolean correctBias = true;
    @JsonProperty
    private boolean staggerRefreshes = false;
    /** Opt-in: skip a due refresh while the basis still diagonalizes its factor this well; 0 never skips. */
    @JsonProperty
    private double refreshTolerance = 0;
    /**
     * The residue of the Adam step mod preconditionFrequency after which bases are refreshed (0 as in the
     * reference); with staggered refreshes, the phase {@link #bind} gave this layer's first factor.
     */
    @JsonProperty
    private int refreshPhase = 0;
    /** The parameters this configuration updates, one run of a layer; null until {@link #bind} ran. */
    @JsonProperty
    private List<ParamLayout> layout;
    /** Opt-in helper threads for refreshes; not part of the configuration's identity nor of its serial forms. */
    @JsonIgnore
    private transient ConcurrentRefresh concurrentRefresh;

    /** SOAP with the reference's defaults (learning rate 3e-3). */
    public Soap() {
    }

    /** SOAP with the reference's defaults and the given learning rate. */
    public Soap(double learningRate) {
        this.learningRate = learningRate;
        validate();
    }

    /** SOAP with the reference's defaults and a learning-rate schedule. */
    public Soap(ISchedule learningRateSchedule) {
        this.learningRateSchedule = learningRateSchedule;
        validate();
    }

    /** @return a builder starting from the reference's defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Records the layout of every parameter updated by {@code Soap} in {@code net}'s configuration. Call it after
     * {@code net.init()} and before training; a network restored from a checkpoint of a bound network needs no
     * second call. Calling it again is harmless.
     *
     * <p>It logs warnings (SLF4J logger {@code io.github.soapdl4j.Soap}, level WARN) for each parameter whose
     * state exceeds the bounds documented in docs/memory.md, with the setting that fixes it, and, when the
     * network mixes {@code Soap} with other updaters, one listing the trainable parameters that do not use it
     * (docs/fine-tuning.md).
     *
     * @return {@code net}
     * @throws IllegalStateException    if {@code net} is not initialized
     * @throws IllegalArgumentException if a layer's parameters cannot be described, or a configuration loaded
     *                                  from JSON holds a value outside its range (the message names them)
     */
    public static MultiLayerNetwork bind(MultiLayerNetwork net) {
        SoapBinder.bind(net);
        return net;
    }

    /** The {@link ComputationGraph} version of {@link #bind(MultiLayerNetwork)}. */
    public static ComputationGraph bind(ComputationGraph graph) {
        SoapBinder.bind(graph);
        return graph;
    }

    /**
     * The SameDiff version of {@link #bind(MultiLayerNetwork)}: records the layout of every trainable variable of
     * {@code sd} and puts a bound configuration into its training configuration (the {@code Soap} given to
     * {@code setTrainingConfig} itself is not changed). Call it after {@code sd.setTrainingConfig(...)} and
     * before {@code sd.fit(...)}; a graph loaded with {@code SameDiff.load(file, true)} from a bound one needs no
     * second call. See docs/samediff.md.
     *
     * @return {@code sd}
     * @throws IllegalStateException    if {@code sd} has no training configuration
     * @throws IllegalArgumentException if its updater is not a Soap, or a variable cannot be described
     */
    public static SameDiff bind(SameDiff sd) {
        SameDiffBinder.bind(sd);
        return sd;
    }

    /**
     * @return a copy of this configuration describing {@code layout}; the hyperparameters are unchanged. Used by
     *         {@link #bind}, and by tests that drive an updater without a network.
     */
    Soap withLayout(List<ParamLayout> layout) {
        Soap copy = clone();
        copy.layout = layout == null ? null : List.copyOf(layout);
        return copy;
    }

    /** @return the bound parameter layouts, or null if {@link #bind} has not described this configuration */
    public List<ParamLayout> getLayout() {
        return layout;
    }

    /** @return whether {@link #bind} has recorded the parameter layouts */
    @JsonIgnore
    public boolean isBound() {
        return layout != null;
    }

    /**
     * The state size of one parameter of {@code numParams} elements. When the bound run holds several
     * parameters of that length with different shapes, it is the largest of their sizes: Deeplearning4j asks by
     * length alone, so every parameter of one length gets a slot of one size (the rest is padding).
     */
    @Override
    public long stateSize(long numParams) {
        // Deeplearning4j's JSON and Java serialization bypass the builder; this is the first call a loaded
        // configuration gets (when the network builds its updater), before any parameter moves.
        validate();
        if (layout == null) {
            return 0;
        }
        long size = -1;
        for (ParamLayout p : layout) {
            if (p.length() == numParams) {
                size = Math.max(size, StateLayout.size(shapeOf(p)));
            }
        }
        if (size < 0) {
            throw new IllegalStateException("Soap is bound to parameters " + layout + " but was asked for the state "
                    + "of a parameter of " + numParams + " elements: the network no longer matches the bound "
                    + "layout. Call Soap.bind(net) again after net.init().");
        }
        return size;
    }

    @Override
    public SoapUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        validate();
        SoapUpdater updater = new SoapUpdater(this);
        updater.setStateViewArray(viewArray, viewArray == null ? new long[0] : viewArray.shape(),
                viewArray == null ? 'c' : viewArray.ordering(), initializeViewArray);
        return updater;
    }

    @Override
    public SoapUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        validate();
        SoapUpdater updater = new SoapUpdater(this);
        updater.setState(updaterState, initializeStateArrays);
        return updater;
    }

    @Override
    public Soap clone() {
        try {
            return (Soap) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
        validate();
    }

    /** @return how this configuration sees the parameter {@code p} (docs/algorithm.md §1) */
    PreconditionedShape shapeOf(ParamLayout p) {
        return PreconditionedShape.of(p, maxPreconditionDim, mergeDims, precondition1d);
    }

    /** @return when the bases of a block with this configuration are refreshed (docs/algorithm.md §4) */
    RefreshSchedule refreshSchedule() {
        return new RefreshSchedule(preconditionFrequency, staggerRefreshes, refreshPhase);
    }

    /** @return the values the per-step code needs; the factor decay is shampooBeta, or beta2 when negative */
    Hyperparameters hyperparameters() {
        return new Hyperparameters(beta1, beta2, shampooBeta < 0 ? beta2 : shampooBeta, epsilon, correctBias,
                normalizeGradients, refreshTolerance);
    }

    /** @return a copy whose first factor refreshes at {@code phase}; used by {@link #bind} */
    Soap withRefreshPhase(int phase) {
        Soap copy = clone();
        copy.refreshPhase = phase;
        return copy;
    }

    /**
     * @return the residue of the Adam step mod {@code preconditionFrequency} after which the bases are refreshed
     *         ({@link Builder#refreshPhase}); with staggered refreshes, the phase {@link #bind} assigned to this
     *         layer's first factor
     */
    public int getRefreshPhase() {
        return refreshPhase;
    }

    /** @return whether the refreshes of different factors are spread over the steps of a period */
    public boolean isStaggerRefreshes() {
        return staggerRefreshes;
    }

    /**
     * @return the opt-in concurrent refresh decompositions, or null (the default: one after the other on the
     *         calling thread)
     */
    @JsonIgnore
    public ConcurrentRefresh getConcurrentRefresh() {
        return concurrentRefresh;
    }

    public double getLearningRate() {
        return learningRate;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    public double getBeta1() {
        return beta1;
    }

    public double getBeta2() {
        return beta2;
    }

    public double getShampooBeta() {
        return shampooBeta;
    }

    public double getEpsilon() {
        return epsilon;
    }

    public int getPreconditionFrequency() {
        return preconditionFrequency;
    }

    public int getMaxPreconditionDim() {
        return maxPreconditionDim;
    }

    public boolean isMergeDims() {
        return mergeDims;
    }

    public boolean isPrecondition1d() {
        return precondition1d;
    }

    public boolean isNormalizeGradients() {
        return normalizeGradients;
    }

    /** @return the opt-in tolerance below which a due refresh is skipped ({@link Builder#refreshTolerance}) */
    public double getRefreshTolerance() {
        return refreshTolerance;
    }

    public boolean isCorrectBias() {
        return correctBias;
    }

    /**
     * Checks every hyperparameter and, when bound, the layout.
     *
     * @throws IllegalArgumentException naming the first field outside its range and its value
     */
    void validate() {
        validateSettings();
        if (refreshPhase < 0 || refreshPhase >= preconditionFrequency) {
            throw new IllegalArgumentException("Soap refreshPhase must be in [0, preconditionFrequency = "
                    + preconditionFrequency + "); got " + refreshPhase + ".");
        }
        if (layout != null) {
            validateLayout();
        }
    }

    /**
     * Checks the hyperparameters only: {@link #bind} replaces the layout, so a damaged one need not stop it.
     *
     * @throws IllegalArgumentException naming the first field outside its range and its value
     */
    void validateSettings() {
        if (learningRateSchedule == null) {
            requireFiniteNonNegative("learningRate", learningRate);
        }
        requireUnitInterval("beta1", beta1);
        requireUnitInterval("beta2", beta2);
        if (Double.isNaN(shampooBeta) || shampooBeta >= 1) {
            throw invalid("shampooBeta", shampooBeta, "in [0, 1), or negative to use beta2");
        }
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw invalid("epsilon", epsilon, "finite and > 0");
        }
        if (preconditionFrequency < 1) {
            throw invalid("preconditionFrequency", preconditionFrequency, ">= 1");
        }
        if (maxPreconditionDim < 1) {
            throw invalid("maxPreconditionDim", maxPreconditionDim, ">= 1");
        }
        requireUnitInterval("refreshTolerance", refreshTolerance);
    }

    /** A bound layout read from JSON or Java serialization may have been edited: check what stateSize reads. */
    private void validateLayout() {
        if (layout.isEmpty()) {
            throw new IllegalArgumentException("Soap layout is empty: a bound configuration describes at least one "
                    + "parameter. Call Soap.bind(net) after net.init() to describe the parameters again.");
        }
        for (int i = 0; i < layout.size(); i++) {
            ParamLayout p = layout.get(i);
            if (p == null) {
                throw new IllegalArgumentException("Soap layout entry " + i + " of " + layout.size() + " is null. "
                        + "Call Soap.bind(net) after net.init() to describe the parameters again.");
            }
            try {
                p.validate();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Soap layout entry " + i + " of " + layout.size() + ": "
                        + e.getMessage() + ". Call Soap.bind(net) after net.init() to describe the parameters "
                        + "again.", e);
            }
        }
    }

    private static IllegalArgumentException invalid(String field, Object value, String range) {
        return new IllegalArgumentException("Soap " + field + " must be " + range + "; got " + value
                + ". Set a valid value with Soap.builder()." + field + "(...), or correct \"" + field
                + "\" in the configuration JSON the network was loaded from.");
    }

    private static void requireFiniteNonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw invalid(field, value, "finite and >= 0");
        }
    }

    private static void requireUnitInterval(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw invalid(field, value, "in [0, 1)");
        }
    }

    /** Java serialization bypasses the builder as well: a stream with a bad value is refused here. */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        validate();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        Soap s = (Soap) o;
        return Double.compare(learningRate, s.learningRate) == 0
                && Objects.equals(learningRateSchedule, s.learningRateSchedule)
                && Double.compare(beta1, s.beta1) == 0
                && Double.compare(beta2, s.beta2) == 0
                && Double.compare(shampooBeta, s.shampooBeta) == 0
                && Double.compare(epsilon, s.epsilon) == 0
                && preconditionFrequency == s.preconditionFrequency
                && maxPreconditionDim == s.maxPreconditionDim
                && mergeDims == s.mergeDims
                && precondition1d == s.precondition1d
                && normalizeGradients == s.normalizeGradients
                && correctBias == s.correctBias
                && staggerRefreshes == s.staggerRefreshes
                && Double.compare(refreshTolerance, s.refreshTolerance) == 0
                && refreshPhase == s.refreshPhase
                && Objects.equals(layout, s.layout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, beta1, beta2, shampooBeta, epsilon,
                preconditionFrequency, maxPreconditionDim, mergeDims, precondition1d, normalizeGradients,
                correctBias, staggerRefreshes, refreshTolerance, refreshPhase, layout);
    }

    @Override
    public String toString() {
        return "Soap(lr=" + (learningRateSchedule != null ? learningRateSchedule : learningRate)
                + ", beta1=" + beta1 + ", beta2=" + beta2 + ", shampooBeta=" + shampooBeta
                + ", epsilon=" + epsilon + ", preconditionFrequency=" + preconditionFrequency
                + ", maxPreconditionDim=" + maxPreconditionDim + ", mergeDims=" + mergeDims
                + ", precondition1d=" + precondition1d + ", normalizeGradients=" + normalizeGradients
                + ", correctBias=" + correctBias
                + (staggerRefreshes ? ", staggerRefreshes" : "")
                + (refreshTolerance > 0 ? ", refreshTolerance=" + refreshTolerance : "")
                + (staggerRefreshes || refreshPhase != 0 ? ", refreshPhase=" + refreshPhase : "")
                + ", layout=" + layout + ")";
    }

    /** Builds a {@link Soap}; every value starts at the reference's default. */
    public static final class Builder {
        private final Soap soap = new Soap();

        private Builder() {
        }

        /** The learning rate (reference {@code lr}); default 3e-3. */
        public Builder learningRate(double learningRate) {
            soap.learningRate = learningRate;
            return this;
        }

        /** A learning-rate schedule; overrides {@link #learningRate(double)}. */
        public Builder learningRateSchedule(ISchedule schedule) {
            soap.learningRateSchedule = schedule;
            return this;
        }

        /** Adam's first-moment decay (reference {@code betas[0]}); default 0.95. */
        public Builder beta1(double beta1) {
            soap.beta1 = beta1;
            return this;
        }

        /** Adam's second-moment decay (reference {@code betas[1]}); default 0.95. */
        public Builder beta2(double beta2) {
            soap.beta2 = beta2;
            return this;
        }

        /** The factor decay (reference {@code shampoo_beta}); negative means beta2. Default -1. */
        public Builder shampooBeta(double shampooBeta) {
            soap.shampooBeta = shampooBeta;
            return this;
        }

        /** Adam's denominator epsilon (reference {@code eps}); default 1e-8. */
        public Builder epsilon(double epsilon) {
            soap.epsilon = epsilon;
            return this;
        }

        /** Steps between eigenbasis refreshes (reference {@code precondition_frequency}); default 10. */
        public Builder preconditionFrequency(int preconditionFrequency) {
            soap.preconditionFrequency = preconditionFrequency;
            return this;
        }

        /** Dimensions larger than this keep the identity basis (reference {@code max_precond_dim}); 10000. */
        public Builder maxPreconditionDim(int maxPreconditionDim) {
            soap.maxPreconditionDim = maxPreconditionDim;
            return this;
        }

        /** Merge small adjacent dimensions before preconditioning (reference {@code merge_dims}); false. */
        public Builder mergeDims(boolean mergeDims) {
            soap.mergeDims = mergeDims;
            return this;
        }

        /** Precondition 1-D parameters such as biases (reference {@code precondition_1d}); false. */
        public Builder precondition1d(boolean precondition1d) {
            soap.precondition1d = precondition1d;
            return this;
        }

        /** Scale each update to unit RMS (reference {@code normalize_grads}); false. */
        public Builder normalizeGradients(boolean normalizeGradients) {
            soap.normalizeGradients = normalizeGradients;
            return this;
        }

        /** Adam's bias correction (reference {@code correct_bias}); true. */
        public Builder correctBias(boolean correctBias) {
            soap.correctBias = correctBias;
            return this;
        }

        /**
         * Spread the refreshes of different factors over the {@code preconditionFrequency} steps of a period
         * instead of doing them all on one step; default false. A deviation from the reference (each basis is
         * refreshed as often, at another step) that flattens the cost of refresh steps. {@link #bind} gives
         * each layer its phases so that the refresh work per step is balanced across the network.
         */
        public Builder staggerRefreshes(boolean staggerRefreshes) {
            soap.staggerRefreshes = staggerRefreshes;
            return this;
        }

        /**
         * Opt-in, a deviation from the reference: skip a due refresh of a basis {@code Q} while it still
         * diagonalizes its factor, {@code ||offdiag(Q^T GG Q)||_F <= tolerance * ||Q^T GG Q||_F} (the criterion of
         * "Purifying Shampoo", arXiv 2506.03595). The test costs one pass over {@code GG Q}, which the refresh
         * computes first anyway; a skipped refresh saves its QR decomposition and the rotation of {@code M}.
         * Default 0: every due basis is refreshed, as in the reference. Bases rebuilt after averaging are never
         * skipped. See docs/performance.md for what it saved and cost on the example jobs.
         */
        public Builder refreshTolerance(double tolerance) {
            soap.refreshTolerance = tolerance;
            return this;
        }

        /**
         * Refresh the bases after the Adam steps {@code t} with {@code t mod preconditionFrequency == phase};
         * default 0, the reference's schedule. A refresh runs at the start of the step after the one it falls due
         * on, so with parameter averaging every {@code k} steps, {@code k} dividing {@code preconditionFrequency},
         * the phase that makes every refresh start from the averaged state keeps the workers' bases identical:
         * {@code preconditionFrequency - 1} under Spark's {@code ParameterAveragingTrainingMaster}, 0 under
         * {@code ParallelWrapper} (docs/distributed.md). Any other value than 0 shifts the schedule away from the
         * reference's. Ignored with {@link #staggerRefreshes}, whose phases {@link Soap#bind} chooses.
         */
        public Builder refreshPhase(int phase) {
            soap.refreshPhase = phase;
            return this;
        }

        /**
         * Opt-in: run the QR decompositions of a refresh side by side on helper threads, as
         * {@link ConcurrentRefresh} describes; default null (one after the other on the thread that calls the
         * updater, no thread started).
         * Changes no process-wide setting. Not part of {@code equals} or of the JSON and Java serialization, so a
         * network restored from a checkpoint runs without it.
         */
        public Builder concurrentRefresh(ConcurrentRefresh refresh) {
            soap.concurrentRefresh = refresh;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException naming the field and value, for a value outside its range
         */
        public Soap build() {
            Soap built = soap.clone();
            built.validate();
            return built;
        }
    }
}
