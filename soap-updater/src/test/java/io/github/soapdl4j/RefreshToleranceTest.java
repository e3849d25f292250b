package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opt-in {@code refreshTolerance}: a due basis that still diagonalizes its factor is kept. */
class RefreshToleranceTest {
    private static final List<ParamLayout> LAYOUT = List.of(new ParamLayout("W", new long[] {6, 4}, 'f'));
    private static final int CALLS = 31;

    private static SoapUpdater updater(Soap soap, INDArray state) {
        return soap.withLayout(LAYOUT).instantiate(state, true);
    }

    private static INDArray state(Soap soap) {
        return Nd4j.create(DataType.DOUBLE, soap.withLayout(LAYOUT).stateSize(24));
    }

    @Test
    void aBasisThatStillDiagonalizesItsFactorIsKept() {
        // The same gradient every step: the factors stay proportional to G G^T and G^T G, which the first bases
        // diagonalize, so every due refresh finds them diagonal up to rounding.
        Soap soap = Soap.builder().preconditionFrequency(5).refreshTolerance(1e-6).build();
        INDArray state = state(soap);
        SoapUpdater u = updater(soap, state);
        Nd4j.getRandom().setSeed(3);
        INDArray g = Nd4j.randn(DataType.DOUBLE, 24);
        u.applyUpdater(g.dup(), 0, 0);
        ParameterSlot slot = u.parameters().get(0).slot();
        INDArray firstBasis = slot.basis[0].dup();
        for (int i = 1; i < CALLS; i++) {
            u.applyUpdater(g.dup(), i, 0);
        }
        // Refreshes fell due after steps 5, 10, .., 25 and ran at the start of the call after: 5 per factor.
        assertEquals(10, u.parameters().get(0).keptBases());
        assertEquals(firstBasis, slot.basis[0], "kept bases are left as they were");
    }

    @Test
    void basesThatDoNotDiagonalizeAreRefreshedExactlyAsWithoutTheOption() {
        Soap tolerant = Soap.builder().preconditionFrequency(5).refreshTolerance(1e-6).build();
        Soap reference = Soap.builder().preconditionFrequency(5).build();
        INDArray a = state(tolerant);
        INDArray b = state(reference);
        SoapUpdater ua = updater(tolerant, a);
        SoapUpdater ub = updater(reference, b);
        Nd4j.getRandom().setSeed(4);
        for (int i = 0; i < CALLS; i++) {
            INDArray g = Nd4j.randn(DataType.DOUBLE, 24);
            ua.applyUpdater(g.dup(), i, 0);
            ub.applyUpdater(g.dup(), i, 0);
        }
        assertEquals(0, ua.parameters().get(0).keptBases(), "fresh random gradients keep no basis diagonal");
        assertEquals(b, a, "the test itself changes nothing");
    }

    @Test
    void toleranceIsValidatedAndPartOfTheConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> Soap.builder().refreshTolerance(1).build());
        assertThrows(IllegalArgumentException.class, () -> Soap.builder().refreshTolerance(-0.1).build());
        Soap soap = Soap.builder().refreshTolerance(0.01).build();
        assertEquals(0.01, soap.getRefreshTolerance());
        assertTrue(!soap.equals(new Soap()), "the tolerance is part of the configuration");
        assertTrue(soap.toString().contains("refreshTolerance=0.01"));
    }
}
