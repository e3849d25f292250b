package io.github.soapdl4j.examples.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.pytorch.global.torch.eye;
import static org.bytedeco.pytorch.global.torch.flip;
import static org.bytedeco.pytorch.global.torch.linalg_eigh;
import static org.bytedeco.pytorch.global.torch.linalg_qr;
import static org.bytedeco.pytorch.global.torch.tensordot;
import static org.bytedeco.pytorch.global.torch.zeros;
import static org.bytedeco.pytorch.global.torch.zeros_like;

/**
 * The reference SOAP step as the authors' {@code soap.py} runs it, op for op, on libtorch (PyTorch's C++ core,
 * which the Python step calls into): the yardstick {@link TorchReferenceBenchmark} times this project's updater
 * against. Parameters of one or two dimensions, in the precision of their tensors, with the reference's defaults for everything not
 * passed in (no merged dimensions, no preconditioning of one-dimensional parameters, no gradient normalization,
 * bias correction on). Not used for training.
 *
 * <p>The step numbers refer to docs/algorithm.md. Where this project's updater saves work (the round trip of
 * {@code M} through the original space when no basis changed, one product instead of three for the eigenvalue
 * estimates and the power iteration), this class does what the reference does: it is the reference's cost that
 * is measured, and its result that the benchmark checks the updater against.
 */
final class TorchSoapReference {

    /** One parameter tensor and its state, as the reference keeps them. */
    private static final class Param {
        final Tensor value;
        final long[] shape;
        /** Adam's moments, in the eigenbasis. */
        final Tensor expAvg = new Tensor();
        final Tensor expAvgSq = new Tensor();
        /**
         * Kronecker factors and their bases, one per dimension of a matrix, none for a vector. Made here, outside
         * any step's pointer scope, so that they outlive the steps; a step rebinds them with {@code put}, as the
         * reference rebinds its state's names.
         */
        final List<Tensor> factors = new ArrayList<>();
        final List<Tensor> bases = new ArrayList<>();
        boolean started;
        int step;

        Param(Tensor value, long[] shape) {
            this.value = value;
            this.shape = shape;
            if (matrix()) {
                for (int k = 0; k < 2; k++) {
                    factors.add(new Tensor());
                    bases.add(new Tensor());
                }
            }
        }

        boolean matrix() {
            return shape.length == 2;
        }
    }

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double shampooBeta;
    private final double eps;
    private final int frequency;
    private final List<Param> params = new ArrayList<>();

    /** @param shampooBeta the factor decay; negative means {@code beta2}, as in the reference */
    TorchSoapReference(double lr, double beta1, double beta2, double shampooBeta, double eps, int frequency) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.shampooBeta = shampooBeta < 0 ? beta2 : shampooBeta;
        this.eps = eps;
        this.frequency = frequency;
    }

    /** Adds a parameter (contiguous); the step updates it in place. */
    void add(Tensor value) {
        long[] shape = new long[(int) value.dim()];
        for (int k = 0; k < shape.length; k++) {
            shape[k] = value.size(k);
        }
        if (shape.length > 2) {
            throw new IllegalArgumentException("only parameters of one or two dimensions: " + shape.length);
        }
        params.add(new Param(value, shape));
    }

    /** The step that runs a refresh of every basis at its end: the reference's step counter at its end. */
    int stepCount() {
        return params.isEmpty() ? 0 : params.get(0).step;
    }

    /** One optimizer step; {@code grads} in the order the parameters were added. */
    void step(List<Tensor> grads) {
        try (PointerScope scope = new PointerScope()) {
            for (int i = 0; i < params.size(); i++) {
                step(params.get(i), grads.get(i));
            }
        }
    }

    private void step(Param p, Tensor grad) {
        if (!p.started) {
            // §2: the first call builds the preconditioner and leaves the parameter where it is.
            p.expAvg.put(zeros_like(grad));
            p.expAvgSq.put(zeros_like(grad));
            for (int k = 0; k < p.factors.size(); k++) {
                p.factors.get(k).put(zeros(new long[]{p.shape[k], p.shape[k]}, grad.options()));
            }
            updatePreconditioner(p, grad);
            p.started = true;
            return;
        }
        Tensor projected = project(p, grad);                                          // §3.1
        p.step++;                                                                      // §3.2
        p.expAvg.mul_(new Scalar(beta1)).add_(projected, new Scalar(1 - beta1));       // §3.3
        p.expAvgSq.mul_(new Scalar(beta2)).add_(projected.square(), new Scalar(1 - beta2));
        Tensor denom = p.expAvgSq.sqrt().add_(new Scalar(eps));
        double stepSize = lr * Math.sqrt(1 - Math.pow(beta2, p.step)) / (1 - Math.pow(beta1, p.step));  // §3.4
        Tensor normalized = projectBack(p, p.expAvg.div(denom));                      // §3.5
        p.value.add_(normalized, new Scalar(-stepSize));                               // §3.7
        updatePreconditioner(p, grad);                                                 // §3.8
    }

    /** §3.8, as the reference orders it: {@code M} back, factors, refresh when due, {@code M} forward. */
    private void updatePreconditioner(Param p, Tensor grad) {
        if (p.started) {
            p.expAvg.put(projectBack(p, p.expAvg));
        }
        if (p.matrix()) {
            // G Gᵀ contracts dimension 1 with itself, Gᵀ G dimension 0.
            for (int k = 0; k < 2; k++) {
                long other = 1 - k;
                Tensor outer = tensordot(grad, grad, new long[]{other}, other);
                p.factors.get(k).lerp_(outer, new Scalar(1 - shampooBeta));
            }
            if (!p.started) {
                firstBases(p);
            } else if (p.step > 0 && p.step % frequency == 0) {
                refresh(p);
            }
        }
        if (p.started && p.step > 0) {
            p.expAvg.put(project(p, p.expAvg));
        }
    }

    /** §2.2: eigenvectors of each factor (plus 1e-30 I, as the reference adds), descending. */
    private static void firstBases(Param p) {
        for (int k = 0; k < p.factors.size(); k++) {
            Tensor factor = p.factors.get(k);
            Tensor shifted = factor.add(eye(factor.size(0), factor.options()).mul(new Scalar(1e-30)));
            p.bases.get(k).put(flip(linalg_eigh(shifted).get1(), 1));
        }
    }

    /** §4, as the reference computes it: eigenvalue estimates {@code diag(Qᵀ GG Q)}, sort, power iteration, QR. */
    private static void refresh(Param p) {
        for (int k = 0; k < p.factors.size(); k++) {
            Tensor factor = p.factors.get(k);
            Tensor basis = p.bases.get(k);
            Tensor estimates = basis.t().mm(factor).mm(basis).diag();
            Tensor order = estimates.argsort(0, true);
            p.expAvgSq.put(p.expAvgSq.index_select(k, order));
            Tensor sorted = basis.index_select(1, order);
            Tensor powerIteration = factor.mm(sorted);
            basis.put(linalg_qr(powerIteration).get0());
        }
    }

    /** {@code X ×_k Q_kᵀ} over the dimensions: the reference's {@code tensordot(X, Q, [[0], [0]])} per basis. */
    private static Tensor project(Param p, Tensor x) {
        return contract(p, x, 0);
    }

    /** {@code X ×_k Q_k}: {@code tensordot(X, Q, [[0], [1]])} per basis. */
    private static Tensor projectBack(Param p, Tensor x) {
        return contract(p, x, 1);
    }

    /**
     * Contracts dimension 0 of {@code x} with dimension {@code basisDim} of each basis in turn; each contraction
     * moves the contracted dimension to the end, so after all of them the order is the original one. A vector's
     * "bases" are the reference's empty placeholders, for which it permutes the dimensions instead.
     */
    private static Tensor contract(Param p, Tensor x, long basisDim) {
        if (!p.matrix()) {
            return x.permute(0);
        }
        Tensor y = x;
        for (Tensor basis : p.bases) {
            y = tensordot(y, basis, new long[]{0}, basisDim);
        }
        return y;
    }
}
