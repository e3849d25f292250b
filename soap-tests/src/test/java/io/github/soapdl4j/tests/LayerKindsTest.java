package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.AutoEncoder;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CapsuleLayer;
import org.deeplearning4j.nn.conf.layers.CapsuleStrengthLayer;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Deconvolution3D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.GravesBidirectionalLSTM;
import org.deeplearning4j.nn.conf.layers.GravesLSTM;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.LocallyConnected1D;
import org.deeplearning4j.nn.conf.layers.LocallyConnected2D;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.PrimaryCapsules;
import org.deeplearning4j.nn.conf.layers.RecurrentAttentionLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.objdetect.Yolo2OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer;
import org.deeplearning4j.nn.conf.layers.variational.GaussianReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.conf.ocnn.OCNNOutputLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every trainable layer kind of Deeplearning4j 1.0.0-M2.1, each in a tiny network on tiny synthetic data: where
 * DL4J's own Adam trains it, Soap binds, trains with finite parameters and a falling loss, and resumes bit-exactly
 * from a ModelSerializer checkpoint taken mid-training. docs/layers.md tabulates the outcomes.
 */
class LayerKindsTest {
    /** Soap's steps; DL4J's Adam, which only shows that DL4J trains the kind, takes half as many. */
    private static final int STEPS = 20;
    private static final int CHECKPOINT_AT = 9;
    private static final DataType TYPE = DataType.DOUBLE;

    /** What a kind does; {@code message} is the exact refusal, where there is one. */
    enum Result {
        /** Adam and Soap train it; Soap resumes bit-exactly from a checkpoint. */
        TRAINS,
        /** Soap.bind refuses it with {@code message}. */
        SOAP_REFUSED,
        /** DL4J fails with its own Adam, with {@code message}; Soap binds and meets the same failure. */
        DL4J_FAILS,
        /** Both train, but DL4J's checkpoint does not resume even Adam exactly ({@code message} says why). */
        DL4J_NOT_RESUMABLE
    }

    record Kind(String name, Function<IUpdater, MultiLayerConfiguration> conf, Supplier<DataSet> data,
                Result result, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Kind trains(String name, Function<NeuralNetConfiguration.ListBuilder, MultiLayerConfiguration> layers,
                               Supplier<DataSet> data) {
        return new Kind(name, u -> layers.apply(base(u)), data, Result.TRAINS, null);
    }

    private static Kind dl4jFails(String name,
                                  Function<NeuralNetConfiguration.ListBuilder, MultiLayerConfiguration> layers,
                                  Supplier<DataSet> data, String message) {
        return new Kind(name, u -> layers.apply(base(u)), data, Result.DL4J_FAILS, message);
    }

    private static NeuralNetConfiguration.ListBuilder base(IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(TYPE).updater(updater).list();
    }

    private static OutputLayer softmax(int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).build();
    }

    private static RnnOutputLayer rnnSoftmax(int classes) {
        return new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).build();
    }

    private static GlobalPoolingLayer avgPool() {
        return new GlobalPoolingLayer.Builder(PoolingType.AVG).build();
    }

    static List<Kind> kinds() {
        return List.of(
                trains("DenseLayer + OutputLayer", b -> b
                        .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("DenseLayer with layer norm", b -> b
                        .layer(new DenseLayer.Builder().nOut(6).hasLayerNorm(true).activation(Activation.TANH).build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("EmbeddingLayer", b -> b
                        .layer(new EmbeddingLayer.Builder().nIn(10).nOut(4).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                                .activation(Activation.SOFTMAX).build()).build(), () -> indices(10, 3)),
                trains("EmbeddingSequenceLayer", b -> b
                        .layer(new EmbeddingSequenceLayer.Builder().nIn(10).nOut(4).inputLength(5).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(1, 5)).overrideNinUponBuild(false)
                        .build(), () -> indexSequences(10, 5, 3)),
                trains("Convolution1DLayer", b -> b
                        .layer(new Convolution1DLayer.Builder(3).nOut(4).activation(Activation.RELU).build())
                        .layer(avgPool()).layer(softmax(3)).setInputType(InputType.recurrent(3, 8)).build(),
                        () -> sequenceToOne(3, 8, 3)),
                trains("ConvolutionLayer (2D)", b -> b
                        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                        .layer(softmax(3)).setInputType(InputType.convolutional(6, 6, 2)).build(),
                        () -> images(2, 6, 6, 3)),
                trains("Convolution3D", b -> b
                        .layer(new Convolution3D.Builder(2, 2, 2).nOut(3).activation(Activation.RELU).build())
                        .layer(softmax(3)).setInputType(InputType.convolutional3D(4, 4, 4, 2)).build(),
                        () -> volumes(2, 4, 3)),
                trains("Deconvolution2D", b -> b
                        .layer(new Deconvolution2D.Builder(2, 2).stride(2, 2).nOut(3).activation(Activation.RELU)
                                .build())
                        .layer(softmax(3)).setInputType(InputType.convolutional(4, 4, 2)).build(),
                        () -> images(2, 4, 4, 3)),
                trains("Deconvolution3D", b -> b
                        .layer(new Deconvolution3D.Builder().kernelSize(2, 2, 2).stride(2, 2, 2).nOut(2)
                                .activation(Activation.RELU).build())
                        .layer(softmax(3)).setInputType(InputType.convolutional3D(3, 3, 3, 2)).build(),
                        () -> volumes(2, 3, 3)),
                trains("SeparableConvolution2D", b -> b
                        .layer(new SeparableConvolution2D.Builder(3, 3).nOut(4).depthMultiplier(2)
                                .activation(Activation.RELU).build())
                        .layer(softmax(3)).setInputType(InputType.convolutional(6, 6, 2)).build(),
                        () -> images(2, 6, 6, 3)),
                trains("DepthwiseConvolution2D", b -> b
                        .layer(new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2)
                                .activation(Activation.RELU).build())
                        .layer(softmax(3)).setInputType(InputType.convolutional(6, 6, 2)).build(),
                        () -> images(2, 6, 6, 3)),
                trains("LocallyConnected1D", b -> b
                        .layer(new LocallyConnected1D.Builder().nOut(4).kernelSize(3).setInputSize(8)
                                .activation(Activation.TANH).build())
                        .layer(avgPool()).layer(softmax(3)).setInputType(InputType.recurrent(3, 8)).build(),
                        () -> sequenceToOne(3, 8, 3)),
                trains("LocallyConnected2D", b -> b
                        .layer(new LocallyConnected2D.Builder().nOut(3).kernelSize(3, 3).setInputSize(5, 5)
                                .activation(Activation.TANH).build())
                        .layer(softmax(3)).setInputType(InputType.convolutional(5, 5, 2)).build(),
                        () -> images(2, 5, 5, 3)),
                trains("LSTM", b -> b
                        .layer(new LSTM.Builder().nOut(5).activation(Activation.TANH).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3)),
                trains("GravesLSTM", b -> b
                        .layer(new GravesLSTM.Builder().nOut(5).activation(Activation.TANH).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3)),
                trains("GravesBidirectionalLSTM", b -> b
                        .layer(new GravesBidirectionalLSTM.Builder().nOut(4).activation(Activation.TANH).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3)),
                trains("SimpleRnn", b -> b
                        .layer(new SimpleRnn.Builder().nOut(5).activation(Activation.TANH).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3)),
                dl4jFails("SimpleRnn with layer norm", b -> b
                        .layer(new SimpleRnn.Builder().nOut(5).hasLayerNorm(true).activation(Activation.TANH).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3),
                        // SimpleRnn's forward pass takes the gain of a [1] array (1.0.0-M2.1).
                        "Indices are out of range: Cannot get interval index Interval(b=0,e=5,s=1) on array with "
                                + "size(0)=1. Array shape: [1], indices: [Interval(b=0,e=5,s=1)]"),
                trains("Bidirectional(LSTM)", b -> b
                        .layer(new Bidirectional(new LSTM.Builder().nOut(4).activation(Activation.TANH).build()))
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3)),
                trains("LastTimeStep(LSTM)", b -> b
                        .layer(new LastTimeStep(new LSTM.Builder().nOut(5).activation(Activation.TANH).build()))
                        .layer(softmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequenceToOne(3, 6, 3)),
                trains("TimeDistributed(DenseLayer)", b -> b
                        .layer(new TimeDistributed(new DenseLayer.Builder().nOut(5).activation(Activation.TANH)
                                .build()))
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3)),
                trains("MaskZeroLayer(LSTM)", b -> b
                        .layer(new MaskZeroLayer(new LSTM.Builder().nOut(5).activation(Activation.TANH).build(), 0.0))
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 6)).build(),
                        () -> sequences(3, 6, 3)),
                trains("LSTM with truncated BPTT", b -> b
                        .layer(new LSTM.Builder().nOut(5).activation(Activation.TANH).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(3, 9))
                        .backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(3).tBPTTBackwardLength(3)
                        .build(), () -> sequences(3, 9, 3)),
                trains("BatchNormalization", b -> b
                        .layer(new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY).build())
                        .layer(new BatchNormalization.Builder().build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("SelfAttentionLayer", b -> b
                        .layer(new SelfAttentionLayer.Builder().nOut(6).nHeads(2).headSize(3).projectInput(true)
                                .build())
                        .layer(avgPool()).layer(softmax(3)).setInputType(InputType.recurrent(6, 5)).build(),
                        () -> sequenceToOne(6, 5, 3)),
                dl4jFails("LearnedSelfAttentionLayer", b -> b
                        .layer(new LearnedSelfAttentionLayer.Builder().nOut(6).nHeads(2).headSize(3).nQueries(2)
                                .projectInput(true).build())
                        .layer(avgPool()).layer(softmax(3)).setInputType(InputType.recurrent(6, 5)).build(),
                        () -> sequenceToOne(6, 5, 3),
                        // Its SameDiff forward pass fails in a native op (also with one head and no projection).
                        "Op with name scatter_update and op type [scatter_update] execution failed with message "),
                trains("RecurrentAttentionLayer", b -> b
                        .layer(new RecurrentAttentionLayer.Builder().nIn(4).nOut(4).nHeads(1).projectInput(false)
                                .activation(Activation.TANH).build())
                        .layer(rnnSoftmax(3)).setInputType(InputType.recurrent(4, 5)).build(),
                        () -> sequences(4, 5, 3)),
                trains("PReLULayer", b -> b
                        .layer(new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY).build())
                        .layer(new PReLULayer.Builder().inputShape(6).build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("ElementWiseMultiplicationLayer", b -> b
                        .layer(new ElementWiseMultiplicationLayer.Builder().nOut(5).activation(Activation.TANH)
                                .build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("FrozenLayerWithBackprop", b -> b
                        .layer(new FrozenLayerWithBackprop(new DenseLayer.Builder().nOut(6)
                                .activation(Activation.TANH).build()))
                        .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("CenterLossOutputLayer", b -> b
                        .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                        .layer(new CenterLossOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                                .activation(Activation.SOFTMAX).alpha(0.1).lambda(0.01).build())
                        .setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("VariationalAutoencoder (supervised)", b -> b
                        .layer(new VariationalAutoencoder.Builder().encoderLayerSizes(6).decoderLayerSizes(6).nOut(3)
                                .reconstructionDistribution(new GaussianReconstructionDistribution(Activation.IDENTITY))
                                .activation(Activation.TANH).build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                trains("AutoEncoder (supervised)", b -> b
                        .layer(new AutoEncoder.Builder().nOut(6).activation(Activation.TANH).build())
                        .layer(softmax(3)).setInputType(InputType.feedForward(5)).build(), () -> ff(5, 3)),
                new Kind("OCNNOutputLayer", u -> base(u)
                        .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                        .layer(new OCNNOutputLayer.Builder().nu(0.1).hiddenLayerSize(4)
                                .activation(Activation.SIGMOID.getActivationFunction()).build())
                        .setInputType(InputType.feedForward(5)).build(), () -> ff(5, 1),
                        Result.DL4J_NOT_RESUMABLE, "the layer sets its parameter r to a percentile of a window of "
                                + "recent outputs that it keeps outside the parameters and the checkpoint"),
                trains("Yolo2OutputLayer (after a ConvolutionLayer)", b -> b
                        .layer(new ConvolutionLayer.Builder(1, 1).nOut(2 * (5 + 2)).activation(Activation.IDENTITY)
                                .build())
                        .layer(new Yolo2OutputLayer.Builder()
                                .boundingBoxPriors(Nd4j.create(new double[][] {{1, 1}, {2, 2}}).castTo(TYPE))
                                .build())
                        .setInputType(InputType.convolutional(4, 4, 3)).build(), LayerKindsTest::yolo),
                trains("PrimaryCapsules + CapsuleLayer", b -> b
                        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                        .layer(new PrimaryCapsules.Builder(4, 2).kernelSize(3, 3).stride(2, 2).build())
                        .layer(new CapsuleLayer.Builder(3, 4, 2).build())
                        .layer(new CapsuleStrengthLayer.Builder().build())
                        .layer(new ActivationLayer.Builder().activation(Activation.SOFTMAX).build())
                        .layer(new LossLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).build())
                        .setInputType(InputType.convolutional(9, 9, 1)).build(), () -> images(1, 9, 9, 3)),
                trains("SameDiffLayer + SameDiffOutputLayer (user-defined)", b -> b
                        .layer(new SameDiffDenseLayers.Dense(5, 6))
                        .layer(new SameDiffDenseLayers.Output(6, 3)).build(), () -> ff(5, 3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void trainsBindsAndResumes(Kind kind, @TempDir File dir) throws Exception {
        DataSet data = kind.data().get();
        System.out.printf("layer kind | %s | %s | %s%n", kind.name(), kind.result(),
                kind.message() == null ? "" : kind.message());

        MultiLayerNetwork adam = network(kind, new Adam(1e-2));
        if (kind.result() == Result.DL4J_FAILS) {
            // DL4J fails with its own updater; Soap binds and then meets the same failure, nothing of its own.
            // The native op's message may end with a detail that varies from run to run ("Op validation failed" or
            // nothing), so the recorded message is a prefix.
            Throwable t = assertThrows(Throwable.class, () -> train(adam, data, STEPS));
            assertTrue(rootMessage(t).startsWith(kind.message()), rootMessage(t));
            MultiLayerNetwork soap = Soap.bind(network(kind, TestNets.soap()));
            Throwable s = assertThrows(Throwable.class, () -> train(soap, data, STEPS));
            assertTrue(rootMessage(s).startsWith(kind.message()), rootMessage(s));
            return;
        }
        assertTrains(adam, data, "Adam", STEPS / 2);

        MultiLayerNetwork soap = network(kind, TestNets.soap());
        if (kind.result() == Result.SOAP_REFUSED) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Soap.bind(soap));
            assertEquals(kind.message(), e.getMessage());
            return;
        }
        Soap.bind(soap);
        int soapParams = 0;
        for (Layer layer : soap.getLayers()) {
            for (Map.Entry<String, INDArray> p : layer.paramTable(false).entrySet()) {
                IUpdater u = layer.getConfig().getUpdaterByParam(p.getKey());
                if (u instanceof Soap) {
                    assertTrue(((Soap) u).isBound(), "layer " + layer.getIndex() + " param " + p.getKey());
                    soapParams++;
                }
            }
        }
        assertTrue(soapParams > 0, "no parameter uses Soap");
        assertTrains(soap, data, "Soap", STEPS);
        // The updater state is exactly the per-parameter state sizes: no block misread its parameters.
        assertEquals(expectedStateSize(soap), soap.getUpdater().getStateViewArray().length());

        MultiLayerNetwork restored = resumed(kind, TestNets.soap(), data, dir);
        double params = TestNets.maxAbsDiff(soap.params(), restored.params());
        double state = TestNets.maxAbsDiff(soap.getUpdater().getStateViewArray(),
                restored.getUpdater().getStateViewArray());
        if (kind.result() == Result.DL4J_NOT_RESUMABLE) {
            // The same holds for DL4J's Adam: the difference is the layer's, not the updater's.
            MultiLayerNetwork adamUninterrupted = network(kind, new Adam(1e-2));
            train(adamUninterrupted, data, STEPS);
            MultiLayerNetwork adamRestored = resumed(kind, new Adam(1e-2), data, dir);
            assertNotEquals(0.0, TestNets.maxAbsDiff(adamUninterrupted.params(), adamRestored.params()),
                    "Adam resumes exactly after all");
            assertNotEquals(0.0, params, "Soap resumes exactly after all");
            return;
        }
        assertEquals(0.0, params, "parameters after resuming");
        assertEquals(0.0, state, "updater state after resuming");
    }

    /**
     * A network trained {@link #CHECKPOINT_AT} steps, written with ModelSerializer, restored (without a second
     * Soap.bind) and trained to {@link #STEPS}. The restored state must be the written one.
     */
    private static MultiLayerNetwork resumed(Kind kind, IUpdater updater, DataSet data, File dir) throws Exception {
        MultiLayerNetwork first = network(kind, updater);
        if (updater instanceof Soap) {
            Soap.bind(first);
        }
        train(first, data, CHECKPOINT_AT);
        File file = new File(dir, "checkpoint-" + updater.getClass().getSimpleName() + ".zip");
        ModelSerializer.writeModel(first, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(0.0, TestNets.maxAbsDiff(first.getUpdater().getStateViewArray(),
                restored.getUpdater().getStateViewArray()), "updater state as restored");
        train(restored, data, STEPS - CHECKPOINT_AT);
        return restored;
    }

    /**
     * Layerwise pretraining of a VariationalAutoencoder: DL4J updates its decoder in a block of its own, apart from
     * the encoder, with the one Soap configuration of the layer; each block finds its part of the bound run.
     */
    @Test
    void variationalAutoencoderPretrains() {
        MultiLayerNetwork net = new MultiLayerNetwork(base(TestNets.soap())
                .layer(new VariationalAutoencoder.Builder().encoderLayerSizes(6).decoderLayerSizes(6).nOut(3)
                        .reconstructionDistribution(new GaussianReconstructionDistribution(Activation.IDENTITY))
                        .activation(Activation.TANH).build())
                .layer(softmax(3)).setInputType(InputType.feedForward(5)).build());
        net.init();
        Soap.bind(net);
        DataSet data = ff(5, 3);
        INDArray decoder = net.getLayer(0).getParam("d0W").dup();
        INDArray encoder = net.getLayer(0).getParam("e0W").dup();
        for (int i = 0; i < STEPS; i++) {
            net.pretrainLayer(0, data.getFeatures());
        }
        assertTrue(TestNets.allFinite(net.params()));
        assertNotEquals(0.0, TestNets.maxAbsDiff(decoder, net.getLayer(0).getParam("d0W")), "decoder");
        assertNotEquals(0.0, TestNets.maxAbsDiff(encoder, net.getLayer(0).getParam("e0W")), "encoder");
        // Then supervised training goes on with the encoder's block.
        double before = net.score(data);
        train(net, data, STEPS);
        assertTrue(net.score(data) < before);
    }

    /** A user-defined SameDiffVertex: parameters that a ComputationGraph holds in a vertex, not in a layer. */
    @Test
    void sameDiffVertexInComputationGraph(@TempDir File dir) throws Exception {
        DataSet data = ff(5, 3);
        ComputationGraph adam = vertexGraph(new Adam(1e-2));
        double adamBefore = adam.score(data);
        fit(adam, data, STEPS / 2);
        assertTrue(adam.score(data) < adamBefore, "Adam did not train");

        ComputationGraph soap = Soap.bind(vertexGraph(TestNets.soap()));
        SameDiffVertex vertex = (SameDiffVertex) soap.getConfiguration().getVertices().get("vertex");
        assertTrue(vertex.getUpdater() instanceof Soap && ((Soap) vertex.getUpdater()).isBound());
        double before = soap.score(data);
        INDArray start = soap.params().dup();
        fit(soap, data, STEPS);
        double after = soap.score(data);
        System.out.printf("Soap  loss %.4f -> %.4f (SameDiffVertex)%n", before, after);
        assertTrue(TestNets.allFinite(soap.params()));
        assertNotEquals(0.0, TestNets.maxAbsDiff(start.get(NDArrayIndex.interval(0, 36)),
                soap.params().get(NDArrayIndex.interval(0, 36))), "the vertex did not train");
        assertTrue(after < before, "loss went from " + before + " to " + after);

        ComputationGraph first = Soap.bind(vertexGraph(TestNets.soap()));
        fit(first, data, CHECKPOINT_AT);
        File file = new File(dir, "graph.zip");
        ModelSerializer.writeModel(first, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        fit(restored, data, STEPS - CHECKPOINT_AT);
        assertEquals(0.0, TestNets.maxAbsDiff(soap.params(), restored.params()), "parameters after resuming");
        assertEquals(0.0, TestNets.maxAbsDiff(TestNets.updaterState(soap), TestNets.updaterState(restored)),
                "updater state after resuming");
    }

    private static ComputationGraph vertexGraph(IUpdater updater) {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(12345).dataType(TYPE)
                .updater(updater).graphBuilder().addInputs("in")
                .addVertex("vertex", new SameDiffDenseLayers.Vertex(5, 6), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "vertex")
                .setOutputs("out").build());
        graph.init();
        return graph;
    }

    private static void fit(ComputationGraph graph, DataSet data, int steps) {
        for (int i = 0; i < steps; i++) {
            graph.fit(data);
        }
    }

    private static long expectedStateSize(MultiLayerNetwork net) {
        long size = 0;
        for (Layer layer : net.getLayers()) {
            for (Map.Entry<String, INDArray> p : layer.paramTable(false).entrySet()) {
                size += layer.getConfig().getUpdaterByParam(p.getKey()).stateSize(p.getValue().length());
            }
        }
        return size;
    }

    private static MultiLayerNetwork network(Kind kind, IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(kind.conf().apply(updater));
        net.init();
        return net;
    }

    private static void train(MultiLayerNetwork net, DataSet data, int steps) {
        for (int i = 0; i < steps; i++) {
            net.fit(data);
        }
    }

    private static void assertTrains(MultiLayerNetwork net, DataSet data, String updater, int steps) {
        double before = net.score(data);
        INDArray start = net.params().dup();
        train(net, data, steps);
        double after = net.score(data);
        System.out.printf("%-5s loss %.4f -> %.4f%n", updater, before, after);
        assertTrue(TestNets.allFinite(net.params()), updater + ": parameters became non-finite");
        assertNotEquals(0.0, TestNets.maxAbsDiff(start, net.params()), updater + ": nothing trained");
        assertTrue(after < before, updater + ": loss went from " + before + " to " + after);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    // --- Tiny synthetic data: random inputs, fixed one-hot labels (the networks memorize one batch). ---

    private static INDArray oneHot(long rows, int classes) {
        INDArray y = Nd4j.zeros(TYPE, rows, classes);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        return y;
    }

    static DataSet ff(int nIn, int classes) {
        Nd4j.getRandom().setSeed(1);
        return new DataSet(Nd4j.randn(TYPE, 16, nIn), oneHot(16, classes));
    }

    static DataSet indices(int vocab, int classes) {
        INDArray x = Nd4j.zeros(TYPE, 16, 1);
        for (int i = 0; i < 16; i++) {
            x.putScalar(i, 0, (i * 7) % vocab);
        }
        return new DataSet(x, oneHot(16, classes));
    }

    static DataSet indexSequences(int vocab, int length, int classes) {
        INDArray x = Nd4j.zeros(TYPE, 8, length);
        INDArray y = Nd4j.zeros(TYPE, 8, classes, length);
        for (int i = 0; i < 8; i++) {
            for (int t = 0; t < length; t++) {
                x.putScalar(i, t, (i * 3 + t * 5) % vocab);
                y.putScalar(new long[] {i, (i + t) % classes, t}, 1.0);
            }
        }
        return new DataSet(x, y);
    }

    static DataSet sequences(int nIn, int length, int classes) {
        Nd4j.getRandom().setSeed(2);
        INDArray y = Nd4j.zeros(TYPE, 8, classes, length);
        for (int i = 0; i < 8; i++) {
            for (int t = 0; t < length; t++) {
                y.putScalar(new long[] {i, (i + t) % classes, t}, 1.0);
            }
        }
        return new DataSet(Nd4j.randn(TYPE, 8, nIn, length), y);
    }

    static DataSet sequenceToOne(int nIn, int length, int classes) {
        Nd4j.getRandom().setSeed(3);
        return new DataSet(Nd4j.randn(TYPE, 8, nIn, length), oneHot(8, classes));
    }

    static DataSet images(int channels, int height, int width, int classes) {
        Nd4j.getRandom().setSeed(4);
        return new DataSet(Nd4j.randn(TYPE, 8, channels, height, width), oneHot(8, classes));
    }

    static DataSet volumes(int channels, int size, int classes) {
        Nd4j.getRandom().setSeed(5);
        return new DataSet(Nd4j.randn(TYPE, 8, channels, size, size, size), oneHot(8, classes));
    }

    /** One object per image on a 4x4 grid with two classes: labels [b, 4 + 2, 4, 4], boxes in grid units. */
    static DataSet yolo() {
        Nd4j.getRandom().setSeed(6);
        INDArray y = Nd4j.zeros(TYPE, 8, 6, 4, 4);
        for (int i = 0; i < 8; i++) {
            int cx = i % 4;
            int cy = (i / 2) % 4;
            y.putScalar(new long[] {i, 0, cy, cx}, cx + 0.2);
            y.putScalar(new long[] {i, 1, cy, cx}, cy + 0.1);
            y.putScalar(new long[] {i, 2, cy, cx}, cx + 0.8);
            y.putScalar(new long[] {i, 3, cy, cx}, cy + 0.9);
            y.putScalar(new long[] {i, 4 + i % 2, cy, cx}, 1.0);
        }
        return new DataSet(Nd4j.randn(TYPE, 8, 3, 4, 4), y);
    }
}
