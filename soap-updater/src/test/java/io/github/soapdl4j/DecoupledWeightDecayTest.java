package io.github.soapdl4j;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link DecoupledWeightDecay}'s host loops against their definitions, on views at an offset and over more than
 * two chunks: the update {@code g + scale * p} element by element, exactly; the score {@code coeff / 2 * sum(p^2)}
 * to float64 rounding.
 */
class DecoupledWeightDecayTest {
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void hostLoopsFollowTheDefinition(DataType type) {
        int n = 2 * Chunks.LENGTH + 7;
        Nd4j.getRandom().setSeed(21);
        INDArray param = Views.fOrder(Nd4j.randn(type, n + 5), 3, n);
        INDArray grad = Views.fOrder(Nd4j.randn(type, n + 9), 9, n);
        double[] p = param.toDoubleVector();
        double[] g = grad.toDoubleVector();
        DecoupledWeightDecay decay = new DecoupledWeightDecay(0.3, true);
        double lr = 1e-3;
        decay.apply(param, grad, lr, 0, 0);
        double scale = 0.3 * lr;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double expected = g[i] + scale * p[i];
            if (type == DataType.FLOAT) {
                expected = (float) expected;
            }
            assertEquals(expected, grad.getDouble(i), 0.0, "update at " + i);
            sum += p[i] * p[i];
        }
        assertEquals(0.3 * 0.5 * sum, decay.score(param, 0, 0), 1e-12 * sum);
    }
}
