package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The SOAP step of one parameter tensor (docs/algorithm.md §2 and §3): it sequences the phases, project, Adam in
 * the eigenbasis, project back, update the preconditioner and orthogonalize the bases that are due, over the
 * parameter's {@link ParameterSlot}. The products are {@link ModeProducts}, the refreshes {@link BasisRefresh},
 * and the schedule {@link RefreshSchedule}. A regular step allocates no array memory: every view of the slot and
 * of the scratch is made once, and every product writes into one of them.
 */
final class ParameterStep {
    private final Hyperparameters hyper;
    private final PreconditionedShape shape;
    private final ParameterSlot slot;
    private final TensorView scratchA;
    private final TensorView scratchB;
    private final BasisRefresh refresh;
    private final RefreshSchedule schedule;
    private final Kernels kernels;
    /** Per working dimension, its refresh phase ({@link RefreshSchedule#phase}); -1 where not preconditioned. */
    private final int[] phase;
    /** The modes due for a refresh on the current step; all false between steps. */
    private final boolean[] due;
    /** The view of the last gradient seen, remade only when Deeplearning4j hands over another array. */
    private TensorView gradientView;
    /** Diagnostics only (not state): time spent refreshing by this object since it was created. */
    private long refreshNanos;
    /** Diagnostics only: calls of zero gradient and state ({@link #emptyCall}) since this object was created. */
    private long emptySteps;
    /** Whether such calls are recognized; tests turn it off to compare with the full steps. */
    private boolean skipsEmptySteps = true;

    /**
     * @param firstFactor how many factors the block's earlier parameters hold (numbers this one's for the schedule)
     * @param state       the whole block's state array
     * @param slotOffset  where this parameter's slot starts in it
     * @param threads     the opt-in concurrent decompositions, or null
     */
    ParameterStep(Hyperparameters hyper, RefreshSchedule schedule, int firstFactor, PreconditionedShape shape,
                  INDArray state, long slotOffset, BlockScratch scratch, ConcurrentRefresh threads) {
        this.hyper = hyper;
        this.schedule = schedule;
        this.shape = shape;
        this.slot = new ParameterSlot(shape, state, slotOffset);
        this.scratchA = scratch.a(shape);
        this.scratchB = scratch.b(shape);
        this.kernels = scratch.kernels();
        this.refresh = new BasisRefresh(shape, slot, scratch.decompositionsFor(shape), scratchA, scratchB,
                kernels, hyper.refreshTolerance, threads);
        this.phase = new int[shape.rank()];
        this.due = new boolean[shape.rank()];
        int factorIndex = firstFactor;
        for (int k = 0; k < shape.rank(); k++) {
            phase[k] = shape.isPreconditioned(k) ? schedule.phase(factorIndex++) : -1;
        }
    }

    /**
     * Turns this parameter's slice of the block gradient, in place, into the update that Deeplearning4j subtracts
     * from the parameter.
     *
     * @param grad         the block gradient vector
     * @param from         where this parameter's elements start in it
     * @param learningRate the scheduled learning rate of this iteration
     */
    void step(INDArray grad, long from, double learningRate) {
        if (gradientView == null || !kernels.sameMemory(gradientView.flat(), grad, from)) {
            gradientView = new TensorView(grad, from, shape);
        }
        TensorView g = gradientView;
        double size = kernels.absoluteSum(g);
        if (!Double.isFinite(size)) {
            // A NaN or infinite gradient would poison every moment and factor for good: skip this parameter's
            // step entirely and count it.
            kernels.zero(g);
            slot.increment(StateLayout.SKIPPED_STEPS);
            return;
        }
        long calls = slot.calls();
        if (calls == 0) {
            firstCall(g);
        } else if (size == 0 && skipsEmptySteps && slot.basesIntact() && stateIsZero()) {
            emptyCall(calls);
        } else {
            laterCall(g, calls, learningRate);
        }
        slot.setCalls(calls + 1);
    }

    /**
     * Call {@code t} of a parameter whose gradient, moments and factors are all zero (one that has only ever had
     * zero gradients, such as those of a {@code FrozenLayerWithBackprop}, which Deeplearning4j zeroes). The full
     * step would multiply zeros by the bases and the decay rates, leave the state zero and compute a zero update,
     * which G already holds; a due refresh of a zero factor gives the identity. So only that is done. The first
     * nonzero gradient takes the full step from the same state, so the trajectory is the full steps' one.
     */
    private void emptyCall(long t) {
        if (t > 1 && markDue(t - 1)) {
            long start = System.nanoTime();
            refresh.orthogonalizeZeroFactors(due, true);
            Arrays.fill(due, false);
            refreshNanos += System.nanoTime() - start;
        }
        emptySteps++;
    }

    /** @return whether {@code M}, {@code V} and every factor are zero (checked for zero gradients only) */
    private boolean stateIsZero() {
        if (kernels.absoluteSum(slot.m) != 0 || kernels.absoluteSum(slot.v) != 0) {
            return false;
        }
        for (int k = 0; k < shape.rank(); k++) {
            if (slot.factor[k] != null && kernels.absoluteSum(slot.factor[k]) != 0) {
                return false;
            }
        }
        return true;
    }

    /** docs/algorithm.md §2: factors from this gradient, their eigenbases, and no parameter change. */
    private void firstCall(TensorView g) {
        updateFactors(g, 1 - hyper.factorDecay, 0.0);
        if (shape.anyPreconditioned()) {
            refresh.initialEigenbases();
        }
        kernels.zero(g);
    }

    /** docs/algorithm.md §3, every later call; {@code t} is the Adam step count after this call. */
    private void laterCall(TensorView g, long t, double learningRate) {
        boolean rotated = shape.anyPreconditioned();
        double b1 = hyper.beta1;
        double b2 = hyper.beta2;

        // §3 step 1. Gp = project(G). Without factors the eigenbasis is the identity and G is used as it is.
        TensorView gp = g;
        if (rotated) {
            // §3 step 8, basis part: the refresh that fell due on the previous call (t - 1), taken now, before G
            // is projected. Nothing between the two points reads the bases, so a single run is the same either
            // way; but state averaged across workers in between (ParallelWrapper, Spark) reaches every worker
            // identical, so each computes the same new bases from it and their moments stay comparable.
            boolean refreshDue = t > 1 && markDue(t - 1);
            boolean averaged = !slot.basesIntact();
            if (averaged) {
                markAveragedBases();
                refreshDue = true;
            }
            if (refreshDue) {
                // An averaged basis is not orthonormal: the opt-in tolerance test does not apply to it.
                timedOrthogonalize(!averaged);
            }
            ModeProducts.project(g, scratchA, scratchB, slot.basis, kernels);
            gp = scratchA;
        }
        // §3 step 8, factor part (update preconditioner): GG_k only feeds the next call's refresh, so it is updated now,
        // while G is still raw.
        updateFactors(g, 1 - hyper.factorDecay, hyper.factorDecay);
        // §3 steps 3-5. Adam in the eigenbasis, in one pass: M and V updated in place, and Gp replaced by
        // c(t) M / (sqrt(V) + eps) with c(t) = sqrt(1 - b2^t) / (1 - b1^t), the bias correction.
        double c = Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
        kernels.adam(gp, slot.m, slot.v, b1, b2, hyper.epsilon, c, t);
        // §3 step 5. N = projectBack(...), written over the gradient (which already holds it without factors).
        if (rotated) {
            ModeProducts.projectBack(scratchA, g, scratchB, slot.basis, kernels);
        }
        // §3 steps 4, 6, 7. The step size: lr, times c(t) with bias correction; the c(t) above is divided out
        // again, and with normalizeGradients N is divided by (1e-30 + its RMS).
        double step = learningRate * (hyper.correctBias ? c : 1);
        if (hyper.normalizeGradients) {
            double rms = Math.sqrt(kernels.sumOfSquares(g) / shape.length());
            kernels.scale(g, step / (c * 1e-30 + rms));
        } else {
            kernels.scale(g, step / c);
        }
    }

    /** {@code GG_k = beta * GG_k + alpha * G_(k) G_(k)^T} for every preconditioned mode. */
    private void updateFactors(TensorView g, double alpha, double beta) {
        for (int k = 0; k < shape.rank(); k++) {
            if (slot.factor[k] != null) {
                ModeProducts.accumulateFactor(g, k, slot.factor[k], alpha, beta, scratchB, kernels);
            }
        }
    }

    /** @return whether any basis is due at step {@code t}, marking those that are in {@link #due} */
    private boolean markDue(long t) {
        boolean any = false;
        for (int k = 0; k < shape.rank(); k++) {
            due[k] = phase[k] >= 0 && schedule.isDue(t, phase[k]);
            any |= due[k];
        }
        return any;
    }

    /**
     * docs/algorithm.md §5. Parameter averaging (ParallelWrapper, Spark) averages the state element-wise, and an
     * average of different orthonormal matrices is not orthonormal (columns that differed are shorter than 1, zero
     * for opposite signs). The basis tag tells when that happened; every basis of the parameter is then treated as
     * a stale one and refreshed at once, exactly as on a refresh step, with M carried from the averaged basis into
     * the new one. This marks every basis due and counts them.
     */
    private void markAveragedBases() {
        for (int k = 0; k < shape.rank(); k++) {
            due[k] = slot.factor[k] != null;
            if (due[k]) {
                slot.increment(StateLayout.REPAIRED_BASES);
            }
        }
    }

    private void timedOrthogonalize(boolean mayKeep) {
        long start = System.nanoTime();
        refresh.orthogonalize(due, mayKeep);
        Arrays.fill(due, false);
        refreshNanos += System.nanoTime() - start;
    }

    /** @return the view of the gradient memory made on an earlier call and reused while the memory is the same */
    TensorView gradientView() {
        return gradientView;
    }

    PreconditionedShape shape() {
        return shape;
    }

    ParameterSlot slot() {
        return slot;
    }

    /**
     * @return the refreshes basis {@code k} has had after {@code t} Adam steps: those due on steps {@code 1..t-1}
     * (the one due on step {@code t} runs at the start of the next call)
     */
    long refreshes(int k, long t) {
        return t < 2 ? 0 : schedule.refreshesUpTo(t - 1, phase[k]);
    }

    /** @return the refresh phase of working dimension {@code k}, or -1 where it is not preconditioned */
    int phase(int k) {
        return phase[k];
    }

    /** @return due refreshes the opt-in tolerance skipped since this object was created (diagnostics) */
    long keptBases() {
        return refresh.kept();
    }

    /** @return calls of zero gradient and state since this object was created (diagnostics, not state) */
    long emptySteps() {
        return emptySteps;
    }

    /** Makes every call take the full step, for tests that compare the two. */
    void takeFullStepsOnly() {
        skipsEmptySteps = false;
    }

    /** @return seconds spent refreshing since this object was created (diagnostics, not state) */
    double refreshSeconds() {
        return refreshNanos / 1e9;
    }

    @Override
    public String toString() {
        return "ParameterStep" + shape;
    }
}
