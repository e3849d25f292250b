package io.github.soapdl4j.examples.mnist;

import io.github.soapdl4j.DecoupledWeightDecay;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/**
 * The two image classifiers the comparison trains: the same architecture for every optimizer.
 *
 * <p>Weight decay is decoupled ({@code WeightDecay}: after the updater's step, each weight matrix shrinks by
 * {@code learningRate * weightDecay} of itself; biases are left alone) and set on every layer, never through the
 * global {@code NeuralNetConfiguration.Builder.weightDecay}, which Deeplearning4j 1.0.0-M2.1 applies twice.
 */
public final class ImageModels {
    private ImageModels() {
    }

    /** The two models this job knows. */
    public enum Model { MLP, CNN }

    /**
     * @param weightDecay decoupled weight decay of every layer's weights, 0 for none
     * @return the configuration of {@code model} trained with {@code updater}
     */
    public static MultiLayerConfiguration configuration(Model model, IUpdater updater, double weightDecay,
                                                        long seed) {
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be 0 or more, not " + weightDecay);
        }
        return model == Model.MLP ? mlp(updater, weightDecay, seed) : cnn(updater, weightDecay, seed);
    }

    /** Sets decoupled weight decay on one layer's weights; 0 leaves the layer without any regularization. */
    private static <T extends BaseLayer.Builder<T>> T decay(T layer, double weightDecay) {
        if (weightDecay != 0) {
            // Deeplearning4j's weightDecay(c) with the same values, computed without ND4J ops.
            layer.regularization(List.of(new DecoupledWeightDecay(weightDecay, true)));
        }
        return layer;
    }

    /** MLP 784-512-512-10, ReLU, softmax output. */
    static MultiLayerConfiguration mlp(IUpdater updater, double wd, long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).weightInit(WeightInit.RELU)
                .list()
                .layer(decay(new DenseLayer.Builder().nIn(784).nOut(512).activation(Activation.RELU), wd).build())
                .layer(decay(new DenseLayer.Builder().nIn(512).nOut(512).activation(Activation.RELU), wd).build())
                .layer(decay(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(512).nOut(10)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER), wd).build())
                .build();
    }

    /** Two 3x3 convolutions (32 and 64 channels) with max pooling, a dense layer of 128, softmax output. */
    static MultiLayerConfiguration cnn(IUpdater updater, double wd, long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).weightInit(WeightInit.RELU)
                .list()
                .layer(decay(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU), wd).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(decay(new ConvolutionLayer.Builder(3, 3).nOut(64).activation(Activation.RELU), wd).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(decay(new DenseLayer.Builder().nOut(128).activation(Activation.RELU), wd).build())
                .layer(decay(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER), wd).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }
}
