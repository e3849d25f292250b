package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One parameter's slot of the updater state array ({@link StateLayout}, docs/state-layout.md), seen through views
 * created once: the call count and fault counters of the header, its basis tag, the moments {@code M} and
 * {@code V}, and per preconditioned working dimension the factor {@code GG_k} and the basis {@code Q_k}. It holds
 * no value of its own, so whatever Deeplearning4j does with the state array (checkpoints, averaging, a new array)
 * is all there is.
 */
final class ParameterSlot {
    private final INDArray header;
    /** The first moment in the eigenbasis. */
    final TensorView m;
    /** The second moment in the eigenbasis. */
    final TensorView v;
    /** {@code GG_k} per working dimension; null where the dimension is not preconditioned. */
    final INDArray[] factor;
    /** {@code Q_k} per working dimension; null where the dimension is not preconditioned. */
    final INDArray[] basis;

    /**
     * @param state      the whole block's state array (a contiguous vector)
     * @param slotOffset where this parameter's slot starts in it
     */
    ParameterSlot(PreconditionedShape shape, INDArray state, long slotOffset) {
        this.header = Views.fOrder(state, slotOffset, StateLayout.HEADER);
        this.m = new TensorView(state, slotOffset + StateLayout.offsetM(), shape);
        this.v = new TensorView(state, slotOffset + StateLayout.offsetV(shape), shape);
        int r = shape.rank();
        this.factor = new INDArray[r];
        this.basis = new INDArray[r];
        for (int k = 0; k < r; k++) {
            if (shape.isPreconditioned(k)) {
                int d = shape.dim(k);
                long off = slotOffset + StateLayout.offsetFactor(shape, k);
                factor[k] = Views.fOrder(state, off, d, d);
                basis[k] = Views.fOrder(state, off + (long) d * d, d, d);
            }
        }
    }

    /** @return the number of calls so far: 0 before the first, then the Adam step count plus one */
    long calls() {
        return Math.round(header.getDouble(StateLayout.COUNT_HI)) * StateLayout.COUNT_SPLIT
                + Math.round(header.getDouble(StateLayout.COUNT_LO));
    }

    void setCalls(long calls) {
        header.putScalar(StateLayout.COUNT_LO, calls % StateLayout.COUNT_SPLIT);
        header.putScalar(StateLayout.COUNT_HI, calls / StateLayout.COUNT_SPLIT);
    }

    /** @return the value of a counter cell ({@link StateLayout#SKIPPED_STEPS} and the two after it) */
    long counter(int cell) {
        return Math.round(header.getDouble(cell));
    }

    void increment(int cell) {
        header.putScalar(cell, header.getDouble(cell) + 1);
    }

    /** @return whether the bases are those this updater last tagged, not an element-wise average of several */
    boolean basesIntact() {
        return BasisTag.intact(header);
    }

    /** Tags the current bases; called after every change of a basis. */
    void tagBases() {
        BasisTag.write(header, basis);
    }
}
