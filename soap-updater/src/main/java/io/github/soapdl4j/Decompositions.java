package io.github.soapdl4j;

import org.nd4j.linalg.api.blas.Lapack;
import org.nd4j.linalg.api.blas.impl.BaseLapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The two decompositions SOAP needs, through ND4J's LAPACK bindings, for {@code d x d} matrices: eigenvectors
 * by {@code syev} and the orthonormal factor of a QR decomposition by {@code geqrf} (+ {@code orgqr}).
 *
 * <p>LAPACK gets contiguous column-major buffers owned by this class (offset 0): ND4J ignores {@code syev}'s
 * status and returns garbage for strided input, so the results are checked for finiteness here. A float32
 * failure is retried once in float64; a failure after that is reported to the caller, which keeps its
 * previous basis.
 */
final class Decompositions {
    /** The largest size whose QR runs with OpenBLAS limited by {@link ThreadLimit#BLAS}. */
    static final int SINGLE_THREAD_QR_MAX_DIM = 1024;
    private final int d;
    private final INDArray work;
    private final INDArray r;
    private final INDArray eigenvalues;
    private final INDArray input;
    private final int[] reversed;
    /** The float64 twin that retries a failed float32 decomposition; created on the first retry. */
    private Decompositions doublePrecision;

    Decompositions(int d, DataType type) {
        this.d = d;
        this.work = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.r = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.eigenvalues = Nd4j.createUninitialized(type, new long[] {d}, 'f');
        this.input = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.reversed = java.util.stream.IntStream.range(0, d).map(i -> d - 1 - i).toArray();
    }

    /**
     * Writes the eigenvectors of the symmetric {@code factor} into the columns of {@code basis}, ordered by
     * descending eigenvalue (syev returns them ascending). A float32 failure is retried once in float64.
     *
     * @return false, leaving {@code basis} untouched, if LAPACK failed or returned non-finite values
     */
    boolean eigenvectorsDescending(INDArray factor, INDArray basis) {
        work.assign(factor);
        if (symmetricEigen()) {
            Nd4j.pullRows(work, basis, 0, reversed);
            canonicalSigns(basis);
            return true;
        }
        return retryInDouble() && doublePrecision.eigenvectorsDescending(factor, basis);
    }

    /**
     * Writes the orthonormal factor {@code Q} of {@code a = QR} into {@code basis}. A float32 failure is retried
     * once in float64.
     *
     * @return false, leaving {@code basis} untouched, if LAPACK failed or returned non-finite values
     */
    boolean orthonormalFactor(INDArray a, INDArray basis) {
        if (orthonormalFactor(a)) {
            basis.assign(work);
            return true;
        }
        return false;
    }

    /**
     * Computes the orthonormal factor {@code Q} of {@code a = QR} into {@link #result()}, where it stays until this
     * instance's next decomposition: a refresh still needs the old basis after the QR, to carry M into the new
     * one. A float32 failure is retried once in float64.
     *
     * @return false if LAPACK failed or returned non-finite values; {@link #result()} is then undefined
     */
    boolean orthonormalFactor(INDArray a) {
        work.assign(a);
        if (qrInPlace()) {
            return true;
        }
        if (retryInDouble() && doublePrecision.orthonormalFactor(a)) {
            work.assign(doublePrecision.result());
            return true;
        }
        return false;
    }

    /** @return the {@code d x d} column-major result of the last {@link #orthonormalFactor(INDArray)} */
    INDArray result() {
        return work;
    }

    /**
     * Flips each eigenvector whose entries sum to less than zero. An eigenvector's sign is arbitrary, and the
     * trajectory does not depend on it (M starts at zero in the first basis; later refreshes by QR inherit the
     * sign convention of Householder reflections, which does not depend on the signs of the input columns). But
     * workers whose states are averaged (ParallelWrapper, Spark) should agree on it: opposite signs average a
     * shared direction to zero, and its momentum with it.
     */
    private void canonicalSigns(INDArray basis) {
        INDArray signs = Transforms.sign(basis.sum(true, 0), false);
        // A column that sums to exactly zero keeps its sign.
        signs.addi(signs.eq(0).castTo(signs.dataType()));
        basis.muliRowVector(signs);
    }

    /** syev on {@code work}: eigenvectors replace it, eigenvalues (ascending) go to {@code eigenvalues}. */
    private boolean symmetricEigen() {
        try {
            Nd4j.getBlasWrapper().lapack().syev('V', 'U', work, eigenvalues);
        } catch (RuntimeException | Error e) {
            return false;
        }
        return allFinite(work) && allFinite(eigenvalues);
    }

    /** geqrf + orgqr on {@code work}: its orthonormal factor replaces it. */
    private boolean qrInPlace() {
        // Up to 1024, geqrf/orgqr ran faster on one BLAS thread than on two (19 against 35 ms at 512, 72 against
        // 86 ms at 1024); at 2048 two threads won (360-450 against 476 ms).
        try (ThreadLimit blasThreads = d <= SINGLE_THREAD_QR_MAX_DIM ? ThreadLimit.BLAS.enter() : null) {
            Lapack lapack = Nd4j.getBlasWrapper().lapack();
            if (lapack instanceof BaseLapack) {
                // geqrf() also copies R out with one put() per row, which costs as much as the decomposition;
                // the backends' own routine skips that when given no R.
                BaseLapack base = (BaseLapack) lapack;
                if (work.dataType() == DataType.DOUBLE) {
                    base.dgeqrf(d, d, work, null, null);
                } else {
                    base.sgeqrf(d, d, work, null, null);
                }
            } else {
                lapack.geqrf(work, r);
            }
        } catch (RuntimeException | Error e) {
            return false;
        }
        return allFinite(work);
    }

    /** @return whether a float64 retry exists for this instance (only float32 ones have one), creating it */
    private boolean retryInDouble() {
        if (work.dataType() == DataType.DOUBLE) {
            return false;
        }
        if (doublePrecision == null) {
            doublePrecision = new Decompositions(d, DataType.DOUBLE);
        }
        return true;
    }

    /**
     * @return {@code diag(q^T p)}: with {@code p = GG q}, the Rayleigh quotients of the columns of {@code q}, that
     *         is the eigenvalues of {@code GG} estimated in the basis {@code q}
     */
    double[] columnDots(INDArray q, INDArray p) {
        // One reduction over both matrices, instead of an element-wise product and a column sum.
        Nd4j.exec(new Dot(q, p, eigenvalues, 0));
        return eigenvalues.toDoubleVector();
    }

    /** @return a {@code d x d} column-major buffer for the caller to build a QR input in */
    INDArray qrInput() {
        return input;
    }

    /** @return a {@code d x d} column-major scratch matrix that only the caller uses between decompositions */
    INDArray product() {
        return r;
    }

    static boolean allFinite(INDArray a) {
        double s = a.sumNumber().doubleValue();
        return !Double.isNaN(s) && !Double.isInfinite(s) && a.amaxNumber().doubleValue() < Double.POSITIVE_INFINITY;
    }
}
