package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keras models as their authors write them (Sequential and functional; Dense, Conv1D valid/causal/dilated,
 * Conv2D channels-last and channels-first, LSTM, SimpleRNN, Embedding, BatchNormalization), saved as Keras 2 HDF5
 * files, imported with {@code KerasModelImport} and fine-tuned through {@code TransferLearning}
 * ({@link KerasFineTune}): with SOAP and with DL4J's own Adam, each trains, stays finite, lowers the loss and
 * resumes exactly from a {@code ModelSerializer} checkpoint, or both fail in DL4J with the failure asserted here
 * (so that the test notices when a DL4J release changes it). docs/keras-import.md tabulates the outcomes.
 */
class KerasImportTest {
    private static final long SEED = 12;
    private static final int BATCH = 16;
    private static final int CLASSES = 3;
    private static final int NEW_CLASSES = 4;
    private static final int STEPS = 20;
    /**
     * Largest ratio of the loss after {@value #STEPS} steps to the loss before allowed; measured worst cases:
     * SOAP 0.925 (embedding_lstm), Adam 0.909 (functional_conv2d_batchnorm); best 0.20 and 0.16.
     */
    private static final double LOSS_RATIO = 0.95;

    /** What DL4J M2.1 does with a model: null when it trains, else the stage and a fragment of the message. */
    record Failure(String stage, String message) {
    }

    /**
     * @param scrambled the parameters ("layer/param") the import does not reproduce from the file (DL4J bugs)
     * @param failure   how fine-tuning fails in DL4J, or null when it trains
     */
    record Case(String name, Supplier<KerasModelSpec> model, long[] features, int vocabulary, List<String> scrambled,
                Failure failure) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<String> CONV2D_W = List.of("conv2d/W");
    private static final Failure CONV1D_BP = new Failure("train", "Op [conv1d_bp] execution failed");
    private static final Failure RNN_FLATTEN_BP = new Failure("train", "Shapes must be equal during backprop");

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("dense_batchnorm", () -> KerasModelSpec.sequential(1).input("input_1", 6)
                .dense("dense", 6, 8, "relu").batchNorm("batch_normalization", -1, 8)
                .dense("dense_1", 8, CLASSES, "softmax"), new long[] {BATCH, 6}, 0, List.of(), null));
        c.add(new Case("conv1d_valid_gap", () -> KerasModelSpec.sequential(2).input("input_1", 10, 4)
                .conv1d("conv1d", 4, 6, 3, "valid", 1, "relu").globalAveragePooling("gap", 1, "channels_last")
                .dense("dense", 6, CLASSES, "softmax"), new long[] {BATCH, 10, 4}, 0, List.of(), CONV1D_BP));
        c.add(new Case("conv1d_valid_flatten", () -> KerasModelSpec.sequential(3).input("input_1", 10, 4)
                .conv1d("conv1d", 4, 6, 3, "valid", 1, "relu").flatten("flatten", "channels_last")
                .dense("dense", 48, CLASSES, "softmax"),
                new long[] {BATCH, 10, 4}, 0, List.of(), RNN_FLATTEN_BP));
        c.add(new Case("conv1d_dilated_gap", () -> KerasModelSpec.sequential(4).input("input_1", 10, 4)
                .conv1d("conv1d", 4, 6, 3, "valid", 2, "relu").globalAveragePooling("gap", 1, "channels_last")
                .dense("dense", 6, CLASSES, "softmax"), new long[] {BATCH, 10, 4}, 0, List.of(), CONV1D_BP));
        c.add(new Case("conv1d_causal_dilated_gap", () -> KerasModelSpec.sequential(5).input("input_1", 10, 4)
                .conv1d("conv1d", 4, 6, 3, "causal", 2, "relu").globalAveragePooling("gap", 1, "channels_last")
                .dense("dense", 6, CLASSES, "softmax"), new long[] {BATCH, 10, 4}, 0, List.of(), CONV1D_BP));
        c.add(new Case("conv1d_lstm", () -> KerasModelSpec.sequential(17).input("input_1", 10, 4)
                .conv1d("conv1d", 4, 6, 3, "valid", 1, "relu").lstm("lstm", 6, 5)
                .dense("dense", 5, CLASSES, "softmax"), new long[] {BATCH, 10, 4}, 0, List.of(), CONV1D_BP));
        c.add(new Case("conv2d_last_pool_flatten", () -> KerasModelSpec.sequential(6).input("input_1", 8, 8, 2)
                .conv2d("conv2d", 2, 4, 3, "channels_last", "relu").maxPooling2d("pool", "channels_last")
                .flatten("flatten", "channels_last").dense("dense", 36, CLASSES, "softmax"),
                new long[] {BATCH, 8, 8, 2}, 0, List.of(), null));
        c.add(new Case("conv2d_last_batchnorm_gap", () -> KerasModelSpec.sequential(7).input("input_1", 8, 8, 2)
                .conv2d("conv2d", 2, 4, 3, "channels_last", "relu").batchNorm("batch_normalization", -1, 4)
                .globalAveragePooling("gap", 2, "channels_last").dense("dense", 4, CLASSES, "softmax"),
                new long[] {BATCH, 8, 8, 2}, 0, List.of(), null));
        c.add(new Case("conv2d_first_pool_flatten", () -> KerasModelSpec.sequential(8)
                .inputShapeOnFirstLayer(2, 8, 8)
                .conv2d("conv2d", 2, 4, 3, "channels_first", "relu").maxPooling2d("pool", "channels_first")
                .flatten("flatten", "channels_first").dense("dense", 36, CLASSES, "softmax"),
                new long[] {BATCH, 2, 8, 8}, 0, CONV2D_W, null));
        c.add(new Case("conv2d_first_gap", () -> KerasModelSpec.sequential(18)
                .inputShapeOnFirstLayer(2, 8, 8)
                .conv2d("conv2d", 2, 4, 3, "channels_first", "relu")
                .globalAveragePooling("gap", 2, "channels_first").dense("dense", 4, CLASSES, "softmax"),
                new long[] {BATCH, 2, 8, 8}, 0, CONV2D_W, null));
        c.add(new Case("conv2d_first_batchnorm_gap", () -> KerasModelSpec.sequential(9)
                .inputShapeOnFirstLayer(2, 8, 8)
                .conv2d("conv2d", 2, 4, 3, "channels_first", "relu").batchNorm("batch_normalization", 1, 4)
                .globalAveragePooling("gap", 2, "channels_first").dense("dense", 4, CLASSES, "softmax"),
                new long[] {BATCH, 2, 8, 8}, 0, CONV2D_W, null));
        // Keras 2.4 and later record a Sequential model's input as an InputLayer, which the importer reads as
        // channels last whatever the Conv2D's data format.
        c.add(new Case("conv2d_first_inputlayer_pool_flatten", () -> KerasModelSpec.sequential(19)
                .input("input_1", 2, 8, 8)
                .conv2d("conv2d", 2, 4, 3, "channels_first", "relu").maxPooling2d("pool", "channels_first")
                .flatten("flatten", "channels_first").dense("dense", 36, CLASSES, "softmax"),
                new long[] {BATCH, 2, 8, 8}, 0, List.of(), new Failure("import", "nIn and nOut must be > 0")));
        c.add(new Case("conv2d_first_inputlayer_batchnorm_gap", () -> KerasModelSpec.sequential(20)
                .input("input_1", 2, 8, 8)
                .conv2d("conv2d", 2, 4, 3, "channels_first", "relu").batchNorm("batch_normalization", 1, 4)
                .globalAveragePooling("gap", 2, "channels_first").dense("dense", 4, CLASSES, "softmax"),
                new long[] {BATCH, 2, 8, 8}, 0, List.of("conv2d/W", "batch_normalization/gamma",
                        "batch_normalization/beta", "batch_normalization/mean", "batch_normalization/var", "dense/W"),
                new Failure("train", "effective kernel height")));
        c.add(new Case("lstm", () -> KerasModelSpec.sequential(10).input("input_1", 6, 4)
                .lstm("lstm", 4, 5).dense("dense", 5, CLASSES, "softmax"),
                new long[] {BATCH, 6, 4}, 0, List.of(), null));
        c.add(new Case("simple_rnn", () -> KerasModelSpec.sequential(11).input("input_1", 6, 4)
                .simpleRnn("simple_rnn", 4, 5).dense("dense", 5, CLASSES, "softmax"),
                new long[] {BATCH, 6, 4}, 0, List.of(), null));
        c.add(new Case("embedding_lstm", () -> KerasModelSpec.sequential(12).input("input_1", 6)
                .embedding("embedding", 12, 4, 6).lstm("lstm", 4, 5).dense("dense", 5, CLASSES, "softmax"),
                new long[] {BATCH, 6}, 12, List.of(), null));
        c.add(new Case("embedding_flatten", () -> KerasModelSpec.sequential(13).input("input_1", 6)
                .embedding("embedding", 12, 4, 6).flatten("flatten", "channels_last")
                .dense("dense", 24, CLASSES, "softmax"), new long[] {BATCH, 6}, 12, List.of(), RNN_FLATTEN_BP));
        c.add(new Case("functional_dense_concat", () -> KerasModelSpec.functional(14).input("input_1", 6)
                .dense("dense", 6, 5, "relu", "input_1").dense("dense_1", 6, 4, "tanh", "input_1")
                .concatenate("concatenate", "dense", "dense_1").dense("dense_2", 9, CLASSES, "softmax"),
                new long[] {BATCH, 6}, 0, List.of(), null));
        c.add(new Case("functional_lstm", () -> KerasModelSpec.functional(15).input("input_1", 6, 4)
                .lstm("lstm", 4, 5).dense("dense", 5, CLASSES, "softmax"),
                new long[] {BATCH, 6, 4}, 0, List.of(), null));
        c.add(new Case("functional_conv2d_batchnorm", () -> KerasModelSpec.functional(16).input("input_1", 8, 8, 2)
                .conv2d("conv2d", 2, 4, 3, "channels_last", "relu").batchNorm("batch_normalization", -1, 4)
                .globalAveragePooling("gap", 2, "channels_last").dense("dense", 4, CLASSES, "softmax"),
                new long[] {BATCH, 8, 8, 2}, 0, List.of(), null));
        return c;
    }

    static Stream<Arguments> fineTuneRuns() {
        return cases().stream().flatMap(c -> Stream.of(Arguments.of(c, "soap"), Arguments.of(c, "adam")));
    }

    /**
     * The import reproduces the weights written, in DL4J's layouts, except for the kernels listed in the case:
     * channels-first Conv2D kernels (Keras stores {@code [kh, kw, in, out]} whatever the data format) arrive with
     * their elements in another order than the channels-last path gives them, and those layers then compute
     * something else than in Keras ({@link #importComputesWhatKerasComputes} shows it on the predictions).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("importedCases")
    void importReproducesTheWrittenWeights(Case c, @TempDir File dir) throws Exception {
        KerasModelSpec spec = c.model().get();
        Model imported = KerasFineTune.importModel(spec.save(new File(dir, c.name() + ".h5")), spec.isFunctional());
        List<String> differing = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, Map<String, INDArray>> layer : spec.weights().entrySet()) {
            Layer dl4j = imported instanceof MultiLayerNetwork ? ((MultiLayerNetwork) imported).getLayer(
                    layer.getKey()) : ((ComputationGraph) imported).getLayer(layer.getKey());
            assertNotNull(dl4j, "no layer " + layer.getKey());
            Map<String, INDArray> expected = dl4jLayout(spec.className(layer.getKey()), layer.getValue());
            for (Map.Entry<String, INDArray> p : expected.entrySet()) {
                INDArray actual = dl4j.getParam(p.getKey());
                assertNotNull(actual, layer.getKey() + " has no parameter " + p.getKey());
                compared++;
                // A different length too: an importer that misreads the input's layout sizes the layer wrongly.
                if (p.getValue().length() != actual.length()
                        || !p.getValue().equals(actual.castTo(DataType.FLOAT).reshape(p.getValue().shape()))) {
                    differing.add(layer.getKey() + "/" + p.getKey());
                }
            }
        }
        assertTrue(compared >= 3, "compared only " + compared + " parameters");
        assertEquals(c.scrambled(), differing, "parameters that differ from the file's weights");
    }

    static Stream<Case> importedCases() {
        return cases().stream().filter(c -> c.failure() == null || !c.failure().stage().equals("import"));
    }

    static Stream<Case> referenceCases() {
        List<String> names = List.of("dense_batchnorm", "conv1d_valid_gap", "conv1d_causal_dilated_gap",
                "conv2d_last_batchnorm_gap", "conv2d_first_gap", "conv2d_first_batchnorm_gap");
        return cases().stream().filter(c -> names.contains(c.name()));
    }

    /**
     * The imported model's predictions against Keras's definitions ({@link KerasReference}): equal to float
     * precision (measured at most 5e-8) where the weights import faithfully, far apart (measured 0.066 and 0.079
     * in class probability) where a kernel is scrambled.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void importComputesWhatKerasComputes(Case c, @TempDir File dir) throws Exception {
        KerasModelSpec spec = c.model().get();
        MultiLayerNetwork imported = (MultiLayerNetwork) KerasFineTune.importModel(
                spec.save(new File(dir, c.name() + ".h5")), false);
        INDArray x = data(c).getFeatures().castTo(DataType.FLOAT);
        INDArray expected = KerasReference.predict(spec, x);
        INDArray actual = imported.output(x).castTo(DataType.DOUBLE);
        assertArrayEquals(expected.shape(), actual.shape());
        double diff = TestNets.maxAbsDiff(expected, actual);
        if (c.scrambled().isEmpty()) {
            assertTrue(diff < 1e-5, c.name() + ": imported predictions differ from Keras's by " + diff);
        } else {
            assertTrue(diff > 1e-2, c.name() + ": predictions now match Keras's (" + diff + "); the import of "
                    + c.scrambled() + " was fixed: update the case and docs/keras-import.md");
        }
    }

    /**
     * Fine-tuning with SOAP or Adam through the documented recipe: every trainable parameter takes the updater,
     * 20 steps lower the loss and keep everything finite, and a run checkpointed after 10 steps with
     * {@code ModelSerializer} and restored ends bit-identical to an uninterrupted one. Where DL4J itself fails,
     * the failure is asserted for both updaters.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fineTuneRuns")
    void fineTunesLowersTheLossAndResumesExactly(Case c, String updaterName, @TempDir File dir) throws Exception {
        KerasModelSpec spec = c.model().get();
        IUpdater updater = updater(updaterName);
        DataSet data = data(c);
        String stage = "import";
        try {
            Model imported = KerasFineTune.importModel(spec.save(new File(dir, c.name() + ".h5")),
                    spec.isFunctional());
            stage = "fine-tune";
            Model straight = KerasFineTune.fineTune(imported, updater, NEW_CLASSES, true, SEED);
            assertEquals(List.of(), KerasFineTune.parametersNotUsing(straight, updater.getClass()));
            assertEquals(DataType.DOUBLE, straight.params().dataType());
            stage = "train";
            double before = score(straight, data);
            fit(straight, data, STEPS);
            double after = score(straight, data);
            if (c.failure() != null) {
                fail(c.name() + " was expected to fail at " + c.failure() + " but trained: " + before + " -> "
                        + after);
            }
            assertTrue(after < LOSS_RATIO * before, "loss " + before + " -> " + after);
            assertTrue(TestNets.allFinite(straight.params()), "parameters became non-finite");
            INDArray state = TestNets.updaterState(straight);
            assertTrue(TestNets.allFinite(state), "updater state became non-finite");
            assertNotEquals(0.0, state.norm2Number().doubleValue());

            Model first = KerasFineTune.fineTune(imported, updater, NEW_CLASSES, true, SEED);
            fit(first, data, STEPS / 2);
            File checkpoint = new File(dir, c.name() + "-" + updaterName + ".zip");
            ModelSerializer.writeModel(first, checkpoint, true);
            Model restored = first instanceof MultiLayerNetwork
                    ? ModelSerializer.restoreMultiLayerNetwork(checkpoint, true)
                    : ModelSerializer.restoreComputationGraph(checkpoint, true);
            assertEquals(List.of(), KerasFineTune.parametersNotUsing(restored, updater.getClass()),
                    "the restored model lost the updater");
            fit(restored, data, STEPS - STEPS / 2);
            assertEquals(0.0, TestNets.maxAbsDiff(straight.params(), restored.params()),
                    "parameters of the restored run differ from the uninterrupted one");
            assertEquals(0.0, TestNets.maxAbsDiff(state, TestNets.updaterState(restored)),
                    "updater state of the restored run differs from the uninterrupted one");
        } catch (Exception e) {
            if (c.failure() == null) {
                throw e;
            }
            assertEquals(c.failure().stage(), stage, c.name() + " failed at another stage: " + messages(e));
            assertTrue(messages(e).contains(c.failure().message()), c.name() + ": " + messages(e));
        }
    }

    /**
     * DL4J's importer gives every layer a {@code Dropout} with keep probability 1; its backprop multiplies the
     * gradient by a mask shaped like the layer's input as given (channels last), which the channels-first
     * gradient of Conv2D and SimpleRNN does not match. Shown with DL4J's own Adam: without clearing that
     * dropout these models do not train at all.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dropoutSensitiveCases")
    void importedNoOpDropoutBreaksBackpropUnlessCleared(Case c, @TempDir File dir) throws Exception {
        KerasModelSpec spec = c.model().get();
        Model imported = KerasFineTune.importModel(spec.save(new File(dir, c.name() + ".h5")), spec.isFunctional());
        Model tuned = KerasFineTune.fineTune(imported, new Adam(1e-2), NEW_CLASSES, false, SEED);
        try {
            fit(tuned, data(c), 1);
            fail(c.name() + " trained with the imported dropout; docs/keras-import.md says it does not");
        } catch (RuntimeException e) {
            assertTrue(messages(e).contains("Op [multiply] execution failed"), messages(e));
            assertTrue(stackTrace(e).contains("Dropout.backprop"), stackTrace(e));
        }
    }

    static Stream<Case> dropoutSensitiveCases() {
        List<String> names = List.of("conv2d_last_pool_flatten", "conv2d_last_batchnorm_gap", "simple_rnn",
                "functional_conv2d_batchnorm");
        return cases().stream().filter(c -> names.contains(c.name()));
    }

    /**
     * {@code FineTuneConfiguration.updater} does not reach the LSTM the importer wraps in {@code LastTimeStep}:
     * without {@link KerasFineTune#reachWrapped} it keeps the updater it was imported with.
     */
    @Test
    void fineTuneConfigurationAloneMissesWrappedRecurrentLayers(@TempDir File dir) throws Exception {
        Case c = cases().stream().filter(x -> x.name().equals("lstm")).findFirst().orElseThrow();
        KerasModelSpec spec = c.model().get();
        MultiLayerNetwork imported = (MultiLayerNetwork) KerasFineTune.importModel(
                spec.save(new File(dir, "lstm.h5")), false);
        MultiLayerNetwork plain = new TransferLearning.Builder(imported)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder()
                        .updater(updater("soap")).build())
                .build();
        IUpdater lstmUpdater = plain.getLayer("lstm").getConfig().getUpdaterByParam("W");
        assertFalse(lstmUpdater instanceof Soap, "FineTuneConfiguration now reaches wrapped layers: "
                + lstmUpdater + "; docs/keras-import.md can drop the workaround");
        assertTrue(plain.getLayer("dense").getConfig().getUpdaterByParam("W") instanceof Soap);

        // The recipe reaches the LSTM and leaves the imported model's configuration as it was.
        IUpdater importedUpdater = imported.getLayer("lstm").getConfig().getUpdaterByParam("W");
        Model tuned = KerasFineTune.fineTune(imported, updater("soap"), NEW_CLASSES, true, SEED);
        assertTrue(((MultiLayerNetwork) tuned).getLayer("lstm").getConfig().getUpdaterByParam("W") instanceof Soap);
        assertEquals(importedUpdater, imported.getLayer("lstm").getConfig().getUpdaterByParam("W"));
        assertFalse(importedUpdater instanceof Soap);
    }

    /** Keras's LSTM gate order is i, f, c, o; DL4J's is c, f, o, i (block input, forget, output, input). */
    private static INDArray lstmGates(INDArray keras) {
        long u = keras.size(1) / 4;
        INDArray[] gates = new INDArray[4];
        for (int g = 0; g < 4; g++) {
            gates[g] = keras.get(NDArrayIndex.all(), NDArrayIndex.interval(g * u, (g + 1) * u));
        }
        return Nd4j.hstack(gates[2], gates[1], gates[3], gates[0]);
    }

    private static Map<String, INDArray> dlj(Object... nameValue) {
        Map<String, INDArray> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], (INDArray) nameValue[i + 1]);
        }
        return m;
    }

    /** The parameters DL4J should hold for a Keras layer's weights, in DL4J's names and layouts. */
    private static Map<String, INDArray> dl4jLayout(String kerasClass, Map<String, INDArray> w) {
        switch (kerasClass) {
            case "Dense":
                return dlj("W", w.get("kernel"), "b", w.get("bias"));
            case "Conv2D": // [kh, kw, in, out] -> [out, in, kh, kw]
                return dlj("W", w.get("kernel").permute(3, 2, 0, 1).dup('c'), "b", w.get("bias"));
            case "Conv1D": // DL4J's W [out, in, k, 1] holds the elements of Keras's [k, in, out] in their order
                return dlj("W", w.get("kernel"), "b", w.get("bias"));
            case "LSTM":
                return dlj("W", lstmGates(w.get("kernel")), "RW", lstmGates(w.get("recurrent_kernel")),
                        "b", lstmGates(w.get("bias").reshape(1, -1)));
            case "SimpleRNN":
                return dlj("W", w.get("kernel"), "RW", w.get("recurrent_kernel"), "b", w.get("bias"));
            case "Embedding":
                return dlj("W", w.get("embeddings"));
            case "BatchNormalization":
                return dlj("gamma", w.get("gamma"), "beta", w.get("beta"), "mean", w.get("moving_mean"),
                        "var", w.get("moving_variance"));
            default:
                throw new IllegalArgumentException("No DL4J layout known for " + kerasClass);
        }
    }

    static IUpdater updater(String name) {
        return name.equals("soap") ? Soap.builder().learningRate(1e-2).preconditionFrequency(4).build()
                : new Adam(1e-2);
    }

    /** Random features in Keras's layout (or token indices), and random labels of {@link #NEW_CLASSES}. */
    static DataSet data(Case c) {
        Random r = new Random(SEED);
        long n = 1;
        for (long d : c.features()) {
            n *= d;
        }
        double[] x = new double[(int) n];
        for (int i = 0; i < x.length; i++) {
            x[i] = c.vocabulary() > 0 ? r.nextInt(c.vocabulary()) : r.nextGaussian();
        }
        double[][] y = new double[BATCH][NEW_CLASSES];
        for (double[] row : y) {
            row[r.nextInt(NEW_CLASSES)] = 1;
        }
        return new DataSet(Nd4j.create(x, c.features(), 'c'), Nd4j.create(y));
    }

    static double score(Model net, DataSet data) {
        return net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).score(data)
                : ((ComputationGraph) net).score(data);
    }

    static void fit(Model net, DataSet data, int steps) {
        for (int i = 0; i < steps; i++) {
            if (net instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) net).fit(data);
            } else {
                ((ComputationGraph) net).fit(data);
            }
        }
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable e = t; e != null; e = e.getCause()) {
            b.append(e.getClass().getSimpleName()).append(": ").append(e.getMessage()).append(" | ");
        }
        return b.toString();
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
