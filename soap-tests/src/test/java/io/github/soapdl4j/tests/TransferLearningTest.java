package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParamLayout;
import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code FineTuneConfiguration.updater(new Soap(...))} puts one shared {@code Soap} into every layer; after
 * {@code Soap.bind} each trainable layer has its own configuration with its own layout, frozen layers stay put,
 * and fine-tuning lowers the loss.
 */
class TransferLearningTest {

    @Test
    void fineTuneWithSharedSoapAndFrozenLayer() {
        List<DataSet> data = TestNets.classification(30, 32, 17, DataType.FLOAT);
        MultiLayerNetwork pretrained = new MultiLayerNetwork(TestNets.mlpConf(TestNets.soap(), DataType.FLOAT)
                .clone());
        pretrained.getLayerWiseConfigurations().getConfs().forEach(c ->
                ((org.deeplearning4j.nn.conf.layers.BaseLayer) c.getLayer()).setIUpdater(new Adam(1e-2)));
        pretrained.init();
        for (int i = 0; i < 5; i++) {
            pretrained.fit(data.get(i));
        }

        MultiLayerNetwork tuned = new TransferLearning.Builder(pretrained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder()
                        .updater(Soap.builder().learningRate(1e-2).preconditionFrequency(4).build()).build())
                .setFeatureExtractor(0)
                .build();
        Object shared1 = tuned.getLayer(1).getConfig().getUpdaterByParam("W");
        Object shared2 = tuned.getLayer(2).getConfig().getUpdaterByParam("W");
        assertSame(shared1, shared2, "FineTuneConfiguration is expected to share one instance");

        Soap.bind(tuned);
        Soap layer1 = (Soap) tuned.getLayer(1).getConfig().getUpdaterByParam("W");
        Soap layer2 = (Soap) tuned.getLayer(2).getConfig().getUpdaterByParam("W");
        assertNotSame(layer1, layer2);
        assertEquals(List.of(new ParamLayout("W", new long[] {8, 8}, 'f'), new ParamLayout("b", new long[] {8}, 'c')),
                layer1.getLayout());
        assertEquals(List.of(new ParamLayout("W", new long[] {8, 3}, 'f'), new ParamLayout("b", new long[] {3}, 'c')),
                layer2.getLayout());
        assertSame(layer1, tuned.getLayer(1).getConfig().getUpdaterByParam("b"));

        INDArray frozenBefore = tuned.getLayer(0).params().dup();
        INDArray tunedBefore = tuned.getLayer(1).params().dup();
        double first = score(tuned, data);
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int i = 5; i < data.size(); i++) {
                tuned.fit(data.get(i));
            }
        }
        assertEquals(frozenBefore, tuned.getLayer(0).params());
        assertNotEquals(tunedBefore, tuned.getLayer(1).params());
        double last = score(tuned, data);
        assertTrue(last < 0.8 * first, "fine-tuning loss went from " + first + " to " + last);
    }

    private static double score(MultiLayerNetwork net, List<DataSet> data) {
        return data.subList(0, 5).stream().mapToDouble(net::score).average().orElseThrow();
    }
}
