package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParamLayout;
import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration JSON and Java serialization carry every hyperparameter and the bound layout. */
class ConfigurationSerializationTest {

    private static Soap nonDefault() {
        return Soap.builder().learningRateSchedule(new StepSchedule(ScheduleType.ITERATION, 1e-2, 0.5, 10))
                .beta1(0.9).beta2(0.99).shampooBeta(0.8).epsilon(1e-7).preconditionFrequency(7)
                .maxPreconditionDim(64).mergeDims(true).precondition1d(true).normalizeGradients(true)
                .correctBias(false).build();
    }

    @Test
    void defaultsAreTheReferences() {
        Soap s = new Soap();
        assertEquals(3e-3, s.getLearningRate());
        assertEquals(0.95, s.getBeta1());
        assertEquals(0.95, s.getBeta2());
        assertEquals(-1, s.getShampooBeta());
        assertEquals(1e-8, s.getEpsilon());
        assertEquals(10, s.getPreconditionFrequency());
        assertEquals(10000, s.getMaxPreconditionDim());
        assertFalse(s.isMergeDims());
        assertFalse(s.isPrecondition1d());
        assertFalse(s.isNormalizeGradients());
        assertTrue(s.isCorrectBias());
        assertEquals(s, Soap.builder().build());
        assertEquals(new Soap(1e-2), Soap.builder().learningRate(1e-2).build());
    }

    @Test
    void unboundJsonRoundTrip() {
        MultiLayerConfiguration conf = TestNets.mlpConf(nonDefault(), DataType.FLOAT);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        IUpdater u = ((BaseLayer) back.getConf(0).getLayer()).getIUpdater();
        assertEquals(nonDefault(), u);
        assertNull(((Soap) u).getLayout());
        assertEquals(0.5 * 1e-2, u.getLearningRate(10, 0), 1e-15);
    }

    @Test
    void boundJsonRoundTripKeepsEachLayersLayout() {
        MultiLayerNetwork net = TestNets.mlp(nonDefault(), DataType.FLOAT);
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        String json = conf.toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        for (int i = 0; i < 3; i++) {
            Soap original = (Soap) ((BaseLayer) conf.getConf(i).getLayer()).getIUpdater();
            Soap restored = (Soap) ((BaseLayer) back.getConf(i).getLayer()).getIUpdater();
            assertTrue(original.isBound());
            assertEquals(original, restored);
            assertEquals(original.hashCode(), restored.hashCode());
        }
        Soap first = (Soap) ((BaseLayer) back.getConf(0).getLayer()).getIUpdater();
        assertEquals(List.of(new ParamLayout("W", new long[] {6, 8}, 'f'), new ParamLayout("b", new long[] {8}, 'c')),
                first.getLayout());
        // Bound configurations differ from unbound ones and between layers of other shapes.
        assertNotEquals(nonDefault(), first);
        assertNotEquals(first, ((BaseLayer) back.getConf(2).getLayer()).getIUpdater());
        // The same again through YAML and a second JSON trip.
        assertEquals(conf, MultiLayerConfiguration.fromYaml(conf.toYaml()));
        assertEquals(json, MultiLayerConfiguration.fromJson(json).toJson());
    }

    @Test
    void graphJsonRoundTrip() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().updater(nonDefault())
                .graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(5).nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nIn(4).nOut(2).build(), "dense")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        Soap.bind(graph);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(graph.getConfiguration().toJson());
        assertEquals(graph.getConfiguration(), back);
        Soap restored = (Soap) back.getVertices().values().stream()
                .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex)
                .map(v -> ((BaseLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer())
                        .getIUpdater())
                .filter(u -> ((Soap) u).getLayout().get(0).length() == 20).findFirst().orElseThrow();
        assertTrue(restored.isBound());
    }

    @Test
    void javaSerializationAndCloneKeepLayout() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().updater(nonDefault())
                .list().layer(new DenseLayer.Builder().nIn(3).nOut(40).hasBias(false).build()).build());
        net.init();
        Soap.bind(net);
        Soap bound = (Soap) net.getLayer(0).getConfig().getUpdaterByParam("W");
        assertEquals(List.of(new ParamLayout("W", new long[] {3, 40}, 'f')), bound.getLayout());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(bound);
        }
        Object back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = in.readObject();
        }
        assertEquals(bound, back);
        assertEquals(bound, bound.clone());
        assertEquals(bound.getLayout(), bound.clone().getLayout());
        // mergeDims with max 64 keeps [3, 40] (3 * 40 > 64): two factors of 3x3 and 40x40.
        assertEquals(13 + 2 * 120 + 2 * 9 + 2 * 1600, bound.stateSize(120));
    }
}
