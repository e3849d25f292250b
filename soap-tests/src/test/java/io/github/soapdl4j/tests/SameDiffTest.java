package io.github.soapdl4j.tests;

import io.github.soapdl4j.SameDiffSoap;
import io.github.soapdl4j.Soap;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.weightinit.impl.XavierInitScheme;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SOAP in SameDiff graphs: {@code Soap.bind(sd)} describes the variables, training agrees with a
 * MultiLayerNetwork and with the golden trajectories, SameDiff's own checkpoints resume exactly, and an unbound
 * Soap names the SameDiff fix.
 */
class SameDiffTest {
    private static final int STEPS = 25;
    private static final int WIDTH = 6;
    private static final int LAYERS = 2;
    private static final int BATCH = 32;
    /**
     * Relative to the parameters' movement; measured 6.1e-10 after 25 steps (the two APIs compute the same
     * float64 gradients in different kernels, and the weights are 'f'-ordered in one, 'c' in the other). The
     * requirement is 1e-6.
     */
    private static final double MLN_TOLERANCE = 1e-8;
    /** Relative to the movement; measured 4.3e-10 after 12 steps. */
    private static final double ORDER_TOLERANCE = 1e-8;
    /** float64 golden tolerance; measured worst 1.4e-6 over the cases, as through a MultiLayerNetwork. */
    private static final double GOLDEN_TOLERANCE = 1e-5;

    /**
     * A 6-6-6 classifier (tanh, softmax). Exact comparisons need first bases that are unique up to sign: every
     * factor of the first gradient must have a null space of dimension at most one. A softmax output's errors sum
     * to zero over the classes, so its gradient has rank at most classes - 1 and the hidden layer's at most that
     * too; with inputs, hidden units and classes all 6 (batch 32) each factor misses exactly one dimension. A
     * wider layer, such as 6-8, would leave a two-dimensional null space whose basis is arbitrary.
     */
    static MultiLayerNetwork reference() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(TestNets.soap()).list()
                .layer(new DenseLayer.Builder().nIn(WIDTH).nOut(WIDTH).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(WIDTH).nOut(WIDTH)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return Soap.bind(net);
    }

    /** {@link #reference()}'s classifier as a SameDiff graph, from {@code net}'s values. */
    static SameDiff classifier(MultiLayerNetwork net, IUpdater updater) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, WIDTH);
        SDVariable y = sd.placeHolder("y", DataType.DOUBLE, -1, WIDTH);
        SDVariable h = x;
        for (int i = 0; i < LAYERS; i++) {
            SDVariable w = sd.var("w" + i, net.getLayer(i).getParam("W").dup('c'));
            SDVariable b = sd.var("b" + i, net.getLayer(i).getParam("b").dup('c'));
            h = h.mmul(w).add(b);
            if (i < LAYERS - 1) {
                h = sd.math().tanh(h);
            }
        }
        sd.loss().softmaxCrossEntropy("loss", y, h, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
        sd.setTrainingConfig(new TrainingConfig.Builder().updater(updater)
                .dataSetFeatureMapping("x").dataSetLabelMapping("y").build());
        return sd;
    }

    /** Batches of 32 of a 6-class problem: the class is the argmax of one fixed linear map of 6 features. */
    static List<DataSet> data(int batches, long seed) {
        Random problem = new Random(42);
        double[][] map = new double[WIDTH][WIDTH];
        for (double[] row : map) {
            for (int j = 0; j < WIDTH; j++) {
                row[j] = problem.nextGaussian();
            }
        }
        Random r = new Random(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            double[][] x = new double[BATCH][WIDTH];
            double[][] y = new double[BATCH][WIDTH];
            for (int i = 0; i < BATCH; i++) {
                double[] score = new double[WIDTH];
                for (int k = 0; k < WIDTH; k++) {
                    x[i][k] = r.nextGaussian();
                    for (int j = 0; j < WIDTH; j++) {
                        score[j] += x[i][k] * map[k][j];
                    }
                }
                int best = 0;
                for (int j = 1; j < WIDTH; j++) {
                    best = score[j] > score[best] ? j : best;
                }
                y[i][best] = 1;
            }
            out.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
        }
        return out;
    }

    @Test
    void trainsLikeTheSameMultiLayerNetwork() {
        List<DataSet> data = data(STEPS, 5);
        MultiLayerNetwork net = reference();
        INDArray init = net.params().dup();
        SameDiff sd = Soap.bind(classifier(net, TestNets.soap()));
        for (DataSet batch : data) {
            net.fit(batch);
            sd.fit(batch);
        }
        INDArray sdParams = flatParams(sd);
        INDArray mlnParams = flatParams(net);
        double movement = mlnParams.distance2(flatParams(init, net));
        double error = sdParams.distance2(mlnParams) / movement;
        System.out.printf("SameDiff vs MultiLayerNetwork after %d steps: %.3e relative to movement %.3e%n",
                STEPS, error, movement);
        assertTrue(movement > 0.1, "parameters barely moved: " + movement);
        assertTrue(error <= MLN_TOLERANCE, "SameDiff differs from MultiLayerNetwork by " + error);
        // The two losses agree too (SameDiff's mean softmax cross-entropy is DL4J's MCXENT score).
        DataSet probe = data.get(0);
        double mlnLoss = net.score(probe);
        double sdLoss = sd.output(Map.of("x", probe.getFeatures(), "y", probe.getLabels()), "loss")
                .get("loss").getDouble(0);
        assertEquals(mlnLoss, sdLoss, 1e-9 * mlnLoss);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.soapdl4j.tests.SameDiffTest#goldenNames")
    void goldenCaseThroughSameDiff(String name) {
        GoldenCase c = GoldenCase.load(name);
        SameDiff sd = SameDiff.create();
        List<SDVariable> params = new ArrayList<>();
        List<String> gradients = new ArrayList<>();
        SDVariable loss = null;
        for (int i = 0; i < c.layers.size(); i++) {
            for (GoldenCase.Param p : c.layers.get(i).params) {
                SDVariable v = sd.var("l" + i + "_" + p.name, GoldenReplay.logical(p.init, p.shape, DataType.DOUBLE));
                SDVariable g = sd.placeHolder("g" + params.size(), DataType.DOUBLE, p.shape);
                // d/dv sum(v * g) = g: the recorded gradient reaches the updater exactly.
                SDVariable term = v.mul(g).sum();
                loss = loss == null ? term : loss.add(term);
                params.add(v);
                gradients.add(g.name());
            }
        }
        loss.rename("loss");
        sd.setLossVariables("loss");
        sd.setTrainingConfig(new TrainingConfig.Builder().updater(c.soap)
                .dataSetFeatureMapping(gradients).markLabelsUnused().build());
        Soap.bind(sd);

        double worst = 0;
        for (int t = 0; t < c.steps; t++) {
            List<INDArray> g = new ArrayList<>();
            for (GoldenCase.Layer l : c.layers) {
                for (GoldenCase.Param p : l.params) {
                    g.add(GoldenReplay.logical(p.grads[t], p.shape, DataType.DOUBLE));
                }
            }
            sd.fit(new MultiDataSet(g.toArray(new INDArray[0]), null));
            double err = 0;
            double move = 0;
            int k = 0;
            for (GoldenCase.Layer l : c.layers) {
                for (GoldenCase.Param p : l.params) {
                    INDArray expected = GoldenReplay.logical(p.expected[t], p.shape, DataType.DOUBLE);
                    err += Math.pow(params.get(k++).getArr().distance2(expected), 2);
                    move += Math.pow(expected.distance2(GoldenReplay.logical(p.init, p.shape, DataType.DOUBLE)), 2);
                }
            }
            worst = Math.max(worst, move == 0 ? Math.sqrt(err) : Math.sqrt(err / move));
        }
        System.out.printf("golden %-26s through SameDiff: max relative error %.3e%n", name, worst);
        assertTrue(worst <= GOLDEN_TOLERANCE, name + ": max relative error " + worst);
    }

    static String[] goldenNames() {
        return GoldenCase.NAMES;
    }

    @Test
    void soapCheckpointResumesExactly(@TempDir File dir) {
        resumesExactly(dir, TestNets.soap(), true);
    }

    /** The harness itself: DL4J's Adam resumes exactly through the same calls. */
    @Test
    void adamCheckpointResumesExactly(@TempDir File dir) {
        resumesExactly(dir, new Adam(1e-2), false);
    }

    private static void resumesExactly(File dir, IUpdater updater, boolean soap) {
        List<DataSet> data = data(15, 8);
        MultiLayerNetwork source = reference();
        SameDiff uninterrupted = classifier(source, updater);
        SameDiff first = classifier(source, updater);
        if (soap) {
            Soap.bind(uninterrupted);
            Soap.bind(first);
        }
        for (int i = 0; i < data.size(); i++) {
            uninterrupted.fit(data.get(i));
        }
        for (int i = 0; i < 7; i++) {
            first.fit(data.get(i));
        }
        File file = new File(dir, "graph.sd");
        first.save(file, true);
        SameDiff restored = SameDiff.load(file, true);
        if (soap) {
            assertInstanceOf(SameDiffSoap.class, restored.getTrainingConfig().getUpdater());
        }
        assertEquals(state(first), state(restored));
        for (int i = 7; i < data.size(); i++) {
            restored.fit(data.get(i));
        }
        assertEquals(0.0, TestNets.maxAbsDiff(flatParams(uninterrupted), flatParams(restored)), "parameters");
        Map<String, INDArray> expected = state(uninterrupted);
        Map<String, INDArray> actual = state(restored);
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertEquals(0.0, TestNets.maxAbsDiff(expected.get(k), actual.get(k)), "updater state " + k);
        }
        assertNotEquals(0.0, flatParams(restored).distance2(flatParams(source.params(), source)));
    }

    @Test
    void unboundSoapRefusesNamingBindSd() {
        MultiLayerNetwork source = reference();
        SameDiff sd = classifier(source, TestNets.soap());
        DataSet batch = data(1, 1).get(0);
        Throwable thrown = assertThrows(RuntimeException.class, () -> sd.fit(batch));
        String message = refusal(thrown);
        assertTrue(message.contains("Soap.bind(sd)") && message.contains("sd.setTrainingConfig"), message);
        assertFalse(message.contains("Soap.bind(net)"), message);

        // Binding afterwards repairs the graph: the updaters SameDiff built from the unbound Soap are replaced.
        Soap.bind(sd);
        INDArray before = flatParams(sd);
        sd.fit(batch);
        sd.fit(batch);
        assertTrue(TestNets.allFinite(flatParams(sd)));
        assertNotEquals(0.0, flatParams(sd).distance2(before));
    }

    @Test
    void bindRefusesWithoutTrainingConfigOrSoap() {
        SameDiff bare = SameDiff.create();
        bare.var("w", Nd4j.rand(DataType.DOUBLE, 3, 4));
        IllegalStateException noConfig = assertThrows(IllegalStateException.class, () -> Soap.bind(bare));
        assertTrue(noConfig.getMessage().contains("sd.setTrainingConfig"), noConfig.getMessage());

        SameDiff adam = classifier(reference(), new Adam(1e-3));
        IllegalArgumentException notSoap = assertThrows(IllegalArgumentException.class, () -> Soap.bind(adam));
        assertTrue(notSoap.getMessage().contains("Adam"), notSoap.getMessage());

        SameDiff half = SameDiff.create();
        half.var("w", Nd4j.rand(DataType.HALF, 3, 4));
        half.setTrainingConfig(new TrainingConfig.Builder().updater(new Soap()).dataSetFeatureMapping("x")
                .markLabelsUnused().build());
        IllegalArgumentException halfRefusal = assertThrows(IllegalArgumentException.class, () -> Soap.bind(half));
        assertTrue(halfRefusal.getMessage().contains("Soap supports FLOAT and DOUBLE"), halfRefusal.getMessage());
    }

    @Test
    void bindRecordsEveryVariableAndLeavesTheGivenSoapAlone() {
        Soap given = TestNets.soap();
        SameDiff sd = Soap.bind(classifier(reference(), given));
        assertFalse(given.isBound());
        SameDiffSoap installed = (SameDiffSoap) sd.getTrainingConfig().getUpdater();
        assertNotSame(given, installed.getSoap());
        assertEquals("[b0[6]c, b1[6]c, w0[6, 6]c, w1[6, 6]c]",
                installed.getSoap().getLayout().toString());
        // A second bind of the same graph changes nothing.
        Soap.bind(sd);
        assertEquals(installed, sd.getTrainingConfig().getUpdater());
    }

    /** A variable added after binding is refused at the next fit, naming the SameDiff fix. */
    @Test
    void variableAddedAfterBindRefuses() {
        DataSet batch = data(1, 1).get(0);
        SameDiff newLength = Soap.bind(classifier(reference(), TestNets.soap()));
        newLength.var("extra", Nd4j.rand(DataType.DOUBLE, 5, 7));
        String message = refusal(assertThrows(RuntimeException.class, () -> newLength.fit(batch)));
        assertTrue(message.contains("Soap.bind(sd) again") && message.contains("35 elements"), message);

        SameDiff newShape = Soap.bind(classifier(reference(), TestNets.soap()));
        newShape.var("extra", Nd4j.rand(DataType.DOUBLE, 3, 12)); // as long as w0, another shape
        message = refusal(assertThrows(RuntimeException.class, () -> newShape.fit(batch)));
        assertTrue(message.contains("Soap.bind(sd) again") && message.contains("[3, 12]"), message);

        Soap.bind(newShape);
        newShape.fit(batch);
        assertTrue(TestNets.allFinite(flatParams(newShape)));
    }

    /** An 'f'-order weight follows the same trajectory as its 'c'-order copy (its gradient comes in 'c'). */
    @Test
    void fOrderVariableTrainsLikeItsCOrderCopy() {
        List<DataSet> data = data(12, 9);
        MultiLayerNetwork source = reference();
        SameDiff c = Soap.bind(classifier(source, TestNets.soap()));
        SameDiff f = classifier(source, TestNets.soap());
        f.getVariable("w1").setArray(source.getLayer(1).getParam("W").dup('f'));
        Soap.bind(f);
        assertEquals('f', f.getVariable("w1").getArr().ordering());
        for (DataSet batch : data) {
            c.fit(batch);
            f.fit(batch);
        }
        double movement = flatParams(c).distance2(flatParams(source.params(), source));
        double error = flatParams(f).distance2(flatParams(c)) / movement;
        System.out.printf("'f'-order weight vs 'c'-order copy: %.3e relative to movement %.3e%n", error, movement);
        assertTrue(movement > 0.1, "parameters barely moved: " + movement);
        assertTrue(error <= ORDER_TOLERANCE, "'f' and 'c' weights differ by " + error);
    }

    /** The example of docs/samediff.md, as written there (float32, a fresh graph, save and load). */
    @Test
    void documentedExampleTrainsAndResumes(@TempDir File dir) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 6);
        SDVariable w0 = sd.var("w0", new XavierInitScheme('c', 6, 6), DataType.FLOAT, 6, 6);
        SDVariable b0 = sd.zero("b0", DataType.FLOAT, 6);
        SDVariable w1 = sd.var("w1", new XavierInitScheme('c', 6, 6), DataType.FLOAT, 6, 6);
        SDVariable b1 = sd.zero("b1", DataType.FLOAT, 6);
        SDVariable logits = sd.math().tanh(x.mmul(w0).add(b0)).mmul(w1).add(b1);
        sd.loss().softmaxCrossEntropy("loss", y, logits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);

        sd.setTrainingConfig(new TrainingConfig.Builder()
                .updater(new Soap(3e-3))
                .dataSetFeatureMapping("x").dataSetLabelMapping("y")
                .build());
        Soap.bind(sd);

        List<DataSet> batches = new ArrayList<>();
        for (DataSet d : data(10, 3)) {
            batches.add(new DataSet(d.getFeatures().castTo(DataType.FLOAT), d.getLabels().castTo(DataType.FLOAT)));
        }
        DataSet probe = batches.get(0);
        Map<String, INDArray> feed = Map.of("x", probe.getFeatures(), "y", probe.getLabels());
        double before = sd.output(feed, "loss").get("loss").getDouble(0);
        sd.fit(new ListDataSetIterator<>(batches, 32), 3);
        double after = sd.output(feed, "loss").get("loss").getDouble(0);
        assertTrue(after < before, "loss went from " + before + " to " + after);

        File file = new File(dir, "example.sd");
        sd.save(file, true);
        SameDiff resumed = SameDiff.load(file, true);
        sd.fit(probe);
        resumed.fit(probe);
        assertEquals(0.0, TestNets.maxAbsDiff(flatParams(sd), flatParams(resumed)));
    }

    private static String refusal(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && t.getMessage() != null && t.getMessage().contains("Soap")) {
                return t.getMessage();
            }
        }
        throw new AssertionError("Expected a Soap refusal", thrown);
    }

    /** The trainable variables in name order, each flattened in 'c' order, concatenated. */
    static INDArray flatParams(SameDiff sd) {
        Map<String, INDArray> byName = new TreeMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE) {
                byName.put(v.name(), v.getArr());
            }
        }
        return concat(new ArrayList<>(byName.values()));
    }

    /** The MultiLayerNetwork's parameters in the order of {@link #flatParams(SameDiff)}: b0 b1 w0 w1. */
    private static INDArray flatParams(MultiLayerNetwork net) {
        return flatParams(net.params(), net);
    }

    private static INDArray flatParams(INDArray values, MultiLayerNetwork net) {
        MultiLayerNetwork copy = new MultiLayerNetwork(net.getLayerWiseConfigurations().clone());
        copy.init(values.dup(), false);
        List<INDArray> out = new ArrayList<>();
        for (String p : new String[] {"b", "W"}) {
            for (int i = 0; i < LAYERS; i++) {
                out.add(copy.getLayer(i).getParam(p));
            }
        }
        return concat(out);
    }

    private static INDArray concat(List<INDArray> arrays) {
        List<INDArray> flat = new ArrayList<>();
        for (INDArray a : arrays) {
            flat.add(a.dup('c').reshape(a.length()).castTo(DataType.DOUBLE));
        }
        return Nd4j.concat(0, flat.toArray(new INDArray[0]));
    }

    private static Map<String, INDArray> state(SameDiff sd) {
        Map<String, INDArray> out = new TreeMap<>();
        for (Map.Entry<String, GradientUpdater> e : sd.getUpdaterMap().entrySet()) {
            Map<String, INDArray> s = e.getValue().getState();
            for (Map.Entry<String, INDArray> k : s.entrySet()) {
                out.put(e.getKey() + "/" + k.getKey(), k.getValue());
            }
        }
        return out;
    }
}
