package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opt-in staggered refreshes: balanced phases from bind, kept by the JSON, and training that works. */
class StaggeredRefreshTest {

    @Test
    void bindSpreadsTheLargeFactorsOverDistinctSteps() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .updater(Soap.builder().staggerRefreshes(true).build()).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(512).build())
                .layer(new DenseLayer.Builder().nIn(512).nOut(512).build())
                .layer(new OutputLayer.Builder().nIn(512).nOut(10).build()).build());
        net.init();
        Soap.bind(net);
        Map<Integer, Integer> largePerPhase = new HashMap<>();
        for (ParameterStats p : SoapStats.of(net)) {
            for (ParameterStats.FactorStats f : p.getFactors()) {
                if (f.getDim() >= 512) {
                    largePerPhase.merge(f.getRefreshPhase(), 1, Integer::sum);
                }
            }
        }
        // Five factors of 512 or more (784 and 512; 512 and 512; 512) on five distinct steps of the ten.
        assertEquals(5, largePerPhase.size(), "phases " + largePerPhase);
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
    }

    @Test
    void staggeredTrainingLowersTheLoss() {
        List<DataSet> train = TestNets.classification(40, 32, 21, DataType.FLOAT);
        DataSet test = DataSet.merge(TestNets.classification(8, 32, 99, DataType.FLOAT));
        MultiLayerNetwork net = TestNets.mlp(Soap.builder().learningRate(1e-2).preconditionFrequency(5)
                .staggerRefreshes(true).build(), DataType.FLOAT);
        double before = net.score(test);
        for (int epoch = 0; epoch < 3; epoch++) {
            train.forEach(net::fit);
        }
        double after = net.score(test);
        assertTrue(after < 0.5 * before, "test loss went from " + before + " to " + after);
        assertTrue(TestNets.allFinite(net.getUpdater().getStateViewArray()));
    }

    @Test
    void phasesAreZeroUnlessStaggered() {
        MultiLayerNetwork net = TestNets.mlp(Soap.builder().preconditionFrequency(5).build(), DataType.FLOAT);
        int factors = 0;
        for (ParameterStats p : SoapStats.of(net)) {
            for (ParameterStats.FactorStats f : p.getFactors()) {
                assertEquals(0, f.getRefreshPhase(), p.toString());
                factors++;
            }
        }
        assertEquals(6, factors, "two factors in each of the three weight matrices");
    }
}
