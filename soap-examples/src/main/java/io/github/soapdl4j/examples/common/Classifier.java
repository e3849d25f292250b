package io.github.soapdl4j.examples.common;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * What {@link Trainer} needs of a softmax classifier, so that one training loop serves a
 * {@link MultiLayerNetwork} and a {@link ComputationGraph} alike (Deeplearning4j gives the two no common interface
 * with {@code score()} and inference).
 */
public interface Classifier {
    /**
     * Takes one training step on {@code batch}.
     *
     * @return the minibatch's data loss at the parameters the step started from. Deeplearning4j's {@code score()}
     *         adds the regularization penalty (weight decay's {@code c·|W|²/2}, say), which is no loss of the
     *         data and differs between optimizers that reach different weight norms; it is taken out here.
     */
    double fit(MultiDataSet batch);

    /** @return the class probabilities for the features of {@code batch}, in inference mode */
    INDArray probabilities(MultiDataSet batch);

    /** A network with one input and one output; batches are handed to it as the {@code DataSet} it expects. */
    static Classifier of(MultiLayerNetwork net) {
        return new Classifier() {
            @Override
            public double fit(MultiDataSet batch) {
                double penalty = net.calcRegularizationScore(true);
                net.fit(new DataSet(batch.getFeatures(0), batch.getLabels(0), batch.getFeaturesMaskArray(0),
                        batch.getLabelsMaskArray(0)));
                return net.score() - penalty;
            }

            @Override
            public INDArray probabilities(MultiDataSet batch) {
                return net.output(batch.getFeatures(0), false);
            }
        };
    }

    /** A graph with any number of inputs and one softmax output. */
    static Classifier of(ComputationGraph graph) {
        return new Classifier() {
            @Override
            public double fit(MultiDataSet batch) {
                double penalty = graph.calcRegularizationScore(true);
                graph.fit(batch);
                return graph.score() - penalty;
            }

            @Override
            public INDArray probabilities(MultiDataSet batch) {
                return graph.outputSingle(false, batch.getFeatures());
            }
        };
    }
}
