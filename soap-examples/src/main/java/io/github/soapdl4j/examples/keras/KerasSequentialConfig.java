package io.github.soapdl4j.examples.keras;

import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON that Keras 2 stores beside the weights of a compiled {@code Sequential} model: {@code model_config}
 * (the layers) and {@code training_config} (loss and optimizer), for a Deeplearning4j network made of
 * {@link DenseLayer}s and a softmax {@link OutputLayer} with cross-entropy loss.
 *
 * <p>The fields are the ones Keras 2 writes for {@code Dense}; Deeplearning4j's importer reads {@code units},
 * {@code activation}, {@code use_bias}, the initializer and the constraints, and requires the optimizer's
 * hyperparameters to be JSON floats.
 */
final class KerasSequentialConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> layerNames = new ArrayList<>();
    private final List<Map<String, Object>> layers = new ArrayList<>();

    private KerasSequentialConfig() {
    }

    /**
     * @param net a network of dense layers ending in a softmax output layer with multi-class cross-entropy
     * @return its Keras description; layers are named {@code dense_1}, {@code dense_2}, ... as Keras names them
     * @throws IllegalArgumentException for any other layer, activation or loss
     */
    static KerasSequentialConfig of(MultiLayerNetwork net) {
        KerasSequentialConfig config = new KerasSequentialConfig();
        int count = net.getnLayers();
        for (int i = 0; i < count; i++) {
            Layer layer = net.getLayerWiseConfigurations().getConf(i).getLayer();
            boolean last = i == count - 1;
            if (!(layer instanceof DenseLayer || last && layer instanceof OutputLayer)) {
                throw new IllegalArgumentException("Only dense layers and a final OutputLayer can be written as Keras "
                        + "Dense layers; layer " + i + " is " + layer.getClass().getSimpleName());
            }
            if (last && !(((BaseOutputLayer) layer).getLossFn() instanceof LossMCXENT)) {
                throw new IllegalArgumentException("The output layer must use multi-class cross-entropy (MCXENT)");
            }
            String name = "dense_" + (i + 1);
            config.layerNames.add(name);
            config.layers.add(dense(name, (FeedForwardLayer) layer, i == 0));
        }
        return config;
    }

    /** @return the layer names, which are also the names of the weight groups */
    List<String> layerNames() {
        return layerNames;
    }

    /** @return the {@code model_config} attribute */
    String modelConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", "sequential_1");
        config.put("layers", layers);
        return json(Map.of("class_name", "Sequential", "config", config));
    }

    /** @return the {@code training_config} attribute: categorical cross-entropy and Keras' default Adam */
    String trainingConfig() {
        Map<String, Object> adam = new LinkedHashMap<>();
        adam.put("learning_rate", 0.001);
        adam.put("beta_1", 0.9);
        adam.put("beta_2", 0.999);
        adam.put("decay", 0.0);
        adam.put("epsilon", 1e-7);
        adam.put("amsgrad", false);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("optimizer_config", Map.of("class_name", "Adam", "config", adam));
        training.put("loss", "categorical_crossentropy");
        training.put("metrics", List.of("accuracy"));
        training.put("loss_weights", null);
        training.put("sample_weight_mode", null);
        return json(training);
    }

    private static Map<String, Object> dense(String name, FeedForwardLayer layer, boolean first) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", name);
        config.put("trainable", true);
        if (first) {
            // Keras records the input shape on the first layer of a Sequential model built with input_shape=.
            config.put("batch_input_shape", Arrays.asList(null, layer.getNIn()));
            config.put("dtype", "float32");
        }
        config.put("units", layer.getNOut());
        config.put("activation", activation(layer.getActivationFn()));
        config.put("use_bias", true);
        config.put("kernel_initializer", Map.of("class_name", "GlorotUniform", "config", seedless()));
        config.put("bias_initializer", Map.of("class_name", "Zeros", "config", Map.of()));
        config.put("kernel_regularizer", null);
        config.put("bias_regularizer", null);
        config.put("activity_regularizer", null);
        config.put("kernel_constraint", null);
        config.put("bias_constraint", null);
        return Map.of("class_name", "Dense", "config", config);
    }

    private static Map<String, Object> seedless() {
        Map<String, Object> seed = new LinkedHashMap<>();
        seed.put("seed", null);
        return seed;
    }

    private static String activation(IActivation fn) {
        if (fn instanceof ActivationReLU) {
            return "relu";
        }
        if (fn instanceof ActivationSoftmax) {
            return "softmax";
        }
        if (fn instanceof ActivationTanH) {
            return "tanh";
        }
        if (fn instanceof ActivationSigmoid) {
            return "sigmoid";
        }
        if (fn instanceof ActivationIdentity) {
            return "linear";
        }
        throw new IllegalArgumentException("No Keras name known for activation " + fn);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize a map of strings, numbers and lists", e);
        }
    }
}
