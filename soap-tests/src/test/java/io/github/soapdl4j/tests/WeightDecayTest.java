package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What README.md says about weight decay: per-layer {@code weightDecay(c)} decays by {@code lr·c} once per
 * step, a global one twice (the Deeplearning4j M2.1 bug). SOAP's first call returns no update, so after one
 * step the weights have moved by the decay alone.
 */
class WeightDecayTest {
    private static final double LR = 0.1;
    private static final double WD = 0.01;

    @Test
    void perLayerWeightDecayIsAppliedOnce() {
        assertEquals(1 - LR * WD, shrinkAfterFirstStep(false), 1e-12);
    }

    @Test
    void globalWeightDecayIsAppliedTwiceInM21() {
        assertEquals(1 - 2 * LR * WD, shrinkAfterFirstStep(true), 1e-12);
    }

    private static double shrinkAfterFirstStep(boolean global) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Soap(LR));
        if (global) {
            b.weightDecay(WD);
        }
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                .activation(Activation.SOFTMAX);
        if (!global) {
            out.weightDecay(WD);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(b.list().layer(out.build()).build());
        net.init();
        Soap.bind(net);
        INDArray before = net.getParam("0_W").dup();
        DataSet batch = TestNets.classification(1, 8, 5, DataType.DOUBLE).get(0);
        net.fit(batch);
        INDArray after = net.getParam("0_W");
        return after.getDouble(1, 2) / before.getDouble(1, 2);
    }
}
