package io.github.soapdl4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scratch memory of one updater block, shared by its parameters, which are stepped one after the other: two
 * parameter-sized tensors, and the LAPACK work buffers ({@link Decompositions}) per matrix size. Nothing here
 * outlives a step's use of it, so none of it is state.
 */
final class BlockScratch {
    private final DataType type;
    private final INDArray a;
    private final INDArray b;
    private final Kernels kernels;
    /** Decomposition buffer sets by matrix size: the n-th set of a size serves the n-th factor of that size. */
    private final Map<Integer, List<Decompositions>> decompositions = new HashMap<>();

    /** @param maxLength the length of the block's largest parameter */
    BlockScratch(DataType type, int maxLength) {
        this.type = type;
        this.a = Nd4j.createUninitialized(type, maxLength);
        this.b = Nd4j.createUninitialized(type, maxLength);
        this.kernels = Kernels.forBackend();
    }

    /** @return the element-wise arithmetic for this block's arrays */
    Kernels kernels() {
        return kernels;
    }

    /** @return the first scratch tensor, seen with {@code shape} */
    TensorView a(PreconditionedShape shape) {
        return new TensorView(a, shape);
    }

    /** @return the second scratch tensor, seen with {@code shape} */
    TensorView b(PreconditionedShape shape) {
        return new TensorView(b, shape);
    }

    /**
     * @return decomposition buffers per working dimension of {@code shape} (null where not preconditioned). The
     *         factors of one parameter get distinct sets, because their decompositions may run side by side
     *         ({@link ConcurrentRefresh}); different parameters, refreshed one after the other, share them.
     */
    Decompositions[] decompositionsFor(PreconditionedShape shape) {
        Decompositions[] out = new Decompositions[shape.rank()];
        Map<Integer, Integer> sameSize = new HashMap<>();
        for (int k = 0; k < shape.rank(); k++) {
            if (shape.isPreconditioned(k)) {
                int d = shape.dim(k);
                int nth = sameSize.merge(d, 1, Integer::sum) - 1;
                List<Decompositions> ofSize = decompositions.computeIfAbsent(d, size -> new ArrayList<>());
                while (ofSize.size() <= nth) {
                    ofSize.add(new Decompositions(d, type));
                }
                out[k] = ofSize.get(nth);
            }
        }
        return out;
    }
}
