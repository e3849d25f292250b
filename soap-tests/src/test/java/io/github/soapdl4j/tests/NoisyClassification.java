package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The distributed-training tests' problem: 4 classes on 10 features, labels drawn from a softmax of a fixed
 * nonlinear score, and a 10-16-16-4 tanh MLP for it.
 *
 * <p>The labels are noisy so the problem has a loss floor above zero: a distributed run and a single-worker run both
 * approach it instead of driving the loss towards zero at rates that differ with the number of steps. The problem
 * is the same for every seed; the seed draws the examples.
 */
final class NoisyClassification {
    static final int FEATURES = 10;
    static final int CLASSES = 4;
    static final int HIDDEN = 16;

    private NoisyClassification() {
    }

    /** The MLP with {@code updater}, initialized from {@code seed} and bound (a no-op for other updaters). */
    static MultiLayerNetwork mlp(IUpdater updater, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return Soap.bind(net);
    }

    /** {@code batches} float minibatches of {@code batchSize} examples drawn with {@code seed}. */
    static List<DataSet> minibatches(int batches, int batchSize, long seed) {
        Random problem = new Random(42);
        double[][] w = new double[FEATURES][CLASSES];
        for (double[] row : w) {
            for (int j = 0; j < CLASSES; j++) {
                row[j] = 1.5 * problem.nextGaussian();
            }
        }
        Random r = new Random(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            double[][] x = new double[batchSize][FEATURES];
            double[][] y = new double[batchSize][CLASSES];
            for (int i = 0; i < batchSize; i++) {
                double[] p = new double[CLASSES];
                for (int k = 0; k < FEATURES; k++) {
                    x[i][k] = r.nextGaussian();
                    for (int j = 0; j < CLASSES; j++) {
                        p[j] += Math.tanh(x[i][k]) * w[k][j];
                    }
                }
                y[i][sample(softmax(p), r)] = 1;
            }
            out.add(new DataSet(Nd4j.create(x).castTo(DataType.FLOAT), Nd4j.create(y).castTo(DataType.FLOAT)));
        }
        return out;
    }

    private static double[] softmax(double[] s) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : s) {
            max = Math.max(max, v);
        }
        double z = 0;
        double[] p = new double[s.length];
        for (int j = 0; j < s.length; j++) {
            p[j] = Math.exp(s[j] - max);
            z += p[j];
        }
        for (int j = 0; j < s.length; j++) {
            p[j] /= z;
        }
        return p;
    }

    private static int sample(double[] p, Random r) {
        double u = r.nextDouble();
        for (int j = 0; j < p.length - 1; j++) {
            u -= p[j];
            if (u < 0) {
                return j;
            }
        }
        return p.length - 1;
    }
}
