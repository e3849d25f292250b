package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
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
}
