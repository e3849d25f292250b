package io.github.soapdl4j;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules of docs/algorithm.md §1, "Preconditioned dimensions". */
class PreconditionedShapeTest {

    @Test
    void mergeRuleMatchesTheSpecExample() {
        assertArrayEquals(new long[] {6, 12, 3}, PreconditionedShape.mergeDims(new long[] {6, 4, 3, 3}, 12));
        assertArrayEquals(new long[] {20}, PreconditionedShape.mergeDims(new long[] {20}, 10));
        assertArrayEquals(new long[] {8, 20}, PreconditionedShape.mergeDims(new long[] {8, 20}, 10));
        assertArrayEquals(new long[] {12}, PreconditionedShape.mergeDims(new long[] {3, 4}, 12));
    }

    @Test
    void cOrderDimsAreReversedIntoWorkingOrder() {
        Soap soap = Soap.builder().mergeDims(true).maxPreconditionDim(12).build();
        PreconditionedShape s = soap.shapeOf(new ParamLayout("W", new long[] {6, 4, 3, 3}, 'c'));
        assertArrayEquals(new int[] {3, 12, 6}, s.dims());
        assertEquals(216, s.length());
        assertTrue(s.isPreconditioned(0) && s.isPreconditioned(1) && s.isPreconditioned(2));
    }

    @Test
    void largeDimsKeepTheIdentity() {
        Soap soap = Soap.builder().maxPreconditionDim(10).build();
        PreconditionedShape s = soap.shapeOf(new ParamLayout("W", new long[] {8, 20}, 'f'));
        assertArrayEquals(new int[] {8, 20}, s.dims());
        assertTrue(s.isPreconditioned(0));
        assertFalse(s.isPreconditioned(1));
        assertEquals(StateLayout.HEADER + 2 * 160 + 2 * 64, StateLayout.size(s));
    }

    @Test
    void vectorsAndRowVectorsFollowThe1dRule() {
        Soap plain = new Soap();
        Soap with1d = Soap.builder().precondition1d(true).build();
        for (long[] shape : new long[][] {{7}, {1, 7}, {7, 1}, {1, 7, 1}}) {
            ParamLayout p = new ParamLayout("b", shape, 'c');
            assertFalse(plain.shapeOf(p).anyPreconditioned());
            PreconditionedShape s = with1d.shapeOf(p);
            assertArrayEquals(new int[] {7}, s.dims());
            assertTrue(s.isPreconditioned(0));
        }
    }

    @Test
    void unitDimsAreDropped() {
        // Conv1D weights are [nOut, nIn, k, 1]: the unit dim would carry a 1x1 factor that changes nothing.
        PreconditionedShape s = new Soap().shapeOf(new ParamLayout("W", new long[] {5, 4, 3, 1}, 'c'));
        assertArrayEquals(new int[] {3, 4, 5}, s.dims());
    }

    @Test
    void stateSizeIsThePerParameterFormula() {
        Soap soap = new Soap().withLayout(java.util.List.of(
                new ParamLayout("W", new long[] {6, 8}, 'f'), new ParamLayout("b", new long[] {8}, 'c')));
        assertEquals(StateLayout.HEADER + 2 * 48 + 2 * 36 + 2 * 64, soap.stateSize(48));
        assertEquals(StateLayout.HEADER + 2 * 8, soap.stateSize(8));
        assertEquals(0, new Soap().stateSize(48), "unbound configurations hold no state");
    }
}
