package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.examples.common.Stats;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/** ND4J's own GEMM rate: square float32 'f'-order products into a preallocated output. */
final class GemmRate {
    private GemmRate() {
    }

    /**
     * @return GFLOP/s at size {@code n}, from the median of {@code reps} products after half a second (and at
     *         least three products) of untimed ones: the first calls of a fresh JVM run ND4J's Java side
     *         uncompiled, which at 128 measured a fifteenth of the rate
     */
    /**
     * One timed product per {@link #run()}, for interleaving with other timed work: a rate sampled between the
     * calls it is compared with sees the same stretch of a machine whose speed drifts.
     */
    static final class Probe implements Runnable {
        private final int n;
        private final INDArray a;
        private final INDArray b;
        private final INDArray c;
        private final List<Double> ms = new ArrayList<>();

        Probe(int n) {
            this.n = n;
            this.a = Nd4j.rand(DataType.FLOAT, n, n).dup('f');
            this.b = Nd4j.rand(DataType.FLOAT, n, n).dup('f');
            this.c = Nd4j.create(DataType.FLOAT, new long[] {n, n}, 'f');
        }

        @Override
        public void run() {
            long start = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            ms.add((System.nanoTime() - start) / 1e6);
        }

        /** @return GFLOP/s from the median of the products run so far */
        double gflops() {
            return 2.0 * n * n * n / (Stats.median(ms) * 1e6);
        }
    }

    static double gflops(int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n).dup('f');
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n).dup('f');
        INDArray c = Nd4j.create(DataType.FLOAT, new long[] {n, n}, 'f');
        long warmupEnd = System.nanoTime() + 500_000_000L;
        for (int i = 0; i < 3 || System.nanoTime() < warmupEnd; i++) {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            ms.add((System.nanoTime() - start) / 1e6);
        }
        return 2.0 * n * n * n / (Stats.median(ms) * 1e6);
    }
}
