package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.eval.Evaluation;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An unbound Soap refuses to train and says how to fix it; a bound one trains a real classifier. */
class UnboundAndTrainingTest {

    @Test
    void unboundMultiLayerNetworkRefuses() {
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.mlpConf(new Soap(), DataType.FLOAT));
        net.init();
        DataSet batch = TestNets.classification(1, 8, 1, DataType.FLOAT).get(0);
        assertRefusal(assertThrows(RuntimeException.class, () -> net.fit(batch)));
        // Binding afterwards repairs the network: the updater built from the unbound configuration is dropped.
        Soap.bind(net);
        net.fit(batch);
        net.fit(batch);
        assertTrue(TestNets.allFinite(net.params()));
    }

    @Test
    void unboundComputationGraphRefuses() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().updater(new Soap())
                .graphBuilder().addInputs("in")
                .addLayer("d", new DenseLayer.Builder().nIn(6).nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nIn(4).nOut(3).build(), "d")
                .setOutputs("out").build());
        graph.init();
        DataSet batch = TestNets.classification(1, 8, 1, DataType.FLOAT).get(0);
        assertRefusal(assertThrows(RuntimeException.class, () -> graph.fit(batch)));
    }

    @Test
    void bindBeforeInitRefuses() {
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.mlpConf(new Soap(), DataType.FLOAT));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Soap.bind(net));
        assertTrue(e.getMessage().contains("net.init()"), e.getMessage());
    }

    @Test
    void classifierTrainsAndLossFalls() {
        List<DataSet> train = TestNets.classification(40, 32, 21, DataType.FLOAT);
        DataSet test = DataSet.merge(TestNets.classification(8, 32, 99, DataType.FLOAT));
        MultiLayerNetwork net = TestNets.mlp(new Soap(1e-2), DataType.FLOAT);
        double before = net.score(test);
        for (int epoch = 0; epoch < 3; epoch++) {
            train.forEach(net::fit);
        }
        double after = net.score(test);
        Evaluation eval = net.evaluate(new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(test));
        assertTrue(after < 0.5 * before, "test loss went from " + before + " to " + after);
        assertTrue(eval.accuracy() > 0.85, "test accuracy " + eval.accuracy());
    }

    /** The refusal must name the fix, wherever DL4J wrapped it. */
    private static void assertRefusal(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && t.getMessage() != null
                    && t.getMessage().contains("Soap.bind(net)") && t.getMessage().contains("net.init()")) {
                return;
            }
        }
        throw new AssertionError("Expected a refusal naming Soap.bind(net) after net.init()", thrown);
    }
}
