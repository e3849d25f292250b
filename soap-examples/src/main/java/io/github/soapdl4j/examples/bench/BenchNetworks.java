package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.Soap;
import io.github.soapdl4j.examples.mnist.ImageModels;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The float32 networks the benchmarks time, built for any updater and bound when it is SOAP. */
final class BenchNetworks {
    private BenchNetworks() {
    }

    /** The MLP 784-512-512-10 of the main job. */
    static MultiLayerNetwork mlp(IUpdater updater) {
        return init(new MultiLayerNetwork(ImageModels.configuration(ImageModels.Model.MLP, updater, 0, 1)));
    }

    /** The CNN of the main job: two 3x3 conv layers (32, 64) and a dense head. */
    static MultiLayerNetwork cnn(IUpdater updater) {
        return init(new MultiLayerNetwork(ImageModels.configuration(ImageModels.Model.CNN, updater, 0, 1)));
    }

    /**
     * The MLP with its first layer wrapped in a {@link FrozenLayerWithBackprop}, as a fine-tuning configuration
     * freezes a pretrained layer: Deeplearning4j zeroes that layer's gradients, and its updater still runs.
     */
    static MultiLayerNetwork frozenFirstLayerMlp(IUpdater updater) {
        MultiLayerConfiguration conf = ImageModels.configuration(ImageModels.Model.MLP, updater, 0, 1);
        NeuralNetConfiguration first = conf.getConf(0);
        first.setLayer(new FrozenLayerWithBackprop(first.getLayer()));
        return init(new MultiLayerNetwork(conf));
    }

    /** One square dense layer {@code width x width}. */
    static MultiLayerNetwork square(IUpdater updater, int width) {
        return init(new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(updater).list()
                .layer(new DenseLayer.Builder().nIn(width).nOut(width).activation(Activation.IDENTITY).build())
                .build()));
    }

    /**
     * The tensor shapes of a small transformer's block: eight dense 64x64 layers (the attention projections of
     * two layers), a 64-256-64 feed-forward and a 64-10 softmax head, for 64 input features.
     */
    static MultiLayerNetwork smallShapes(IUpdater updater) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.FLOAT).updater(updater).list();
        for (int i = 0; i < 8; i++) {
            list.layer(new DenseLayer.Builder().nIn(64).nOut(64).activation(Activation.TANH).build());
        }
        list.layer(new DenseLayer.Builder().nIn(64).nOut(256).activation(Activation.RELU).build());
        list.layer(new DenseLayer.Builder().nIn(256).nOut(64).activation(Activation.IDENTITY).build());
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(64).nOut(10)
                .activation(Activation.SOFTMAX).build());
        return init(new MultiLayerNetwork(list.build()));
    }

    private static MultiLayerNetwork init(MultiLayerNetwork net) {
        net.init();
        net.initGradientsView();
        return Soap.bind(net);
    }
}
