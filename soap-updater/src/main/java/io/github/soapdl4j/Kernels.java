package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of a SOAP step apart from the decompositions: the GEMMs of the mode products, Adam in the
 * eigenbasis, and the scaling, copies and permutations of the step and the refresh. Two implementations compute
 * the same values: {@link HostKernels}, for the CPU backend, calls OpenBLAS directly and runs the element-wise
 * work as loops on the calling thread over the arrays' memory; {@link Nd4jKernels}, ND4J ops, serves any
 * backend. Matrices are column-major and contiguous, vectors contiguous. An instance serves one thread at a time
 * (the host loops keep their working arrays).
 */
interface Kernels {

    /** @return the implementation for the ND4J backend in use: host code on a CPU backend, ND4J ops otherwise */
    static Kernels forBackend() {
        return Nd4j.getEnvironment().isCPU() ? new HostKernels() : new Nd4jKernels();
    }

    /** {@code c = alpha op(a) op(b) + beta c}, {@code op} transposing where asked; {@code c} is not an operand */
    void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha, double beta);

    /**
     * The lower triangle of {@code c = alpha op(x) op(x)^T + beta c}, with {@code op(x) = x^T} where
     * {@code transpose}: a factor update (docs/algorithm.md §3 step 8). The upper triangle of {@code c} may be left
     * as it was; {@link #mirrorLower} completes it.
     */
    void symmetricRankUpdate(INDArray x, boolean transpose, INDArray c, double alpha, double beta);

    /** Copies the strict lower triangle of the square matrix {@code c} onto its upper triangle. */
    void mirrorLower(INDArray c);

    /**
     * Adam in the eigenbasis (docs/algorithm.md §3 steps 3 and 5, without the step size): {@code M = b1 M + (1 -
     * b1) Gp}, {@code V = b2 V + (1 - b2) Gp^2}, then {@code Gp = c M / (sqrt(V) + eps)}.
     *
     * @param c {@code sqrt(1 - b2^t) / (1 - b1^t)} for Adam step {@code t}
     */
    void adam(TensorView gp, TensorView m, TensorView v, double b1, double b2, double eps, double c, long t);

    /** {@code x = s * x} */
    void scale(TensorView x, double s);

    /** @return the sum of the squares of {@code x}'s elements */
    double sumOfSquares(TensorView x);

    /** @return the sum of the squares of the elements of the contiguous array {@code a} */
    double sumOfSquares(INDArray a);

    /** {@code x = 0} */
    void zero(TensorView x);

    /** {@code q = I} for a column-major square matrix */
    void identity(INDArray q);

    /** {@code dst = src} for two contiguous arrays of the same length and data type */
    void copy(INDArray src, INDArray dst);

    /** {@code dst[:, i] = src[:, idx[i]]} for two column-major matrices of the same shape */
    void permuteColumns(INDArray src, INDArray dst, int[] idx);

    /** {@code dst[i, :] = src[idx[i], :]} for two column-major matrices of the same shape */
    void permuteRows(INDArray src, INDArray dst, int[] idx);

    /**
     * Swaps the first two dimensions: {@code dst[j, i, l] = src[i, j, l]}, with {@code src} the column-major
     * {@code a x b x c} tensor over the first {@code a b c} elements of the vector {@code src}, {@code dst} the
     * column-major {@code b x a x c} one over those of {@code dst} ({@code c = 1}: a transpose).
     */
    void swapLeadingDimensions(INDArray src, INDArray dst, long a, long b, long c);

    /**
     * {@code out = diag(q^T p)} for two column-major square matrices of the same size, each dot product summed in
     * float64 from the first row to the last
     */
    void columnDots(INDArray q, INDArray p, double[] out);

    /**
     * @return the sum of the absolute values of {@code x}'s elements: 0 exactly when every element is zero, and
     *         not finite when an element is not (or, in float64 only, when the sum passes 1.8e308)
     */
    double absoluteSum(TensorView x);

    /** @return the sum of the absolute values of the contiguous array {@code a}'s elements, as for a tensor */
    double absoluteSum(INDArray a);

    /**
     * @return whether every element of the contiguous array {@code a} is finite (in float64: and their absolute
     *         sum stays below 1.8e308)
     */
    default boolean allFinite(INDArray a) {
        return Double.isFinite(absoluteSum(a));
    }

    /**
     * @return whether {@code view} still reads and writes the elements of {@code array} from {@code from} on, so
     *         that views made of it once (and the native pointers cached for them) can serve a later call.
     *         Deeplearning4j hands the updater a new array object over the same gradient memory on every call.
     */
    boolean sameMemory(INDArray view, INDArray array, long from);
}
