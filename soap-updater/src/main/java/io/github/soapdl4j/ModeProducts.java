package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tensor products of a SOAP step, stateless: every operand, output and scratch tensor is an argument. Each is
 * one GEMM per mode on the column-major unfoldings of {@link TensorView}, writing into a preallocated output.
 */
final class ModeProducts {
    private ModeProducts() {
    }

    /**
     * {@code dst = project(src)}: every preconditioned mode {@code k} multiplied by {@code Q_k^T}, the gradient
     * taken into the eigenbasis (docs/algorithm.md §3 step 1). {@code src} is not written.
     */
    static void project(TensorView src, TensorView dst, TensorView tmp, INDArray[] bases, Kernels kernels) {
        rotate(src, dst, tmp, bases, false, kernels);
    }

    /**
     * {@code dst = projectBack(src)}: every preconditioned mode {@code k} multiplied by {@code Q_k}, the update
     * taken back to the parameter's space (docs/algorithm.md §3 step 5). {@code src} is not written.
     */
    static void projectBack(TensorView src, TensorView dst, TensorView tmp, INDArray[] bases, Kernels kernels) {
        rotate(src, dst, tmp, bases, true, kernels);
    }

    /**
     * Contracts every mode {@code i} of {@code src} with {@code matrices[i]} ({@code back}: with its transpose),
     * passing modes whose matrix is null through unchanged. Each step moves the contracted mode to the end, so
     * after all of them the order is the original one; the intermediate results alternate between {@code tmp} and
     * {@code dst} so that the last one lands in {@code dst}.
     */
    static void rotate(TensorView src, TensorView dst, TensorView tmp, INDArray[] matrices, boolean back,
                       Kernels kernels) {
        int r = src.rank();
        TensorView in = src;
        for (int i = 0; i < r; i++) {
            TensorView out = (r - 1 - i) % 2 == 0 ? dst : tmp;
            if (matrices[i] != null) {
                kernels.gemm(in.front(i), matrices[i], out.back(i), true, back, 1.0, 0.0);
            } else {
                int d = src.dim(i);
                kernels.swapLeadingDimensions(in.flat(), out.flat(), d, src.length() / d, 1);
            }
            in = out;
        }
    }

    /**
     * {@code out = x} with mode {@code k} multiplied by {@code c} ({@code transposeC}: by {@code c^T}), that is
     * {@code out_(k) = c x_(k)} for the mode-k unfolding. The first and last modes are one GEMM on {@code x}'s
     * unfoldings; a middle mode takes the full rotation with the other modes passed through, using {@code tmp}
     * and {@code single} (an all-null array of one matrix per mode, left all-null again). {@code x} is not
     * written.
     */
    static void multiplyMode(TensorView x, int k, INDArray c, boolean transposeC, TensorView out, TensorView tmp,
                             INDArray[] single, Kernels kernels) {
        int r = x.rank();
        if (k == 0) {
            kernels.gemm(c, x.front(0), out.front(0), transposeC, false, 1.0, 0.0);
        } else if (k == r - 1) {
            // The last working dimension is the slowest, so back(k) is the transposed unfolding.
            kernels.gemm(x.back(k), c, out.back(k), false, !transposeC, 1.0, 0.0);
        } else {
            // rotate multiplies by its matrices with back set, by their transposes without.
            single[k] = c;
            rotate(x, out, tmp, single, !transposeC, kernels);
            single[k] = null;
        }
    }

    /**
     * {@code factor = beta * factor + alpha * G_(k) G_(k)^T}, with {@code G_(k)} the mode-k unfolding of
     * {@code g}: the update of the Kronecker factor {@code GG_k} (docs/algorithm.md §3 step 8), of its lower
     * triangle only (a symmetric rank-k update, half a GEMM's work); the refresh completes the upper triangle
     * before it reads the factor. A middle mode is first copied to the front in {@code tmp}.
     */
    static void accumulateFactor(TensorView g, int k, INDArray factor, double alpha, double beta, TensorView tmp,
                                 Kernels kernels) {
        int r = g.rank();
        if (k == 0) {
            kernels.symmetricRankUpdate(g.front(0), false, factor, alpha, beta);
        } else if (k == r - 1) {
            kernels.symmetricRankUpdate(g.back(k), true, factor, alpha, beta);
        } else {
            long[] split = g.split(k).shape();
            kernels.swapLeadingDimensions(g.flat(), tmp.flat(), split[0], split[1], split[2]);
            kernels.symmetricRankUpdate(tmp.front(k), false, factor, alpha, beta);
        }
    }
}
