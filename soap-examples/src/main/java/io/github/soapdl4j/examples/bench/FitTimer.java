package io.github.soapdl4j.examples.bench;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/** Times whole {@code fit()} calls (forward, backward, updater) on one fixed random minibatch. */
final class FitTimer {
    private FitTimer() {
    }

    /** @return milliseconds of each timed call */
    static List<Double> time(MultiLayerNetwork net, long[] featureShape, int warmup, int timed) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, featureShape);
        INDArray y = Nd4j.zeros(DataType.FLOAT, featureShape[0], 10);
        for (int i = 0; i < featureShape[0]; i++) {
            y.putScalar(i, i % 10, 1.0);
        }
        DataSet batch = new DataSet(x, y);
        // Deeplearning4j's training leaves garbage whose collection pauses grow with the heap; each run starts from
        // a collected heap, so that the optimizer timed second does not inherit the first one's.
        System.gc();
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < warmup + timed; i++) {
            long start = System.nanoTime();
            net.fit(batch);
            if (i >= warmup) {
                ms.add((System.nanoTime() - start) / 1e6);
            }
        }
        return ms;
    }
}
