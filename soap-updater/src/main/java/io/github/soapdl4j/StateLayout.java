package io.github.soapdl4j;

/**
 * Where one parameter's SOAP state sits in its slot of Deeplearning4j's updater state view array.
 *
 * <p>A slot holds, in this order:
 * <ol>
 *   <li>the call count {@code c} in two cells, {@code c = hi * 2^23 + lo} with {@code 0 <= lo < 2^23}, so that
 *       it stays exact in a float32 array up to 2^47 calls. {@code c = 0} means no basis yet (the first call
 *       is still to come); afterwards the Adam step count is {@code t = c - 1};</li>
 *   <li>the number of calls skipped because the gradient held NaN or infinite values;</li>
 *   <li>the number of eigen or QR decompositions that failed (the previous basis was kept);</li>
 *   <li>the number of bases found no longer orthonormal (averaged across workers) and rebuilt;</li>
 *   <li>a tag of the current bases: {@value #TAG_PAIRS} numbers {@code x} in [1, 2) hashed from their entries,
 *       each followed by {@code x^2} (see {@link BasisTag});</li>
 *   <li>{@code M}, the first moment in the eigenbasis, {@code n} cells in the parameter's memory order;</li>
 *   <li>{@code V}, the second moment in the eigenbasis, likewise;</li>
 *   <li>for each preconditioned working dimension {@code k} of size {@code d}: the factor {@code GG_k}, then the
 *       basis {@code Q_k}, each {@code d x d} column-major.</li>
 * </ol>
 * The slot size is {@code 13 + 2n + sum_k 2 d_k^2}; the configuration's {@code stateSize} may pad it (see there).
 * docs/state-layout.md describes the same layout for users.
 */
final class StateLayout {
    /** Pairs of cells in the basis tag. */
    static final int TAG_PAIRS = 4;
    /** Cells before {@code M}: the call count (two cells), three fault counters and the basis tag. */
    static final int HEADER = 5 + 2 * TAG_PAIRS;
    static final int COUNT_LO = 0;
    static final int COUNT_HI = 1;
    static final int SKIPPED_STEPS = 2;
    static final int FAILED_DECOMPOSITIONS = 3;
    static final int REPAIRED_BASES = 4;
    /** The first cell of the basis tag. */
    static final int BASIS_TAG = 5;
    /** The split of the call count between its two cells: exact in float32 (24-bit significand). */
    static final long COUNT_SPLIT = 1L << 23;

    private StateLayout() {
    }

    /** @return the unpadded state size of a parameter with this shape */
    static long size(PreconditionedShape shape) {
        long size = HEADER + 2L * shape.length();
        for (int k = 0; k < shape.rank(); k++) {
            if (shape.isPreconditioned(k)) {
                size += 2L * shape.dim(k) * shape.dim(k);
            }
        }
        return size;
    }

    static long offsetM() {
        return HEADER;
    }

    static long offsetV(PreconditionedShape shape) {
        return HEADER + (long) shape.length();
    }

    /** @return the offset of {@code GG_k}; {@code Q_k} follows it */
    static long offsetFactor(PreconditionedShape shape, int k) {
        long off = HEADER + 2L * shape.length();
        for (int i = 0; i < k; i++) {
            if (shape.isPreconditioned(i)) {
                off += 2L * shape.dim(i) * shape.dim(i);
            }
        }
        return off;
    }
}
