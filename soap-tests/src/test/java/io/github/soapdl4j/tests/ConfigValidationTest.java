package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParamLayout;
import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Enumeration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code Soap} that arrives through Deeplearning4j's JSON, a ModelSerializer zip or Java serialization has not
 * been through the builder: a bad value must still be refused with an {@link IllegalArgumentException} naming the
 * field and the value, unwrapped, before any parameter moves, whether the JSON was written before or after
 * {@code Soap.bind}.
 */
class ConfigValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DataSet BATCH = TestNets.classification(1, 16, 3, DataType.FLOAT).get(0);

    /** The seven values the issue measured, as JSON values, and how the message prints them. */
    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("beta1", 1.5, "1.5"),
                Arguments.of("beta2", -3.0, "-3.0"),
                Arguments.of("epsilon", -1.0, "-1.0"),
                Arguments.of("learningRate", Double.NaN, "NaN"),
                Arguments.of("maxPreconditionDim", 0, "0"),
                Arguments.of("shampooBeta", 2.0, "2.0"),
                Arguments.of("preconditionFrequency", 0, "0"));
    }

    @ParameterizedTest(name = "{0} = {2}")
    @MethodSource("badValues")
    void unboundMultiLayerJson(String field, Number value, String printed) {
        String json = edit(TestNets.mlpConf(TestNets.soap(), DataType.FLOAT).toJson(), set(field, value));
        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
        net.init();
        INDArray before = net.params().dup();
        assertNamed(field, printed, assertThrows(IllegalArgumentException.class, () -> Soap.bind(net)));
        // Forgetting bind: the updater Deeplearning4j builds at the first fit asks the configuration first.
        assertNamed(field, printed, assertThrows(IllegalArgumentException.class, () -> net.fit(BATCH)));
        assertEquals(before, net.params());
    }

    /** A bad value in the last layer only: bind refuses before it has bound any layer. */
    @Test
    void bindChecksEveryLayerBeforeBindingAny() throws IOException {
        JsonNode root = JSON.readTree(TestNets.mlpConf(TestNets.soap(), DataType.FLOAT).toJson());
        ObjectNode last = (ObjectNode) root.get("confs").get(2).get("layer").get("iupdater");
        set("epsilon", -1.0).accept(last);
        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(JSON.writeValueAsString(root)));
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Soap.bind(net));
        assertNamed("epsilon", "-1.0", e);
        assertTrue(e.getMessage().startsWith("Layer 'layer2' parameter 'W': "), e.getMessage());
        for (int i = 0; i < 3; i++) {
            assertTrue(!((Soap) net.getLayer(i).getConfig().getUpdaterByParam("W")).isBound(), "layer " + i);
        }
    }

    @ParameterizedTest(name = "{0} = {2}")
    @MethodSource("badValues")
    void boundMultiLayerJson(String field, Number value, String printed) {
        String json = edit(TestNets.mlp(TestNets.soap(), DataType.FLOAT).getLayerWiseConfigurations().toJson(),
                set(field, value));
        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
        net.init();
        INDArray before = net.params().dup();
        assertNamed(field, printed, assertThrows(IllegalArgumentException.class, () -> net.fit(BATCH)));
        assertEquals(before, net.params());
        assertNamed(field, printed, assertThrows(IllegalArgumentException.class, () -> Soap.bind(net)));
    }

    @ParameterizedTest(name = "{0} = {2}")
    @MethodSource("badValues")
    void computationGraphJson(String field, Number value, String printed) {
        ComputationGraph good = new ComputationGraph(graphConf());
        good.init();
        String unbound = edit(good.getConfiguration().toJson(), set(field, value));
        Soap.bind(good);
        String bound = edit(good.getConfiguration().toJson(), set(field, value));

        ComputationGraph fromUnbound = new ComputationGraph(ComputationGraphConfiguration.fromJson(unbound));
        fromUnbound.init();
        assertNamed(field, printed, assertThrows(IllegalArgumentException.class, () -> Soap.bind(fromUnbound)));

        ComputationGraph fromBound = new ComputationGraph(ComputationGraphConfiguration.fromJson(bound));
        fromBound.init();
        INDArray before = fromBound.params().dup();
        assertNamed(field, printed, assertThrows(IllegalArgumentException.class, () -> fromBound.fit(BATCH)));
        assertEquals(before, fromBound.params());
    }

    /** A checkpoint whose configuration.json was edited: refused while restoring the updater state. */
    @Test
    void modelSerializerZip(@TempDir File dir) throws IOException {
        MultiLayerNetwork net = TestNets.mlp(TestNets.soap(), DataType.FLOAT);
        net.fit(BATCH);
        File good = new File(dir, "good.zip");
        ModelSerializer.writeModel(net, good, true);
        File bad = new File(dir, "bad.zip");
        rewriteEntry(good, bad, ModelSerializer.CONFIGURATION_JSON, json -> edit(json, set("beta2", -3.0)));

        assertNamed("beta2", "-3.0", assertThrows(IllegalArgumentException.class,
                () -> ModelSerializer.restoreMultiLayerNetwork(bad, true)));
        MultiLayerNetwork withoutUpdater = ModelSerializer.restoreMultiLayerNetwork(bad, false);
        assertEquals(net.params(), withoutUpdater.params());
        assertNamed("beta2", "-3.0", assertThrows(IllegalArgumentException.class, () -> withoutUpdater.fit(BATCH)));
        assertEquals(net.params(), withoutUpdater.params());
        // The unedited file still loads and trains.
        ModelSerializer.restoreMultiLayerNetwork(good, true).fit(BATCH);
    }

    @Test
    void javaSerialization() throws Exception {
        Soap bound = boundSoap();
        Field beta1 = Soap.class.getDeclaredField("beta1");
        beta1.setAccessible(true);
        beta1.setDouble(bound, 1.5);
        byte[] bytes = serialize(bound);
        assertNamed("beta1", "1.5", assertThrows(IllegalArgumentException.class, () -> deserialize(bytes)));

        Soap other = boundSoap();
        Field shape = ParamLayout.class.getDeclaredField("shape");
        shape.setAccessible(true);
        shape.set(other.getLayout().get(0), new long[] {6, 0});
        byte[] layoutBytes = serialize(other);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> deserialize(layoutBytes));
        assertTrue(e.getMessage().contains("[6, 0]") && e.getMessage().contains("below 1"), e.getMessage());
    }

    /** An edited bound layout: a clear refusal when the updater is built, and bind describes the net anew. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badLayouts")
    void boundLayoutContent(String what, Consumer<ObjectNode> damage, String expected) {
        String json = edit(TestNets.mlp(TestNets.soap(), DataType.FLOAT).getLayerWiseConfigurations().toJson(),
                soap -> damage.accept((ObjectNode) soap.get("layout").get(0)));
        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
        net.init();
        INDArray before = net.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.fit(BATCH));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("Soap.bind(net)"), e.getMessage());
        assertEquals(before, net.params());
        Soap.bind(net);
        net.fit(BATCH);
        assertTrue(TestNets.allFinite(net.params()));
    }

    static Stream<Arguments> badLayouts() {
        return Stream.of(
                Arguments.of("empty name", (Consumer<ObjectNode>) p -> p.put("name", ""), "no parameter name"),
                Arguments.of("null name", (Consumer<ObjectNode>) p -> p.putNull("name"), "no parameter name"),
                Arguments.of("zero dim", (Consumer<ObjectNode>) p -> ((ArrayNode) p.get("shape")).set(0,
                        JSON.getNodeFactory().numberNode(0)), "[0, 8] with a dimension below 1"),
                Arguments.of("order x", (Consumer<ObjectNode>) p -> p.put("order", "x"), "memory order 'x'"));
    }

    /** The first layer's configuration of a freshly bound MLP: layout W [6, 8] 'f', b [8] 'c'. */
    private static Soap boundSoap() {
        Soap soap = (Soap) TestNets.mlp(TestNets.soap(), DataType.FLOAT).getLayer(0).getConfig().getUpdaterByParam("W");
        assertEquals(new ParamLayout("W", new long[] {6, 8}, 'f'), soap.getLayout().get(0));
        return soap;
    }

    private static ComputationGraphConfiguration graphConf() {
        return new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT).updater(TestNets.soap())
                .graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build();
    }

    private static void assertNamed(String field, String printed, IllegalArgumentException e) {
        assertTrue(e.getMessage().contains(field + " must be") && e.getMessage().contains("got " + printed + "."),
                e.getMessage());
    }

    private static Consumer<ObjectNode> set(String field, Number value) {
        return soap -> {
            assertTrue(soap.has(field), "the JSON names the field " + field);
            if (value instanceof Integer) {
                soap.put(field, value.intValue());
            } else {
                soap.put(field, value.doubleValue());
            }
        };
    }

    /** Applies {@code edit} to every Soap object of a configuration's JSON; fails if there is none. */
    private static String edit(String json, Consumer<ObjectNode> edit) {
        try {
            JsonNode root = JSON.readTree(json);
            int edited = editSoaps(root, edit);
            assertTrue(edited > 0, "no Soap in the JSON");
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int editSoaps(JsonNode node, Consumer<ObjectNode> edit) {
        int n = 0;
        if (node.isObject() && Soap.class.getName().equals(node.path("@class").asText())) {
            edit.accept((ObjectNode) node);
            n++;
        }
        for (JsonNode child : node) {
            n += editSoaps(child, edit);
        }
        return n;
    }

    private static void rewriteEntry(File from, File to, String name, java.util.function.UnaryOperator<String> edit)
            throws IOException {
        try (ZipFile in = new ZipFile(from);
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to.toPath()))) {
            boolean found = false;
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                byte[] data = in.getInputStream(entry).readAllBytes();
                if (entry.getName().equals(name)) {
                    data = edit.apply(new String(data, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                    found = true;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(data);
                out.closeEntry();
            }
            assertTrue(found, name + " in " + from);
        }
    }

    private static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }
}
