package io.github.soapdl4j.examples.keras;

import io.github.soapdl4j.examples.common.Trainer;
import io.github.soapdl4j.examples.mnist.MnistData;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The "pretrained" model the job fine-tunes when it is given no Keras file: an MLP 784-256-128-5 trained briefly
 * with Adam on the first five Fashion-MNIST classes only (T-shirt/top, trouser, pullover, dress, coat). Fine-tuning
 * then has to reach all ten classes, five of them never seen, through features learned on the other five.
 */
public final class SourceModel {
    /** How many classes, counted from class 0, the source task has. */
    public static final int SOURCE_CLASSES = 5;

    private SourceModel() {
    }

    /**
     * @param data   Fashion-MNIST
     * @param limit  the first this many training examples (of a fixed shuffle) are filtered to the source classes
     * @param epochs passes over them
     * @param seed   seed of the initialization and the shuffle
     * @return the trained network; its held-out accuracy on the source classes goes to {@code log}
     */
    public static MultiLayerNetwork train(MnistData data, int limit, int epochs, long seed, PrintStream log)
            throws IOException {
        DataSet train = sourceClasses(data.iterator(true, limit, limit, seed).next());
        DataSet test = sourceClasses(data.iterator(false, 2_000, 2_000, seed).next());
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(256).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(SOURCE_CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build());
        net.init();
        net.fit(new ExistingDataSetIterator(train.batchBy(100)), epochs);
        double[] lossAndAccuracy = Trainer.lossAndAccuracy(net, new ExistingDataSetIterator(test.batchBy(500)));
        log.printf(Locale.ROOT, "Source model: %d examples of classes 0-%d, %d epochs of Adam; held-out loss %.4f, "
                + "accuracy %.4f on those classes%n", train.numExamples(), SOURCE_CLASSES - 1, epochs,
                lossAndAccuracy[0], lossAndAccuracy[1]);
        return net;
    }

    /** @return the examples of classes {@code 0..SOURCE_CLASSES-1}, with only those label columns */
    static DataSet sourceClasses(DataSet all) {
        INDArray classes = all.getLabels().argMax(1);
        int[] rows = IntStream.range(0, all.numExamples())
                .filter(i -> classes.getInt(i) < SOURCE_CLASSES).toArray();
        INDArray labels = all.getLabels().getRows(rows).get(NDArrayIndex.all(), NDArrayIndex.interval(0,
                SOURCE_CLASSES));
        return new DataSet(all.getFeatures().getRows(rows), labels.dup());
    }
}
