package io.github.soapdl4j;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameters whose gradient is all zero and whose state is still all zero (those of a
 * {@code FrozenLayerWithBackprop}, or any parameter before it first gets a gradient) cost no products: such calls
 * count the step and change nothing else, which is exactly what the full step computes for them.
 */
class ZeroGradientTest {
    private static final List<ParamLayout> LAYOUT = List.of(
            new ParamLayout("W0", new long[] {7, 5}, 'f'), new ParamLayout("W1", new long[] {6, 4}, 'f'));
    private static final int FREQUENCY = 4;

    /**
     * W0 gets zero gradients on calls 0-24, random ones on calls 25-44 and zero ones again on calls 45-54, while
     * W1 always gets random ones. Recognizing the empty calls (1-24, five of them with a refresh due) must leave
     * the state and the updates exactly those of an updater that takes every step in full, with the opt-in
     * refresh tolerance off and on.
     */
    @ParameterizedTest
    @CsvSource({"DOUBLE, 0", "FLOAT, 0", "DOUBLE, 0.1", "FLOAT, 0.1"})
    void emptyCallsLeaveWhatTheFullStepsLeave(DataType type, double tolerance) {
        Soap soap = Soap.builder().preconditionFrequency(FREQUENCY).refreshTolerance(tolerance).build()
                .withLayout(LAYOUT);
        long length = LAYOUT.stream().mapToLong(p -> soap.stateSize(p.length())).sum();
        INDArray skippingState = Nd4j.create(type, length);
        INDArray fullState = Nd4j.create(type, length);
        SoapUpdater skipping = (SoapUpdater) soap.instantiate(skippingState, true);
        SoapUpdater full = (SoapUpdater) soap.instantiate(fullState, true);
        full.parameters().forEach(ParameterStep::takeFullStepsOnly);
        Nd4j.getRandom().setSeed(17);
        for (int call = 0; call < 55; call++) {
            INDArray g = Nd4j.randn(type, 59);
            if (call < 25 || call >= 45) {
                g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 35)).assign(0);
            }
            INDArray g2 = g.dup();
            skipping.applyUpdater(g, call, 0);
            full.applyUpdater(g2, call, 0);
            assertArrayEquals(g2.toDoubleVector(), g.toDoubleVector(), 0.0, "update of call " + call);
            assertArrayEquals(fullState.toDoubleVector(), skippingState.toDoubleVector(), 0.0, "state after " + call);
            if (call >= 45) {
                assertTrue(g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 35)).norm2Number()
                        .doubleValue() > 0, "W0's momentum still moves it after call " + call);
            }
        }
        assertEquals(24, skipping.parameters().get(0).emptySteps());
        assertEquals(0, skipping.parameters().get(1).emptySteps());
        assertEquals(0, full.parameters().get(0).emptySteps());
        assertEquals(full.parameters().get(0).keptBases(), skipping.parameters().get(0).keptBases());
    }

    /** Deeplearning4j zeroes the gradients of a FrozenLayerWithBackprop: its Soap steps are the empty ones. */
    @Test
    void aFrozenLayerWithBackpropCostsNoProducts() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(Soap.builder().preconditionFrequency(FREQUENCY).build())
                .list()
                .layer(new FrozenLayerWithBackprop(new DenseLayer.Builder().nIn(6).nOut(5)
                        .activation(Activation.TANH).build()))
                .layer(new DenseLayer.Builder().nIn(5).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(5).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Soap.bind(net);
        INDArray frozen = net.getLayer(0).params().dup();
        INDArray trained = net.getLayer(1).params().dup();
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 16, 6);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 16, 2);
        int steps = 12;
        for (int i = 0; i < steps; i++) {
            net.fit(x, y);
        }
        assertEquals(frozen, net.getLayer(0).params(), "the frozen layer did not move");
        assertTrue(!trained.equals(net.getLayer(1).params()), "the next layer trained");

        long empty = 0;
        long frozenParameters = 0;
        Updater updater = net.getUpdater();
        for (UpdaterBlock block : ((BaseMultiLayerUpdater<?>) updater).getUpdaterBlocks()) {
            if (block.getGradientUpdater() instanceof SoapUpdater) {
                for (ParameterStep p : ((SoapUpdater) block.getGradientUpdater()).parameters()) {
                    empty += p.emptySteps();
                }
                frozenParameters += block.getLayersAndVariablesInBlock().stream().filter(v -> v.getLayer()
                        instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop).count();
            }
        }
        assertEquals(2, frozenParameters, "the frozen layer's weight and bias are in Soap blocks");
        // Calls 1-11 of the weight and of the bias.
        assertEquals(2 * (steps - 1), empty);
    }
}
