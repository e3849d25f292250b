package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soap.bind logs one warning per parameter whose SOAP state is out of proportion (docs/memory.md), with the
 * bytes and the setting that fixes it, and none for an ordinary MLP. The networks are bound, never trained: the
 * 8000-wide one would allocate 1.4 GiB of state.
 */
class MemoryWarningTest {

    @Test
    void denseLayer8000Wide() {
        List<String> warnings = bindWarnings(new DenseLayer.Builder().nIn(8000).nOut(8000).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8000).nOut(2)
                        .activation(Activation.SOFTMAX).build());
        assertEquals(2, warnings.size(), "the dense and output weights; biases are not preconditioned: " + warnings);
        String dense = warnings.get(0);
        assertTrue(dense.startsWith("Soap.bind: layer 'layer0' parameter 'W' of shape [8000, 8000] gets 1.4 GiB of "
                + "SOAP state in FLOAT, 3.0x Adam's 488.3 MiB"), dense);
        assertTrue(dense.contains("maxPreconditionDim(4096) for this layer leaves the 8000 and 8000 sides "
                + "unpreconditioned"), dense);
        String output = warnings.get(1);
        assertTrue(output.startsWith("Soap.bind: layer 'layer1' parameter 'W' of shape [8000, 2]"), output);
        assertTrue(output.contains("leaves the 8000 side unpreconditioned: one-sided preconditioning of the 2 side"),
                output);
    }

    @Test
    void embeddingJustUnderMaxPreconditionDim() {
        List<String> warnings = bindWarnings(new EmbeddingLayer.Builder().nIn(9999).nOut(200).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(200).nOut(5)
                        .activation(Activation.SOFTMAX).build());
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.startsWith("Soap.bind: layer 'layer0' parameter 'W' of shape [9999, 200] gets 778.3 MiB of SOAP "
                + "state in FLOAT, 51.0x Adam's 15.3 MiB"), w);
        assertTrue(w.contains("maxPreconditionDim(4096) for this layer leaves the 9999 side unpreconditioned: "
                + "one-sided preconditioning of the 200 side, 15.6 MiB of state"), w);
    }

    @Test
    void mlp784x512x512x10BindsQuietly() {
        List<String> warnings = bindWarnings(new DenseLayer.Builder().nIn(784).nOut(512).build(),
                new DenseLayer.Builder().nIn(512).nOut(512).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(512).nOut(10)
                        .activation(Activation.SOFTMAX).build());
        assertEquals(List.of(), warnings);
    }

    private static List<String> bindWarnings(Layer... layers) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.FLOAT).updater(new Soap()).list();
        for (Layer l : layers) {
            list.layer(l);
        }
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        try (CapturedLog log = new CapturedLog(Soap.class)) {
            Soap.bind(net);
            return log.warnings();
        }
    }
}
