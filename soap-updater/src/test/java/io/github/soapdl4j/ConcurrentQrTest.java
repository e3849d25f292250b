package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decompositions run side by side give exactly what they give one at a time, every one of them runs (also when
 * there are more of them than threads) and no other, and one failure is reported without spoiling the others.
 */
class ConcurrentQrTest {

    @Test
    void sideBySideEqualsOneAtATimeBitForBit() {
        Nd4j.getRandom().setSeed(11);
        int[] dims = {37, 5, 64, 23, 64, 1};
        for (int round = 0; round < 10; round++) {
            int n = dims.length;
            Decompositions[] decs = new Decompositions[n];
            INDArray[] inputs = new INDArray[n];
            INDArray[] together = new INDArray[n];
            for (int i = 0; i < n; i++) {
                int d = dims[(i + round) % n];
                decs[i] = new Decompositions(d, DataType.FLOAT);
                inputs[i] = Nd4j.randn(DataType.FLOAT, d, d).dup('f');
                together[i] = Nd4j.create(DataType.FLOAT, new long[] {d, d}, 'f');
                decs[i].result().assign(7);
            }
            boolean[] ok = new boolean[n];
            // Also a count below the array lengths: only the first `count` jobs run.
            int count = round % 2 == 0 ? n : n - 1;
            ConcurrentQr.orthonormalFactors(decs, inputs, count, ok);
            for (int i = 0; i < count; i++) {
                together[i].assign(decs[i].result());
            }
            for (int i = 0; i < n; i++) {
                INDArray alone = Nd4j.create(DataType.FLOAT, inputs[i].shape(), 'f');
                boolean aloneOk = new Decompositions((int) inputs[i].rows(), DataType.FLOAT)
                        .orthonormalFactor(inputs[i], alone);
                if (i < count) {
                    assertTrue(ok[i] && aloneOk, "round " + round + " job " + i);
                    assertEquals(alone, together[i], "round " + round + " job " + i);
                } else {
                    assertFalse(ok[i]);
                    assertEquals(7.0, decs[i].result().minNumber().doubleValue(), "job " + i + " must not run");
                    assertEquals(7.0, decs[i].result().maxNumber().doubleValue(), "job " + i + " must not run");
                }
            }
        }
    }

    @Test
    void aFailedDecompositionIsReportedAndTheOthersSucceed() {
        int d = 16;
        Nd4j.getRandom().setSeed(5);
        INDArray good = Nd4j.randn(DataType.FLOAT, d, d).dup('f');
        INDArray bad = good.dup('f');
        bad.putScalar(3, 4, Float.NaN);
        boolean[] ok = new boolean[2];
        Decompositions[] decs = {new Decompositions(d, DataType.FLOAT), new Decompositions(d, DataType.FLOAT)};
        ConcurrentQr.orthonormalFactors(decs, new INDArray[] {bad, good}, 2, ok);
        assertFalse(ok[0]);
        assertTrue(ok[1]);
        INDArray q = decs[1].result();
        assertTrue(q.transpose().mmul(q).equalsWithEps(Nd4j.eye(d).castTo(DataType.FLOAT), 1e-5));
    }
}
