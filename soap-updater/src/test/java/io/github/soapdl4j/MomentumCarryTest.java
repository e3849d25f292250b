package io.github.soapdl4j;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first moment carried into refreshed bases (docs/algorithm.md §3 step 8 and §4 step 5) against the definition,
 * computed here with plain ND4J tensor products: after the call that refreshes every basis, {@code M} must be
 * {@code b1 · project_new(projectBack_old(M_before)) + (1 − b1) · project_new(G)}. The shapes put the refreshed
 * modes on both of the updater's ways of carrying {@code M} (through the change of basis {@code Q_newᵀ Q_old} where
 * the other dimensions hold at least as many elements as the mode, back and forward otherwise), on the first, a
 * middle and the last dimension.
 */
class MomentumCarryTest {
    private static final int FREQUENCY = 10;

    static Stream<long[]> shapes() {
        return Stream.of(new long[]{24, 6}, new long[]{6, 24}, new long[]{8, 8}, new long[]{20, 3, 2},
                new long[]{3, 20, 2}, new long[]{2, 3, 20});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void refreshCarriesTheFirstMomentIntoTheNewBases(long[] shape) {
        Soap soap = Soap.builder().preconditionFrequency(FREQUENCY).build();
        ParamLayout layout = new ParamLayout("w", shape, 'f');
        soap = soap.withLayout(List.of(layout));
        PreconditionedShape working = soap.shapeOf(layout);
        int[] dims = working.dims();
        INDArray state = Nd4j.create(DataType.DOUBLE, soap.stateSize(layout.length()));
        SoapUpdater updater = soap.instantiate(state, true);
        ParameterSlot slot = new ParameterSlot(working, state, 0);
        Nd4j.getRandom().setSeed(Arrays.hashCode(shape));

        // Call 0 builds the bases, calls 1..10 are the Adam steps t = 1..10; the refresh due after t = 10 runs at
        // the start of call 11.
        for (int call = 0; call <= FREQUENCY; call++) {
            updater.applyUpdater(Nd4j.randn(DataType.DOUBLE, layout.length()), call, 0);
        }
        INDArray mBefore = tensor(slot.m.flat(), dims);
        INDArray[] oldBases = bases(slot, working);
        INDArray g = Nd4j.randn(DataType.DOUBLE, layout.length());
        INDArray gradient = tensor(g, dims);
        updater.applyUpdater(g, FREQUENCY + 1, 0);
        INDArray[] newBases = bases(slot, working);
        for (int k = 0; k < dims.length; k++) {
            assertTrue(!newBases[k].equals(oldBases[k]), "mode " + k + " was not refreshed");
        }

        double b1 = soap.getBeta1();
        INDArray expected = rotate(rotate(mBefore, oldBases, false), newBases, true).muli(b1)
                .addi(rotate(gradient, newBases, true).muli(1 - b1));
        INDArray actual = tensor(slot.m.flat(), dims);
        double error = actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(error < 1e-13, Arrays.toString(shape) + ": M off by " + error);
    }

    /** The working tensor stored column-major in {@code flat}, copied out. */
    private static INDArray tensor(INDArray flat, int[] dims) {
        return flat.dup().reshape('f', Arrays.stream(dims).asLongStream().toArray());
    }

    private static INDArray[] bases(ParameterSlot slot, PreconditionedShape shape) {
        INDArray[] copies = new INDArray[shape.rank()];
        for (int k = 0; k < shape.rank(); k++) {
            assertTrue(shape.isPreconditioned(k), "every mode of these shapes carries a basis");
            copies[k] = slot.basis[k].dup();
        }
        return copies;
    }

    /** {@code X ×_k Q_k} over every mode ({@code transpose}: {@code X ×_k Q_kᵀ}), by the definition. */
    private static INDArray rotate(INDArray x, INDArray[] bases, boolean transpose) {
        INDArray y = x;
        for (int k = 0; k < bases.length; k++) {
            y = modeProduct(y, transpose ? bases[k].transpose() : bases[k], k);
        }
        return y;
    }

    /** {@code X ×_k A}: {@code (X ×_k A)_(k) = A X_(k)}. */
    private static INDArray modeProduct(INDArray x, INDArray a, int k) {
        int r = x.rank();
        // Contracting X's mode k with A's columns puts A's rows last; move them back to position k.
        INDArray t = Nd4j.tensorMmul(x, a, new int[][]{{k}, {1}});
        int[] order = new int[r];
        for (int i = 0, j = 0; i < r; i++) {
            order[i] = i == k ? r - 1 : j++;
        }
        return t.permute(order).dup('f');
    }
}
