package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.Checkpoint;
import org.deeplearning4j.optimize.listeners.CheckpointListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A network checkpointed mid-training with DL4J's own machinery and restored without {@code Soap.bind} trains
 * on exactly like one that was never interrupted: the layout travels in the configuration, the state in the
 * updater state array.
 */
class CheckpointTest {
    private static final int BEFORE = 7;
    private static final int AFTER = 8;
    private static final double EXACT = 1e-12;

    private final List<DataSet> data = TestNets.classification(BEFORE + AFTER, 16, 3, DataType.DOUBLE);

    @Test
    void multiLayerNetworkResumesExactly(@TempDir File dir) throws Exception {
        MultiLayerNetwork uninterrupted = TestNets.mlp(TestNets.soap(), DataType.DOUBLE);
        MultiLayerNetwork first = TestNets.mlp(TestNets.soap(), DataType.DOUBLE);
        fit(uninterrupted, 0, BEFORE + AFTER);
        fit(first, 0, BEFORE);

        File file = new File(dir, "soap-mln.zip");
        ModelSerializer.writeModel(first, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(first.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        fit(restored, BEFORE, BEFORE + AFTER);

        assertSame(uninterrupted, restored);
    }

    @Test
    void computationGraphResumesExactly(@TempDir File dir) throws Exception {
        ComputationGraph uninterrupted = graph();
        ComputationGraph first = graph();
        fit(uninterrupted, 0, BEFORE + AFTER);
        fit(first, 0, BEFORE);

        File file = new File(dir, "soap-cg.zip");
        ModelSerializer.writeModel(first, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        fit(restored, BEFORE, BEFORE + AFTER);

        assertSame(uninterrupted, restored);
    }

    @Test
    void checkpointListenerCheckpointsResumeExactly(@TempDir File dir) {
        MultiLayerNetwork uninterrupted = TestNets.mlp(TestNets.soap(), DataType.DOUBLE);
        fit(uninterrupted, 0, BEFORE + AFTER);

        MultiLayerNetwork first = TestNets.mlp(TestNets.soap(), DataType.DOUBLE);
        first.setListeners(new CheckpointListener.Builder(dir).saveEveryNIterations(BEFORE).keepAll()
                .build());
        fit(first, 0, BEFORE + 2);

        Checkpoint checkpoint = CheckpointListener.availableCheckpoints(dir).get(0);
        MultiLayerNetwork restored = CheckpointListener.loadCheckpointMLN(dir, checkpoint);
        // DL4J's listener saves after an iteration's update but before the network counts that iteration, so the
        // restored network's iteration count is one behind the updates its parameters (and SOAP's state) hold.
        int done = restored.getIterationCount() + 1;
        assertEquals(BEFORE + 1, done); // saveEveryNIterations(7) fires after iteration index 7
        fit(restored, done, BEFORE + AFTER);

        assertSame(uninterrupted, restored);
    }

    private void assertSame(Model expected, Model actual) {
        double params = TestNets.maxAbsDiff(expected.params(), actual.params());
        double state = TestNets.maxAbsDiff(TestNets.updaterState(expected), TestNets.updaterState(actual));
        assertTrue(params <= EXACT, "parameters differ by " + params);
        assertTrue(state <= EXACT, "updater state differs by " + state);
        // The comparison means something only if training moved the parameters and refreshed bases.
        assertNotEquals(0.0, TestNets.updaterState(actual).castTo(DataType.DOUBLE).norm2Number().doubleValue());
    }

    private void fit(MultiLayerNetwork net, int from, int to) {
        for (int i = from; i < to; i++) {
            net.fit(data.get(i));
        }
    }

    private void fit(ComputationGraph graph, int from, int to) {
        for (int i = from; i < to; i++) {
            graph.fit(data.get(i));
        }
    }

    /** Two branches merged: vertices without parameters between layers. */
    private static ComputationGraph graph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.DOUBLE).updater(TestNets.soap())
                .graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(6).nOut(4).activation(Activation.TANH).build(), "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(9).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "merge")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return Soap.bind(graph);
    }
}
