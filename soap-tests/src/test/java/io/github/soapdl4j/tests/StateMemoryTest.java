package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The state memory formula of README.md, on the MLP 784-512-512-10 it quotes. */
class StateMemoryTest {

    @Test
    void mlpStateMatchesTheReadmeFormula() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .updater(new Soap()).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(512).build())
                .layer(new DenseLayer.Builder().nIn(512).nOut(512).build())
                .layer(new OutputLayer.Builder().nIn(512).nOut(10).build()).build());
        net.init();
        Soap.bind(net);
        long params = net.numParams();
        long factors = 784L * 784 + 4L * 512 * 512 + 10L * 10;
        assertEquals(669_706, params);
        assertEquals(6 * 13 + 2 * params + 2 * factors, net.getUpdater().getStateViewArray().length());
        assertEquals(4_666_154, net.getUpdater().getStateViewArray().length());
    }
}
