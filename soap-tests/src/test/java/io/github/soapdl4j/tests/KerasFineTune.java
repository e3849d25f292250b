package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The recipe docs/keras-import.md gives for fine-tuning an imported Keras model with SOAP (or any updater):
 * replace the classifier through {@code TransferLearning}, give every layer the updater through
 * {@code FineTuneConfiguration} and clear the no-op dropout the importer attaches, reach the layers inside
 * wrappers ({@code LastTimeStep} around LSTM and SimpleRNN) directly, then bind SOAP.
 */
final class KerasFineTune {
    /** DL4J keeps batch normalization's running statistics under these names, with a NoOp updater. */
    private static final Set<String> BATCH_NORM_STATISTICS = Set.of("mean", "var", "log10stdev");

    private KerasFineTune() {
    }

    /** Imports as a user would, without requiring the file's training configuration. */
    static Model importModel(File file, boolean functional) throws Exception {
        return functional ? KerasModelImport.importKerasModelAndWeights(file.getPath(), false)
                : KerasModelImport.importKerasSequentialModelAndWeights(file.getPath(), false);
    }

    /**
     * @param imported   the imported model, left untouched
     * @param updater    SOAP or any other updater, for every trainable parameter
     * @param classes    classes of the new softmax output layer that replaces the imported classifier
     * @param clearDropout whether to remove the importer's dropout (keep probability 1) from every layer
     * @return the network to fine-tune, in double precision, initialized, and bound when {@code updater} is SOAP
     */
    static Model fineTune(Model imported, IUpdater updater, int classes, boolean clearDropout, long seed) {
        FineTuneConfiguration.Builder fineTune = new FineTuneConfiguration.Builder().updater(updater).seed(seed);
        if (clearDropout) {
            fineTune.dropOut(0); // removes the layers' Dropout objects (dropOut(0) means "none")
        }
        // The new output layer's initial weights come from ND4J's global generator.
        Nd4j.getRandom().setSeed(seed);
        if (imported instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = ((MultiLayerNetwork) imported).clone();
            for (NeuralNetConfiguration c : net.getLayerWiseConfigurations().getConfs()) {
                c.setLayer(reachWrapped(c.getLayer(), updater, clearDropout));
            }
            int last = net.getnLayers() - 1;
            long nIn = ((FeedForwardLayer) net.getLayerWiseConfigurations().getConf(last).getLayer()).getNIn();
            MultiLayerNetwork tuned = new TransferLearning.Builder(net).fineTuneConfiguration(fineTune.build())
                    .removeLayersFromOutput(1).addLayer(head(nIn, classes)).build();
            tuned = tuned.convertDataType(DataType.DOUBLE);
            return updater instanceof Soap ? Soap.bind(tuned) : tuned;
        }
        ComputationGraph graph = ((ComputationGraph) imported).clone();
        for (GraphVertex v : graph.getConfiguration().getVertices().values()) {
            if (v instanceof LayerVertex) {
                NeuralNetConfiguration c = ((LayerVertex) v).getLayerConf();
                c.setLayer(reachWrapped(c.getLayer(), updater, clearDropout));
            }
        }
        String out = graph.getConfiguration().getNetworkOutputs().get(0);
        List<String> inputs = graph.getConfiguration().getVertexInputs().get(out);
        long nIn = ((FeedForwardLayer) graph.getLayer(out).conf().getLayer()).getNIn();
        ComputationGraph tuned = new TransferLearning.GraphBuilder(graph).fineTuneConfiguration(fineTune.build())
                .removeVertexKeepConnections(out).addLayer(out, head(nIn, classes), inputs.toArray(new String[0]))
                .build();
        // TransferLearning.GraphBuilder builds in FLOAT whatever the graph's type, so convert after it.
        tuned = tuned.convertDataType(DataType.DOUBLE);
        return updater instanceof Soap ? Soap.bind(tuned) : tuned;
    }

    /**
     * {@code FineTuneConfiguration} changes only {@code BaseLayer}s; a wrapper such as {@code LastTimeStep} (what
     * the importer makes of an LSTM or SimpleRNN returning its last step) is not one, and the layer inside keeps
     * the updater and dropout it was imported with.
     *
     * @return {@code layer} unchanged, or for a wrapper around a {@code BaseLayer} a copy of the wrapper around a
     *         copy of that layer with {@code updater} (and no dropout if asked). Copies, because DL4J's layer
     *         {@code clone()} is shallow: the wrapped configuration is one object shared by every clone of the
     *         network, the imported model's included.
     */
    static org.deeplearning4j.nn.conf.layers.Layer reachWrapped(org.deeplearning4j.nn.conf.layers.Layer layer,
                                                                IUpdater updater, boolean clearDropout) {
        if (!(layer instanceof BaseWrapperLayer) || layer instanceof FrozenLayerWithBackprop
                || !(((BaseWrapperLayer) layer).getUnderlying() instanceof BaseLayer)) {
            return layer;
        }
        BaseWrapperLayer wrapper = (BaseWrapperLayer) layer.clone();
        BaseLayer inner = (BaseLayer) wrapper.getUnderlying().clone();
        inner.setIUpdater(updater.clone());
        inner.setBiasUpdater(null); // the biases follow the weights
        if (clearDropout) {
            inner.setIDropout(null);
        }
        wrapper.setUnderlying(inner);
        return wrapper;
    }

    static OutputLayer head(long nIn, int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(nIn).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build();
    }

    static Layer[] layers(Model model) {
        return model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getLayers()
                : ((ComputationGraph) model).getLayers();
    }

    /**
     * @return "layer/param: Updater" for every parameter whose updater is not of {@code expected}'s class (or, for
     *         SOAP, not bound); batch normalization's running statistics must have DL4J's NoOp instead
     */
    static List<String> parametersNotUsing(Model model, Class<? extends IUpdater> expected) {
        List<String> wrong = new ArrayList<>();
        for (Layer layer : layers(model)) {
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> params = layer.paramTable(false);
            if (params == null) {
                continue;
            }
            for (String name : params.keySet()) {
                IUpdater u = layer.getConfig().getUpdaterByParam(name);
                boolean statistic = layer.getConfig() instanceof BatchNormalization
                        && BATCH_NORM_STATISTICS.contains(name);
                boolean ok = statistic ? u instanceof org.nd4j.linalg.learning.config.NoOp
                        : expected.isInstance(u) && (!(u instanceof Soap) || ((Soap) u).isBound());
                if (!ok) {
                    wrong.add(layer.getConfig().getLayerName() + "/" + name + ": " + u);
                }
            }
        }
        return wrong;
    }
}
