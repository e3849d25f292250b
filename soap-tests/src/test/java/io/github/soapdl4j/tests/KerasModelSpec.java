package io.github.soapdl4j.tests;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Keras 2 model as its author would build it, layer by layer, recorded as the {@code model_config} JSON Keras
 * writes ({@code Sequential}, or {@code Functional} with {@code inbound_nodes}) plus each layer's weights in
 * Keras's layouts (Dense kernel {@code [in, out]}, Conv1D {@code [k, in, out]}, Conv2D {@code [kh, kw, in, out]},
 * LSTM kernel {@code [in, 4u]} / recurrent_kernel {@code [u, 4u]} / bias {@code [4u]} in gate order i, f, c, o,
 * SimpleRNN kernel {@code [in, u]} / recurrent_kernel {@code [u, u]}, Embedding {@code [vocab, dim]},
 * BatchNormalization gamma, beta, moving_mean, moving_variance).
 *
 * <p>Each layer's {@code config} carries the fields the importer reads under the names Keras gives them; the ones
 * it ignores (regularizers, constraints, ...) are left out to keep {@code model_config} below the 2 KB the import
 * reads from a file of this writer. Recurrent layers name {@code GlorotUniform} as their recurrent initializer
 * where Keras's default is {@code Orthogonal}: the importer builds the layer with that initializer before
 * overwriting its weights with the file's, and its orthogonal initialization crashed the JVM on this machine.
 */
final class KerasModelSpec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean functional;
    private final Random random;
    private final List<Map<String, Object>> layers = new ArrayList<>();
    private final Map<String, Map<String, INDArray>> weights = new LinkedHashMap<>();
    private final Map<String, String> classNames = new LinkedHashMap<>();
    private final List<String> inputs = new ArrayList<>();
    private String last;
    private List<Integer> pendingInputShape;

    private KerasModelSpec(boolean functional, long seed) {
        this.functional = functional;
        this.random = new Random(seed);
    }

    static KerasModelSpec sequential(long seed) {
        return new KerasModelSpec(false, seed);
    }

    static KerasModelSpec functional(long seed) {
        return new KerasModelSpec(true, seed);
    }

    /** The model's input, {@code shape} without the batch dimension (Keras's {@code InputLayer}). */
    KerasModelSpec input(String name, Integer... shape) {
        Map<String, Object> c = new LinkedHashMap<>();
        List<Integer> batchShape = new ArrayList<>();
        batchShape.add(null);
        batchShape.addAll(Arrays.asList(shape));
        c.put("batch_input_shape", batchShape);
        c.put("dtype", "float32");
        c.put("name", name);
        inputs.add(name);
        return add("InputLayer", name, c, null, List.of());
    }

    /**
     * The input shape on the first layer instead of an {@code InputLayer}: how Keras 2.2 and 2.3 record a
     * {@code Sequential} model built with {@code input_shape=} (Sequential models only).
     */
    KerasModelSpec inputShapeOnFirstLayer(Integer... shape) {
        pendingInputShape = new ArrayList<>();
        pendingInputShape.add(null);
        pendingInputShape.addAll(Arrays.asList(shape));
        return this;
    }

    KerasModelSpec dense(String name, int in, int units, String activation, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("units", units);
        c.put("activation", activation);
        c.put("use_bias", true);
        c.put("kernel_initializer", initializer("GlorotUniform"));
        c.put("bias_initializer", initializer("Zeros"));
        return add("Dense", name, c, params("kernel", random(in, units), "bias", random(units)), List.of(inbound));
    }

    /** Conv1D, channels_last: input {@code [steps, in]}. */
    KerasModelSpec conv1d(String name, int in, int filters, int kernel, String padding, int dilation,
                          String activation, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("filters", filters);
        c.put("kernel_size", List.of(kernel));
        c.put("strides", List.of(1));
        c.put("padding", padding);
        c.put("data_format", "channels_last");
        c.put("dilation_rate", List.of(dilation));
        c.put("activation", activation);
        c.put("use_bias", true);
        c.put("kernel_initializer", initializer("GlorotUniform"));
        c.put("bias_initializer", initializer("Zeros"));
        return add("Conv1D", name, c, params("kernel", random(kernel, in, filters), "bias", random(filters)),
                List.of(inbound));
    }

    KerasModelSpec conv2d(String name, int in, int filters, int kernel, String dataFormat, String activation,
                          String... inbound) {
        Map<String, Object> c = base(name);
        c.put("filters", filters);
        c.put("kernel_size", List.of(kernel, kernel));
        c.put("strides", List.of(1, 1));
        c.put("padding", "valid");
        c.put("data_format", dataFormat);
        c.put("dilation_rate", List.of(1, 1));
        c.put("activation", activation);
        c.put("use_bias", true);
        c.put("kernel_initializer", initializer("GlorotUniform"));
        c.put("bias_initializer", initializer("Zeros"));
        return add("Conv2D", name, c, params("kernel", random(kernel, kernel, in, filters), "bias",
                random(filters)), List.of(inbound));
    }

    /** LSTM returning its last step only ({@code return_sequences=False}). */
    KerasModelSpec lstm(String name, int in, int units, String... inbound) {
        Map<String, Object> c = recurrentBase(name, units);
        c.put("recurrent_activation", "sigmoid");
        c.put("unit_forget_bias", true);
        c.put("implementation", 2);
        return add("LSTM", name, c, params("kernel", random(in, 4 * units), "recurrent_kernel",
                random(units, 4 * units), "bias", random(4 * units)), List.of(inbound));
    }

    /** SimpleRNN returning its last step only. */
    KerasModelSpec simpleRnn(String name, int in, int units, String... inbound) {
        Map<String, Object> c = recurrentBase(name, units);
        return add("SimpleRNN", name, c, params("kernel", random(in, units), "recurrent_kernel",
                random(units, units), "bias", random(units)), List.of(inbound));
    }

    KerasModelSpec embedding(String name, int vocabulary, int dim, int length, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("input_dim", vocabulary);
        c.put("output_dim", dim);
        c.put("embeddings_initializer", initializer("RandomUniform"));
        c.put("mask_zero", false);
        c.put("input_length", length);
        return add("Embedding", name, c, params("embeddings", random(vocabulary, dim)), List.of(inbound));
    }

    /** BatchNormalization over {@code axis} (-1: channels last, 1: channels first) with learned statistics. */
    KerasModelSpec batchNorm(String name, int axis, int channels, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("axis", axis);
        c.put("momentum", 0.99);
        c.put("epsilon", 0.001);
        c.put("center", true);
        c.put("scale", true);
        INDArray variance = random(channels).addi(1.5); // in [1, 2]: positive, as a trained model's would be
        return add("BatchNormalization", name, c, params("gamma", random(channels).addi(1), "beta",
                random(channels), "moving_mean", random(channels), "moving_variance", variance), List.of(inbound));
    }

    KerasModelSpec flatten(String name, String dataFormat, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("data_format", dataFormat);
        return add("Flatten", name, c, null, List.of(inbound));
    }

    KerasModelSpec globalAveragePooling(String name, int dims, String dataFormat, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("data_format", dataFormat);
        return add("GlobalAveragePooling" + dims + "D", name, c, null, List.of(inbound));
    }

    KerasModelSpec maxPooling2d(String name, String dataFormat, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("pool_size", List.of(2, 2));
        c.put("padding", "valid");
        c.put("strides", List.of(2, 2));
        c.put("data_format", dataFormat);
        return add("MaxPooling2D", name, c, null, List.of(inbound));
    }

    KerasModelSpec concatenate(String name, String... inbound) {
        Map<String, Object> c = base(name);
        c.put("axis", -1);
        return add("Concatenate", name, c, null, List.of(inbound));
    }

    /** @return the {@code model_config} attribute */
    String modelConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", functional ? "model" : "sequential");
        config.put("layers", layers);
        if (functional) {
            config.put("input_layers", inputs.stream().map(KerasModelSpec::tensor).toList());
            config.put("output_layers", List.of(tensor(last)));
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("class_name", functional ? "Functional" : "Sequential");
        model.put("config", config);
        return json(model);
    }

    /** @return the {@code training_config} of a model compiled with categorical cross-entropy and Adam */
    static String trainingConfig() {
        Map<String, Object> adam = new LinkedHashMap<>();
        adam.put("name", "Adam");
        adam.put("learning_rate", 0.001);
        adam.put("beta_1", 0.9);
        adam.put("beta_2", 0.999);
        adam.put("decay", 0.0);
        adam.put("epsilon", 1e-7);
        adam.put("amsgrad", false);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("loss", "categorical_crossentropy");
        training.put("metrics", List.of("accuracy"));
        training.put("optimizer_config", Map.of("class_name", "Adam", "config", adam));
        return json(training);
    }

    /** @return each layer's weights by Keras name, layers in model order */
    Map<String, Map<String, INDArray>> weights() {
        return weights;
    }

    /** @return each layer as Keras records it: {@code class_name} and {@code config} */
    List<Map<String, Object>> layers() {
        return layers;
    }

    /** @return the Keras class of the layer named {@code name} ({@code Dense}, {@code LSTM}, ...) */
    String className(String name) {
        return classNames.get(name);
    }

    boolean isFunctional() {
        return functional;
    }

    /** Writes the model as Keras's {@code model.save("file.h5")} would. */
    File save(File file) {
        KerasH5Writer.write(file, modelConfig(), trainingConfig(), weights);
        return file;
    }

    private KerasModelSpec add(String className, String name, Map<String, Object> config,
                               Map<String, INDArray> params, List<String> inbound) {
        if (pendingInputShape != null) {
            config.put("batch_input_shape", pendingInputShape);
            pendingInputShape = null;
        }
        Map<String, Object> layer = new LinkedHashMap<>();
        layer.put("class_name", className);
        layer.put("config", config);
        if (functional) {
            layer.put("name", name);
            List<String> from = inbound.isEmpty() && !className.equals("InputLayer") ? List.of(last) : inbound;
            List<Object> node = new ArrayList<>();
            for (String source : from) {
                node.add(List.of(source, 0, 0, Map.of()));
            }
            layer.put("inbound_nodes", from.isEmpty() ? List.of() : List.of(node));
        }
        layers.add(layer);
        classNames.put(name, className);
        if (params != null) {
            weights.put(name, params);
        }
        last = name;
        return this;
    }

    private static List<Object> tensor(String layer) {
        return List.of(layer, 0, 0);
    }

    private static Map<String, Object> base(String name) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("trainable", true);
        c.put("dtype", "float32");
        return c;
    }

    private static Map<String, Object> recurrentBase(String name, int units) {
        Map<String, Object> c = base(name);
        c.put("return_sequences", false);
        c.put("return_state", false);
        c.put("go_backwards", false);
        c.put("stateful", false);
        c.put("unroll", false);
        c.put("units", units);
        c.put("activation", "tanh");
        c.put("use_bias", true);
        c.put("kernel_initializer", initializer("GlorotUniform"));
        c.put("recurrent_initializer", initializer("GlorotUniform"));
        c.put("bias_initializer", initializer("Zeros"));
        c.put("dropout", 0.0);
        c.put("recurrent_dropout", 0.0);
        return c;
    }

    private static Map<String, Object> initializer(String className) {
        Map<String, Object> config = new LinkedHashMap<>();
        if (className.equals("RandomUniform")) {
            config.put("minval", -0.05);
            config.put("maxval", 0.05);
        }
        if (!className.equals("Zeros")) {
            config.put("seed", null);
        }
        return Map.of("class_name", className, "config", config);
    }

    private static Map<String, INDArray> params(Object... nameValue) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            p.put((String) nameValue[i], (INDArray) nameValue[i + 1]);
        }
        return p;
    }

    /** Uniform in [-0.5, 0.5): the scale of a trained small layer's weights. */
    private INDArray random(long... shape) {
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() - 0.5f;
        }
        return Nd4j.create(values, shape, 'c');
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize a map of strings, numbers and lists", e);
        }
    }
}
