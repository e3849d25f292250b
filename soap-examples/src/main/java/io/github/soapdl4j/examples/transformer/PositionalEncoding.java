package io.github.soapdl4j.examples.transformer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fixed sinusoidal position signal of "Attention Is All You Need": feature {@code 2i} of position {@code p}
 * is {@code sin(p / 10000^(2i/d))}, feature {@code 2i+1} the cosine. Self-attention is blind to order, so the
 * model adds this to its character embeddings; being fixed, it adds no parameters for the optimizers to differ on.
 */
public final class PositionalEncoding {
    private PositionalEncoding() {
    }

    /** @return the encoding as a {@code [1, dModel, length]} array (Deeplearning4j's NCW sequence layout) */
    public static INDArray sinusoid(int dModel, int length) {
        double[][] values = new double[dModel][length];
        for (int i = 0; i < dModel; i++) {
            double frequency = Math.pow(10000, -(double) (i - i % 2) / dModel);
            for (int p = 0; p < length; p++) {
                values[i][p] = i % 2 == 0 ? Math.sin(p * frequency) : Math.cos(p * frequency);
            }
        }
        return Nd4j.create(values).castTo(DataType.FLOAT).reshape(1, dModel, length);
    }
}
