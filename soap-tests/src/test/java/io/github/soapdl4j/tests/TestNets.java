package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small networks and data shared by the integration tests. */
final class TestNets {
    private TestNets() {
    }

    /** A SOAP configuration that refreshes often, so that a few dozen steps exercise every code path. */
    static Soap soap() {
        return Soap.builder().learningRate(1e-2).preconditionFrequency(3).build();
    }

    /** An MLP 6-8-8-3 in {@code type} with the given updater. */
    static MultiLayerConfiguration mlpConf(Soap soap, DataType type) {
        return new NeuralNetConfiguration.Builder()
                .seed(7)
                .dataType(type)
                .updater(soap)
                .list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    static MultiLayerNetwork mlp(Soap soap, DataType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(mlpConf(soap, type));
        net.init();
        return Soap.bind(net);
    }

    /**
     * A learnable 3-class problem on 6 features: the class is the argmax of one fixed linear map (the same for
     * every seed, so data drawn with different seeds share the problem).
     */
    static List<DataSet> classification(int batches, int batchSize, long seed, DataType type) {
        Random problem = new Random(42);
        double[][] w = new double[6][3];
        for (double[] row : w) {
            for (int j = 0; j < 3; j++) {
                row[j] = problem.nextGaussian();
            }
        }
        Random r = new Random(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            double[][] x = new double[batchSize][6];
            double[][] y = new double[batchSize][3];
            for (int i = 0; i < batchSize; i++) {
                double[] s = new double[3];
                for (int k = 0; k < 6; k++) {
                    x[i][k] = r.nextGaussian();
                    for (int j = 0; j < 3; j++) {
                        s[j] += x[i][k] * w[k][j];
                    }
                }
                int best = s[0] >= s[1] && s[0] >= s[2] ? 0 : s[1] >= s[2] ? 1 : 2;
                y[i][best] = 1;
            }
            out.add(new DataSet(Nd4j.create(x).castTo(type), Nd4j.create(y).castTo(type)));
        }
        return out;
    }

    /** Random features and one-hot labels of the given shapes. */
    static DataSet randomData(long seed, DataType type, long[] featureShape, int classes) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(type, featureShape);
        INDArray y = Nd4j.zeros(type, featureShape[0], classes);
        for (int i = 0; i < featureShape[0]; i++) {
            y.putScalar(i, (int) (i % classes), 1.0);
        }
        return new DataSet(x, y);
    }

    /** The largest absolute difference between two arrays of equal length, compared element by element. */
    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.reshape(a.length()).castTo(DataType.DOUBLE)
                .distance1(b.reshape(b.length()).castTo(DataType.DOUBLE)) == 0 ? 0
                : Nd4j.math().abs(a.reshape(a.length()).castTo(DataType.DOUBLE)
                .sub(b.reshape(b.length()).castTo(DataType.DOUBLE))).maxNumber().doubleValue();
    }

    static INDArray updaterState(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).getUpdater().getStateViewArray();
        }
        return ((ComputationGraph) model).getUpdater().getStateViewArray();
    }

    static boolean allFinite(INDArray a) {
        return Double.isFinite(a.castTo(DataType.DOUBLE).sumNumber().doubleValue());
    }
}
