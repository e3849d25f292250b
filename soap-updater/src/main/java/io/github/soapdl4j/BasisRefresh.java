package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The eigenbases of one parameter: the first ones by eigendecomposition (docs/algorithm.md §2), and the refresh of
 * the modes the caller says are due (docs/algorithm.md §4): one power iteration from the current basis, the
 * columns ordered by estimated eigenvalue with V permuted to match, orthogonalization by QR, and the first moment
 * carried from the old basis into the new one.
 */
final class BasisRefresh {
    private final PreconditionedShape shape;
    private final ParameterSlot slot;
    private final Decompositions[] decompositions;
    private final TensorView scratchA;
    private final TensorView scratchB;
    private final ConcurrentRefresh threads;
    private final Kernels kernels;
    /** Opt-in: a due basis that diagonalizes its factor within this tolerance is kept; 0 never keeps one. */
    private final double tolerance;
    /** Diagnostics only (not state): due refreshes skipped by the tolerance since this object was created. */
    private long kept;
    private final QrBatch qr;
    /** Per mode, the new column order of a refresh in progress (null where unchanged); all null between calls. */
    private final int[][] order;
    /** Per-mode matrices for {@link ModeProducts#multiplyMode}; all null between uses. */
    private final INDArray[] single;
    /** Per preconditioned mode, the eigenvalue estimates and the column order of its last refresh. */
    private final double[][] lambda;
    private final int[][] columnOrder;
    /** Merge buffer for {@link #descendingOrder}, as long as the largest preconditioned dimension. */
    private final int[] sortBuffer;

    /**
     * @param decompositions LAPACK buffers per working dimension, distinct within the parameter
     * @param threads        null to run the decompositions in turn on the calling thread
     */
    BasisRefresh(PreconditionedShape shape, ParameterSlot slot, Decompositions[] decompositions,
                 TensorView scratchA, TensorView scratchB, Kernels kernels, double tolerance,
                 ConcurrentRefresh threads) {
        this.shape = shape;
        this.slot = slot;
        this.decompositions = decompositions;
        this.scratchA = scratchA;
        this.scratchB = scratchB;
        this.threads = threads;
        this.kernels = kernels;
        this.tolerance = tolerance;
        this.qr = new QrBatch(shape.rank());
        this.order = new int[shape.rank()][];
        this.single = new INDArray[shape.rank()];
        this.lambda = new double[shape.rank()][];
        this.columnOrder = new int[shape.rank()][];
        int largest = 0;
        for (int k = 0; k < shape.rank(); k++) {
            if (shape.isPreconditioned(k)) {
                lambda[k] = new double[shape.dim(k)];
                columnOrder[k] = new int[shape.dim(k)];
                largest = Math.max(largest, shape.dim(k));
            }
        }
        this.sortBuffer = new int[largest];
    }

    /**
     * The first bases: the eigenvectors of each factor by descending eigenvalue (docs/algorithm.md §2). A factor
     * whose decomposition fails gets the identity, which makes its dimension plain Adam until a refresh.
     */
    void initialEigenbases() {
        for (int k = 0; k < shape.rank(); k++) {
            INDArray basis = slot.basis[k];
            if (basis != null) {
                kernels.mirrorLower(slot.factor[k]);
            }
            if (basis != null && !decompositions[k].eigenvectorsDescending(slot.factor[k], basis)) {
                kernels.identity(basis);
                slot.increment(StateLayout.FAILED_DECOMPOSITIONS);
            }
        }
        slot.tagBases();
    }

    /**
     * Refreshes the bases of the modes with {@code due[k]} set and carries M from the old bases into the new ones.
     * The modes touch different dimensions of V and M, so doing each phase for all of them before the next phase
     * gives what refreshing them one after the other gives, and lets their QR decompositions run side by side.
     * A failed decomposition keeps the previous basis (in the order V now has) and is counted.
     */
    void orthogonalize(boolean[] due, boolean mayKeep) {
        for (int k = 0; k < shape.rank(); k++) {
            if (due[k]) {
                INDArray product = decompositions[k].product();
                // The factor updates keep the lower triangle only (ModeProducts.accumulateFactor).
                kernels.mirrorLower(slot.factor[k]);
                kernels.gemm(slot.factor[k], slot.basis[k], product, false, false, 1.0, 0.0);
                kernels.columnDots(slot.basis[k], product, lambda[k]);
                if (mayKeep && tolerance > 0 && diagonalizes(product, lambda[k])) {
                    due[k] = false;
                    kept++;
                    continue;
                }
                order[k] = powerIteration(k, product, lambda[k]);
                qr.add(decompositions[k]);
            }
        }
        // The new bases stay in the decompositions' buffers until M has been carried over from the old ones.
        qr.run(threads);
        int job = 0;
        for (int k = 0; k < shape.rank(); k++) {
            if (!due[k]) {
                continue;
            }
            INDArray next = decompositions[k].result();
            if (!qr.succeeded(job++)) {
                slot.increment(StateLayout.FAILED_DECOMPOSITIONS);
                if (order[k] != null) {
                    kernels.permuteColumns(slot.basis[k], next, order[k]);
                } else {
                    kernels.copy(slot.basis[k], next);
                }
            }
            carryMomentum(k, next);
            kernels.copy(next, slot.basis[k]);
            order[k] = null;
        }
        qr.clear();
        // Every change of a basis renews the tag, so that only averaging can leave one that does not match.
        slot.tagBases();
    }

    /**
     * What {@link #orthogonalize} computes when every factor of the parameter and its {@code M} and {@code V} are
     * zero (a parameter that has only had zero gradients): the power iteration {@code GG Q} is a zero matrix, whose
     * Householder QR gives the identity (LAPACK takes the reflector of a zero column to be the identity), and zero
     * moments need no carry or reordering. Where the opt-in tolerance applies, it keeps the basis
     * ({@code 0 <= tau * 0}). {@code ZeroGradientTest} checks the result bit for bit against the full refresh.
     */
    void orthogonalizeZeroFactors(boolean[] due, boolean mayKeep) {
        for (int k = 0; k < shape.rank(); k++) {
            if (!due[k]) {
                continue;
            }
            if (mayKeep && tolerance > 0) {
                kept++;
            } else {
                kernels.identity(slot.basis[k]);
            }
        }
        slot.tagBases();
    }

    /**
     * Whether the current basis {@code Q} still diagonalizes its factor within the tolerance:
     * {@code ||offdiag(Q^T GG Q)||_F^2 = ||Q^T P||_F^2 - sum(lambda^2) = ||P||_F^2 - sum(lambda^2)} for the
     * product {@code P = GG Q} and its column dots {@code lambda = diag(Q^T P)}, since {@code Q} is orthonormal.
     */
    private boolean diagonalizes(INDArray product, double[] lambda) {
        double total = kernels.sumOfSquares(product);
        double diagonal = 0;
        for (double l : lambda) {
            diagonal += l * l;
        }
        return Math.max(0, total - diagonal) <= tolerance * tolerance * total;
    }

    /** @return due refreshes skipped by the opt-in tolerance since this object was created (diagnostics) */
    long kept() {
        return kept;
    }

    /**
     * The refresh up to its QR, from {@code product = GG Q} and {@code lambda = diag(Q^T GG Q)}: lambda orders
     * the columns by descending estimated eigenvalue, V is permuted to match along mode k, and
     * {@code GG Q[:, idx]}, whose orthonormal factor is the new basis, goes to the decomposition's QR input.
     *
     * @return the new column order, or null where it is the old one
     */
    private int[] powerIteration(int k, INDArray product, double[] lambda) {
        Decompositions dec = decompositions[k];
        int[] idx = descendingOrder(lambda, columnOrder[k], sortBuffer);
        INDArray qrInput = dec.qrInput();
        if (isIdentity(idx)) {
            kernels.copy(product, qrInput);
            return null;
        }
        kernels.permuteColumns(product, qrInput, idx);
        permuteV(k, idx);
        return idx;
    }

    /**
     * {@code M = M x_k C} with {@code C = next^T Q_k}: M from the current basis into {@code next}. The reference
     * takes M back to the parameter's space with the old bases and projects it with the new ones; modes whose
     * basis did not change cancel out of that round trip, so only the refreshed mode's pair is left. It is taken
     * the cheaper way: as the reference does, back with {@code Q_k} and forward with {@code next^T} (two products
     * of {@code 2 d^2 m} flops, {@code m} the product of the other dimensions), or, where {@code m >= d}, through
     * {@code C} ({@code 2 d^3 + 2 d^2 m}).
     */
    private void carryMomentum(int k, INDArray next) {
        long d = shape.dim(k);
        long others = shape.length() / d;
        if (others < d) {
            ModeProducts.multiplyMode(slot.m, k, slot.basis[k], false, scratchA, scratchB, single, kernels);
            ModeProducts.multiplyMode(scratchA, k, next, true, slot.m, scratchB, single, kernels);
            return;
        }
        INDArray change = decompositions[k].product();
        kernels.gemm(next, slot.basis[k], change, true, false, 1.0, 0.0);
        ModeProducts.multiplyMode(slot.m, k, change, false, scratchA, scratchB, single, kernels);
        kernels.copy(scratchA.flat(), slot.m.flat());
    }

    /** Permutes V along working dimension {@code k}: {@code V[.., i, ..] = V[.., idx[i], ..]}. */
    private void permuteV(int k, int[] idx) {
        TensorView v = slot.v;
        int r = shape.rank();
        kernels.copy(v.flat(), scratchB.flat());
        if (k == 0) {
            kernels.permuteRows(scratchB.front(0), v.front(0), idx);
        } else if (k == r - 1) {
            kernels.permuteColumns(scratchB.back(k), v.back(k), idx);
        } else {
            // [before, d, after]: each of the `after` slices is a column-major before x d matrix.
            long[] split = v.split(k).shape();
            long slice = split[0] * split[1];
            for (long j = 0; j < split[2]; j++) {
                kernels.permuteColumns(Views.fOrder(scratchB.flat(), j * slice, split[0], split[1]),
                        Views.fOrder(v.flat(), j * slice, split[0], split[1]), idx);
            }
        }
    }

    /**
     * The indices of {@code values} by descending value ({@link Double#compare}'s order), equal values in index
     * order (a stable merge sort, without boxing: refresh steps allocate nothing either).
     *
     * @param idx    receives the order; as long as {@code values}
     * @param buffer merge space, at least as long
     * @return {@code idx}
     */
    static int[] descendingOrder(double[] values, int[] idx, int[] buffer) {
        int n = values.length;
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        int[] from = idx;
        int[] to = buffer;
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                for (int out = lo; out < hi; out++) {
                    // Take from the right run only when its value is strictly larger: ties keep index order.
                    if (j < hi && (i >= mid || Double.compare(values[from[j]], values[from[i]]) > 0)) {
                        to[out] = from[j++];
                    } else {
                        to[out] = from[i++];
                    }
                }
            }
            int[] swap = from;
            from = to;
            to = swap;
        }
        if (from != idx) {
            System.arraycopy(from, 0, idx, 0, n);
        }
        return idx;
    }

    private static boolean isIdentity(int[] idx) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] != i) {
                return false;
            }
        }
        return true;
    }
}
