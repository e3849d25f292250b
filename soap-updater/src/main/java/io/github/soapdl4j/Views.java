package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Column-major views over contiguous stretches of a flat array, without copying. */
final class Views {
    private Views() {
    }

    /**
     * @return an 'f'-order array of {@code shape} over {@code flat}'s elements {@code [from, from + prod(shape))}
     * @throws IllegalArgumentException if {@code flat} is not a contiguous vector
     */
    static INDArray fOrder(INDArray flat, long from, long... shape) {
        if (flat.rank() > 2 || (flat.length() > 1 && flat.elementWiseStride() != 1)) {
            throw new IllegalArgumentException("Expected a contiguous vector, got shape "
                    + java.util.Arrays.toString(flat.shape()) + " with element stride " + flat.elementWiseStride());
        }
        long[] strides = new long[shape.length];
        long stride = 1;
        long length = 1;
        for (int i = 0; i < shape.length; i++) {
            strides[i] = stride;
            stride *= shape[i];
            length *= shape[i];
        }
        if (from < 0 || from + length > flat.length()) {
            throw new IllegalArgumentException("View [" + from + ", " + (from + length) + ") exceeds an array of "
                    + flat.length() + " elements");
        }
        // A vector is the same memory in either order; 'c' keeps ND4J's element-wise ops on their fast path when
        // the other operands are ordinary 'c' vectors.
        return Nd4j.create(flat.data(), shape, strides, flat.offset() + from, 1, shape.length == 1 ? 'c' : 'f');
    }
}
