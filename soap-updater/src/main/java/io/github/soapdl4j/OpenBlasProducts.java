package io.github.soapdl4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * GEMMs straight into the OpenBLAS library that ND4J's CPU backend has loaded, for {@link HostKernels}: the same
 * routine ND4J's own GEMM ends in, without the custom-op dispatch around it, which measured 0.1-0.17 ms per call
 * on the project's machine (a 64x64 product: 0.19 ms through {@code Nd4j.gemm}, 0.018 ms direct). It is the only
 * class that names OpenBLAS: {@link #load()} returns null where its bindings are absent (another backend).
 */
final class OpenBlasProducts {
    /** Cached pointers above this count are dropped: the views a block uses are few and made once. */
    private static final int MAX_CACHED = 1024;

    /** Native pointers at each operand's first element, by operand (the views are made once and reused). */
    private final Map<INDArray, Pointer> pointers = new IdentityHashMap<>();

    private OpenBlasProducts() {
    }

    /** @return an instance, or null if OpenBLAS's Java bindings cannot be loaded */
    static OpenBlasProducts load() {
        try {
            Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
            return new OpenBlasProducts();
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * {@code c = alpha op(a) op(b) + beta c} for column-major, contiguous float32 or float64 matrices of one data
     * type.
     *
     * @return false, computing nothing, for operands this cannot pass to OpenBLAS
     */
    boolean gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha,
                 double beta) {
        DataType type = c.dataType();
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || a.dataType() != type || b.dataType() != type
                || !columnMajor(a) || !columnMajor(b) || !columnMajor(c)) {
            return false;
        }
        Pointer pa = pointer(a);
        Pointer pb = pointer(b);
        Pointer pc = pointer(c);
        if (pa == null || pb == null || pc == null) {
            return false;
        }
        int m = (int) c.rows();
        int n = (int) c.columns();
        int k = (int) (transposeA ? a.rows() : a.columns());
        int lda = (int) Math.max(1, a.rows());
        int ldb = (int) Math.max(1, b.rows());
        int ldc = (int) Math.max(1, c.rows());
        int ta = transposeA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int tb = transposeB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasColMajor, ta, tb, m, n, k, (float) alpha,
                    (FloatPointer) pa, lda, (FloatPointer) pb, ldb, (float) beta, (FloatPointer) pc, ldc);
        } else {
            openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasColMajor, ta, tb, m, n, k, alpha,
                    (DoublePointer) pa, lda, (DoublePointer) pb, ldb, beta, (DoublePointer) pc, ldc);
        }
        return true;
    }

    /**
     * The lower triangle of {@code c = alpha op(x) op(x)^T + beta c}, {@code op(x) = x^T} where {@code transpose};
     * the upper triangle of {@code c} is not touched.
     *
     * @return false, computing nothing, for operands this cannot pass to OpenBLAS
     */
    boolean syrkLower(INDArray x, boolean transpose, INDArray c, double alpha, double beta) {
        DataType type = c.dataType();
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || x.dataType() != type || !columnMajor(x)
                || !columnMajor(c)) {
            return false;
        }
        Pointer px = pointer(x);
        Pointer pc = pointer(c);
        if (px == null || pc == null) {
            return false;
        }
        int n = (int) c.rows();
        int k = (int) (transpose ? x.rows() : x.columns());
        int ldx = (int) Math.max(1, x.rows());
        int ldc = (int) Math.max(1, c.rows());
        int trans = transpose ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_ssyrk(openblas_nolapack.CblasColMajor, openblas_nolapack.CblasLower, trans, n, k,
                    (float) alpha, (FloatPointer) px, ldx, (float) beta, (FloatPointer) pc, ldc);
        } else {
            openblas_nolapack.cblas_dsyrk(openblas_nolapack.CblasColMajor, openblas_nolapack.CblasLower, trans, n, k,
                    alpha, (DoublePointer) px, ldx, beta, (DoublePointer) pc, ldc);
        }
        return true;
    }

    /** A rank-2 array whose elements are packed column after column from its offset on. */
    private static boolean columnMajor(INDArray x) {
        return x.rank() == 2 && x.stride(0) == 1 && (x.columns() <= 1 || x.stride(1) == x.rows())
                && x.length() <= Integer.MAX_VALUE;
    }

    /**
     * @return a pointer at {@code x}'s first element (a view's data buffer starts where its root buffer does and
     *         the view's offset counts from there, see {@link HostMemory#of}), or null where that does not hold
     */
    private Pointer pointer(INDArray x) {
        Pointer p = pointers.get(x);
        if (p == null) {
            if (pointers.size() >= MAX_CACHED) {
                pointers.clear();
            }
            Pointer root = x.data().pointer();
            if (root == null || root.position() != 0) {
                return null;
            }
            p = x.dataType() == DataType.FLOAT ? new FloatPointer(root).position(x.offset())
                    : new DoublePointer(root).position(x.offset());
            pointers.put(x, p);
        }
        return p;
    }
}
