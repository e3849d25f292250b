package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LAPACK through ND4J: descending eigenvectors, orthonormal QR factors, and failures that touch nothing. */
class DecompositionsTest {

    private static INDArray spd(int d, DataType type) {
        Nd4j.getRandom().setSeed(3);
        INDArray a = Nd4j.randn(DataType.DOUBLE, d, 2L * d);
        return a.mmul(a.transpose()).castTo(type).dup('f');
    }

    @Test
    void eigenvectorsAreOrderedByDescendingEigenvalue() {
        int d = 6;
        INDArray gg = spd(d, DataType.DOUBLE);
        INDArray q = Nd4j.create(DataType.DOUBLE, new long[] {d, d}, 'f');
        assertTrue(new Decompositions(d, DataType.DOUBLE).eigenvectorsDescending(gg, q));
        INDArray lambda = q.transpose().mmul(gg).mmul(q);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                if (i != j) {
                    assertEquals(0, lambda.getDouble(i, j), 1e-8);
                }
            }
            if (i > 0) {
                assertTrue(lambda.getDouble(i - 1, i - 1) >= lambda.getDouble(i, i));
            }
        }
    }

    @Test
    void qrFactorIsOrthonormalAndSpansTheInput() {
        int d = 5;
        INDArray a = spd(d, DataType.FLOAT);
        INDArray q = Nd4j.create(DataType.FLOAT, new long[] {d, d}, 'f');
        assertTrue(new Decompositions(d, DataType.FLOAT).orthonormalFactor(a, q));
        assertTrue(q.transpose().mmul(q).equalsWithEps(Nd4j.eye(d).castTo(DataType.FLOAT), 1e-5));
        // Q Q^T a = a: a lies in Q's span.
        assertTrue(q.mmul(q.transpose()).mmul(a).equalsWithEps(a, 1e-3 * a.amaxNumber().doubleValue()));
    }

    @Test
    void nonFiniteInputFailsWithoutTouchingTheBasis() {
        int d = 4;
        INDArray bad = spd(d, DataType.FLOAT);
        bad.putScalar(1, 2, Float.NaN);
        INDArray q = Nd4j.eye(d).castTo(DataType.FLOAT).dup('f');
        Decompositions dec = new Decompositions(d, DataType.FLOAT);
        assertFalse(dec.eigenvectorsDescending(bad, q));
        assertFalse(dec.orthonormalFactor(bad, q));
        assertArrayEquals(Nd4j.eye(d).castTo(DataType.FLOAT).toFloatMatrix(), q.toFloatMatrix());
    }
}
