package io.github.soapdl4j.examples.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small transformer that reads a window of characters and predicts the next one, as a
 * {@code ComputationGraph} with two inputs: {@value #CHARS} (character indices {@code [b, 1, context]}) and
 * {@value #POSITIONS} (the fixed {@link PositionalEncoding}, {@code [b, dModel, context]}).
 *
 * <p>Embedding plus positions, then {@code blocks} residual blocks of multi-head self-attention (Deeplearning4j's
 * SameDiff {@link SelfAttentionLayer} with input projection) and a position-wise two-layer feed-forward
 * network, then the last position's vector into a softmax over the vocabulary. Deeplearning4j's self-attention
 * cannot be masked causally, so the model predicts only the character after the window: no position it attends
 * to holds the target.
 *
 * <p>Every weight matrix (not the biases) gets decoupled weight decay as a per-layer {@code WeightDecay}
 * regularization, never the global builder's, which Deeplearning4j 1.0.0-M2.1 applies twice.
 */
public final class CharTransformer {
    /** Name of the character input. */
    public static final String CHARS = "chars";
    /** Name of the position input. */
    public static final String POSITIONS = "positions";

    private CharTransformer() {
    }

    /**
     * The model's dimensions.
     *
     * @param vocabulary  distinct characters (input and output classes)
     * @param context     characters read per prediction
     * @param dModel      width of the residual stream
     * @param heads       attention heads; {@code dModel} must be a multiple
     * @param blocks      attention + feed-forward blocks
     * @param feedForward hidden width of the feed-forward networks
     */
    public record Size(int vocabulary, int context, int dModel, int heads, int blocks, int feedForward) {
        /** Checks that the heads split {@code dModel} evenly. */
        public Size {
            if (heads < 1 || dModel % heads != 0) {
                throw new IllegalArgumentException("d_model " + dModel + " is not a multiple of " + heads + " heads");
            }
        }
    }

    /** @return the graph's configuration, every layer trained with {@code updater} */
    public static ComputationGraphConfiguration configuration(Size size, IUpdater updater, double weightDecay,
                                                              long seed) {
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                // No setInputTypes: it would reset the embedding's nIn to the one feature of the index input.
                // Every layer states its nIn instead, and no preprocessor is needed between them.
                .addInputs(CHARS, POSITIONS)
                // Unit-variance embeddings match the sinusoid's scale; Xavier would let positions drown them out.
                .addLayer("embed", new EmbeddingSequenceLayer.Builder().nIn(size.vocabulary()).nOut(size.dModel())
                        .inputLength(size.context()).hasBias(false).weightInit(new NormalDistribution(0, 1))
                        .weightDecay(weightDecay).build(), CHARS)
                .addVertex("x0", new ElementWiseVertex(ElementWiseVertex.Op.Add), "embed", POSITIONS);
        String x = "x0";
        for (int b = 0; b < size.blocks(); b++) {
            x = block(graph, "block" + b, x, size, weightDecay);
        }
        return graph
                .addVertex("last", new LastTimeStepVertex(CHARS), x)
                // A zero head starts every optimizer at the uniform prediction, loss ln(vocabulary), however large
                // the un-normalized residual stream comes out of the random blocks.
                .addLayer("next", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(size.dModel())
                        .nOut(size.vocabulary()).activation(Activation.SOFTMAX).weightInit(WeightInit.ZERO)
                        .weightDecay(weightDecay).build(), "last")
                .setOutputs("next")
                .build();
    }

    /** Adds one residual block after {@code input}; @return the name of its output vertex */
    private static String block(ComputationGraphConfiguration.GraphBuilder graph, String name, String input,
                                Size size, double weightDecay) {
        int d = size.dModel();
        Layer attention = new SelfAttentionLayer.Builder().nIn(d).nOut(d).nHeads(size.heads())
                .headSize(d / size.heads()).projectInput(true).weightDecay(weightDecay).build();
        graph.addLayer(name + "-attention", attention, input)
                .addVertex(name + "-mixed", new ElementWiseVertex(ElementWiseVertex.Op.Add), input, name + "-attention")
                .addLayer(name + "-ff1", positionWise(new DenseLayer.Builder().nIn(d).nOut(size.feedForward())
                        .activation(Activation.RELU).weightInit(WeightInit.RELU).weightDecay(weightDecay).build()),
                        name + "-mixed")
                .addLayer(name + "-ff2", positionWise(new DenseLayer.Builder().nIn(size.feedForward()).nOut(d)
                        .activation(Activation.IDENTITY).weightDecay(weightDecay).build()), name + "-ff1")
                .addVertex(name + "-out", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "-mixed",
                        name + "-ff2");
        return name + "-out";
    }

    private static Layer positionWise(Layer dense) {
        return new TimeDistributed(dense, RNNFormat.NCW);
    }
}
