package io.github.soapdl4j.tests;

import io.github.soapdl4j.ConcurrentRefresh;
import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two networks trained at once on two threads of one JVM (as a hyperparameter search does) end bit for bit where
 * they end trained one after the other, whether the other network uses SOAP or Adam: SOAP changes no process-wide
 * setting. Float64 networks of square layers with batches larger than the layers, so that every first factor has
 * full rank and the trajectories do not hinge on an arbitrary first basis.
 *
 * <p>Before SOAP stopped changing thread counts, {@link #soapBesideSoap} failed here (one run ended 2.1e-9
 * relative norm away from its run alone at these sizes); Adam's results at these sizes do not depend on the thread
 * counts, so {@link #adamBesideSoap} guards the requirement without having caught that version.
 */
class ConcurrentTrainingTest {
    private static final int WIDTH = 24;
    private static final int BATCH = 64;
    private static final int BATCHES = 20;
    private static final int EPOCHS = 2;

    private static IUpdater soap() {
        return Soap.builder().learningRate(1e-2).preconditionFrequency(3).build();
    }

    private static MultiLayerNetwork network(IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(11)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .list()
                .layer(new DenseLayer.Builder().nIn(WIDTH).nOut(WIDTH).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(WIDTH).nOut(WIDTH).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(WIDTH).nOut(WIDTH)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return updater instanceof Soap ? Soap.bind(net) : net;
    }

    private static List<DataSet> data(long seed) {
        Random r = new Random(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            double[][] x = new double[BATCH][WIDTH];
            double[][] y = new double[BATCH][WIDTH];
            for (int i = 0; i < BATCH; i++) {
                for (int k = 0; k < WIDTH; k++) {
                    x[i][k] = r.nextGaussian();
                }
                y[i][r.nextInt(WIDTH)] = 1;
            }
            out.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
        }
        return out;
    }

    private static double[] train(MultiLayerNetwork net, List<DataSet> data) {
        for (int e = 0; e < EPOCHS; e++) {
            data.forEach(net::fit);
        }
        return net.params().dup().toDoubleVector();
    }

    /** Trains {@code a} and {@code b} one after the other, then fresh copies of them at once on two threads. */
    private static void assertSideBySideEqualsAlone(IUpdater a, IUpdater b) throws Exception {
        List<DataSet> dataA = data(1);
        List<DataSet> dataB = data(2);
        double[] aloneA = train(network(a), dataA);
        double[] aloneB = train(network(b), dataB);

        MultiLayerNetwork netA = network(a);
        MultiLayerNetwork netB = network(b);
        CountDownLatch start = new CountDownLatch(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<double[]> togetherA = threads.submit(() -> {
                start.countDown();
                start.await();
                return train(netA, dataA);
            });
            Future<double[]> togetherB = threads.submit(() -> {
                start.countDown();
                start.await();
                return train(netB, dataB);
            });
            double[] sideA = togetherA.get(10, TimeUnit.MINUTES);
            double[] sideB = togetherB.get(10, TimeUnit.MINUTES);
            System.out.printf("%s beside %s: relative distance to the runs alone %.3e and %.3e%n", a, b,
                    relativeDistance(aloneA, sideA), relativeDistance(aloneB, sideB));
            assertArrayEquals(aloneA, sideA, 0.0, a + " beside " + b);
            assertArrayEquals(aloneB, sideB, 0.0, b + " beside " + a);
        } finally {
            threads.shutdownNow();
        }
    }

    private static double relativeDistance(double[] x, double[] y) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            diff += (x[i] - y[i]) * (x[i] - y[i]);
            norm += x[i] * x[i];
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void soapBesideSoap() throws Exception {
        assertSideBySideEqualsAlone(soap(), Soap.builder().learningRate(3e-3).preconditionFrequency(2).build());
    }

    @Test
    void adamBesideSoap() throws Exception {
        assertSideBySideEqualsAlone(new Adam(1e-2), soap());
    }

    /** The opt-in helper threads change no setting either. */
    @Test
    void adamBesideSoapWithConcurrentRefresh() throws Exception {
        assertSideBySideEqualsAlone(new Adam(1e-2), Soap.builder().learningRate(1e-2).preconditionFrequency(3)
                .concurrentRefresh(ConcurrentRefresh.threads(2)).build());
    }

    @Test
    void aRunAloneIsRepeatable() {
        // The premise of the comparisons above: the same run twice in one thread gives the same parameters.
        List<DataSet> data = data(3);
        double[] first = train(network(soap()), data);
        assertArrayEquals(first, train(network(soap()), data), 0.0);
        assertEquals(first.length, 3 * (WIDTH * WIDTH + WIDTH));
    }
}
