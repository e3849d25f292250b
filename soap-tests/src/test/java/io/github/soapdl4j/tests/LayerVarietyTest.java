package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameter arrangements of DL4J's updater blocks beyond one layer kind each (those are LayerKindsTest's): a
 * frozen layer, a separate bias updater, two identical consecutive layers (one merged block), and
 * self-attention, whose {@code Wq} and {@code Wo} have one length and two shapes.
 */
class LayerVarietyTest {
    private static final int STEPS = 12;

    private static NeuralNetConfiguration.ListBuilder base() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(TestNets.soap()).list();
    }

    @Test
    void frozenLayerSeparateBiasUpdaterAndIdenticalConsecutiveLayers() {
        MultiLayerConfiguration conf = base()
                .layer(new FrozenLayer(new DenseLayer.Builder().nIn(6).nOut(7).activation(Activation.TANH).build()))
                .layer(new DenseLayer.Builder().nIn(7).nOut(7).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(7).nOut(7).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(7).nOut(7).biasUpdater(new Sgd(0.05))
                        .activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(7).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        trainAndCheck(conf, TestNets.randomData(3, DataType.FLOAT, new long[] {16, 6}, 3), List.of(0));
    }

    @Test
    void selfAttentionWithEqualLengthsOfDifferentShapes() {
        MultiLayerConfiguration conf = base()
                .layer(new SelfAttentionLayer.Builder().nIn(8).nOut(8).nHeads(2).headSize(4).projectInput(true)
                        .build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(8, 5))
                .build();
        MultiLayerNetwork net = trainAndCheck(conf,
                TestNets.randomData(4, DataType.FLOAT, new long[] {6, 8, 5}, 3), List.of());
        Soap soap = (Soap) net.getLayer(0).getConfig().getUpdaterByParam("Wq");
        // Wq [2,4,8] and Wo [8,8] both hold 64 elements: both get the larger of their two state sizes.
        long wq = 13 + 2 * 64 + 2 * (4 + 16 + 64);
        long wo = 13 + 2 * 64 + 2 * (64 + 64);
        assertEquals(Math.max(wq, wo), soap.stateSize(64));
    }

    /**
     * Binds, checks that the updater state is exactly the per-parameter state sizes, trains a few steps with
     * refreshes, and checks that every trainable parameter moved and stayed finite while frozen ones did not.
     */
    private static MultiLayerNetwork trainAndCheck(MultiLayerConfiguration conf, DataSet data, List<Integer> frozen) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Soap.bind(net);

        long expectedState = 0;
        int soapParams = 0;
        for (Layer layer : net.getLayers()) {
            for (Map.Entry<String, INDArray> p : layer.paramTable(false).entrySet()) {
                IUpdater u = layer.getConfig().getUpdaterByParam(p.getKey());
                expectedState += u.stateSize(p.getValue().length());
                if (u instanceof Soap) {
                    assertTrue(((Soap) u).isBound(), "layer " + layer.getIndex() + " param " + p.getKey());
                    soapParams++;
                }
            }
        }
        assertTrue(soapParams > 0);

        List<INDArray> before = new ArrayList<>();
        for (Layer layer : net.getLayers()) {
            before.add(layer.params() == null ? null : layer.params().dup());
        }
        for (int i = 0; i < STEPS; i++) {
            net.fit(data);
        }
        assertEquals(expectedState, net.getUpdater().getStateViewArray().length());
        assertTrue(TestNets.allFinite(net.params()), "parameters became non-finite");
        assertTrue(TestNets.allFinite(net.getUpdater().getStateViewArray()), "state became non-finite");
        assertTrue(Double.isFinite(net.score()));
        for (int i = 0; i < net.getLayers().length; i++) {
            if (before.get(i) == null || before.get(i).length() == 0) {
                continue;
            }
            double moved = TestNets.maxAbsDiff(before.get(i), net.getLayer(i).params());
            if (frozen.contains(i)) {
                assertEquals(0.0, moved, "frozen layer " + i + " moved");
            } else {
                assertNotEquals(0.0, moved, "layer " + i + " did not train");
            }
        }
        return net;
    }
}
