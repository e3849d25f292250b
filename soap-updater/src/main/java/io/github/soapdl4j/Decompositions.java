package io.github.soapdl4j;

import org.nd4j.linalg.api.blas.BlasException;
import org.nd4j.linalg.api.blas.Lapack;
import org.nd4j.linalg.api.blas.impl.BaseLapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.stream.IntStream;

/**
 * The two decompositions SOAP needs, through ND4J's LAPACK bindings, for {@code d x d} matrices: eigenvectors by
 * {@code syev} (the first basis, docs/algorithm.md §2) and the orthonormal factor of a QR decomposition by
 * {@code geqrf} + {@code orgqr} (every refresh, docs/algorithm.md §4). On the CPU backend the QR calls the same
 * LAPACK routines directly, with a workspace kept between calls ({@link OpenBlasQr}).
 *
 * <p>LAPACK gets contiguous column-major buffers owned by this class (offset 0): ND4J ignores {@code syev}'s
 * status and returns garbage for strided input, so the results are checked for finiteness here. A float32 failure
 * is retried once in float64; a failure after that is reported to the caller, which keeps its previous basis.
 * Only failures of the decomposition count: LAPACK's {@link BlasException} (an {@link Error} in ND4J, thrown for a
 * nonzero LAPACK status), another {@link RuntimeException} from the call, or a non-finite result. Every other
 * {@link Error} (out of memory, a missing native library) propagates.
 */
final class Decompositions {
    /**
     * Entries of an eigenvector within this relative distance of its largest magnitude count as tied for
     * {@link #canonicalSigns}: exact ties (eigenvectors such as {@code (1, -1) / sqrt 2}) come out of LAPACK
     * with last-bit differences that would otherwise decide the sign.
     */
    static final double SIGN_TIE = 1e-5;

    private final int d;
    private final Lapack lapack;
    private final Kernels kernels;
    private final INDArray work;
    private final INDArray r;
    private final INDArray eigenvalues;
    private final INDArray input;
    private final int[] reversed;
    /** The QR through OpenBLAS directly, or null to go through {@link #lapack}. */
    private final OpenBlasQr directQr;
    /** The float64 twin that retries a failed float32 decomposition; created on the first retry. */
    private Decompositions doublePrecision;

    /**
     * ND4J's LAPACK binding, and the direct QR where the CPU backend's OpenBLAS is there. The instance has kernels
     * of its own: the decompositions of one refresh may run on different threads ({@link ConcurrentRefresh}).
     */
    Decompositions(int d, DataType type) {
        this(d, type, Nd4j.getBlasWrapper().lapack(), Kernels.forBackend(), OpenBlasQr.load(d, type));
    }

    /** @param lapack the LAPACK binding to call for every decomposition (tests pass one that fails) */
    Decompositions(int d, DataType type, Lapack lapack) {
        this(d, type, lapack, Kernels.forBackend(), null);
    }

    private Decompositions(int d, DataType type, Lapack lapack, Kernels kernels, OpenBlasQr directQr) {
        this.d = d;
        this.lapack = lapack;
        this.kernels = kernels;
        this.directQr = directQr;
        this.work = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.r = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.eigenvalues = Nd4j.createUninitialized(type, new long[] {d}, 'f');
        this.input = Nd4j.createUninitialized(type, new long[] {d, d}, 'f');
        this.reversed = IntStream.range(0, d).map(i -> d - 1 - i).toArray();
    }

    /**
     * Writes the eigenvectors of the symmetric {@code factor} into the columns of {@code basis}, ordered by
     * descending eigenvalue (syev returns them ascending), each with the sign of {@link #canonicalSigns}. A float32
     * failure is retried once in float64.
     *
     * @return false, leaving {@code basis} untouched, if LAPACK failed or returned non-finite values
     */
    boolean eigenvectorsDescending(INDArray factor, INDArray basis) {
        kernels.copy(factor, work);
        if (symmetricEigen()) {
            kernels.permuteColumns(work, basis, reversed);
            canonicalSigns(basis);
            return true;
        }
        return retryInDouble() && doublePrecision.eigenvectorsDescending(factor, basis);
    }

    /**
     * Computes the orthonormal factor {@code Q} of {@code a = QR} into {@link #result()}, where it stays until this
     * instance's next decomposition: a refresh still needs the old basis after the QR, to carry M into the new
     * one. A float32 failure is retried once in float64.
     *
     * @return false if LAPACK failed or returned non-finite values; {@link #result()} is then undefined
     */
    boolean orthonormalFactor(INDArray a) {
        kernels.copy(a, work);
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
     * Gives each eigenvector the sign that makes its entry of largest magnitude positive (of entries tied within
     * {@link #SIGN_TIE}, the one of lowest index). An eigenvector's sign is arbitrary and LAPACK's choice depends on
     * the BLAS thread count (whole columns flip between one and two threads). The trajectory does not depend on it
     * (M starts at zero in the first basis, and every product that uses a basis uses it twice), but workers whose
     * states are averaged (ParallelWrapper, Spark) must agree on it: opposite signs average a shared direction, and
     * its momentum, to zero. The rule reads one column at a time: it runs once per factor, on the first call.
     */
    static void canonicalSigns(INDArray basis) {
        for (int j = 0; j < basis.columns(); j++) {
            INDArray column = basis.getColumn(j);
            double[] v = column.toDoubleVector();
            double largest = 0;
            for (double x : v) {
                largest = Math.max(largest, Math.abs(x));
            }
            for (double x : v) {
                if (Math.abs(x) >= largest * (1 - SIGN_TIE)) {
                    if (x < 0) {
                        column.negi();
                    }
                    break;
                }
            }
        }
    }

    /** syev on {@code work}: eigenvectors replace it, eigenvalues (ascending) go to {@code eigenvalues}. */
    private boolean symmetricEigen() {
        try {
            lapack.syev('V', 'U', work, eigenvalues);
        } catch (RuntimeException | BlasException e) {
            return false;
        }
        return kernels.allFinite(work) && kernels.allFinite(eigenvalues);
    }

    /** geqrf + orgqr on {@code work}: its orthonormal factor replaces it. */
    private boolean qrInPlace() {
        try {
            if (directQr != null) {
                if (!directQr.orthonormalize(work)) {
                    return false;
                }
            } else if (lapack instanceof BaseLapack) {
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
        } catch (RuntimeException | BlasException e) {
            return false;
        }
        return kernels.allFinite(work);
    }

    /** @return whether a float64 retry exists for this instance (only float32 ones have one), creating it */
    private boolean retryInDouble() {
        if (work.dataType() == DataType.DOUBLE) {
            return false;
        }
        if (doublePrecision == null) {
            doublePrecision = new Decompositions(d, DataType.DOUBLE, lapack, kernels,
                    directQr == null ? null : OpenBlasQr.load(d, DataType.DOUBLE));
        }
        return true;
    }

    /** @return a {@code d x d} column-major buffer for the caller to build a QR input in */
    INDArray qrInput() {
        return input;
    }

    /** @return a {@code d x d} column-major scratch matrix that only the caller uses between decompositions */
    INDArray product() {
        return r;
    }

}
