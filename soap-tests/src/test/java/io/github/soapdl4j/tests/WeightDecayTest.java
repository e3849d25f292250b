package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
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
 * Decoupled weight decay with Soap (docs/hyperparameters.md): a per-layer {@code weightDecay(c)} decays the
 * weights by {@code lr·c} per step, with {@code lr} taken from {@link Soap#getLearningRate(int, int)}. SOAP's
 * first call returns no update, so after one step the weights have moved by the decay alone.
 */
class WeightDecayTest {
    private static final double LR = 0.1;
    private static final double WD = 0.01;

    @Test
    void perLayerWeightDecayIsAppliedOnce() {
        assertEquals(1 - LR * WD, shrinkAfterFirstStep(), 1e-12);
    }

    private static double shrinkAfterFirstStep() {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Soap(LR));
        // weightDecay returns the raw BaseLayer.Builder, whose build() is typed Layer.
        Layer out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                .activation(Activation.SOFTMAX).weightDecay(WD).build();
        MultiLayerNetwork net = new MultiLayerNetwork(b.list().layer(out).build());
        net.init();
        Soap.bind(net);
        INDArray before = net.getParam("0_W").dup();
        DataSet batch = TestNets.classification(1, 8, 5, DataType.DOUBLE).get(0);
        net.fit(batch);
        INDArray after = net.getParam("0_W");
        return after.getDouble(1, 2) / before.getDouble(1, 2);
    }
}
