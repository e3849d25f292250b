package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Decoupled weight decay, the regularization of Deeplearning4j's {@link WeightDecay} with the same values: after
 * the updater, {@code coeff * param} (times the learning rate with {@code applyLR}) is added to the update, and
 * the score gains {@code coeff / 2 * sum(param^2)}. SOAP's reference applies weight decay this way.
 *
 * <p>The difference is speed on the CPU backend: {@link WeightDecay} runs two ND4J ops per parameter and
 * iteration (the update and, for the score, a norm), each opening an OpenMP region that competes with OpenBLAS's
 * still spinning threads after the backward pass; on the project's 2-core machine that cost the main job's MLP
 * about 25 ms per iteration. Here both are plain loops on the calling thread over the arrays' memory (ND4J ops on
 * other backends). It works with any updater:
 *
 * <pre>{@code
 * new DenseLayer.Builder().nIn(784).nOut(512)
 *         .regularization(List.of(new DecoupledWeightDecay(0.3, true)))   // instead of .weightDecay(0.3)
 * }</pre>
 */
public class DecoupledWeightDecay implements Regularization {
    private static final long serialVersionUID = 1L;

    @JsonProperty
    private final ISchedule coeff;
    @JsonProperty
    private final boolean applyLR;

    /**
     * @param coeff   the decay coefficient, at least 0
     * @param applyLR whether the decay is multiplied by the learning rate (Deeplearning4j's default, and the
     *                reference's)
     */
    public DecoupledWeightDecay(double coeff, boolean applyLR) {
        this(new FixedSchedule(coeff), applyLR);
    }

    /** @param coeff a schedule of the decay coefficient */
    public DecoupledWeightDecay(@JsonProperty("coeff") ISchedule coeff, @JsonProperty("applyLR") boolean applyLR) {
        this.coeff = Objects.requireNonNull(coeff, "coeff");
        this.applyLR = applyLR;
        if (coeff instanceof FixedSchedule && !(coeff.valueAt(0, 0) >= 0)) {
            throw new IllegalArgumentException("DecoupledWeightDecay coeff must be >= 0; got " + coeff.valueAt(0, 0));
        }
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.POST_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        double scale = coeff.valueAt(iteration, epoch) * (applyLR ? lr : 1);
        HostMemory p = host(param);
        HostMemory g = p == null ? null : host(gradView);
        if (p == null || g == null || p.length != g.length) {
            Nd4j.exec(new Axpy(param, gradView, gradView, scale));
            return;
        }
        for (int i = 0; i < p.length; i++) {
            g.set(i, g.get(i) + scale * p.get(i));
        }
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        HostMemory p = host(param);
        double sumOfSquares;
        if (p == null) {
            double norm = param.norm2Number().doubleValue();
            sumOfSquares = norm * norm;
        } else {
            sumOfSquares = p.sumOfSquares();
        }
        return coeff.valueAt(iteration, epoch) * 0.5 * sumOfSquares;
    }

    /** @return the memory of a contiguous array on the CPU backend, else null */
    private static HostMemory host(INDArray a) {
        boolean contiguous = a.length() <= 1 || a.elementWiseStride() == 1;
        return contiguous && Nd4j.getEnvironment().isCPU() ? HostMemory.of(a) : null;
    }

    @Override
    public Regularization clone() {
        return new DecoupledWeightDecay(coeff.clone(), applyLR);
    }

    /** @return the decay coefficient's schedule */
    public ISchedule getCoeff() {
        return coeff;
    }

    /** @return whether the decay is multiplied by the learning rate */
    public boolean isApplyLR() {
        return applyLR;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DecoupledWeightDecay)) {
            return false;
        }
        DecoupledWeightDecay d = (DecoupledWeightDecay) o;
        return applyLR == d.applyLR && coeff.equals(d.coeff);
    }

    @Override
    public int hashCode() {
        return Objects.hash(coeff, applyLR);
    }

    @Override
    public String toString() {
        return "DecoupledWeightDecay(coeff=" + coeff + ", applyLR=" + applyLR + ")";
    }
}
