package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FineTuneConfiguration.updater(new Soap()) does not reach an LSTM inside LastTimeStep (Deeplearning4j
 * 1.0.0-M2.1): bind names the parameters left with SGD, and the fix from docs/fine-tuning.md gives all five
 * tensors Soap and silences the warning.
 */
class WrappedLayerFineTuneTest {

    @Test
    void bindNamesTheWrappedLayerAndTheFixReachesIt() {
        MultiLayerNetwork pretrained = new MultiLayerNetwork(pretrainedConf());
        pretrained.init();
        DataSet batch = sequences();
        pretrained.fit(batch);

        Soap soap = Soap.builder().learningRate(1e-2).preconditionFrequency(2).build();
        MultiLayerNetwork tuned = new TransferLearning.Builder(pretrained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(soap).build())
                .build();
        List<String> warnings;
        try (CapturedLog log = new CapturedLog(Soap.class)) {
            Soap.bind(tuned);
            warnings = log.warnings();
        }
        assertEquals(List.of("W", "b"), paramsUsing(tuned, Soap.class), "only the output layer took Soap");
        assertEquals(List.of("W", "RW", "b"), paramsUsing(tuned, Sgd.class), "the wrapped LSTM kept SGD");
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        System.out.println(w);
        assertTrue(w.contains("LastTimeStepLayer(LSTM)") && w.contains("Sgd for W, RW, b"), w);
        assertTrue(w.contains("mixes Soap with other updaters") && w.contains("LastTimeStep"), w);

        // The fix (docs/fine-tuning.md): copies of the wrapped layers with Soap, and the network built anew.
        MultiLayerConfiguration conf = tuned.getLayerWiseConfigurations().clone();
        for (NeuralNetConfiguration c : conf.getConfs()) {
            c.setLayer(withUpdaterInside(c.getLayer(), soap));
        }
        MultiLayerNetwork fixed = new MultiLayerNetwork(conf);
        fixed.init(tuned.params(), true);
        try (CapturedLog log = new CapturedLog(Soap.class)) {
            Soap.bind(fixed);
            warnings = log.warnings();
        }
        assertEquals(List.of(), warnings);
        assertEquals(List.of("W", "RW", "b", "W", "b"), paramsUsing(fixed, Soap.class), "all five tensors");
        assertEquals(tuned.params(), fixed.params());
        // DL4J shares the wrapped LSTM's configuration between the source and the tuned network; the copies
        // leave the source alone.
        assertEquals(List.of("W", "RW", "b", "W", "b"), paramsUsing(pretrained, Sgd.class));
        assertEquals(List.of("W", "RW", "b"), paramsUsing(tuned, Sgd.class));

        INDArray lstmBefore = fixed.getLayer(0).params().dup();
        for (int i = 0; i < 3; i++) {
            fixed.fit(batch);
        }
        assertNotEquals(lstmBefore, fixed.getLayer(0).params());
        assertTrue(TestNets.allFinite(fixed.params()));
        // The saved configuration carries the wrapped layer's bound Soap too.
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(fixed.getLayerWiseConfigurations().toJson());
        IUpdater restored = ((BaseLayer) ((LastTimeStep) back.getConf(0).getLayer()).getUnderlying()).getIUpdater();
        assertTrue(restored instanceof Soap && ((Soap) restored).isBound(), String.valueOf(restored));
    }

    @Test
    void graphVersion() {
        ComputationGraph pretrained = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.FLOAT).updater(new Sgd(0.1)).graphBuilder().addInputs("in")
                .addLayer("lstm", new LastTimeStep(new LSTM.Builder().nIn(3).nOut(5).activation(Activation.TANH)
                        .build()), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "lstm")
                .setOutputs("out").setInputTypes(InputType.recurrent(3)).build());
        pretrained.init();
        Soap soap = Soap.builder().learningRate(1e-2).preconditionFrequency(2).build();
        ComputationGraph tuned = new TransferLearning.GraphBuilder(pretrained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(soap).build())
                .build();
        List<String> warnings;
        try (CapturedLog log = new CapturedLog(Soap.class)) {
            Soap.bind(tuned);
            warnings = log.warnings();
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("layer 'lstm' (LastTimeStepLayer(LSTM)) uses Sgd for W, RW, b"),
                warnings.get(0));

        ComputationGraphConfiguration conf = tuned.getConfiguration().clone();
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex) {
                NeuralNetConfiguration c = ((LayerVertex) v).getLayerConf();
                c.setLayer(withUpdaterInside(c.getLayer(), soap));
            }
        }
        ComputationGraph fixed = new ComputationGraph(conf);
        fixed.init(tuned.params(), true);
        try (CapturedLog log = new CapturedLog(Soap.class)) {
            Soap.bind(fixed);
            warnings = log.warnings();
        }
        assertEquals(List.of(), warnings);
        long soapTensors = Arrays.stream(fixed.getLayers()).flatMap(l -> l.paramTable(false).keySet().stream()
                .map(p -> l.getConfig().getUpdaterByParam(p))).filter(u -> u instanceof Soap).count();
        assertEquals(5, soapTensors);
        INDArray before = fixed.params().dup();
        for (int i = 0; i < 3; i++) {
            fixed.fit(sequences()); // SOAP's first call only sets up the bases (docs/algorithm.md §2)
        }
        assertNotEquals(before, fixed.params());
    }

    /**
     * The snippet of docs/fine-tuning.md: {@code layer} with {@code updater} on every layer inside a wrapper. Every
     * level is copied, because Deeplearning4j's layer clone is shallow: the wrapped layer's configuration is one
     * object shared by the source network and the network TransferLearning built from it.
     */
    private static Layer withUpdaterInside(Layer layer, IUpdater updater) {
        if (layer instanceof Bidirectional) {
            Bidirectional copy = (Bidirectional) layer.clone();
            copy.setFwd(withUpdater(copy.getFwd(), updater));
            copy.setBwd(withUpdater(copy.getBwd(), updater));
            return copy;
        }
        if (layer instanceof BaseWrapperLayer && !(layer instanceof FrozenLayerWithBackprop)) {
            BaseWrapperLayer copy = (BaseWrapperLayer) layer.clone();
            copy.setUnderlying(withUpdater(copy.getUnderlying(), updater));
            return copy;
        }
        return layer;
    }

    private static Layer withUpdater(Layer layer, IUpdater updater) {
        if (layer instanceof BaseLayer) {
            BaseLayer copy = (BaseLayer) layer.clone();
            copy.setIUpdater(updater);
            copy.setBiasUpdater(null); // biases follow the weights
            return copy;
        }
        return withUpdaterInside(layer, updater);
    }

    private static MultiLayerConfiguration pretrainedConf() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(new Sgd(0.1)).list()
                .layer(new LastTimeStep(new LSTM.Builder().nIn(3).nOut(5).activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(3))
                .build();
    }

    /** 16 sequences of 3 features and 7 steps; the class is the sign of the first feature's sum. */
    private static DataSet sequences() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.FLOAT, 16, 3, 7);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 2);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, x.getDouble(i, 0, 0) + x.getDouble(i, 0, 6) > 0 ? 0 : 1, 1.0);
        }
        return new DataSet(x, y);
    }

    /** @return the names of the parameters whose updater, as training sees it, is of {@code type}, in order */
    private static List<String> paramsUsing(MultiLayerNetwork net, Class<? extends IUpdater> type) {
        List<String> out = new ArrayList<>();
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            for (String p : layer.paramTable(false).keySet()) {
                if (type.isInstance(layer.getConfig().getUpdaterByParam(p))) {
                    out.add(p);
                }
            }
        }
        return out;
    }
}
