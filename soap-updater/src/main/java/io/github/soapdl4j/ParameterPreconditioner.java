package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SOAP step for one parameter tensor, exactly soap-spec.md section 1, on views of the parameter's slot in
 * the updater state array (layout: {@link StateLayout}). Holds no state of its own beyond views and scratch.
 */
final class ParameterPreconditioner {
    private final Soap config;
    private final PreconditionedShape shape;
    private final INDArray header;
    private final TensorView m;
    private final TensorView v;
    /** {@code GG_k} and {@code Q_k} per working dimension; null where the dimension is not preconditioned. */
    private final INDArray[] factor;
    private final INDArray[] basis;
    private final Decompositions[] decompositions;
    /** Two parameter-sized scratch tensors, shared with the other parameters of the block. */
    private final TensorView scratchA;
    private final TensorView scratchB;
    private final INDArray[] scratchBFront3;
    /** The step residue mod preconditionFrequency at which each basis is refreshed (0 everywhere, as the
     * reference does, unless refreshes are staggered). */
    private final int[] refreshPhase;
    /** Per-mode matrices for a rotation that changes one mode; all null between uses. */
    private final INDArray[] single;
    /** The modes being refreshed, their new column orders, and the arguments of their QR decompositions. */
    private final boolean[] due;
    private final int[][] order;
    private final Decompositions[] qrJobs;
    private final INDArray[] qrInputs;
    private final boolean[] qrSucceeded;
    private TensorView gradient;
    /** Diagnostics only (not state): time spent in refreshes by this object since it was created. */
    private long refreshNanos;

    /**
     * @param state          the whole block's state array
     * @param slotOffset     where this parameter's slot starts in it
     * @param scratchA       a contiguous vector of at least {@code shape.length()} elements
     * @param scratchB       another one
     * @param decompositions LAPACK work buffers by matrix size, shared within the block: the n-th factor of a
     *                       size in this parameter uses the n-th buffer set of that size
     * @param firstFactor    how many factors the block's earlier parameters hold (for staggered refreshes)
     */
    ParameterPreconditioner(Soap config, PreconditionedShape shape, INDArray state, long slotOffset,
                            INDArray scratchA, INDArray scratchB, Map<Integer, List<Decompositions>> decompositions,
                            int firstFactor) {
        this.config = config;
        this.shape = shape;
        this.header = Views.fOrder(state, slotOffset, StateLayout.HEADER);
        this.m = new TensorView(state, slotOffset + StateLayout.offsetM(), shape);
        this.v = new TensorView(state, slotOffset + StateLayout.offsetV(shape), shape);
        int r = shape.rank();
        this.factor = new INDArray[r];
        this.basis = new INDArray[r];
        this.decompositions = new Decompositions[r];
        this.scratchBFront3 = new INDArray[r];
        this.refreshPhase = new int[r];
        this.single = new INDArray[r];
        this.due = new boolean[r];
        this.order = new int[r][];
        this.qrJobs = new Decompositions[r];
        this.qrInputs = new INDArray[r];
        this.qrSucceeded = new boolean[r];
        Map<Integer, Integer> sameSize = new HashMap<>();
        int factorIndex = firstFactor;
        for (int k = 0; k < r; k++) {
            if (shape.isPreconditioned(k)) {
                refreshPhase[k] = config.refreshPhase(factorIndex++);
                int d = shape.dim(k);
                long off = slotOffset + StateLayout.offsetFactor(shape, k);
                factor[k] = Views.fOrder(state, off, d, d);
                basis[k] = Views.fOrder(state, off + (long) d * d, d, d);
                // Factors of one parameter may be decomposed at the same time (ConcurrentQr), so each gets its own
                // work buffers; the block's parameters, refreshed one after the other, share them.
                int nth = sameSize.merge(d, 1, Integer::sum) - 1;
                List<Decompositions> ofSize = decompositions.computeIfAbsent(d, size -> new ArrayList<>());
                while (ofSize.size() <= nth) {
                    ofSize.add(new Decompositions(d, state.dataType()));
                }
                this.decompositions[k] = ofSize.get(nth);
            }
        }
        this.scratchA = new TensorView(scratchA, shape);
        this.scratchB = new TensorView(scratchB, shape);
    }

    /**
     * Turns {@code grad} (this parameter's slice of the block gradient, in place) into the update that
     * Deeplearning4j subtracts from the parameter.
     *
     * @param grad         the block gradient vector
     * @param from         where this parameter's elements start in it
     * @param learningRate the scheduled learning rate of this iteration
     */
    void step(INDArray grad, long from, double learningRate) {
        if (gradient == null || !gradient.sameMemory(grad, from)) {
            gradient = new TensorView(grad, from, shape);
        }
        // The sum of absolute values is finite exactly when every entry is (it cannot overflow for finite
        // float32 gradients of fewer than 1e6 entries below 1e32). BLAS asum, unlike ND4J's own reductions, runs
        // on the threads that the GEMMs before it leave spinning instead of competing with them.
        if (!Double.isFinite(Nd4j.getBlasWrapper().asum(gradient.flat()))) {
            // A NaN or infinite gradient would poison every moment and factor for good: skip this parameter's
            // step entirely and count it.
            gradient.flat().assign(0);
            increment(StateLayout.SKIPPED_STEPS);
            return;
        }
        long calls = readCount();
        if (calls == 0) {
            initializeBases();
        } else {
            update(calls, learningRate);
        }
        writeCount(calls + 1);
    }

    /** First call: factors from this gradient, their eigenbases, and no parameter change. */
    private void initializeBases() {
        double bs = config.effectiveShampooBeta();
        for (int k = 0; k < shape.rank(); k++) {
            if (factor[k] != null) {
                accumulateFactor(gradient, k, 1 - bs, 0.0);
                if (!decompositions[k].eigenvectorsDescending(factor[k], basis[k])) {
                    // No previous basis to keep: the identity makes this dimension plain Adam until a refresh.
                    basis[k].assign(Nd4j.eye(shape.dim(k)).castTo(basis[k].dataType()));
                    increment(StateLayout.FAILED_DECOMPOSITIONS);
                }
            }
        }
        if (shape.anyPreconditioned()) {
            BasisTag.write(header, basis);
        }
        gradient.flat().assign(0);
    }

    /** Every later call; {@code t} is the Adam step count after this call's increment. */
    private void update(long t, double learningRate) {
        boolean rotated = shape.anyPreconditioned();
        double b1 = config.getBeta1();
        double b2 = config.getBeta2();
        INDArray g = gradient.flat();

        // 1. Gp = project(G). Without factors the eigenbasis is the identity and G is used as it is.
        TensorView gp = gradient;
        if (rotated) {
            if (!BasisTag.intact(header)) {
                repairAveragedBases();
            }
            rotate(gradient, scratchA, scratchB, false);
            gp = scratchA;
        }
        // 8 (factor part). GG_k only feeds the refresh below, so it is updated now, while G is still raw.
        double bs = config.effectiveShampooBeta();
        for (int k = 0; k < shape.rank(); k++) {
            if (factor[k] != null) {
                accumulateFactor(gradient, k, 1 - bs, bs);
            }
        }
        // 3-5. Adam in the eigenbasis, one fused native op: M and V updated in place, and Gp replaced by
        // c(t) M / (sqrt(V) + eps) with c(t) = sqrt(1 - b2^t) / (1 - b1^t), the op's bias correction.
        double c = Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
        Nd4j.exec(new AdamUpdater(gp.flat(), v.flat(), m.flat(), 1.0, b1, b2, config.getEpsilon(),
                (int) Math.min(t - 1, Integer.MAX_VALUE - 1)));
        // 5. N = projectBack(...), written over the gradient (which already holds it without factors)
        if (rotated) {
            rotate(scratchA, gradient, scratchB, true);
        }
        // 4, 6, 7. The step size: lr, times c(t) with bias correction; the op's c(t) is divided out again, and
        // with normalizeGradients N is divided by (1e-30 + its RMS).
        double step = learningRate * (config.isCorrectBias() ? c : 1);
        if (config.isNormalizeGradients()) {
            double rms = g.norm2Number().doubleValue() / Math.sqrt(shape.length());
            g.muli(step / (c * 1e-30 + rms));
        } else {
            g.muli(step / c);
        }
        // 8 (basis part): the due bases are refreshed. The reference takes M back to the original space with
        // the old bases and projects it with the new ones; modes whose basis did not change cancel out of that
        // round trip, so each refreshed mode k turns M by Q_k'^T Q_k alone.
        if (rotated) {
            boolean any = false;
            for (int k = 0; k < shape.rank(); k++) {
                due[k] = factor[k] != null && t % config.getPreconditionFrequency() == refreshPhase[k];
                any |= due[k];
            }
            if (any) {
                refreshDue();
            }
        }
    }

    /**
     * Parameter averaging (ParallelWrapper, Spark) averages the state element-wise, and an average of different
     * orthonormal matrices is not orthonormal (columns that differed are shorter than 1, zero for opposite
     * signs). The basis tag tells when that happened; every basis of the parameter is then treated as a stale one
     * and refreshed at once, exactly as on a refresh step (one power iteration on the averaged factor from the
     * averaged basis, V permuted to match, QR), with M carried from the averaged basis into the new one.
     */
    private void repairAveragedBases() {
        for (int k = 0; k < shape.rank(); k++) {
            due[k] = factor[k] != null;
            if (due[k]) {
                increment(StateLayout.REPAIRED_BASES);
            }
        }
        refreshDue();
    }

    /**
     * Refreshes the bases of the modes marked in {@code due} and carries M from the old bases into the new ones.
     * The modes touch different dimensions of V and M, so doing each phase for all of them before the next phase
     * gives what refreshing them one after the other gives, and lets their QR decompositions run side by side.
     */
    private void refreshDue() {
        long start = System.nanoTime();
        int jobs = 0;
        for (int k = 0; k < shape.rank(); k++) {
            if (due[k]) {
                order[k] = powerIteration(k);
                qrJobs[jobs] = decompositions[k];
                qrInputs[jobs] = decompositions[k].qrInput();
                jobs++;
            }
        }
        // The new bases stay in the decompositions' buffers until M has been carried over from the old ones.
        ConcurrentQr.orthonormalFactors(qrJobs, qrInputs, jobs, qrSucceeded);
        int job = 0;
        for (int k = 0; k < shape.rank(); k++) {
            if (!due[k]) {
                continue;
            }
            INDArray next = decompositions[k].result();
            if (!qrSucceeded[job++]) {
                increment(StateLayout.FAILED_DECOMPOSITIONS);
                // Keep the previous basis, in the order V now has.
                if (order[k] != null) {
                    Nd4j.pullRows(basis[k], next, 0, order[k]);
                } else {
                    next.assign(basis[k]);
                }
            }
            changeBasisOfM(k, next);
            basis[k].assign(next);
            due[k] = false;
            order[k] = null;
        }
        Arrays.fill(qrJobs, null);
        Arrays.fill(qrInputs, null);
        // Every change of a basis renews the tag, so that only averaging can leave one that does not match.
        BasisTag.write(header, basis);
        refreshNanos += System.nanoTime() - start;
    }

    /**
     * {@code M = M x_k C} with {@code C = next^T Q_k}: M from the current basis {@code Q_k} into {@code next},
     * that is {@code M_(k) = C M_(k)} for the mode-k unfolding. The caller then makes {@code next} the basis.
     */
    private void changeBasisOfM(int k, INDArray next) {
        INDArray change = decompositions[k].product();
        Nd4j.gemm(next, basis[k], change, true, false, 1.0, 0.0);
        int r = shape.rank();
        if (k == 0) {
            Nd4j.gemm(change, m.front(0), scratchA.front(0), false, false, 1.0, 0.0);
        } else if (k == r - 1) {
            // The last working dimension is the slowest, so back(k) is the transposed unfolding.
            Nd4j.gemm(m.back(k), change, scratchA.back(k), false, true, 1.0, 0.0);
        } else {
            // A middle mode: the full rotation, every other mode passed through by a transposing copy.
            single[k] = change;
            rotate(m, scratchA, scratchB, single, true);
            single[k] = null;
        }
        m.flat().assign(scratchA.flat());
    }

    /**
     * {@code dst = project(src)} ({@code back} false: every mode times {@code Q_k^T}) or
     * {@code dst = projectBack(src)} ({@code back} true: times {@code Q_k}). The intermediate results alternate
     * between {@code tmp} and {@code dst} so that the last one lands in {@code dst}; {@code src} is not written.
     */
    private void rotate(TensorView src, TensorView dst, TensorView tmp, boolean back) {
        rotate(src, dst, tmp, basis, back);
    }

    /** As above with any per-mode matrices; a null matrix leaves its mode unchanged. */
    private void rotate(TensorView src, TensorView dst, TensorView tmp, INDArray[] matrices, boolean back) {
        int r = shape.rank();
        TensorView in = src;
        for (int i = 0; i < r; i++) {
            TensorView out = (r - 1 - i) % 2 == 0 ? dst : tmp;
            if (matrices[i] != null) {
                Nd4j.gemm(in.front(i), matrices[i], out.back(i), true, back, 1.0, 0.0);
            } else {
                out.back(i).assign(in.front(i).transpose());
            }
            in = out;
        }
    }

    /** {@code GG_k = beta * GG_k + alpha * G_(k) G_(k)^T}, with {@code G_(k)} the mode-k unfolding of {@code g}. */
    private void accumulateFactor(TensorView g, int k, double alpha, double beta) {
        int r = shape.rank();
        if (k == 0) {
            Nd4j.gemm(g.front(0), g.front(0), factor[k], false, true, alpha, beta);
        } else if (k == r - 1) {
            Nd4j.gemm(g.back(k), g.back(k), factor[k], true, false, alpha, beta);
        } else {
            // A middle dimension: bring it to the front in scratch B, then it is the first case.
            scratchFront3(k).assign(g.split(k).permute(1, 0, 2));
            Nd4j.gemm(scratchB.front(k), scratchB.front(k), factor[k], false, true, alpha, beta);
        }
    }

    private INDArray scratchFront3(int k) {
        if (scratchBFront3[k] == null) {
            long[] s = gradient.split(k).shape();
            scratchBFront3[k] = Views.fOrder(scratchB.flat(), 0, s[1], s[0], s[2]);
        }
        return scratchBFront3[k];
    }

    /**
     * The refresh up to its QR: {@code lambda = diag(Q^T GG Q)} orders the columns by descending estimated
     * eigenvalue, V is permuted to match along mode k, and {@code GG Q[:, idx]}, whose orthonormal factor is the
     * new basis, goes to the decomposition's QR input. Scratch B is free.
     *
     * @return the new column order, or null where it is the old one
     */
    private int[] powerIteration(int k) {
        Decompositions dec = decompositions[k];
        INDArray product = dec.product();
        Nd4j.gemm(factor[k], basis[k], product, false, false, 1.0, 0.0);
        int[] idx = descendingOrder(dec.columnDots(basis[k], product));
        INDArray qrInput = dec.qrInput();
        if (isIdentity(idx)) {
            qrInput.assign(product);
            return null;
        }
        Nd4j.pullRows(product, qrInput, 0, idx);
        permuteV(k, idx);
        return idx;
    }

    /** Permutes V along working dimension {@code k}: {@code V[.., i, ..] = V[.., idx[i], ..]}. */
    private void permuteV(int k, int[] idx) {
        int r = shape.rank();
        scratchB.flat().assign(v.flat());
        if (k == 0) {
            Nd4j.pullRows(scratchB.front(0), v.front(0), 1, idx);
        } else if (k == r - 1) {
            Nd4j.pullRows(scratchB.back(k), v.back(k), 0, idx);
        } else {
            // [before, d, after]: each of the `after` slices is a column-major before x d matrix.
            long[] split = v.split(k).shape();
            long slice = split[0] * split[1];
            for (long j = 0; j < split[2]; j++) {
                Nd4j.pullRows(Views.fOrder(scratchB.flat(), j * slice, split[0], split[1]),
                        Views.fOrder(v.flat(), j * slice, split[0], split[1]), 0, idx);
            }
        }
    }

    static int[] descendingOrder(double[] values) {
        return java.util.stream.IntStream.range(0, values.length).boxed()
                .sorted((i, j) -> Double.compare(values[j], values[i]))
                .mapToInt(Integer::intValue).toArray();
    }

    private static boolean isIdentity(int[] idx) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] != i) {
                return false;
            }
        }
        return true;
    }

    private long readCount() {
        return Math.round(header.getDouble(StateLayout.COUNT_HI)) * StateLayout.COUNT_SPLIT
                + Math.round(header.getDouble(StateLayout.COUNT_LO));
    }

    private void writeCount(long calls) {
        header.putScalar(StateLayout.COUNT_LO, calls % StateLayout.COUNT_SPLIT);
        header.putScalar(StateLayout.COUNT_HI, calls / StateLayout.COUNT_SPLIT);
    }

    /** @return a snapshot of this parameter's diagnostics; see {@link ParameterStats} */
    ParameterStats stats(String layerName, String paramName, ParamLayout layout) {
        long calls = readCount();
        long t = Math.max(0, calls - 1);
        List<ParameterStats.FactorStats> factors = new ArrayList<>();
        for (int k = 0; k < shape.rank(); k++) {
            if (factor[k] == null) {
                continue;
            }
            int d = shape.dim(k);
            int f = config.getPreconditionFrequency();
            int phase = refreshPhase[k];
            long refreshes = phase == 0 ? t / f : (t >= phase ? (t - phase) / f + 1 : 0);
            double[] lambda = calls == 0 ? new double[] {0}
                    : basis[k].mul(factor[k].mmul(basis[k])).sum(0).toDoubleVector();
            INDArray gram = basis[k].transpose().mmul(basis[k]);
            double orthoError = calls == 0 ? 0
                    : gram.subi(Nd4j.eye(d).castTo(gram.dataType())).amaxNumber().doubleValue();
            factors.add(new ParameterStats.FactorStats(d, Arrays.stream(lambda).min().orElse(0),
                    Arrays.stream(lambda).max().orElse(0), refreshes, phase, orthoError));
        }
        return new ParameterStats(layerName, paramName, layout, shape.toString(), t,
                Math.round(header.getDouble(StateLayout.SKIPPED_STEPS)),
                Math.round(header.getDouble(StateLayout.FAILED_DECOMPOSITIONS)),
                Math.round(header.getDouble(StateLayout.REPAIRED_BASES)), refreshNanos / 1e9, factors);
    }

    private void increment(int cell) {
        header.putScalar(cell, header.getDouble(cell) + 1);
    }

    @Override
    public String toString() {
        return "ParameterPreconditioner" + Arrays.toString(shape.dims());
    }
}
