package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One parameter-sized tensor (a gradient, a moment, a scratch buffer) seen through its working dimensions
 * {@code w_0..w_{r-1}} (fastest first, see {@link PreconditionedShape}), with the matrix views that the mode
 * products need, created once.
 *
 * <p>Contracting working dimension 0 of an 'f'-order tensor with a matrix {@code Q} is the GEMM
 * {@code Y = X_(0)^T Q}, where {@code X_(0)} is the tensor viewed as a {@code w_0 x (n/w_0)} column-major matrix.
 * {@code Y}, read as an 'f'-order tensor, has dimensions {@code [w_1, .., w_{r-1}, w_0]}: the contracted dimension
 * moves to the end. After {@code r} such steps every dimension has been contracted once and the original order
 * is back. {@link #front(int)} and {@link #back(int)} are the input and output matrices of step {@code i}.
 */
final class TensorView {
    private final INDArray flat;
    private final PreconditionedShape shape;
    private final INDArray[] front;
    private final INDArray[] back;
    private final INDArray[] split;
    private final INDArray[] modeFirst;
    /** {@link #host()}, once resolved. */
    private HostMemory host;
    private boolean hostResolved;

    /** @param flat a contiguous vector holding {@code shape.length()} elements from its start */
    TensorView(INDArray flat, PreconditionedShape shape) {
        this(flat, 0, shape);
    }

    TensorView(INDArray flat, long from, PreconditionedShape shape) {
        this.flat = Views.fOrder(flat, from, shape.length());
        this.shape = shape;
        int r = shape.rank();
        this.front = new INDArray[r];
        this.back = new INDArray[r];
        this.split = new INDArray[r];
        this.modeFirst = new INDArray[r];
    }

    /** @return the number of working dimensions */
    int rank() {
        return shape.rank();
    }

    /** @return the size of working dimension {@code i} */
    int dim(int i) {
        return shape.dim(i);
    }

    /** @return the number of elements */
    int length() {
        return shape.length();
    }

    /** @return the tensor as a contiguous vector */
    INDArray flat() {
        return flat;
    }

    /** @return the tensor rotated {@code i} times, as a {@code w_i x (n/w_i)} column-major matrix */
    INDArray front(int i) {
        if (front[i] == null) {
            int d = shape.dim(i);
            front[i] = Views.fOrder(flat, 0, d, shape.length() / d);
        }
        return front[i];
    }

    /** @return the tensor rotated {@code i + 1} times, as a {@code (n/w_i) x w_i} column-major matrix */
    INDArray back(int i) {
        if (back[i] == null) {
            int d = shape.dim(i);
            back[i] = Views.fOrder(flat, 0, shape.length() / d, d);
        }
        return back[i];
    }

    /** @return the unrotated tensor as a column-major {@code [prod(w_<i), w_i, prod(w_>i)]} array */
    INDArray split(int i) {
        if (split[i] == null) {
            long before = 1;
            for (int k = 0; k < i; k++) {
                before *= shape.dim(k);
            }
            int d = shape.dim(i);
            split[i] = Views.fOrder(flat, 0, before, d, shape.length() / before / d);
        }
        return split[i];
    }

    /**
     * @return this tensor's memory as a column-major {@code [w_i, prod(w_<i), prod(w_>i)]} array: where
     *         {@link #split(int)} of another tensor, permuted to bring {@code w_i} first, is copied so that
     *         {@link #front(int)} reads it as the mode-{@code i} unfolding
     */
    INDArray modeFirst(int i) {
        if (modeFirst[i] == null) {
            long before = 1;
            for (int k = 0; k < i; k++) {
                before *= shape.dim(k);
            }
            int d = shape.dim(i);
            modeFirst[i] = Views.fOrder(flat, 0, d, before, shape.length() / before / d);
        }
        return modeFirst[i];
    }

    /** @return the memory of {@link #flat()} as Java addresses it, or null where it cannot ({@link HostMemory#of}) */
    HostMemory host() {
        if (!hostResolved) {
            host = HostMemory.of(flat);
            hostResolved = true;
        }
        return host;
    }
}
