package io.github.soapdl4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The orthonormal factor of a QR decomposition, {@code geqrf} then {@code orgqr}, straight into the LAPACK of the
 * OpenBLAS library that ND4J's CPU backend has loaded, with the reflector scalars and the workspace allocated once
 * per matrix size. ND4J's own {@code geqrf} calls the same two routines with the same block sizes (so the results
 * are the same bits) but allocates both buffers and queries the workspace size on every call: 0.085 ms of the
 * 0.28 ms a 64x64 decomposition took on the project's machine, 0.3 ms of 2.0 ms at 256x256 (docs/performance.md).
 */
final class OpenBlasQr {
    private static final int COLUMN_MAJOR = 102;

    private final int d;
    private final boolean single;
    private final Pointer tau;
    private final Pointer work;
    private final int workLength;
    /** The last matrix decomposed and a pointer at its memory (a caller decomposes the same buffer each time). */
    private INDArray last;
    private Pointer lastPointer;

    private OpenBlasQr(int d, boolean single) {
        this.d = d;
        this.single = single;
        // Workspace queries: LAPACK writes the optimal length into the first element.
        if (single) {
            FloatPointer query = new FloatPointer(1);
            FloatPointer a = new FloatPointer(1);
            this.tau = new FloatPointer(Math.max(1, d));
            openblas.LAPACKE_sgeqrf_work(COLUMN_MAJOR, d, d, a, d, (FloatPointer) tau, query, -1);
            int geqrf = (int) query.get(0);
            openblas.LAPACKE_sorgqr_work(COLUMN_MAJOR, d, d, d, a, d, (FloatPointer) tau, query, -1);
            this.workLength = Math.max(1, Math.max(geqrf, (int) query.get(0)));
            this.work = new FloatPointer(workLength);
        } else {
            DoublePointer query = new DoublePointer(1);
            DoublePointer a = new DoublePointer(1);
            this.tau = new DoublePointer(Math.max(1, d));
            openblas.LAPACKE_dgeqrf_work(COLUMN_MAJOR, d, d, a, d, (DoublePointer) tau, query, -1);
            int geqrf = (int) query.get(0);
            openblas.LAPACKE_dorgqr_work(COLUMN_MAJOR, d, d, d, a, d, (DoublePointer) tau, query, -1);
            this.workLength = Math.max(1, Math.max(geqrf, (int) query.get(0)));
            this.work = new DoublePointer(workLength);
        }
    }

    /**
     * @return an instance for {@code d x d} matrices of {@code type}, or null where OpenBLAS's LAPACK bindings
     *         cannot be loaded (another backend) or the type is neither float32 nor float64
     */
    static OpenBlasQr load(int d, DataType type) {
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || !Nd4j.getEnvironment().isCPU()) {
            return null;
        }
        try {
            Class.forName("org.bytedeco.openblas.global.openblas");
            return new OpenBlasQr(d, type == DataType.FLOAT);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * Replaces the {@code d x d} column-major matrix {@code a}, which must start at its buffer's first element, by
     * the orthonormal factor of its QR decomposition.
     *
     * @return false where LAPACK reports a failure (the contents of {@code a} are then undefined)
     */
    boolean orthonormalize(INDArray a) {
        if (a.offset() != 0 || a.rows() != d || a.columns() != d || a.dataType() != (single ? DataType.FLOAT
                : DataType.DOUBLE) || a.data().pointer() == null) {
            throw new IllegalArgumentException("Expected a " + d + "x" + d + " matrix at the start of its buffer");
        }
        if (a != last) {
            lastPointer = single ? new FloatPointer(a.data().pointer()) : new DoublePointer(a.data().pointer());
            last = a;
        }
        if (single) {
            FloatPointer p = (FloatPointer) lastPointer;
            return openblas.LAPACKE_sgeqrf_work(COLUMN_MAJOR, d, d, p, d, (FloatPointer) tau, (FloatPointer) work,
                    workLength) == 0
                    && openblas.LAPACKE_sorgqr_work(COLUMN_MAJOR, d, d, d, p, d, (FloatPointer) tau,
                    (FloatPointer) work, workLength) == 0;
        }
        DoublePointer p = (DoublePointer) lastPointer;
        return openblas.LAPACKE_dgeqrf_work(COLUMN_MAJOR, d, d, p, d, (DoublePointer) tau, (DoublePointer) work,
                workLength) == 0
                && openblas.LAPACKE_dorgqr_work(COLUMN_MAJOR, d, d, d, p, d, (DoublePointer) tau,
                (DoublePointer) work, workLength) == 0;
    }
}
