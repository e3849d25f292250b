package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SoapStats reads every parameter's factors, refreshes and counters from a trained network. */
class SoapStatsTest {

    @Test
    void reportsEveryParameterAfterTraining() {
        MultiLayerNetwork net = TestNets.mlp(Soap.builder().learningRate(1e-2).preconditionFrequency(4).build(),
                DataType.FLOAT);
        List<DataSet> data = TestNets.classification(14, 16, 8, DataType.FLOAT);
        data.forEach(net::fit);
        List<ParameterStats> stats = SoapStats.of(net);
        stats.forEach(System.out::println);

        assertEquals(6, stats.size(), "W and b of three layers");
        for (ParameterStats p : stats) {
            assertEquals(13, p.getSteps(), p.toString());
            assertEquals(0, p.getSkippedSteps() + p.getFailedDecompositions() + p.getRepairedBases());
            if (p.getParamName().equals("W")) {
                assertEquals(2, p.getFactors().size(), p.toString());
                for (ParameterStats.FactorStats f : p.getFactors()) {
                    assertEquals(3, f.getRefreshes(), "steps 4, 8 and 12");
                    assertTrue(f.getOrthonormalityError() < 1e-4, p.toString());
                    assertTrue(f.getMaxEigenvalue() >= f.getMinEigenvalue() && f.getMinEigenvalue() > -1e-4);
                }
                assertTrue(p.getRefreshSeconds() > 0);
            } else {
                assertTrue(p.getFactors().isEmpty(), "biases are not preconditioned by default");
            }
        }
        assertEquals("layer0", stats.get(0).getLayerName());
        assertEquals("[6*, 8*]", stats.get(0).getWorkingShape());
    }

    /** State bytes: 13 + 2n + sum_k 2 d_k^2 cells of the network's type, next to Adam's 2n. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void reportsStateBytesNextToAdams(DataType type) {
        MultiLayerNetwork net = TestNets.mlp(TestNets.soap(), type);
        net.fit(TestNets.classification(1, 16, 8, type).get(0));
        List<ParameterStats> stats = SoapStats.of(net);
        int width = type == DataType.FLOAT ? 4 : 8;
        long[][] shapes = {{6, 8}, {8}, {8, 8}, {8}, {8, 3}, {3}};
        long total = 0;
        for (int i = 0; i < shapes.length; i++) {
            long n = 1;
            long factors = 0;
            for (long d : shapes[i]) {
                n *= d;
                factors += shapes[i].length == 2 ? 2 * d * d : 0; // biases are not preconditioned by default
            }
            ParameterStats p = stats.get(i);
            assertEquals(width * (13 + 2 * n + factors), p.getStateBytes(), p.toString());
            assertEquals(width * 2 * n, p.getAdamStateBytes(), p.toString());
            total += p.getStateBytes();
        }
        assertEquals(net.getUpdater().getStateViewArray().length() * width, total, "the slots fill the state array");
        // Layer 0's W: 13 + 96 + 2 * (36 + 64) = 309 cells; Adam 96.
        assertTrue(stats.get(0).toString().endsWith(type == DataType.FLOAT ? "| state 1.2 KiB (Adam 384 B)"
                : "| state 2.4 KiB (Adam 768 B)"), stats.get(0).toString());
    }
}
