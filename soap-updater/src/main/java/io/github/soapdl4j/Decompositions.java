package io.github.soapdl4j;

import org.nd4j.linalg.api.blas.Lapack;
import org.nd4j.linalg.api.blas.impl.BaseLapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two decompositions SOAP needs, through ND4J's LAPACK bindings, for {@code d x d} matrices: eigenvectors
 * by {@code syev} and the orthonormal factor of a QR decomposition by {@code geqrf} (+ {@code orgqr}).
 *
 * <p>LAPACK gets contiguous column-major buffers owned by this class (offset 0): ND4J ignores {@code syev}'s
 * status and returns garbage for strided input, so the results are checked for finiteness here and a failure
 * is reported to the caller, which keeps its previous basis.
 */
final class Decompositions {
    private final int d;
    private final INDArray work;
    private final INDArray r;
    private final INDArray eigenvalues;
    private final INDArray previous;
    private final int[] reversed;

    Decompositions(int d, DataType type) {
        this.d = d;
        this.work = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.r = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.eigenvalues = Nd4j.createUninitialized(type, new long[] {d}, 'f');
        this.previous = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.reversed = java.util.stream.IntStream.range(0, d).map(i -> d - 1 - i).toArray();
    }

    /** @return the size of the matrices this instance works on */
    int dim() {
        return d;
    }

    /** @return a {@code d x d} column-major matrix for a basis about to be replaced; only callers write it */
    INDArray previousBasis() {
        return previous;
    }

    /** @return a {@code d x d} column-major scratch matrix, free between calls */
    INDArray scratch() {
        return r;
    }

    /**
     * Writes the eigenvectors of the symmetric {@code factor} into the columns of {@code basis}, ordered by
     * descending eigenvalue (syev returns them ascending).
     *
     * @return false, leaving {@code basis} untouched, if LAPACK failed or returned non-finite values
     */
    boolean eigenvectorsDescending(INDArray factor, INDArray basis) {
        work.assign(factor);
        try {
            Nd4j.getBlasWrapper().lapack().syev('V', 'U', work, eigenvalues);
        } catch (RuntimeException | Error e) {
            return false;
        }
        if (!allFinite(work) || !allFinite(eigenvalues)) {
            return false;
        }
        Nd4j.pullRows(work, basis, 0, reversed);
        return true;
    }

    /** @return the eigenvalues found by the last successful {@link #eigenvectorsDescending}, ascending */
    INDArray lastEigenvalues() {
        return eigenvalues;
    }

    /**
     * Writes the orthonormal factor {@code Q} of {@code a = QR} into {@code basis}.
     *
     * @return false, leaving {@code basis} untouched, if LAPACK failed or returned non-finite values
     */
    boolean orthonormalFactor(INDArray a, INDArray basis) {
        if (a != work) {
            work.assign(a);
        }
        try {
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
        if (!allFinite(work)) {
            return false;
        }
        basis.assign(work);
        return true;
    }

    /** @return the {@code d x d} buffer {@link #orthonormalFactor} decomposes in place; fill it to avoid a copy */
    INDArray qrInput() {
        return work;
    }

    static boolean allFinite(INDArray a) {
        double s = a.sumNumber().doubleValue();
        return !Double.isNaN(s) && !Double.isInfinite(s) && a.amaxNumber().doubleValue() < Double.POSITIVE_INFINITY;
    }
}
