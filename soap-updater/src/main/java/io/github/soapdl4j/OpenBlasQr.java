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
 *
 * <p>Where a column's length in bytes is a multiple of 1 KiB (float32 sizes 256, 512, 1024, ...), the decomposition
 * runs on a copy whose columns are one cache line longer ({@link #leadingDimension}): with such strides the
 * level-2 panel work of {@code geqrf}/{@code orgqr}, which walks along rows, maps every column onto the same few
 * cache sets. On the project's machine a 512x512 float32 decomposition takes 7.0 instead of 11.6 ms and a
 * 1024x1024 one 38.7 instead of 69.0 ms, copies included, with the same bits (LAPACK's arithmetic does not depend
 * on the leading dimension).
 */
final class OpenBlasQr {
    private static final int COLUMN_MAJOR = 102;

    /** Bytes of one cache line, the padding added to a column whose length would alias cache sets. */
    private static final int CACHE_LINE = 64;
    private static final int ALIASING_STRIDE = 1024;

    private final int d;
    /** The leading dimension LAPACK works with: d, or d plus a cache line ({@link #leadingDimension}). */
    private final int ld;
    /** The padded copy LAPACK works on where ld != d, else null (the caller's matrix is decomposed in place). */
    private final Pointer padded;
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
        this.ld = leadingDimension(d, single ? Float.BYTES : Double.BYTES);
        // Workspace queries: LAPACK writes the optimal length into the first element.
        if (single) {
            FloatPointer query = new FloatPointer(1);
            FloatPointer a = new FloatPointer(1);
            this.tau = new FloatPointer(Math.max(1, d));
            openblas.LAPACKE_sgeqrf_work(COLUMN_MAJOR, d, d, a, ld, (FloatPointer) tau, query, -1);
            int geqrf = (int) query.get(0);
            openblas.LAPACKE_sorgqr_work(COLUMN_MAJOR, d, d, d, a, ld, (FloatPointer) tau, query, -1);
            this.workLength = Math.max(1, Math.max(geqrf, (int) query.get(0)));
            this.work = new FloatPointer(workLength);
            this.padded = ld == d ? null : new FloatPointer((long) ld * d);
        } else {
            DoublePointer query = new DoublePointer(1);
            DoublePointer a = new DoublePointer(1);
            this.tau = new DoublePointer(Math.max(1, d));
            openblas.LAPACKE_dgeqrf_work(COLUMN_MAJOR, d, d, a, ld, (DoublePointer) tau, query, -1);
            int geqrf = (int) query.get(0);
            openblas.LAPACKE_dorgqr_work(COLUMN_MAJOR, d, d, d, a, ld, (DoublePointer) tau, query, -1);
            this.workLength = Math.max(1, Math.max(geqrf, (int) query.get(0)));
            this.work = new DoublePointer(workLength);
            this.padded = ld == d ? null : new DoublePointer((long) ld * d);
        }
    }

    /**
     * @return {@code d}, or {@code d} plus one cache line of elements where a column of {@code d} elements of
     *         {@code bytes} each is a multiple of 1 KiB long
     */
    static int leadingDimension(int d, int bytes) {
        long column = (long) d * bytes;
        return column > 0 && column % ALIASING_STRIDE == 0 ? d + CACHE_LINE / bytes : d;
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
        // lacpy's 'A' (any other letter than U or L) copies the whole matrix between the two strides.
        byte all = 'A';
        if (single) {
            FloatPointer p = (FloatPointer) lastPointer;
            FloatPointer q = padded == null ? p : (FloatPointer) padded;
            return (padded == null || openblas.LAPACKE_slacpy_work(COLUMN_MAJOR, all, d, d, p, d, q, ld) == 0)
                    && openblas.LAPACKE_sgeqrf_work(COLUMN_MAJOR, d, d, q, ld, (FloatPointer) tau,
                    (FloatPointer) work, workLength) == 0
                    && openblas.LAPACKE_sorgqr_work(COLUMN_MAJOR, d, d, d, q, ld, (FloatPointer) tau,
                    (FloatPointer) work, workLength) == 0
                    && (padded == null || openblas.LAPACKE_slacpy_work(COLUMN_MAJOR, all, d, d, q, ld, p, d) == 0);
        }
        DoublePointer p = (DoublePointer) lastPointer;
        DoublePointer q = padded == null ? p : (DoublePointer) padded;
        return (padded == null || openblas.LAPACKE_dlacpy_work(COLUMN_MAJOR, all, d, d, p, d, q, ld) == 0)
                && openblas.LAPACKE_dgeqrf_work(COLUMN_MAJOR, d, d, q, ld, (DoublePointer) tau,
                (DoublePointer) work, workLength) == 0
                && openblas.LAPACKE_dorgqr_work(COLUMN_MAJOR, d, d, d, q, ld, (DoublePointer) tau,
                (DoublePointer) work, workLength) == 0
                && (padded == null || openblas.LAPACKE_dlacpy_work(COLUMN_MAJOR, all, d, d, q, ld, p, d) == 0);
    }
}
