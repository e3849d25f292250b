package io.github.soapdl4j.examples.keras;

import io.github.soapdl4j.Soap;
import io.github.soapdl4j.examples.common.RunRecord;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Keras fine-tuning job on a few hundred Fashion-MNIST examples: the HDF5 file it writes imports back to the
 * same network, and fine-tuning with SOAP through {@code TransferLearning} trains, keeps frozen layers fixed,
 * writes its results, and resumes from its mid-run checkpoint exactly.
 */
class KerasFineTuneExampleTest {

    @Test
    void writtenHdf5ImportsBackToTheSameNetwork(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().nIn(7).nOut(6).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        File file = new File(dir, "mlp.h5");
        KerasHdf5Writer.write(net, file);

        MultiLayerNetwork imported = KerasModelImport.importKerasSequentialModelAndWeights(file.getPath());
        INDArray input = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 11, 7).subi(0.5);
        INDArray expected = net.output(input);
        INDArray actual = imported.output(input);
        assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 1e-6);
        for (int i = 0; i < net.getnLayers(); i++) {
            assertEquals(net.getLayer(i).getParam("W"), imported.getLayer(i).getParam("W"));
        }
    }

    @Test
    void shortFineTuneRunTrainsFreezesWritesAndResumesExactly(@TempDir File out) throws Exception {
        KerasFineTuneExample job = new KerasFineTuneExample();
        new CommandLine(job).parseArgs("--epochs", "2", "--batch", "32", "--train-limit", "256", "--test-limit",
                "200", "--source-limit", "400", "--source-epochs", "1", "--checkpoint-at", "11", "--seeds", "5",
                "--warmup-steps", "1", "--out", out.getPath());
        KerasFineTuneExample.Outcome outcome = job.execute();

        assertNonEmpty(outcome.model());
        assertEquals(new File(out, SourceFile.NAME), outcome.model());
        assertEquals(List.of(5L), List.copyOf(outcome.runs().keySet()));
        Map<String, CheckpointedTrainer.Result> runs = outcome.runs().get(5L);
        assertEquals(List.of("soap", "adam"), List.copyOf(runs.keySet()));
        for (var entry : runs.entrySet()) {
            String name = entry.getKey();
            RunRecord record = entry.getValue().record();
            MultiLayerNetwork tuned = entry.getValue().network();
            assertEquals(16, record.steps().size(), name + " ran 2 epochs of 8 steps");
            assertEquals(3, record.evaluations().size(), name + " evaluated before training and after each epoch");
            double first = record.evaluations().get(0).loss();
            double last = record.last().loss();
            assertTrue(last < 0.8 * first, name + " held-out loss " + first + " -> " + last);
            assertTrue(tuned.getLayerWiseConfigurations().getConf(0).getLayer() instanceof FrozenLayer);
            assertEquals(0.0, job.frozenChange(outcome.imported(), tuned), name + " moved a frozen layer");
            assertNotEquals(0.0, KerasFineTuneExample.maxAbsDiff(outcome.imported().getLayer(1).params(),
                    tuned.getLayer(1).params()), name + " did not train the first unfrozen layer");
            assertNonEmpty(new File(out, "keras-fine-tune-seed5-" + name + "-train.csv"));
            assertNonEmpty(new File(out, "keras-fine-tune-seed5-" + name + "-eval.csv"));
            assertNonEmpty(new File(out, "keras-fine-tune-seed5-" + name + "-checkpoint.zip"));
        }
        assertNonEmpty(outcome.plot());
        assertTrue(runs.get("soap").network().getLayerWiseConfigurations().getConf(1).getLayer()
                .getUpdaterByParam("W") instanceof Soap, "the restored network still trains with SOAP");

        MultiLayerNetwork resumed = runs.get("soap").network();
        MultiLayerNetwork straight = outcome.uninterrupted().network();
        assertEquals(runs.get("soap").record().last().loss(), outcome.uninterrupted().record().last().loss());
        assertEquals(0.0, KerasFineTuneExample.maxAbsDiff(resumed.params(), straight.params()),
                "parameters of the restored run differ from the uninterrupted one");
        INDArray state = resumed.getUpdater().getStateViewArray();
        assertEquals(0.0, KerasFineTuneExample.maxAbsDiff(state, straight.getUpdater().getStateViewArray()),
                "SOAP's state in the restored run differs from the uninterrupted one");
        assertNotEquals(0.0, state.norm2Number().doubleValue());
    }

    private static void assertNonEmpty(File f) {
        assertTrue(f.isFile() && f.length() > 0, f + " was not written");
    }
}
