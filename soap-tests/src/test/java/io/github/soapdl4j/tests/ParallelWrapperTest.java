package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SOAP under Deeplearning4j's {@link ParallelWrapper} with two workers, averaging the parameters every few steps
 * and the updater state too or not. Refreshes run at the start of the step after the one they fall due on, so a
 * refresh that follows an averaging starts from the averaged state and the workers' bases stay the same; where
 * the workers refresh between averagings, averaging blends different bases into matrices that are not
 * orthonormal, which the updater must notice and rebuild before using them. Averaging every step, training must
 * end within 3% of the held-out loss of one worker taking as many steps (10% where the bases may part).
 */
class ParallelWrapperTest {
    private static final int EPOCHS = 4;
    private static final int BATCHES = 60;
    /** The refresh frequency of the runs (see {@link #soap()}). */
    private static final int REFRESH = 5;

    @ParameterizedTest(name = "averageUpdaters={0}, averagingFrequency={1}")
    @CsvSource({"true, 1", "true, 5", "true, 4", "false, 5"})
    void twoWorkersTrainAsWellAsOne(boolean averageUpdaters, int averagingFrequency) throws Exception {
        DataSet test = DataSet.merge(TestNets.classification(10, 64, 77, DataType.FLOAT));

        MultiLayerNetwork single = TestNets.mlp(soap(), DataType.FLOAT);
        List<DataSet> train = TestNets.classification(BATCHES, 16, 5, DataType.FLOAT);
        for (int e = 0; e < EPOCHS; e++) {
            train.forEach(single::fit);
        }
        double singleLoss = single.score(test);

        // Each worker takes as many steps as the single one, on its half of twice the data. One fit() call for
        // all epochs: ParallelWrapper 1.0.0-M2.1 does not leave the updater state in the root model after
        // fit() (DL4J's own Adam loses it too), so a second call would start the optimizer afresh.
        List<DataSet> doubled = TestNets.classification(2 * BATCHES, 16, 5, DataType.FLOAT);
        List<DataSet> epochs = new ArrayList<>();
        for (int e = 0; e < EPOCHS; e++) {
            epochs.addAll(doubled);
        }
        MultiLayerNetwork parallel = TestNets.mlp(soap(), DataType.FLOAT);
        StateInspector inspector = new StateInspector();
        try (ParallelWrapper wrapper = new ParallelWrapper.Builder<>(parallel)
                .workers(2)
                .prefetchBuffer(0)
                .averagingFrequency(averagingFrequency)
                .averageUpdaters(averageUpdaters)
                .reportScoreAfterAveraging(false)
                .build()) {
            wrapper.setListeners(inspector);
            wrapper.fit(new ListDataSetIterator<>(epochs, 1));
        }
        double parallelLoss = parallel.score(test);
        System.out.printf("ParallelWrapper averageUpdaters=%s averagingFrequency=%d: held-out loss %.4f, one worker "
                + "%.4f (ratio %.3f), bases rebuilt %d, worst orthonormality error %.1e%n", averageUpdaters,
                averagingFrequency, parallelLoss, singleLoss, parallelLoss / singleLoss, StateInspector.repairs.get(),
                StateInspector.worstOrthonormalityError());

        assertEquals(2L * EPOCHS * BATCHES, StateInspector.steps.get(), "steps seen by the workers");
        assertEquals(0, StateInspector.nonFinite.get(), "worker steps that left non-finite state");
        assertTrue(StateInspector.worstOrthonormalityError() <= 1e-4,
                "a basis after a worker's step is off by " + StateInspector.worstOrthonormalityError());
        if (averageUpdaters && averagingFrequency == 1) {
            // Averaged after every step, the workers can part only on their first bases (each from its own first
            // gradient), rebuilt once after the first averaging that finds them apart: at most 2 factors in each of
            // the 3 weight matrices. How many depends on where ParallelWrapper's first averaging falls relative to
            // the workers' first steps (6 in some runs, 4 or 0 in others, on the same code); more would mean that
            // bases parted after the first ones.
            assertTrue(StateInspector.repairs.get() <= 6,
                    "bases rebuilt other than the first ones: " + StateInspector.repairs.get());
        } else if (averageUpdaters && REFRESH % averagingFrequency != 0) {
            assertTrue(StateInspector.repairs.get() > 0, "averaged bases were rebuilt");
        }
        assertTrue(TestNets.allFinite(parallel.params()));
        // Measured: 0.82-0.83 averaging every step or without averaged state; every 5 steps 0.82 when every
        // refresh starts from averaged state and 1.03-1.04 when the refreshes fall one step after the averagings
        // (ParallelWrapper's averaging points relative to the workers' calls differed between runs, so this
        // test does not rely on them); every 4 steps, where the bases part, 0.96-1.03.
        double allowed = !averageUpdaters || averagingFrequency == 1 ? 1.03 : 1.10;
        assertTrue(parallelLoss <= allowed * singleLoss,
                "two workers reached " + parallelLoss + ", one worker " + singleLoss);
    }

    private static Soap soap() {
        return Soap.builder().learningRate(1e-2).preconditionFrequency(REFRESH).build();
    }

    /**
     * Looks at each worker's state right after its step: finite, and every basis it holds orthonormal (an
     * averaged basis is rebuilt at the start of the step that would use it). ParallelWrapper hands a copy of
     * this listener to each worker thread, so what it finds is kept in shared static counters.
     */
    static final class StateInspector extends BaseTrainingListener implements Serializable {
        static final AtomicLong steps = new AtomicLong();
        static final AtomicLong nonFinite = new AtomicLong();
        static final AtomicLong repairs = new AtomicLong();
        private static final AtomicLong worstErrorBits = new AtomicLong();

        StateInspector() {
            steps.set(0);
            nonFinite.set(0);
            repairs.set(0);
            worstErrorBits.set(Double.doubleToLongBits(0));
        }

        static double worstOrthonormalityError() {
            return Double.longBitsToDouble(worstErrorBits.get());
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            steps.incrementAndGet();
            if (!TestNets.allFinite(net.getUpdater().getStateViewArray())) {
                nonFinite.incrementAndGet();
            }
            long repaired = 0;
            for (ParameterStats p : SoapStats.of(net)) {
                repaired += p.getRepairedBases();
                for (ParameterStats.FactorStats f : p.getFactors()) {
                    double e = f.getOrthonormalityError();
                    worstErrorBits.accumulateAndGet(Double.doubleToLongBits(e),
                            (a, b) -> Double.longBitsToDouble(a) >= Double.longBitsToDouble(b) ? a : b);
                }
            }
            repairs.accumulateAndGet(repaired, Math::max);
        }
    }
}
