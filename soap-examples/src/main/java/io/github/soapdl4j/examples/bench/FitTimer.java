package io.github.soapdl4j.examples.bench;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Times whole {@code fit()} calls (forward, backward, updater) of several networks on one fixed random minibatch,
 * their calls interleaved one by one (the first of each round rotating), so that every network meets the same
 * stretch of the machine, the same state of the JIT and the same garbage collections. Timed one after the other
 * instead, the network timed second inherits the first one's garbage: on the small transformer shapes that moved
 * the ratio of mean step times between 1.24 and 1.86 with the order alone.
 */
final class FitTimer {
    private FitTimer() {
    }

    /** @return per network, in the order given, milliseconds of each timed call */
    static List<List<Double>> time(List<MultiLayerNetwork> nets, long[] featureShape, int warmup, int timed) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, featureShape);
        INDArray y = Nd4j.zeros(DataType.FLOAT, featureShape[0], 10);
        for (int i = 0; i < featureShape[0]; i++) {
            y.putScalar(i, i % 10, 1.0);
        }
        DataSet batch = new DataSet(x, y);
        List<List<Double>> ms = new ArrayList<>();
        for (int k = 0; k < nets.size(); k++) {
            ms.add(new ArrayList<>());
        }
        System.gc();
        for (int i = 0; i < warmup + timed; i++) {
            for (int j = 0; j < nets.size(); j++) {
                int k = (i + j) % nets.size();
                long start = System.nanoTime();
                nets.get(k).fit(batch);
                if (i >= warmup) {
                    ms.get(k).add((System.nanoTime() - start) / 1e6);
                }
            }
        }
        return ms;
    }
}
