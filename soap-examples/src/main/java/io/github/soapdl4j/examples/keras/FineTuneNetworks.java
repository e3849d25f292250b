package io.github.soapdl4j.examples.keras;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Turns an imported Keras classifier into the network to fine-tune: its classifier is replaced by a new softmax
 * output layer for the target classes, its first layers are frozen, and every other layer trains with the given
 * updater through {@link FineTuneConfiguration}.
 */
public final class FineTuneNetworks {
    private FineTuneNetworks() {
    }

    /**
     * @param imported the imported network, left untouched
     * @param updater  the updater of every trainable layer ({@link Soap} or any other)
     * @param frozen   how many leading layers keep their imported parameters
     * @param classes  the number of target classes
     * @param seed     seed of the new output layer's initialization
     * @return the network, initialized and (for SOAP) bound, ready to train
     */
    public static MultiLayerNetwork build(MultiLayerNetwork imported, IUpdater updater, int frozen, int classes,
                                          long seed) {
        int removed = classifierLayers(imported);
        int kept = imported.getnLayers() - removed;
        if (frozen < 0 || frozen > kept) {
            throw new IllegalArgumentException("Can freeze 0 to " + kept + " layers of this model, not " + frozen);
        }
        Layer last = imported.getLayerWiseConfigurations().getConf(kept - 1).getLayer();
        if (!(last instanceof FeedForwardLayer)) {
            throw new IllegalArgumentException("The layer before the classifier must be a feed-forward layer, not "
                    + last.getClass().getSimpleName());
        }
        // The new output layer's initial weights depend on the state of ND4J's global generator before the builder
        // is assembled; FineTuneConfiguration's seed does not fix them, nor does seeding just before build() (both
        // tried). Without this line each optimizer would start from another head.
        Nd4j.getRandom().setSeed(seed);
        TransferLearning.Builder builder = new TransferLearning.Builder(imported.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(updater).seed(seed).build())
                .removeLayersFromOutput(removed)
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(((FeedForwardLayer) last).getNOut()).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
        if (frozen > 0) {
            builder.setFeatureExtractor(frozen - 1);
        }
        MultiLayerNetwork net = builder.build();
        // FineTuneConfiguration puts one Soap into every layer; bind gives each its own parameter layout.
        return Soap.bind(net);
    }

    /**
     * @return how many layers at the end make up the imported classifier: a Keras model saved with its training
     *         configuration imports as the last Dense layer plus a {@link LossLayer}, one saved without it as the
     *         Dense layer alone
     */
    static int classifierLayers(MultiLayerNetwork imported) {
        int n = imported.getnLayers();
        boolean lossLayer = imported.getLayerWiseConfigurations().getConf(n - 1).getLayer() instanceof LossLayer;
        int removed = lossLayer ? 2 : 1;
        if (n <= removed) {
            throw new IllegalArgumentException("The model has no layers before its classifier to fine-tune");
        }
        return removed;
    }
}
