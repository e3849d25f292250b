package io.github.soapdl4j.examples.mnist;

import io.github.soapdl4j.DecoupledWeightDecay;
import io.github.soapdl4j.examples.common.Optimizer;
import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import io.github.soapdl4j.examples.common.Sweep;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short version of the main job on Debian's Fashion-MNIST (installed by .ci/run): both models, both
 * optimizers, a few hundred examples and a few dozen steps. Training must run, lower the loss, and write its
 * CSV and PNG files; a tiny sweep must cover its whole grid, weight decay included.
 */
class MnistExampleTest {

    @Test
    void shortComparisonTrainsBothModelsAndWritesResults(@TempDir File out) throws Exception {
        MnistExample job = new MnistExample();
        MnistExample.commandLine(job).parseArgs("--model", "both", "--epochs", "3", "--batch", "32",
                "--train-limit", "320", "--test-limit", "200", "--eval-every", "5", "--soap-lr", "3e-3",
                "--adam-lr", "1e-3", "--seeds", "7", "--warmup-steps", "2", "--out", out.getPath());
        MnistData data = MnistData.locate(MnistData.Dataset.FASHION, null);
        ResultsWriter writer = new ResultsWriter(out);
        for (ImageModels.Model model : job.models()) {
            Map<Long, List<RunRecord>> runs = job.compare(data, model, writer);
            assertEquals(List.of(7L), List.copyOf(runs.keySet()));
            assertEquals(List.of("soap", "adam"), runs.get(7L).stream().map(RunRecord::name).toList());
            for (RunRecord run : runs.get(7L)) {
                assertEquals(30, run.steps().size(), run.name() + " ran 3 epochs of 10 steps");
                double first = run.evaluations().get(0).loss();
                double last = run.last().loss();
                assertTrue(last < 0.8 * first, model + " " + run.name() + " held-out loss " + first + " -> " + last);
                String prefix = "fashion-" + model.name().toLowerCase() + "-seed7";
                assertNonEmpty(new File(out, prefix + "-" + run.name() + "-train.csv"));
                assertNonEmpty(new File(out, prefix + "-" + run.name() + "-eval.csv"));
            }
            assertNonEmpty(new File(out, "fashion-" + model.name().toLowerCase() + "-loss.png"));
        }
    }

    /** The CNN has its own default SOAP learning rate; a given --soap-lr wins on either model. */
    @Test
    void cnnTrainsSoapAtItsOwnDefaultLearningRateUnlessOneIsGiven() {
        MnistExample defaults = new MnistExample();
        MnistExample.commandLine(defaults).parseArgs("--model", "both");
        assertEquals(1e-3, defaults.soapLearningRate(ImageModels.Model.MLP, defaults.options.soapLr));
        assertEquals(MnistExample.CNN_SOAP_LR, defaults.soapLearningRate(ImageModels.Model.CNN,
                defaults.options.soapLr));
        assertNotEquals(1e-3, MnistExample.CNN_SOAP_LR);
        MnistExample given = new MnistExample();
        MnistExample.commandLine(given).parseArgs("--model", "cnn", "--soap-lr", "1e-3");
        assertEquals(1e-3, given.soapLearningRate(ImageModels.Model.CNN, given.options.soapLr));
    }

    /** The CNN has its own default number of epochs; a given --epochs wins on either model. */
    @Test
    void cnnTrainsForItsOwnDefaultEpochsUnlessTheyAreGiven() {
        MnistExample defaults = new MnistExample();
        MnistExample.commandLine(defaults).parseArgs("--model", "both");
        assertEquals(10, defaults.epochs(ImageModels.Model.MLP, defaults.epochs));
        assertEquals(MnistExample.CNN_EPOCHS, defaults.epochs(ImageModels.Model.CNN, defaults.epochs));
        assertNotEquals(10, MnistExample.CNN_EPOCHS);
        MnistExample given = new MnistExample();
        MnistExample.commandLine(given).parseArgs("--model", "cnn", "--epochs", "4");
        assertEquals(4, given.epochs(ImageModels.Model.CNN, given.epochs));
    }

    @Test
    void sweepTrainsEveryOptimizerOnTheSameGrid(@TempDir File out) throws Exception {
        MnistExample job = new MnistExample();
        MnistExample.commandLine(job).parseArgs("--epochs", "1", "--batch", "32", "--train-limit", "96",
                "--test-limit", "100", "--seeds", "3", "--warmup-steps", "0", "--sweep", "1e-2",
                "--sweep-weight-decay", "0,0.5", "--out", out.getPath());
        List<Sweep.Cell> cells = job.sweep(MnistData.locate(MnistData.Dataset.FASHION, null),
                ImageModels.Model.MLP, new ResultsWriter(out));

        assertEquals(4, cells.size(), "2 optimizers x 1 learning rate x 2 weight decays");
        for (Optimizer o : Optimizer.values()) {
            List<Sweep.Cell> mine = cells.stream().filter(c -> c.optimizer() == o).toList();
            assertEquals(List.of(0.0, 0.5), mine.stream().map(Sweep.Cell::weightDecay).toList());
            RunRecord plain = mine.get(0).runs().get(0);
            RunRecord decayed = mine.get(1).runs().get(0);
            assertEquals(3, plain.steps().size());
            assertNotEquals(plain.last().loss(), decayed.last().loss(), o + ": weight decay changed nothing");
        }
        List<String> csv = Files.readAllLines(new File(out, "fashion-mlp-sweep.csv").toPath());
        assertEquals(5, csv.size(), "a header and one line per run: " + csv);
    }

    @Test
    void weightDecayIsSetOnceOnEveryLayersWeights() {
        for (ImageModels.Model model : ImageModels.Model.values()) {
            MultiLayerConfiguration conf = ImageModels.configuration(model, new Adam(), 0.05, 1);
            int decayed = 0;
            for (int i = 0; i < conf.getConfs().size(); i++) {
                if (!(conf.getConf(i).getLayer() instanceof BaseLayer layer)) {
                    continue;
                }
                List<Regularization> weights = layer.getRegularization();
                assertEquals(1, weights.size(), model + " layer " + i + ": " + weights);
                assertTrue(weights.get(0) instanceof DecoupledWeightDecay wd && wd.getCoeff().valueAt(0, 0) == 0.05
                        && wd.isApplyLR(), "decoupled and scaled by the learning rate: " + weights.get(0));
                assertTrue(layer.getRegularizationBias().isEmpty(), "biases are not decayed");
                decayed++;
            }
            assertEquals(model == ImageModels.Model.MLP ? 3 : 4, decayed);
            MultiLayerConfiguration none = ImageModels.configuration(model, new Adam(), 0, 1);
            none.getConfs().stream().filter(c -> c.getLayer() instanceof BaseLayer)
                    .forEach(c -> assertTrue(((BaseLayer) c.getLayer()).getRegularization().isEmpty()));
        }
    }

    @Test
    void eachOptimizerCanHaveTheWeightDecayItsSweepChose() {
        MnistExample job = new MnistExample();
        MnistExample.commandLine(job).parseArgs("--weight-decay", "0.1", "--adam-weight-decay", "0.01");
        assertEquals(0.1, job.weightDecay(Optimizer.SOAP));
        assertEquals(0.01, job.weightDecay(Optimizer.ADAM));
    }

    private static void assertNonEmpty(File f) {
        assertTrue(f.isFile() && f.length() > 0, f + " was not written");
    }
}
