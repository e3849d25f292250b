package io.github.soapdl4j.tests;

import io.github.soapdl4j.DecoupledWeightDecay;
import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * {@link DecoupledWeightDecay} computes what Deeplearning4j's {@link WeightDecay} computes: the same networks
     * trained with either, float64, end at the same parameters and scores, with Soap and with Adam.
     */
    @Test
    void decoupledWeightDecayMatchesDeeplearning4js() {
        for (IUpdater updater : List.of(new Soap(0.05), new Adam(0.01))) {
            MultiLayerNetwork reference = decayed(updater, new WeightDecay(0.3, true));
            MultiLayerNetwork fast = decayed(updater, new DecoupledWeightDecay(0.3, true));
            assertEquals(reference.params(), fast.params(), "same initial parameters");
            for (DataSet batch : TestNets.classification(20, 16, 9, DataType.DOUBLE)) {
                reference.fit(batch);
                fast.fit(batch);
                // The score includes the regularization term.
                assertEquals(reference.score(), fast.score(), 1e-12 * Math.abs(reference.score()), "score");
            }
            double moved = reference.params().distance2(decayed(updater, new WeightDecay(0.3, true)).params());
            double apart = reference.params().distance2(fast.params());
            System.out.printf("%s: DecoupledWeightDecay %.1e from WeightDecay after 20 steps that moved %.2e%n",
                    updater.getClass().getSimpleName(), apart, moved);
            assertTrue(moved > 1e-2, "training moved the parameters");
            assertTrue(apart <= 1e-12 * moved, updater + ": " + apart);
        }
    }

    @Test
    void decoupledWeightDecayTravelsInJsonAndRejectsNegativeCoefficients() {
        MultiLayerConfiguration conf = decayed(new Soap(), new DecoupledWeightDecay(0.25, false))
                .getLayerWiseConfigurations();
        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, restored);
        List<Regularization> regularization = ((DenseLayer) restored.getConf(0).getLayer()).getRegularization();
        assertEquals(List.of(new DecoupledWeightDecay(0.25, false)), regularization);
        assertThrows(IllegalArgumentException.class, () -> new DecoupledWeightDecay(-0.1, true));
    }

    private static MultiLayerNetwork decayed(IUpdater updater, Regularization decay) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.DOUBLE).updater(updater.clone()).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH)
                        .regularization(List.of(decay)).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).regularization(List.of(decay)).build())
                .build());
        net.init();
        return updater instanceof Soap ? Soap.bind(net) : net;
    }
}
