package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The updater on its own: state layout, the step count, the skipped first step, refusal when unbound. */
class SoapUpdaterTest {
    private static final List<ParamLayout> LAYOUT = List.of(
            new ParamLayout("W", new long[] {4, 3}, 'f'), new ParamLayout("b", new long[] {3}, 'c'));

    private static long stateLength(Soap soap) {
        return LAYOUT.stream().mapToLong(p -> soap.stateSize(p.length())).sum();
    }

    @Test
    void firstCallOnlyInitializesAndLaterCallsMove() {
        Soap soap = new Soap().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.DOUBLE, stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        Nd4j.getRandom().setSeed(1);
        INDArray g = Nd4j.randn(DataType.DOUBLE, 15);
        u.applyUpdater(g, 0, 0);
        assertEquals(0.0, g.norm2Number().doubleValue(), "the first call returns no update");
        assertEquals(1.0, state.getDouble(0), "call count after the first call");
        // W's factors are set, and Q_0 (4x4 at the end of W's slot) is orthonormal.
        INDArray q0 = Views.fOrder(state, StateLayout.HEADER + 24 + 16, 4, 4);
        assertTrue(q0.transpose().mmul(q0).equalsWithEps(Nd4j.eye(4).castTo(DataType.DOUBLE), 1e-10));

        INDArray g2 = Nd4j.randn(DataType.DOUBLE, 15);
        INDArray raw = g2.dup();
        u.applyUpdater(g2, 1, 0);
        // Bias (plain Adam, t = 1): update = lr * sqrt(1 - b2) / (1 - b1) * (1 - b1) g / (sqrt(1 - b2) |g| + eps).
        for (int i = 12; i < 15; i++) {
            double gi = raw.getDouble(i);
            double expected = 3e-3 * gi / (Math.abs(gi) + 1e-8 / Math.sqrt(0.05));
            assertEquals(expected, g2.getDouble(i), 1e-12);
        }
        assertTrue(g2.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 12)).norm2Number().doubleValue() > 0);
    }

    /**
     * Deeplearning4j passes a new array object over the same gradient memory on every call (a row vector that the
     * updater reshapes): the views of it are made once, and each call still writes its update into that memory.
     */
    @Test
    void gradientViewsAreMadeOnceForTheSameMemory() {
        Soap soap = new Soap().withLayout(LAYOUT);
        SoapUpdater u = (SoapUpdater) soap.instantiate(Nd4j.create(DataType.FLOAT, stateLength(soap)), true);
        INDArray flatGradient = Nd4j.create(DataType.FLOAT, 1, 20);
        Nd4j.getRandom().setSeed(3);
        java.util.Set<TensorView> views = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int i = 0; i < 4; i++) {
            flatGradient.assign(Nd4j.randn(DataType.FLOAT, 1, 20));
            INDArray blockView = flatGradient.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 20)).reshape(1, 15);
            u.applyUpdater(blockView, i, 0);
            if (i > 0) {
                assertTrue(flatGradient.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 20)).norm2Number().doubleValue() > 0);
            }
            u.parameters().forEach(p -> views.add(p.gradientView()));
        }
        assertEquals(2, views.size(), "one view per parameter over four calls");
    }

    @Test
    void stepCountStaysExactBeyondTwoToThe24InFloat32() {
        Soap soap = Soap.builder().preconditionFrequency(1 << 30).build().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.FLOAT, stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        u.applyUpdater(Nd4j.rand(DataType.FLOAT, 15), 0, 0);
        long start = (1L << 25) + 3; // a float32 cell could not hold start + 1
        state.putScalar(0, start % StateLayout.COUNT_SPLIT);
        state.putScalar(1, start / StateLayout.COUNT_SPLIT);
        u.applyUpdater(Nd4j.rand(DataType.FLOAT, 15), 1, 0);
        long count = Math.round(state.getDouble(1)) * StateLayout.COUNT_SPLIT + Math.round(state.getDouble(0));
        assertEquals(start + 1, count);
        assertEquals((float) start, (float) (start + 1), "a single float32 cell could not tell these apart");
    }

    @Test
    void nonFiniteGradientSkipsTheStepAndIsCounted() {
        Soap soap = Soap.builder().preconditionFrequency(2).build().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.FLOAT, stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        for (int i = 0; i < 3; i++) {
            u.applyUpdater(Nd4j.randn(DataType.FLOAT, 15), i, 0);
        }
        INDArray before = state.dup();
        INDArray bad = Nd4j.randn(DataType.FLOAT, 15);
        bad.putScalar(3, Float.NaN);
        bad.putScalar(13, Float.POSITIVE_INFINITY);
        u.applyUpdater(bad, 3, 0);
        assertEquals(0.0, bad.norm2Number().doubleValue(), "no update from a non-finite gradient");
        INDArray changed = state.sub(before);
        long wSlot = soap.stateSize(12);
        assertEquals(1.0, changed.getDouble(StateLayout.SKIPPED_STEPS), "W's skip counter");
        assertEquals(1.0, changed.getDouble(wSlot + StateLayout.SKIPPED_STEPS), "b's skip counter");
        assertEquals(2.0, changed.norm1Number().doubleValue(), "nothing else in the state changed");
        u.applyUpdater(Nd4j.randn(DataType.FLOAT, 15), 4, 0);
        assertTrue(Double.isFinite(state.sumNumber().doubleValue()));
    }

    @Test
    void averagedBasisIsRebuiltOrthonormal() {
        // Two workers start from one state, each refreshes its bases from its own gradients, and their states are
        // averaged element-wise, as ParallelWrapper and Spark do.
        Soap soap = Soap.builder().preconditionFrequency(2).build().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.DOUBLE, stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        for (int i = 0; i < 3; i++) {
            u.applyUpdater(Nd4j.randn(DataType.DOUBLE, 15), i, 0);
        }
        INDArray otherState = state.dup();
        GradientUpdater<?> other = soap.instantiate(otherState, false);
        // The refresh due on step 2 runs at the start of step 3, on the state both still share; the one due on
        // step 4 runs at the start of step 5, on each worker's own factors.
        for (int i = 3; i < 6; i++) {
            u.applyUpdater(Nd4j.randn(DataType.DOUBLE, 15), i, 0);
            other.applyUpdater(Nd4j.randn(DataType.DOUBLE, 15).muli(-3), i, 0);
        }
        INDArray q0 = Views.fOrder(state, StateLayout.HEADER + 24 + 16, 4, 4);
        assertTrue(q0.distance2(Views.fOrder(otherState, StateLayout.HEADER + 24 + 16, 4, 4)) > 1e-3,
                "the workers' bases differ");
        state.addi(otherState).muli(0.5);
        INDArray gram = q0.transpose().mmul(q0);
        assertTrue(!gram.equalsWithEps(Nd4j.eye(4).castTo(DataType.DOUBLE), 1e-6), "the average is not orthonormal");

        INDArray g = Nd4j.randn(DataType.DOUBLE, 15);
        u.applyUpdater(g, 6, 0);
        assertTrue(q0.transpose().mmul(q0).equalsWithEps(Nd4j.eye(4).castTo(DataType.DOUBLE), 1e-10));
        assertEquals(2.0, state.getDouble(StateLayout.REPAIRED_BASES), "both of W's bases rebuilt");
        assertTrue(Double.isFinite(g.sumNumber().doubleValue()));
        // Rebuilt bases carry a fresh tag: the next step (which refreshes them on schedule) does not count a repair.
        u.applyUpdater(Nd4j.randn(DataType.DOUBLE, 15), 7, 0);
        assertEquals(2.0, state.getDouble(StateLayout.REPAIRED_BASES));
    }

    @Test
    void averagingIdenticalStatesChangesNothing() {
        Soap soap = Soap.builder().preconditionFrequency(2).build().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.FLOAT, stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        for (int i = 0; i < 4; i++) {
            u.applyUpdater(Nd4j.randn(DataType.FLOAT, 15), i, 0);
        }
        // Three workers whose bases agree: the float32 mean of three equal cells may differ from them by rounding.
        state.muli(3).divi(3);
        u.applyUpdater(Nd4j.randn(DataType.FLOAT, 15), 4, 0);
        assertEquals(0.0, state.getDouble(StateLayout.REPAIRED_BASES));
    }

    @Test
    void failedRefreshKeepsTheBasisAndIsCounted() {
        Soap soap = Soap.builder().preconditionFrequency(1).build().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.FLOAT, stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        u.applyUpdater(Nd4j.randn(DataType.FLOAT, 15), 0, 0);
        u.applyUpdater(Nd4j.randn(DataType.FLOAT, 15), 1, 0);
        // Poison W's second factor (3x3 GG_1 after Q_0): the refresh due on step 1, which runs at the start of
        // step 2, cannot produce a finite basis from it.
        long gg1 = StateLayout.HEADER + 24 + 2 * 16;
        INDArray q1 = Views.fOrder(state, gg1 + 9, 3, 3);
        INDArray q1Before = q1.dup();
        state.putScalar(gg1 + 4, Float.POSITIVE_INFINITY);
        INDArray g = Nd4j.randn(DataType.FLOAT, 15);
        u.applyUpdater(g, 2, 0);
        assertEquals(1.0, state.getDouble(StateLayout.FAILED_DECOMPOSITIONS));
        assertTrue(Double.isFinite(q1.sumNumber().doubleValue()));
        assertTrue(q1.transpose().mmul(q1).equalsWithEps(Nd4j.eye(3).castTo(DataType.FLOAT), 1e-5));
        assertEquals(q1Before.norm2Number().doubleValue(), q1.norm2Number().doubleValue(), 1e-5);
        assertTrue(Double.isFinite(g.sumNumber().doubleValue()), "the step itself stays finite");
    }

    @Test
    void zeroGradientsGiveFiniteUpdates() {
        Soap soap = Soap.builder().preconditionFrequency(2).build().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.FLOAT, stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        for (int i = 0; i < 6; i++) {
            INDArray g = Nd4j.zeros(DataType.FLOAT, 15);
            u.applyUpdater(g, i, 0);
            assertEquals(0.0, g.norm2Number().doubleValue(), 0.0);
        }
        assertTrue(Double.isFinite(state.sumNumber().doubleValue()));
        assertEquals(0.0, state.getDouble(StateLayout.FAILED_DECOMPOSITIONS));
    }

    @Test
    void reassignedStateArrayIsFollowed() {
        Soap soap = Soap.builder().preconditionFrequency(2).build().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.DOUBLE, stateLength(soap));
        GradientUpdater<Soap> u = soap.instantiate(state, true);
        Nd4j.getRandom().setSeed(9);
        INDArray[] grads = new INDArray[6];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = Nd4j.randn(DataType.DOUBLE, 15);
        }
        for (int i = 0; i < 3; i++) {
            u.applyUpdater(grads[i].dup(), i, 0);
        }
        // What a restore does: a new array, filled with the saved state, handed to the updater.
        INDArray moved = state.dup();
        u.setStateViewArray(moved, moved.shape(), 'c', false);
        state.assign(Double.NaN); // the old array must no longer be read
        GradientUpdater<Soap> fresh = soap.instantiate(moved.dup(), false);
        for (int i = 3; i < grads.length; i++) {
            INDArray a = grads[i].dup();
            INDArray b = grads[i].dup();
            u.applyUpdater(a, i, 0);
            fresh.applyUpdater(b, i, 0);
            assertTrue(a.equalsWithEps(b, 1e-12), "step " + i);
            assertTrue(Double.isFinite(a.sumNumber().doubleValue()));
        }
    }

    @Test
    void unboundRefuses() {
        GradientUpdater<?> u = new Soap().instantiate((INDArray) null, true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> u.applyUpdater(Nd4j.rand(DataType.FLOAT, 5), 0, 0));
        assertTrue(e.getMessage().contains("Soap.bind(net)") && e.getMessage().contains("net.init()"));
    }

    @Test
    void blockThatDoesNotMatchTheLayoutIsRejected() {
        Soap soap = new Soap().withLayout(LAYOUT);
        GradientUpdater<?> u = soap.instantiate(Nd4j.create(DataType.FLOAT, stateLength(soap)), true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> u.applyUpdater(Nd4j.rand(DataType.FLOAT, 16), 0, 0));
        assertTrue(e.getMessage().contains("gradient of 16") && e.getMessage().contains("Soap.bind(net) again"),
                e.getMessage());
        GradientUpdater<?> wrongState = soap.instantiate(Nd4j.create(DataType.FLOAT, stateLength(soap) + 1), true);
        e = assertThrows(IllegalStateException.class, () -> wrongState.applyUpdater(Nd4j.rand(DataType.FLOAT, 15), 0, 0));
        assertTrue(e.getMessage().contains("does not match the bound layout"), e.getMessage());
    }

    @Test
    void repeatedRunsShareOneBlock() {
        Soap soap = new Soap().withLayout(LAYOUT);
        INDArray state = Nd4j.create(DataType.DOUBLE, 2 * stateLength(soap));
        GradientUpdater<?> u = soap.instantiate(state, true);
        INDArray g = Nd4j.randn(DataType.DOUBLE, 30);
        u.applyUpdater(g, 0, 0);
        u.applyUpdater(g.assign(Nd4j.randn(DataType.DOUBLE, 30)), 1, 0);
        long slot = stateLength(soap);
        assertEquals(2.0, state.getDouble(0));
        assertEquals(2.0, state.getDouble(slot), "the second layer's W slot starts after the first layer's slots");
    }
}
